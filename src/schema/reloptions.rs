//! Storage parameters (`with (fillfactor = 70)`, `set (...)`, `reset (...)`): which a
//! table or an index of each method has, and the values PostgreSQL 15 accepts, with its
//! messages (`src/backend/access/common/reloptions.c`).

/// What the parameters are set on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder<'a> {
    /// A table; a partitioned table has none (PostgreSQL 15 refuses every one).
    Table { partitioned: bool },
    /// An index, by its access method (`btree` when none is named).
    Index { method: &'a str },
}

impl Holder<'_> {
    /// "a table", "a btree index": for messages.
    pub fn describe(self) -> String {
        match self {
            Holder::Table { partitioned: false } => "a table".to_owned(),
            Holder::Table { partitioned: true } => "a partitioned table".to_owned(),
            Holder::Index { method } => format!("a {method} index"),
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Bool,
    Int(i64, i64),
    Real(f64, f64),
    /// The values, and PostgreSQL's detail line listing them.
    Enum(&'static [&'static str], &'static str),
}

/// Where a parameter applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum On {
    /// A table, and its TOAST table as `toast.NAME`.
    TableAndToast,
    Table,
    Index(&'static str),
}

struct Param {
    name: &'static str,
    on: On,
    kind: Kind,
}

const INT_MAX: i64 = i32::MAX as i64;
const ON_OFF_AUTO: Kind = Kind::Enum(
    &["on", "off", "auto", "true", "false", "yes", "no", "1", "0"],
    "Valid values are \"on\", \"off\", and \"auto\".",
);

const PARAMS: &[Param] = &[
    p("fillfactor", On::Table, Kind::Int(10, 100)),
    p("toast_tuple_target", On::Table, Kind::Int(128, 8160)),
    p("parallel_workers", On::Table, Kind::Int(0, 1024)),
    p("user_catalog_table", On::Table, Kind::Bool),
    p(
        "autovacuum_analyze_threshold",
        On::Table,
        Kind::Int(0, INT_MAX),
    ),
    p(
        "autovacuum_analyze_scale_factor",
        On::Table,
        Kind::Real(0.0, 100.0),
    ),
    p("autovacuum_enabled", On::TableAndToast, Kind::Bool),
    p("vacuum_truncate", On::TableAndToast, Kind::Bool),
    p("vacuum_index_cleanup", On::TableAndToast, ON_OFF_AUTO),
    p(
        "autovacuum_vacuum_threshold",
        On::TableAndToast,
        Kind::Int(0, INT_MAX),
    ),
    p(
        "autovacuum_vacuum_insert_threshold",
        On::TableAndToast,
        Kind::Int(-1, INT_MAX),
    ),
    p(
        "autovacuum_vacuum_cost_limit",
        On::TableAndToast,
        Kind::Int(1, 10000),
    ),
    p(
        "autovacuum_freeze_min_age",
        On::TableAndToast,
        Kind::Int(0, 1_000_000_000),
    ),
    p(
        "autovacuum_freeze_max_age",
        On::TableAndToast,
        Kind::Int(100_000, 2_000_000_000),
    ),
    p(
        "autovacuum_freeze_table_age",
        On::TableAndToast,
        Kind::Int(0, 2_000_000_000),
    ),
    p(
        "autovacuum_multixact_freeze_min_age",
        On::TableAndToast,
        Kind::Int(0, 1_000_000_000),
    ),
    p(
        "autovacuum_multixact_freeze_max_age",
        On::TableAndToast,
        Kind::Int(10_000, 2_000_000_000),
    ),
    p(
        "autovacuum_multixact_freeze_table_age",
        On::TableAndToast,
        Kind::Int(0, 2_000_000_000),
    ),
    p(
        "log_autovacuum_min_duration",
        On::TableAndToast,
        Kind::Int(-1, INT_MAX),
    ),
    p(
        "autovacuum_vacuum_cost_delay",
        On::TableAndToast,
        Kind::Real(0.0, 100.0),
    ),
    p(
        "autovacuum_vacuum_scale_factor",
        On::TableAndToast,
        Kind::Real(0.0, 100.0),
    ),
    p(
        "autovacuum_vacuum_insert_scale_factor",
        On::TableAndToast,
        Kind::Real(0.0, 100.0),
    ),
    p("fillfactor", On::Index("btree"), Kind::Int(10, 100)),
    p("deduplicate_items", On::Index("btree"), Kind::Bool),
    p("fillfactor", On::Index("hash"), Kind::Int(10, 100)),
    p("fillfactor", On::Index("gist"), Kind::Int(10, 100)),
    p(
        "buffering",
        On::Index("gist"),
        Kind::Enum(
            &["on", "off", "auto"],
            "Valid values are \"on\", \"off\", and \"auto\".",
        ),
    ),
    p("fillfactor", On::Index("spgist"), Kind::Int(10, 100)),
    p("fastupdate", On::Index("gin"), Kind::Bool),
    p(
        "gin_pending_list_limit",
        On::Index("gin"),
        Kind::Int(64, INT_MAX / 1024),
    ),
    p("pages_per_range", On::Index("brin"), Kind::Int(1, 131_072)),
    p("autosummarize", On::Index("brin"), Kind::Bool),
];

const fn p(name: &'static str, on: On, kind: Kind) -> Param {
    Param { name, on, kind }
}

/// Why PostgreSQL refuses a parameter: its message and, for some, a detail line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
    pub detail: Option<String>,
}

impl Refusal {
    fn new(message: String) -> Self {
        Refusal {
            message,
            detail: None,
        }
    }
}

/// The parameter `name` (`fillfactor`, `toast.autovacuum_enabled`) of `holder`, if it
/// has one.
fn find(holder: Holder<'_>, name: &str) -> Result<&'static Param, Refusal> {
    let (toast, bare) = match name.split_once('.') {
        Some(("toast", bare)) if matches!(holder, Holder::Table { .. }) => (true, bare),
        Some((namespace, _)) => {
            return Err(Refusal::new(format!(
                "unrecognized parameter namespace \"{namespace}\""
            )))
        }
        None => (false, name),
    };
    let found = PARAMS.iter().find(|p| {
        p.name == bare
            && match (holder, p.on) {
                (Holder::Table { partitioned: true }, _) => false,
                (Holder::Table { .. }, On::TableAndToast) => true,
                (Holder::Table { .. }, On::Table) => !toast,
                (Holder::Index { method }, On::Index(m)) => m == method,
                _ => false,
            }
    });
    // An index of a method strata does not know (an extension's) may have any.
    found.ok_or_else(|| Refusal::new(format!("unrecognized parameter \"{bare}\"")))
}

/// Whether `holder` has a parameter `name`; an index of a method strata does not know
/// is given the benefit of the doubt.
pub fn known(holder: Holder<'_>, name: &str) -> bool {
    unknown_method(holder) || find(holder, name).is_ok()
}

/// The parameter of `holder` nearest to a mistyped name, for a "did you mean".
pub fn nearest(holder: Holder<'_>, name: &str) -> Option<String> {
    let (prefix, bare) = match name.split_once('.') {
        Some((namespace, bare)) => (format!("{namespace}."), bare),
        None => (String::new(), name),
    };
    let known = PARAMS
        .iter()
        .filter(|p| find(holder, &format!("{prefix}{}", p.name)).is_ok())
        .map(|p| p.name);
    crate::suggest::nearest(bare, known).map(|n| format!("{prefix}{n}"))
}

fn unknown_method(holder: Holder<'_>) -> bool {
    matches!(holder, Holder::Index { method }
        if !PARAMS.iter().any(|p| matches!(p.on, On::Index(m) if m == method)))
}

/// Checks `name = value` (the value as PostgreSQL keeps it) for `holder`.
pub fn check(holder: Holder<'_>, name: &str, value: &str) -> Result<(), Refusal> {
    if unknown_method(holder) {
        return Ok(());
    }
    let param = find(holder, name)?;
    let pname = param.name;
    match param.kind {
        Kind::Bool => parse_bool(value).map(|_| ()).ok_or_else(|| {
            Refusal::new(format!(
                "invalid value for boolean option \"{pname}\": {value}"
            ))
        }),
        Kind::Int(min, max) => {
            let n = parse_int(value).ok_or_else(|| {
                Refusal::new(format!(
                    "invalid value for integer option \"{pname}\": {value}"
                ))
            })?;
            if n < min || n > max {
                return Err(Refusal {
                    message: format!("value {value} out of bounds for option \"{pname}\""),
                    detail: Some(format!("Valid values are between \"{min}\" and \"{max}\".")),
                });
            }
            Ok(())
        }
        Kind::Real(min, max) => {
            let n: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|n: &f64| n.is_finite())
                .ok_or_else(|| {
                    Refusal::new(format!(
                        "invalid value for floating point option \"{pname}\": {value}"
                    ))
                })?;
            if n < min || n > max {
                return Err(Refusal {
                    message: format!("value {value} out of bounds for option \"{pname}\""),
                    detail: Some(format!(
                        "Valid values are between \"{min:.6}\" and \"{max:.6}\"."
                    )),
                });
            }
            Ok(())
        }
        Kind::Enum(values, detail) => {
            if values.iter().any(|v| v.eq_ignore_ascii_case(value)) {
                Ok(())
            } else {
                Err(Refusal {
                    message: format!("invalid value for enum option \"{pname}\": {value}"),
                    detail: Some(detail.to_owned()),
                })
            }
        }
    }
}

/// PostgreSQL's `parse_bool`: `true`, `false`, `yes`, `no` and their prefixes, `on`,
/// `off` (`of` at least), `1`, `0`; any case, surrounding spaces aside.
fn parse_bool(value: &str) -> Option<bool> {
    let v = value.trim().to_ascii_lowercase();
    let prefix_of = |word: &str| !v.is_empty() && word.starts_with(v.as_str());
    match v.as_str() {
        "1" => Some(true),
        "0" => Some(false),
        "on" => Some(true),
        _ if v.len() >= 2 && "off".starts_with(v.as_str()) => Some(false),
        _ if prefix_of("true") || prefix_of("yes") => Some(true),
        _ if prefix_of("false") || prefix_of("no") => Some(false),
        _ => None,
    }
}

/// PostgreSQL's `parse_int` without units: a decimal integer, or a number it rounds.
fn parse_int(value: &str) -> Option<i64> {
    let v = value.trim();
    if let Ok(n) = v.parse::<i64>() {
        return Some(n);
    }
    let f: f64 = v.parse().ok()?;
    (f.is_finite() && f.abs() < 1e18).then(|| f.round_ties_even() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: Holder<'static> = Holder::Table { partitioned: false };

    #[test]
    fn values_are_judged_as_postgresql_judges_them() {
        assert_eq!(check(TABLE, "fillfactor", "70"), Ok(()));
        assert_eq!(check(TABLE, "fillfactor", "70.4"), Ok(()));
        assert_eq!(
            check(TABLE, "fillfactor", "5"),
            Err(Refusal {
                message: "value 5 out of bounds for option \"fillfactor\"".into(),
                detail: Some("Valid values are between \"10\" and \"100\".".into()),
            })
        );
        assert_eq!(
            check(TABLE, "fillfactor", "true").map_err(|r| r.message),
            Err("invalid value for integer option \"fillfactor\": true".into())
        );
        assert_eq!(check(TABLE, "autovacuum_enabled", "T"), Ok(()));
        assert_eq!(check(TABLE, "autovacuum_enabled", "of"), Ok(()));
        assert!(check(TABLE, "autovacuum_enabled", "o").is_err());
        assert!(check(TABLE, "autovacuum_enabled", "maybe").is_err());
        assert_eq!(
            check(TABLE, "autovacuum_vacuum_scale_factor", "200").map_err(|r| r.detail),
            Err(Some(
                "Valid values are between \"0.000000\" and \"100.000000\".".into()
            ))
        );
        assert_eq!(check(TABLE, "toast.autovacuum_enabled", "off"), Ok(()));
        assert_eq!(
            check(TABLE, "toast.fillfactor", "50").map_err(|r| r.message),
            Err("unrecognized parameter \"fillfactor\"".into())
        );
        assert_eq!(
            check(TABLE, "foo.bar", "1").map_err(|r| r.message),
            Err("unrecognized parameter namespace \"foo\"".into())
        );
        assert!(check(Holder::Table { partitioned: true }, "fillfactor", "50").is_err());
        let btree = Holder::Index { method: "btree" };
        assert_eq!(check(btree, "deduplicate_items", "off"), Ok(()));
        assert!(check(btree, "buffering", "on").is_err());
        assert_eq!(
            check(Holder::Index { method: "gist" }, "buffering", "auto"),
            Ok(())
        );
        // An extension's method: its parameters are its own.
        assert_eq!(
            check(Holder::Index { method: "rum" }, "anything", "x"),
            Ok(())
        );
    }
}
