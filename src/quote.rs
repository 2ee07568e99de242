//! SQL quoting as PostgreSQL does it (`quote_identifier`, `quote_literal`).
//!
//! Shared by the stages that write SQL text: the schema model rewrites expressions when a
//! column is renamed, and the renderer writes every identifier and literal.

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

/// An identifier, double-quoted exactly when PostgreSQL needs it: anything but lower
/// case letters, digits, `_` and `$`, a leading digit or `$`, or a key word.
pub fn ident(name: &str) -> String {
    let safe = name
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'$')
        && KEYWORDS.binary_search(&name).is_err();
    if safe {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A string literal with `'` doubled.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('\'');
    for (i, piece) in text.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(piece);
    }
    out.push('\'');
    out
}

/// A type as SQL: what PostgreSQL accepts after a column name or `::`.
pub fn data_type(t: &crate::syntax::ast::DataType) -> String {
    use crate::syntax::ast::TypeKind;
    let modifiers = |m: &[i64]| {
        if m.is_empty() {
            String::new()
        } else {
            let m: Vec<String> = m.iter().map(i64::to_string).collect();
            format!("({})", m.join(","))
        }
    };
    let mut out = match &t.kind {
        TypeKind::Named { name, modifiers: m } => {
            let name = match &name.schema {
                Some(schema) => format!("{}.{}", ident(&schema.value), ident(&name.name.value)),
                // Built-in type names are key words in places (`integer`, `time`); they
                // are written bare, as PostgreSQL's own dumps do.
                None if name
                    .name
                    .value
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') =>
                {
                    name.name.value.clone()
                }
                None => ident(&name.name.value),
            };
            format!("{name}{}", modifiers(m))
        }
        TypeKind::MultiWord { name, modifiers: m } => name.spelled(&modifiers(m)),
        TypeKind::Raw(e) => e.text.clone(),
    };
    for _ in 0..t.array_dimensions {
        out.push_str("[]");
    }
    out
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
    fn the_keyword_list_is_sorted_for_binary_search() {
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
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
