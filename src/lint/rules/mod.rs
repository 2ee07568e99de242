//! The rules' checks, one file per group of [`super::Group`]; a rule's check is found
//! in its group's file under the rule's name.

pub(super) mod compatibility;
pub(super) mod hygiene;
pub(super) mod locks;
pub(super) mod transaction;

/// Whether a check constraint's expression is `column IS NOT NULL`, which PostgreSQL
/// 12 and later accept as proof for `SET NOT NULL`. Compared as PostgreSQL's scanner
/// reads it, so that case, spacing, quotes and parentheses do not matter.
pub(in crate::lint) fn proves_not_null(expr: &str, column: &str) -> bool {
    let Some(tokens) = crate::pgsql::tokens(expr) else {
        return false;
    };
    let words: Vec<String> = tokens
        .iter()
        .filter_map(|t| {
            let text = expr.get(usize::try_from(t.start).ok()?..usize::try_from(t.end).ok()?)?;
            if text == "(" || text == ")" {
                return None;
            }
            Some(if text.starts_with('"') {
                text.trim_matches('"').replace("\"\"", "\"")
            } else {
                text.to_ascii_lowercase()
            })
        })
        .collect();
    words == [column, "is", "not", "null"] || words == [column, "notnull"]
}
