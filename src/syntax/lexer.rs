//! A token scanner for `.mig` text.
//!
//! The grammar does the parsing; this scanner exists for what a PEG parser reports
//! badly: a string, quoted name, backtick expression, dollar-quoted block or block
//! comment that is never closed. pest would report the point where it gave up, often
//! the end of the file; the scanner reports where the unclosed thing started. Tools
//! that work on tokens (the robustness tests mutate files token by token) use it too.

/// What kind of token a [`Token`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword or bare name.
    Word,
    /// `"quoted name"`
    QuotedIdent,
    /// `'string'`
    String,
    /// `42`, `-7`, `3.25`
    Number,
    /// `` `expression` ``
    Expr,
    /// `$tag$ ... $tag$`
    DollarQuoted,
    /// Any other single character.
    Punct,
    /// `-- ...` or `/* ... */`, from [`tokenize_with_comments`] only.
    Comment,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

/// A construct that is opened but never closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unterminated {
    /// What was left open, in words: "string literal", "block comment", ...
    pub what: &'static str,
    /// The byte range of the opening delimiter.
    pub start: usize,
    pub end: usize,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_word_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$'
}

/// The tokens of `text`, comments and white space left out, or the first construct that
/// is never closed.
pub fn tokenize(text: &str) -> Result<Vec<Token>, Unterminated> {
    scan(text, false)
}

/// The tokens of `text` with its comments, white space left out.
pub fn tokenize_with_comments(text: &str) -> Result<Vec<Token>, Unterminated> {
    scan(text, true)
}

fn scan(text: &str, comments: bool) -> Result<Vec<Token>, Unterminated> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        let rest = &bytes[i..];
        // The grammar's white space: space, and tab to carriage return (vertical tab too).
        let kind = if b == b' ' || (b'\t'..=b'\r').contains(&b) {
            i += 1;
            continue;
        } else if rest.starts_with(b"--") {
            i = memchr(b'\n', bytes, i).unwrap_or(bytes.len());
            if !comments {
                continue;
            }
            TokenKind::Comment
        } else if rest.starts_with(b"/*") {
            i = skip_block_comment(bytes, i)?;
            if !comments {
                continue;
            }
            TokenKind::Comment
        } else if is_word_start(b) {
            i += 1;
            while i < bytes.len() && is_word_char(bytes[i]) {
                i += 1;
            }
            TokenKind::Word
        } else if b.is_ascii_digit() || (b == b'-' && rest.get(1).is_some_and(u8::is_ascii_digit)) {
            i += 1;
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            TokenKind::Number
        } else if b == b'\'' {
            i = skip_quoted(bytes, i, b'\'', "string literal")?;
            TokenKind::String
        } else if b == b'"' {
            i = skip_quoted(bytes, i, b'"', "quoted name")?;
            TokenKind::QuotedIdent
        } else if b == b'`' {
            match memchr(b'`', bytes, i + 1) {
                Some(close) => i = close + 1,
                None => return Err(unterminated("backtick SQL expression", i, i + 1)),
            }
            TokenKind::Expr
        } else if let Some(tag_len) = dollar_tag_len(rest) {
            let tag = &rest[..tag_len];
            match find(bytes, tag, i + tag_len) {
                Some(close) => i = close + tag_len,
                None => return Err(unterminated("dollar-quoted block", i, i + tag_len)),
            }
            TokenKind::DollarQuoted
        } else {
            i += text[i..].chars().next().map_or(1, char::len_utf8);
            TokenKind::Punct
        };
        tokens.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(tokens)
}

fn unterminated(what: &'static str, start: usize, end: usize) -> Unterminated {
    Unterminated { what, start, end }
}

/// The length of a dollar-quote opening tag (`$$`, `$tag$`) at the start of `rest`.
fn dollar_tag_len(rest: &[u8]) -> Option<usize> {
    if rest.first() != Some(&b'$') {
        return None;
    }
    let mut i = 1;
    if rest.get(1).copied().is_some_and(is_word_start) {
        while rest
            .get(i)
            .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
        {
            i += 1;
        }
    }
    (rest.get(i) == Some(&b'$')).then_some(i + 1)
}

/// Skips a quoted token in which a doubled quote stands for one; returns the offset
/// after the closing quote.
fn skip_quoted(
    bytes: &[u8],
    open: usize,
    quote: u8,
    what: &'static str,
) -> Result<usize, Unterminated> {
    let mut i = open + 1;
    loop {
        match memchr(quote, bytes, i) {
            Some(close) if bytes.get(close + 1) == Some(&quote) => i = close + 2,
            Some(close) => return Ok(close + 1),
            None => return Err(unterminated(what, open, open + 1)),
        }
    }
}

/// Skips a block comment, which may nest; returns the offset after it.
fn skip_block_comment(bytes: &[u8], open: usize) -> Result<usize, Unterminated> {
    let mut depth = 0usize;
    let mut i = open;
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"/*" => {
                depth += 1;
                i += 2;
            }
            b"*/" => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Ok(i);
                }
            }
            _ => i += 1,
        }
    }
    Err(unterminated("block comment", open, open + 2))
}

fn memchr(needle: u8, bytes: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .iter()
        .position(|&b| b == needle)
        .map(|p| p + from)
}

fn find(bytes: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokenize(text)
            .expect("tokenizes")
            .into_iter()
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn tokens_of_a_statement() {
        use TokenKind::*;
        assert_eq!(
            kinds("create table \"A\"\"b\" (x int default -7, y text default 'it''s') -- c\n/* a /* b */ */ `now()` $t$ x $ y $t$ a$b;"),
            vec![
                (Word, "create"),
                (Word, "table"),
                (QuotedIdent, "\"A\"\"b\""),
                (Punct, "("),
                (Word, "x"),
                (Word, "int"),
                (Word, "default"),
                (Number, "-7"),
                (Punct, ","),
                (Word, "y"),
                (Word, "text"),
                (Word, "default"),
                (String, "'it''s'"),
                (Punct, ")"),
                (Expr, "`now()`"),
                (DollarQuoted, "$t$ x $ y $t$"),
                (Word, "a$b"),
                (Punct, ";"),
            ]
        );
    }

    #[test]
    fn unterminated_constructs_point_at_their_start() {
        let cases = [
            ("x 'abc", "string literal", 2),
            ("x \"abc", "quoted name", 2),
            ("x `abc", "backtick SQL expression", 2),
            ("x $a$ abc $b$", "dollar-quoted block", 2),
            ("x /* a /* b */", "block comment", 2),
            ("x 'it''s", "string literal", 2),
        ];
        for (text, what, start) in cases {
            let error = tokenize(text).expect_err(text);
            assert_eq!((error.what, error.start), (what, start), "{text}");
        }
    }
}
