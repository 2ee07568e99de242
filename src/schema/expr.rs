//! What a raw SQL expression mentions.
//!
//! Expressions are passed to PostgreSQL verbatim, but the model needs to know which
//! columns a check constraint or an index expression uses: PostgreSQL names an unnamed
//! check after its one column, drops it with that column, and rewrites it when the column
//! is renamed. This scanner finds the identifiers of an expression outside its string
//! literals, quoted text and comments. Function names (an identifier before `(`) and type
//! names (after `::`) are left out. It is an approximation that errs towards finding too
//! much only when a column is named like a function or type the expression uses.

use std::ops::Range;

/// An identifier of an expression: its folded value and its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identifier {
    pub value: String,
    pub range: Range<usize>,
}

pub fn identifiers(text: &str) -> Vec<Identifier> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    let mut after_cast = false;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        match b {
            b'\'' => {
                i = skip_quoted(bytes, i, b'\'');
                after_cast = false;
            }
            b'"' => {
                i = skip_quoted(bytes, i, b'"');
                let inner = text.get(start + 1..i.saturating_sub(1)).unwrap_or("");
                let value = inner.replace("\"\"", "\"");
                push(&mut found, text, value, start..i, after_cast);
                after_cast = false;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |n| i + 2 + n + 2);
            }
            b'$' if bytes
                .get(i + 1)
                .is_some_and(|c| *c == b'$' || c.is_ascii_alphabetic()) =>
            {
                // A dollar-quoted string: skip to its closing tag.
                let tag_end = text[i + 1..]
                    .find('$')
                    .map_or(bytes.len(), |n| i + 1 + n + 1);
                let tag = &text[i..tag_end.min(bytes.len())];
                i = text[tag_end.min(bytes.len())..]
                    .find(tag)
                    .map_or(bytes.len(), |n| tag_end + n + tag.len());
            }
            b':' if bytes.get(i + 1) == Some(&b':') => {
                i += 2;
                after_cast = true;
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
                {
                    i += 1;
                }
                let value = text[start..i].to_ascii_lowercase();
                push(&mut found, text, value, start..i, after_cast);
                after_cast = false;
            }
            _ if b.is_ascii_digit() => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
                after_cast = false;
            }
            _ => {
                i += text[i..].chars().next().map_or(1, char::len_utf8);
                if !b.is_ascii_whitespace() {
                    after_cast = false;
                }
            }
        }
    }
    found
}

fn push(
    found: &mut Vec<Identifier>,
    text: &str,
    value: String,
    range: Range<usize>,
    after_cast: bool,
) {
    let next = text[range.end..].trim_start();
    if after_cast || next.starts_with('(') {
        return;
    }
    found.push(Identifier { value, range });
}

fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The distinct columns of `columns` that `text` mentions, in order of first mention.
pub fn columns_used<'a>(text: &str, columns: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    for identifier in identifiers(text) {
        if columns.clone().any(|c| c == identifier.value) && !used.contains(&identifier.value) {
            used.push(identifier.value);
        }
    }
    used
}

/// The sequences an expression takes values from, `nextval('name')` (a `regclass`
/// literal, as `serial` writes it, or text), as (schema, name) folded as PostgreSQL
/// reads the literal. Read with PostgreSQL's parser; an expression it cannot read uses
/// none.
pub fn sequences_used(text: &str) -> Vec<(Option<String>, String)> {
    use pg_query::protobuf::a_const::Val;
    use pg_query::protobuf::node::Node as N;
    use pg_query::NodeRef;
    crate::pgsql::parse(&format!("SELECT ({text})"), |tree| {
        let mut found = Vec::new();
        for (node, ..) in tree.nodes() {
            let NodeRef::FuncCall(call) = node else {
                continue;
            };
            let named_nextval = call
                .funcname
                .last()
                .is_some_and(|n| matches!(&n.node, Some(N::String(s)) if s.sval == "nextval"));
            let mut argument = call.args.first().and_then(|a| a.node.as_ref());
            if let Some(N::TypeCast(cast)) = argument {
                argument = cast.arg.as_ref().and_then(|a| a.node.as_ref());
            }
            if let (true, Some(N::AConst(c))) = (named_nextval, argument) {
                if let Some(Val::Sval(s)) = &c.val {
                    if let Some(name) = dotted_name(&s.sval) {
                        found.push(name);
                    }
                }
            }
        }
        found
    })
    .unwrap_or_default()
}

/// A relation's name as `regclass` reads it from text: `s.n`, `"N"`, folded unless
/// quoted; the schema when written.
fn dotted_name(text: &str) -> Option<(Option<String>, String)> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    loop {
        let (part, after) = if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                if c == '"' {
                    if quoted[i + 1..].starts_with('"') {
                        value.push('"');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                } else {
                    value.push(c);
                }
            }
            (value, &quoted[end?..])
        } else {
            let end = rest.find('.').unwrap_or(rest.len());
            (rest[..end].trim().to_ascii_lowercase(), &rest[end..])
        };
        parts.push(part);
        match after.trim_start().strip_prefix('.') {
            Some(next) => rest = next.trim_start(),
            None if after.trim().is_empty() => break,
            None => return None,
        }
    }
    let name = parts.pop()?;
    Some((parts.pop(), name))
}

/// `text` with every mention of column `from` renamed to `to` (quoted when needed).
pub fn rename_column(text: &str, from: &str, to: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for identifier in identifiers(text) {
        if identifier.value == from {
            out.push_str(&text[last..identifier.range.start]);
            out.push_str(&crate::quote::ident(to));
            last = identifier.range.end;
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequences_of_nextval_are_found_as_regclass_reads_them() {
        let some = |s: Option<&str>, n: &str| (s.map(str::to_owned), n.to_owned());
        assert_eq!(
            sequences_used("nextval('orders_id_seq'::regclass)"),
            [some(None, "orders_id_seq")]
        );
        assert_eq!(
            sequences_used("nextval('App.\"Odd\"\"Seq\"') + nextval('x')"),
            [some(Some("app"), "Odd\"Seq"), some(None, "x")]
        );
        assert_eq!(sequences_used("now()"), []);
        assert_eq!(sequences_used("not sql ("), []);
    }

    fn values(text: &str) -> Vec<String> {
        identifiers(text).into_iter().map(|i| i.value).collect()
    }

    #[test]
    fn identifiers_outside_strings_functions_and_casts() {
        assert_eq!(values("role in ('owner', 'it''s admin')"), ["role"]);
        assert_eq!(values("lower(Email) = \"Name\""), ["email", "Name"]);
        assert_eq!(
            values("amount::numeric > 0 -- total\n and x"),
            ["amount", "and", "x"]
        );
        assert_eq!(values("$$ a b $$ || c /* d */"), ["c"]);
        assert_eq!(
            values("ended_at is null or ended_at >= started_at"),
            ["ended_at", "is", "null", "or", "ended_at", "started_at"]
        );
    }

    #[test]
    fn columns_used_are_distinct_and_known() {
        let columns = ["ended_at", "started_at", "id"];
        assert_eq!(
            columns_used(
                "ended_at is null or ended_at >= started_at",
                columns.iter().copied()
            ),
            ["ended_at", "started_at"]
        );
        assert_eq!(
            columns_used("now() > '2020-01-01'", columns.iter().copied()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn renaming_rewrites_only_the_column() {
        assert_eq!(
            rename_column(
                "qty > 0 and qty_max > qty and 'qty' <> name",
                "qty",
                "Quantity"
            ),
            "\"Quantity\" > 0 and qty_max > \"Quantity\" and 'qty' <> name"
        );
    }
}

/// The name PostgreSQL gives an index column made of an expression
/// (`FigureIndexColname`): a function call is named after the function, a column
/// reference after the column, a cast after what it casts, `CASE` is `case`; anything
/// else (an operator, a literal) has no name, and the index calls it `expr`.
pub fn index_column_name(text: &str) -> Option<String> {
    let mut text = text.trim();
    // Parentheses around the whole expression change nothing.
    while text.starts_with('(') && text.ends_with(')') && encloses(text) {
        text = text[1..text.len() - 1].trim();
    }
    if let Some(left) = top_level_cast(text) {
        return index_column_name(left);
    }
    let bytes = text.as_bytes();
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        if bytes.get(i) == Some(&b'"') {
            i = skip_quoted(bytes, i, b'"');
            parts.push(text[start + 1..i - 1].replace("\"\"", "\""));
        } else if bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_')
        {
            while i < bytes.len()
                && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_' || bytes[i] == b'$')
            {
                i += 1;
            }
            parts.push(text[start..i].to_ascii_lowercase());
        } else {
            return None;
        }
        let rest = text[i..].trim_start();
        if let Some(after) = rest.strip_prefix('.') {
            i = text.len() - after.trim_start().len();
            continue;
        }
        let name = parts.last().cloned();
        if rest.starts_with('(') || rest.is_empty() {
            return name;
        }
        if parts.len() == 1 && parts[0] == "case" {
            return name;
        }
        return None;
    }
}

/// Whether the first `(` of `text` closes at its last character.
fn encloses(text: &str) -> bool {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == text.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// The left side of a cast `X::type` at the top level of `text`, if it is one.
fn top_level_cast(text: &str) -> Option<&str> {
    let mut depth = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b'\'' | b'"' => {
                i = skip_quoted(bytes, i, bytes[i]);
                continue;
            }
            b':' if depth == 0 && bytes[i + 1] == b':' => return Some(&text[..i]),
            _ => {}
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod index_column_name_tests {
    use super::index_column_name;

    #[test]
    fn expressions_are_named_as_postgresql_names_them() {
        assert_eq!(index_column_name("lower(email)").as_deref(), Some("lower"));
        assert_eq!(
            index_column_name("(lower(email))").as_deref(),
            Some("lower")
        );
        assert_eq!(index_column_name("public.f(x)").as_deref(), Some("f"));
        assert_eq!(index_column_name("(x::text)").as_deref(), Some("x"));
        assert_eq!(index_column_name("t.\"Name\"").as_deref(), Some("Name"));
        assert_eq!(
            index_column_name("case when a then 1 end").as_deref(),
            Some("case")
        );
        assert_eq!(index_column_name("x + y"), None);
        assert_eq!(index_column_name("(total * 2)"), None);
        assert_eq!(index_column_name("'a'"), None);
    }
}
