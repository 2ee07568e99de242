//! The names PostgreSQL gives to constraints and indexes that are created without one.
//!
//! A transcription of PostgreSQL 15's `makeObjectName`, `ChooseRelationName`,
//! `ChooseConstraintName`, `ChooseIndexColumnNames` and `ChooseIndexNameAddition`
//! (`src/backend/commands/indexcmds.c`, `src/backend/catalog/pg_constraint.c`). The model
//! states every such name explicitly, so that later `drop constraint` statements and
//! derived downgrades refer to exactly what the server created.

/// PostgreSQL's `NAMEDATALEN`: names hold at most `NAMEDATALEN - 1` bytes.
pub const NAMEDATALEN: usize = 64;

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary
/// (`pg_mbcliplen`).
fn clip(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// `makeObjectName`: `name1_name2_label`, truncating the longer of the two names first
/// so that the whole fits in `NAMEDATALEN - 1` bytes.
pub fn make_object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    let mut overhead = label.len() + 1;
    if name2.is_some() {
        overhead += 1;
    }
    let available = NAMEDATALEN - 1 - overhead;
    let mut name1_len = name1.len();
    let mut name2_len = name2.map_or(0, str::len);
    while name1_len + name2_len > available {
        if name1_len > name2_len {
            name1_len -= 1;
        } else {
            name2_len -= 1;
        }
    }
    let mut out = clip(name1, name1_len).to_owned();
    if let Some(name2) = name2 {
        out.push('_');
        out.push_str(clip(name2, name2_len));
    }
    out.push('_');
    out.push_str(label);
    out
}

/// `ChooseRelationName` and `ChooseConstraintName`: the first of `label`, `label1`,
/// `label2`, ... whose name `taken` says is free.
pub fn choose_name(
    name1: &str,
    name2: Option<&str>,
    label: &str,
    taken: impl Fn(&str) -> bool,
) -> String {
    let mut candidate = make_object_name(name1, name2, label);
    let mut pass = 0;
    while taken(&candidate) {
        pass += 1;
        candidate = make_object_name(name1, name2, &format!("{label}{pass}"));
    }
    candidate
}

/// `ChooseIndexColumnNames`: each key's column name, `expr` for an expression, made
/// unique by appending a number (`expr`, `expr1`, ...).
pub fn index_column_names<'a>(keys: impl IntoIterator<Item = Option<&'a str>>) -> Vec<String> {
    let mut result: Vec<String> = Vec::new();
    for key in keys {
        let original = key.unwrap_or("expr");
        let mut current = original.to_owned();
        let mut i = 1;
        while result.contains(&current) {
            let suffix = i.to_string();
            current = format!("{}{suffix}", clip(original, NAMEDATALEN - 1 - suffix.len()));
            i += 1;
        }
        result.push(current);
    }
    result
}

/// `ChooseIndexNameAddition` (and `ChooseForeignKeyConstraintNameAddition`, the same
/// code): the column names joined by `_`, stopping once `NAMEDATALEN` bytes are reached.
pub fn name_addition<S: AsRef<str>>(columns: &[S]) -> String {
    let mut out = String::new();
    for column in columns {
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(clip(column.as_ref(), NAMEDATALEN - 1));
        if out.len() >= NAMEDATALEN {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_joined() {
        assert_eq!(make_object_name("users", None, "pkey"), "users_pkey");
        assert_eq!(
            make_object_name("users", Some("email"), "key"),
            "users_email_key"
        );
        assert_eq!(
            make_object_name(
                "orders",
                Some(&name_addition(&["customer_id", "placed_at"])),
                "idx"
            ),
            "orders_customer_id_placed_at_idx"
        );
    }

    #[test]
    fn the_longer_name_is_truncated_first() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        // 63 - len("_") - len("_key") = 58 bytes for both names: 29 each.
        assert_eq!(
            make_object_name(&a, Some(&b), "key"),
            format!("{}_{}_key", "a".repeat(29), "b".repeat(29))
        );
        let short = "x".repeat(10);
        let long = "a".repeat(60);
        assert_eq!(
            make_object_name(&long, Some(&short), "idx"),
            format!("{}_{short}_idx", "a".repeat(63 - 10 - 1 - 4))
        );
        let long_table = "t".repeat(70);
        let name = make_object_name(&long_table, None, "pkey");
        assert_eq!(name.len(), 63);
        assert!(name.ends_with("_pkey"));
    }

    #[test]
    fn truncation_never_splits_a_character() {
        let table = "é".repeat(40); // 80 bytes
        let name = make_object_name(&table, None, "pkey");
        assert!(name.len() <= 63, "{}", name.len());
        assert_eq!(name, format!("{}_pkey", "é".repeat(29)));
    }

    #[test]
    fn collisions_are_numbered() {
        let taken = ["users_email_key", "users_email_key1"];
        assert_eq!(
            choose_name("users", Some("email"), "key", |n| taken.contains(&n)),
            "users_email_key2"
        );
        // The number makes the label longer, so a truncated name is cut once more.
        let table = "t".repeat(60);
        let first = choose_name(&table, None, "pkey", |_| false);
        let second = choose_name(&table, None, "pkey", |n| n == first);
        assert_eq!(first, format!("{}_pkey", "t".repeat(58)));
        assert_eq!(second, format!("{}_pkey1", "t".repeat(57)));
    }

    #[test]
    fn index_columns_are_named_and_made_unique() {
        assert_eq!(
            index_column_names([Some("a"), None, None, Some("a"), Some("b")]),
            ["a", "expr", "expr1", "a1", "b"]
        );
    }

    #[test]
    fn the_addition_stops_after_namedatalen() {
        let columns: Vec<String> = (0..10).map(|i| format!("column_number_{i}")).collect();
        let addition = name_addition(&columns);
        assert!(addition.len() >= NAMEDATALEN);
        assert!(addition.starts_with("column_number_0_column_number_1"));
        assert!(!addition.contains("column_number_5"));
    }
}
