//! Characters no one needs in a migration, and that a hostile author could use: control
//! characters (psql and terminals act on them) and bidi controls or invisible characters
//! (a reviewer reads text that is not what runs: CVE-2021-42574, "Trojan Source").
//!
//! Where a character stands decides what it is:
//!
//! | where | control character | bidi or invisible |
//! | --- | --- | --- |
//! | quoted name, string literal | error | warning (error in a message) |
//! | comment | error | error |
//! | backtick SQL, raw SQL block | error | warning |
//! | anywhere else | error | error |
//!
//! Tabs and line feeds are the layout of a file: the scan passes them, and the parser
//! refuses them inside quoted names and string literals, which it walks one by one.
//!
//! A carriage return counts as a line break only right before a line feed; alone, it
//! is a control character (a terminal would write the rest of the line over what
//! came before it). Warnings follow rustc's `text_direction_codepoint_in_literal`: text
//! in a literal or in SQL is data, and may need such a character, but never unseen.

use super::lexer::{self, TokenKind};
use crate::inert::{self, Hazard};

/// What the scan found: a byte range, whether it is an error, and the message.
pub struct Finding {
    pub start: usize,
    pub end: usize,
    pub error: bool,
    pub control: bool,
    pub message: String,
}

/// Where a character stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    QuotedName,
    Literal,
    /// A `message` or `irreversible` string: one line of text rendered into comments.
    Message,
    Comment,
    Sql,
    Code,
}

impl Context {
    fn words(self) -> &'static str {
        match self {
            Context::QuotedName => "a quoted name",
            Context::Literal => "a string literal",
            Context::Message => "a message",
            Context::Comment => "a comment",
            Context::Sql => "SQL",
            Context::Code => "the file",
        }
    }
}

/// Every hazardous character of `text`, in order. The control characters of quoted
/// names and string literals are left to the parser, which walks each of them.
pub fn scan(text: &str) -> Vec<Finding> {
    let hazards = hazards(text);
    if hazards.is_empty() {
        return Vec::new();
    }
    // Only a file with a hazard is tokenized again, to learn where each one stands. A
    // file whose quotes do not close is a syntax error of its own; its hazards are
    // judged as if they stood in code.
    let tokens = lexer::tokenize_with_comments(text).unwrap_or_default();
    let mut findings = Vec::new();
    let mut token = 0;
    for (at, c) in hazards {
        while token < tokens.len() && tokens[token].end <= at {
            token += 1;
        }
        let context = match tokens.get(token).filter(|t| t.start <= at) {
            Some(t) => match t.kind {
                TokenKind::QuotedIdent => Context::QuotedName,
                TokenKind::String if is_message(text, &tokens, token) => Context::Message,
                TokenKind::String => Context::Literal,
                TokenKind::Comment => Context::Comment,
                TokenKind::Expr | TokenKind::DollarQuoted => Context::Sql,
                _ => Context::Code,
            },
            None => Context::Code,
        };
        let end = at + c.len_utf8();
        match inert::hazard(c) {
            // Names and literals are the parser's: it reports their first control
            // character, tabs and line feeds included.
            Some(Hazard::Control)
                if !matches!(
                    context,
                    Context::QuotedName | Context::Literal | Context::Message
                ) =>
            {
                let message = if c == '\r' {
                    format!(
                        "a carriage return not followed by a line feed, in {}",
                        context.words()
                    )
                } else {
                    format!(
                        "control character {} in {}",
                        inert::describe(c),
                        context.words()
                    )
                };
                findings.push(Finding {
                    start: at,
                    end,
                    error: true,
                    control: true,
                    message,
                });
            }
            Some(Hazard::Control) => {}
            Some(Hazard::Invisible) => {
                let error = !matches!(context, Context::Literal | Context::Sql);
                findings.push(Finding {
                    start: at,
                    end,
                    error,
                    control: false,
                    message: format!(
                        "{} in {}: it is invisible or reorders the text around it, so the code \
                         does not read as it runs",
                        inert::describe(c),
                        context.words()
                    ),
                });
            }
            None => {}
        }
    }
    findings
}

/// Whether the string at `tokens[i]` is a revision's message or irreversible reason.
fn is_message(text: &str, tokens: &[lexer::Token], i: usize) -> bool {
    tokens[..i]
        .iter()
        .rev()
        .find(|t| t.kind != TokenKind::Comment)
        .is_some_and(|t| {
            let word = &text[t.start..t.end];
            t.kind == TokenKind::Word
                && (word.eq_ignore_ascii_case("message")
                    || word.eq_ignore_ascii_case("irreversible"))
        })
}

/// The hazardous characters of `text` with their byte offsets, but for tabs, line feeds
/// and carriage returns right before a line feed: those are the layout of the file, and
/// the parser refuses them in names and literals, where it knows it stands in one.
/// Plain ASCII text is passed by one byte test each.
fn hazards(text: &str) -> Vec<(usize, char)> {
    // Branch-free over the bytes, so that the compiler makes it a vector loop: every
    // file is scanned, and nearly all are plain.
    let odd = text.as_bytes().iter().fold(false, |odd, &b| {
        odd | ((b.wrapping_sub(0x20) >= 0x5F) & (b != b'\n') & (b != b'\t'))
    });
    if !odd {
        return Vec::new();
    }
    text.char_indices()
        .filter(|&(at, c)| match c {
            '\n' | '\t' => false,
            '\r' => !text[at + 1..].starts_with('\n'),
            c => inert::hazard(c).is_some(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(usize, bool, String)> {
        scan(text)
            .into_iter()
            .map(|f| (f.start, f.error, f.message))
            .collect()
    }

    #[test]
    fn plain_text_has_nothing() {
        assert!(found("revision a;\n\tupgrade { create table t (id int); } -- é\r\n").is_empty());
    }

    #[test]
    fn control_characters_are_errors_where_they_stand() {
        assert_eq!(
            found("assume table t (id int) -- \r\\! id"),
            vec![(
                27,
                true,
                "a carriage return not followed by a line feed, in a comment".into()
            )]
        );
        assert_eq!(
            found("-- x\u{1B}[2J\n"),
            vec![(
                4,
                true,
                "control character U+001B (ESCAPE) in a comment".into()
            )]
        );
        assert_eq!(
            found("create type e as enum ('a') \u{7};"),
            vec![(
                28,
                true,
                "control character U+0007 (a control character) in the file".into()
            )]
        );
        // Names' and literals' are the parser's.
        assert!(found("create type e as enum ('a\u{7}b', \"\r\");").is_empty());
        assert_eq!(found("sql $$ SELECT 1\n\t$$;").len(), 0);
        assert!(found("sql $$ SELECT 1\u{85} $$;")[0].1);
        assert_eq!(
            found("default `0\r`")[0].2,
            "a carriage return not followed by a line feed, in SQL"
        );
    }

    #[test]
    fn invisible_characters_are_errors_but_in_literals_and_sql() {
        let rlo = '\u{202E}';
        assert!(found(&format!("-- a{rlo}b"))[0].1);
        assert!(found(&format!("create table \"a{rlo}\" ();"))[0].1);
        assert!(found(&format!("message 'a{rlo}'"))[0].1);
        assert!(!found(&format!("default 'a{rlo}'"))[0].1);
        assert!(!found(&format!("check `a = '{rlo}'`"))[0].1);
        assert!(!found("sql $$ SELECT '\u{200B}' $$;")[0].1);
        assert!(found(&format!("create table a{rlo} ();"))[0].1);
        assert_eq!(
            found("labels x\u{2066};")[0].2,
            "U+2066 (LEFT-TO-RIGHT ISOLATE) in the file: it is invisible or reorders the text \
             around it, so the code does not read as it runs"
        );
    }
}
