//! SQL quoting as PostgreSQL does it (`quote_identifier`, `quote_literal`).
//!
//! Shared by the stages that write SQL text: the schema model rewrites expressions when a
//! column is renamed, and the renderer writes every identifier and literal.

use std::fmt;

use crate::syntax::ast::{DataType, StorageParam, TypeKind};

/// PostgreSQL 15's key words other than the unreserved ones (reserved, type or function
/// name, column name): `quote_identifier` quotes an identifier that is one of these.
const KEYWORDS: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "bigint",
    "binary",
    "bit",
    "boolean",
    "both",
    "case",
    "cast",
    "char",
    "character",
    "check",
    "coalesce",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "dec",
    "decimal",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "exists",
    "extract",
    "false",
    "fetch",
    "float",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "greatest",
    "group",
    "grouping",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "inout",
    "int",
    "integer",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "least",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "national",
    "natural",
    "nchar",
    "none",
    "normalize",
    "not",
    "notnull",
    "null",
    "nullif",
    "numeric",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "out",
    "outer",
    "overlaps",
    "overlay",
    "placing",
    "position",
    "precision",
    "primary",
    "real",
    "references",
    "returning",
    "right",
    "row",
    "select",
    "session_user",
    "setof",
    "similar",
    "smallint",
    "some",
    "substring",
    "symmetric",
    "table",
    "tablesample",
    "then",
    "time",
    "timestamp",
    "to",
    "trailing",
    "treat",
    "trim",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "values",
    "varchar",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
    "xmlattributes",
    "xmlconcat",
    "xmlelement",
    "xmlexists",
    "xmlforest",
    "xmlnamespaces",
    "xmlparse",
    "xmlpi",
    "xmlroot",
    "xmlserialize",
    "xmltable",
];

/// The longest of [`KEYWORDS`]: a longer name needs no look-up.
const LONGEST_KEYWORD: usize = 17;

/// Whether PostgreSQL needs `name` double-quoted: anything but lower case letters,
/// digits, `_` and `$`, a leading digit or `$`, or a key word.
fn needs_quotes(name: &str) -> bool {
    let bytes = name.as_bytes();
    if !bytes
        .first()
        .is_some_and(|&b| b.is_ascii_lowercase() || b == b'_')
    {
        return true;
    }
    // Key words are spelled with letters and `_` alone: a name with a digit or `$` (as
    // generated names often have) is not looked up.
    let mut letters = true;
    for &b in bytes {
        match b {
            b'a'..=b'z' | b'_' => {}
            b'0'..=b'9' | b'$' => letters = false,
            _ => return true,
        }
    }
    letters && name.len() <= LONGEST_KEYWORD && KEYWORDS.binary_search(&name).is_ok()
}

/// Writes `text` between `quote`s, each `quote` in it doubled.
fn write_quoted<W: fmt::Write + ?Sized>(out: &mut W, text: &str, quote: char) -> fmt::Result {
    out.write_char(quote)?;
    if !text.contains(quote) {
        out.write_str(text)?;
        return out.write_char(quote);
    }
    let mut pieces = text.split(quote);
    if let Some(first) = pieces.next() {
        out.write_str(first)?;
    }
    for piece in pieces {
        out.write_char(quote)?;
        out.write_char(quote)?;
        out.write_str(piece)?;
    }
    out.write_char(quote)
}

/// Writes `name` as an identifier, double-quoted exactly when PostgreSQL needs it.
pub fn write_ident<W: fmt::Write + ?Sized>(out: &mut W, name: &str) -> fmt::Result {
    if needs_quotes(name) {
        write_quoted(out, name, '"')
    } else {
        out.write_str(name)
    }
}

/// Writes `text` as a string literal, with `'` doubled.
///
/// A text with a backslash, a control or an invisible character is written as an escape
/// string, as PostgreSQL's `quote_literal` does for backslashes: `E'a\\b'` reads the
/// same whatever `standard_conforming_strings` is, and `E'\u202E'` shows the reader the
/// character the plain form would hide.
pub fn write_literal<W: fmt::Write + ?Sized>(out: &mut W, text: &str) -> fmt::Result {
    if crate::inert::plain(text)
        || !text
            .chars()
            .any(|c| c == '\\' || crate::inert::hazard(c).is_some())
    {
        return write_quoted(out, text, '\'');
    }
    out.write_str("E'")?;
    for c in text.chars() {
        match c {
            '\'' => out.write_str("''")?,
            '\\' => out.write_str("\\\\")?,
            c if crate::inert::hazard(c).is_some() => match u16::try_from(c as u32) {
                Ok(unit) => write!(out, "\\u{unit:04X}")?,
                Err(_) => write!(out, "\\U{:08X}", c as u32)?,
            },
            c => out.write_char(c)?,
        }
    }
    out.write_char('\'')
}

/// A string literal as [`write_literal`] writes it, for `format!` and templates: the
/// renderer writes thousands of them, and this spares each its own `String`.
#[derive(Clone, Copy)]
pub struct QuotedLiteral<'a>(pub &'a str);

impl fmt::Display for QuotedLiteral<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_literal(f, self.0)
    }
}

/// A type as SQL, as [`data_type`] writes it.
#[derive(Clone, Copy)]
pub struct TypeSql<'a>(pub &'a DataType);

impl fmt::Display for TypeSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_data_type(f, self.0)
    }
}

/// Whether `text` is a plain decimal number (`70`, `-1`, `0.5`): safe to write bare.
pub fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A storage parameter's name, `toast.autovacuum_enabled`: each part an identifier.
pub fn write_param_name<W: fmt::Write + ?Sized>(out: &mut W, name: &str) -> fmt::Result {
    for (i, part) in name.split('.').enumerate() {
        if i > 0 {
            out.write_char('.')?;
        }
        write_ident(out, part)?;
    }
    Ok(())
}

/// Storage parameters as SQL, `fillfactor = 70, toast.autovacuum_enabled = 'off'`: each
/// part of a name as an identifier, a number bare and any other value as a literal.
pub struct StorageParamsSql<'a>(pub &'a [StorageParam]);

impl fmt::Display for StorageParamsSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_param_name(f, &p.name.value)?;
            f.write_str(" = ")?;
            if is_number(&p.value.value) {
                f.write_str(&p.value.value)?;
            } else {
                write_literal(f, &p.value.value)?;
            }
        }
        Ok(())
    }
}

/// An identifier, double-quoted exactly when PostgreSQL needs it ([`write_ident`]).
pub fn ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    let _ = write_ident(&mut out, name);
    out
}

/// A string literal with `'` doubled.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    let _ = write_literal(&mut out, text);
    out
}

/// A type as SQL: what PostgreSQL accepts after a column name or `::`.
pub fn data_type(t: &DataType) -> String {
    TypeSql(t).to_string()
}

/// Writes a type's modifiers, `(12,2)`, or nothing when it has none.
fn write_modifiers<W: fmt::Write + ?Sized>(out: &mut W, m: &[i64]) -> fmt::Result {
    for (i, value) in m.iter().enumerate() {
        out.write_str(if i == 0 { "(" } else { "," })?;
        write!(out, "{value}")?;
    }
    if !m.is_empty() {
        out.write_char(')')?;
    }
    Ok(())
}

/// Writes a type as SQL ([`data_type`]).
pub fn write_data_type<W: fmt::Write + ?Sized>(out: &mut W, t: &DataType) -> fmt::Result {
    match &t.kind {
        TypeKind::Named { name, modifiers: m } => {
            match &name.schema {
                Some(schema) => {
                    write_ident(out, &schema.value)?;
                    out.write_char('.')?;
                    write_ident(out, &name.name.value)?;
                }
                // Built-in type names are key words in places (`integer`, `time`); they
                // are written bare, as PostgreSQL's own dumps do.
                None if name
                    .name
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
                {
                    out.write_str(&name.name.value)?;
                }
                None => write_ident(out, &name.name.value)?,
            }
            write_modifiers(out, m)?;
        }
        TypeKind::MultiWord { name, modifiers: m } => {
            let mut written = String::new();
            write_modifiers(&mut written, m)?;
            out.write_str(&name.spelled(&written))?;
        }
        TypeKind::Raw(e) => out.write_str(&e.text)?,
    }
    for _ in 0..t.array_dimensions {
        out.write_str("[]")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_their_quotes() {
        assert_eq!(literal(""), "''");
        assert_eq!(literal("plain"), "'plain'");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("''"), "''''''");
        assert_eq!(literal("'edge'"), "'''edge'''");
    }

    #[test]
    fn backslashes_and_hidden_characters_make_an_escape_string() {
        assert_eq!(literal("x\\"), "E'x\\\\'");
        assert_eq!(literal("it's \\! id"), "E'it''s \\\\! id'");
        assert_eq!(literal("a\u{202E}b"), "E'a\\u202Eb'");
        assert_eq!(literal("a\nb\r"), "E'a\\u000Ab\\u000D'");
        assert_eq!(literal("tag\u{E0041}"), "E'tag\\U000E0041'");
        assert_eq!(QuotedLiteral("x\\").to_string(), "E'x\\\\'");
    }

    #[test]
    fn the_keyword_list_is_sorted_and_spelled_as_the_look_up_assumes() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(
            KEYWORDS.iter().map(|k| k.len()).max(),
            Some(LONGEST_KEYWORD)
        );
        // `needs_quotes` looks up only names spelled with letters and `_`.
        assert!(KEYWORDS
            .iter()
            .all(|k| k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
    }

    #[test]
    fn literals_and_names_written_in_place_quote_as_postgresql_does() {
        // Without a quote (written at once) and with quotes (doubled).
        assert_eq!(QuotedLiteral("").to_string(), "''");
        assert_eq!(QuotedLiteral("plain").to_string(), "'plain'");
        assert_eq!(QuotedLiteral("it's").to_string(), "'it''s'");
        assert_eq!(QuotedLiteral("''").to_string(), "''''''");
        assert_eq!(ident(""), "\"\"");
        // The longest key word is still looked up; a name with a digit is not, and a
        // name longer than every key word is not either.
        assert_eq!(ident("current_timestamp"), "\"current_timestamp\"");
        assert_eq!(ident("user1"), "user1");
        assert_eq!(ident("current_timestamps"), "current_timestamps");
    }

    #[test]
    fn identifiers_are_quoted_when_postgresql_needs_it() {
        assert_eq!(ident("users"), "users");
        assert_eq!(ident("a$1"), "a$1");
        assert_eq!(ident("Users"), "\"Users\"");
        assert_eq!(ident("1st"), "\"1st\"");
        assert_eq!(ident("$x"), "\"$x\"");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("order"), "\"order\"");
        assert_eq!(ident("time"), "\"time\"");
        assert_eq!(ident("name"), "name");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
