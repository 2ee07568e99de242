//! The one way out for author text that is not SQL: what a `.mig` file's author wrote
//! (ids, messages, names, reasons) on its way into a comment or `\echo` line of a
//! script, or onto the reviewer's terminal.
//!
//! psql ends a `--` comment at a carriage return as well as a line feed, so a raw CR in
//! a comment lets the rest of the line run as a meta-command (`\! id`); a terminal acts
//! on escape sequences (ESC) and other controls; bidi controls and zero-width characters
//! make a reviewer read text that is not what runs (CVE-2021-42574). Every such
//! character is written here as a visible escape, `\u{1B}` (`\n`, `\r` and `\t` for the
//! three common ones), and nothing else formats author text into a script or a
//! diagnostic. SQL positions are quoted instead, by [`crate::quote`].

use std::fmt;

/// What kind of hazard a character is, if it is one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hazard {
    /// A C0 or C1 control character (carriage return, line feed, escape, NEL, ...), DEL,
    /// or a Unicode line or paragraph separator: psql or a terminal acts on these.
    Control,
    /// A bidi control or an invisible character (zero-width space and joiners, word
    /// joiner, byte-order mark, soft hyphen, ...): text that reads otherwise than it is.
    Invisible,
}

/// The hazard `c` is, if it is one.
pub fn hazard(c: char) -> Option<Hazard> {
    if c.is_ascii() {
        return (c.is_ascii_control()).then_some(Hazard::Control);
    }
    match c {
        '\u{80}'..='\u{9F}' | '\u{2028}' | '\u{2029}' => Some(Hazard::Control),
        '\u{AD}'
        | '\u{34F}'
        | '\u{61C}'
        | '\u{115F}'
        | '\u{1160}'
        | '\u{17B4}'
        | '\u{17B5}'
        | '\u{180B}'..='\u{180F}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{3164}'
        | '\u{FEFF}'
        | '\u{FFA0}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E007F}' => Some(Hazard::Invisible),
        _ => None,
    }
}

/// `U+202E (RIGHT-TO-LEFT OVERRIDE)`: a character named for a message.
pub fn describe(c: char) -> String {
    let name = match c {
        '\0' => "NUL",
        '\t' => "TAB",
        '\n' => "LINE FEED",
        '\r' => "CARRIAGE RETURN",
        '\u{1B}' => "ESCAPE",
        '\u{7F}' => "DELETE",
        '\u{85}' => "NEXT LINE",
        '\u{AD}' => "SOFT HYPHEN",
        '\u{61C}' => "ARABIC LETTER MARK",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202A}' => "LEFT-TO-RIGHT EMBEDDING",
        '\u{202B}' => "RIGHT-TO-LEFT EMBEDDING",
        '\u{202C}' => "POP DIRECTIONAL FORMATTING",
        '\u{202D}' => "LEFT-TO-RIGHT OVERRIDE",
        '\u{202E}' => "RIGHT-TO-LEFT OVERRIDE",
        '\u{2060}' => "WORD JOINER",
        '\u{2066}' => "LEFT-TO-RIGHT ISOLATE",
        '\u{2067}' => "RIGHT-TO-LEFT ISOLATE",
        '\u{2068}' => "FIRST STRONG ISOLATE",
        '\u{2069}' => "POP DIRECTIONAL ISOLATE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE",
        c if c.is_control() => "a control character",
        _ => "",
    };
    if name.is_empty() {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} ({name})", c as u32)
    }
}

/// Where escaped text lands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// A line of a script (`--` comment or `\echo`): every hazard escaped, and `\`
    /// doubled so that the escapes read back unambiguously.
    Script,
    /// A terminal: every hazard escaped but the tab (source lines keep their tabs so
    /// that the caret lines up); `\` is written as it is, as a terminal shows it.
    Terminal,
    /// Whole lines for a terminal: as [`Target::Terminal`], line feeds kept.
    Lines,
}

/// Whether `text` is printable ASCII without a backslash: what most author text is, and
/// needs no escape anywhere. One test per byte.
pub(crate) fn plain(text: &str) -> bool {
    text.bytes()
        .all(|b| (0x20..0x7F).contains(&b) && b != b'\\')
}

fn write_escaped<W: fmt::Write + ?Sized>(out: &mut W, text: &str, target: Target) -> fmt::Result {
    if plain(text) {
        return out.write_str(text);
    }
    let mut rest = text;
    while let Some(at) = rest.find(|c: char| {
        (c == '\\' && target == Target::Script)
            || (hazard(c).is_some()
                && !(c == '\t' && target != Target::Script)
                && !(c == '\n' && target == Target::Lines))
    }) {
        out.write_str(&rest[..at])?;
        let c = rest[at..].chars().next().unwrap_or('\0');
        match c {
            '\\' => out.write_str("\\\\")?,
            '\n' => out.write_str("\\n")?,
            '\r' => out.write_str("\\r")?,
            '\t' => out.write_str("\\t")?,
            c => write!(out, "\\u{{{:X}}}", c as u32)?,
        }
        rest = &rest[at + c.len_utf8()..];
    }
    out.write_str(rest)
}

/// Author text for a line of a script (a `--` comment): written with [`Display`](fmt::Display).
#[derive(Clone, Copy)]
pub struct Comment<'a>(pub &'a str);

impl fmt::Display for Comment<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0, Target::Script)
    }
}

/// Anything that formats author text (a quoted name, say), for a script's comment line:
/// formatted first, then escaped as [`Comment`] escapes.
pub struct CommentOf<T>(pub T);

impl<T: fmt::Display> fmt::Display for CommentOf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        Comment(&self.0.to_string()).fmt(f)
    }
}

/// Author text for the terminal (diagnostics, `history`, `show`).
#[derive(Clone, Copy)]
pub struct Terminal<'a>(pub &'a str);

impl fmt::Display for Terminal<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_escaped(f, self.0, Target::Terminal)
    }
}

/// Text of several lines for the terminal: every line as [`Terminal`] writes it. The
/// last guard of what strata prints to a terminal (standard error, and standard output
/// but for SQL), behind the escaping of each piece of author text where it is formatted.
pub fn terminal_lines(text: &str) -> std::borrow::Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c != '\n' && c != '\t' && hazard(c).is_some())
    {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let _ = write_escaped(&mut out, text, Target::Lines);
    std::borrow::Cow::Owned(out)
}

/// How many characters [`Terminal`] writes for `c`, for what lines up under it.
pub fn terminal_width(c: char) -> usize {
    match c {
        '\t' => 1,
        '\n' | '\r' => 2,
        c if hazard(c).is_some() => format!("{:X}", c as u32).len() + 4,
        _ => 1,
    }
}

/// `text` as a terminal shows it: [`Terminal`] into a `String`.
pub fn terminal(text: &str) -> String {
    Terminal(text).to_string()
}

/// `text` as the argument of a psql `\echo`: single-quoted, so that psql neither splits
/// it, nor interpolates `:variables` or runs `` `commands` `` in it, nor reads a `\` as
/// the start of another meta-command. psql reads `\\` in quotes as one `\` and `''` as
/// one `'`, so the line prints exactly what [`Comment`] writes.
pub fn echo_argument(text: &str) -> String {
    let escaped = Comment(text).to_string();
    let mut out = String::with_capacity(escaped.len() + 2);
    out.push('\'');
    for c in escaped.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Reads back what [`Comment`] wrote: the escapes are unambiguous.
#[cfg(test)]
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|&c| c != '}').collect();
                out.push(
                    u32::from_str_radix(&hex, 16)
                        .ok()
                        .and_then(char::from_u32)
                        .expect("an escape strata wrote"),
                );
            }
            other => panic!("not an escape strata writes: {other:?}"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character the writer escapes, by class.
    const HOSTILE: &[char] = &[
        '\0',
        '\u{7}',
        '\u{8}',
        '\t',
        '\n',
        '\u{B}',
        '\u{C}',
        '\r',
        '\u{1B}',
        '\u{7F}',
        '\u{80}',
        '\u{85}',
        '\u{9B}',
        '\u{9F}',
        '\u{AD}',
        '\u{61C}',
        '\u{200B}',
        '\u{200C}',
        '\u{200D}',
        '\u{200E}',
        '\u{200F}',
        '\u{2028}',
        '\u{2029}',
        '\u{202A}',
        '\u{202B}',
        '\u{202C}',
        '\u{202D}',
        '\u{202E}',
        '\u{2060}',
        '\u{2066}',
        '\u{2067}',
        '\u{2068}',
        '\u{2069}',
        '\u{FEFF}',
        '\u{E0001}',
    ];

    #[test]
    fn every_hazard_is_written_visibly() {
        for &c in HOSTILE {
            let text = format!("a{c}b");
            let written = Comment(&text).to_string();
            assert!(
                written.chars().all(|w| hazard(w).is_none()),
                "{c:?} -> {written:?}"
            );
            assert!(
                written.starts_with("a\\") && written.ends_with('b'),
                "{written}"
            );
        }
        assert_eq!(Comment("t\r\\! id").to_string(), "t\\r\\\\! id");
        assert_eq!(Comment("a\u{1B}[2Jb").to_string(), "a\\u{1B}[2Jb");
        assert_eq!(Comment("x\u{202E}y").to_string(), "x\\u{202E}y");
        assert_eq!(Comment("line\u{2028}two").to_string(), "line\\u{2028}two");
        assert_eq!(
            Comment("plain text, é and 日本").to_string(),
            "plain text, é and 日本"
        );
    }

    #[test]
    fn the_terminal_keeps_tabs_and_backslashes() {
        let text = "a\tb\\c\u{1B}d\ne\u{202E}";
        assert_eq!(terminal(text), "a\tb\\c\\u{1B}d\\ne\\u{202E}");
        assert_eq!(terminal_lines(text), "a\tb\\c\\u{1B}d\ne\\u{202E}");
        let widths: usize = text.chars().map(terminal_width).sum();
        assert_eq!(widths, terminal(text).chars().count());
    }

    #[test]
    fn escapes_read_back_to_the_text() {
        let mut text: String = HOSTILE.iter().collect();
        text.push_str("\\u{41} \\ \\\\ plain ' \" `");
        assert_eq!(unescape(&Comment(&text).to_string()), text);
    }

    #[test]
    fn an_echo_argument_is_one_quoted_word() {
        assert_eq!(echo_argument("it's"), "'it''s'");
        assert_eq!(echo_argument("a\\b"), "'a\\\\\\\\b'");
        assert_eq!(
            echo_argument("x\n\\! id :v `id`"),
            "'x\\\\n\\\\\\\\! id :v `id`'"
        );
    }

    #[test]
    fn characters_are_named() {
        assert_eq!(describe('\u{202E}'), "U+202E (RIGHT-TO-LEFT OVERRIDE)");
        assert_eq!(describe('\u{1B}'), "U+001B (ESCAPE)");
        assert_eq!(describe('\u{3}'), "U+0003 (a control character)");
        assert_eq!(describe('\u{E0001}'), "U+E0001");
    }
}
