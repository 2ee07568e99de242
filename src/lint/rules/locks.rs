//! Locks and rewrites: statements that make other sessions wait on a table that exists
//! (and may be large), or rewrite it. A table new to every database that runs the script
//! is exempt: it has no rows and no other session uses it.

use crate::lint::action::{Action, ActionKind, Added, Fill};
use crate::lint::types;
use crate::lint::{Context, Finding, Rule};
use crate::schema::model::ConstraintKind;
use crate::syntax::ast::{StatementKind, TableConstraintKind};
use crate::syntax::print;

pub(in crate::lint) fn check(action: &Action, cx: &Context<'_>, out: &mut Vec<Finding>) {
    use ActionKind as A;
    let span = action.span;
    match &action.kind {
        A::CreateIndex {
            table,
            concurrently: false,
        } if !cx.is_new(table) => out.push(Finding::new(
            Rule::CreateIndexBlocks,
            span,
            format!("index built on `{}` without `concurrently`", cx.show(table)),
            format!(
                "PostgreSQL takes a SHARE lock on `{}` while it builds the index: INSERT, UPDATE \
                 and DELETE wait until every row is read and sorted",
                cx.show(table)
            ),
            match cx.statement.map(|s| &s.kind) {
                // PostgreSQL builds no index on a partitioned table concurrently.
                _ if cx
                    .model
                    .table(table)
                    .is_some_and(|t| t.partition_by().is_some()) =>
                {
                    format!(
                        "PostgreSQL cannot build an index on a partitioned table concurrently: \
                     create it on the parent alone (`sql $$ CREATE INDEX ... ON ONLY {} ... \
                     $$`), build the same index concurrently on each partition, and attach \
                     each one (`ALTER INDEX ... ATTACH PARTITION ...`), a revision each",
                        cx.show(table)
                    )
                }
                Some(StatementKind::CreateIndex(index)) => {
                    let mut safe = index.clone();
                    safe.concurrently = true;
                    format!(
                        "build it concurrently (strata runs it outside a transaction, and a \
                         rerun drops an invalid leftover first): `{}`",
                        print::statement(&StatementKind::CreateIndex(safe))
                    )
                }
                _ => "use `CREATE INDEX CONCURRENTLY` in a `sql nontransactional` block, or the \
                      native `create index concurrently`"
                    .to_owned(),
            },
        )),
        A::DropIndex {
            index,
            table,
            concurrently: false,
        } => {
            if let Some(table) = table.as_ref().filter(|t| !cx.is_new(t)) {
                out.push(Finding::new(
                    Rule::DropIndexBlocks,
                    span,
                    format!("index `{}` dropped without `concurrently`", cx.show(index)),
                    format!(
                        "PostgreSQL takes an ACCESS EXCLUSIVE lock on `{}` to drop the index: \
                         every query on the table waits, reads included, and waits behind any \
                         long query already running",
                        cx.show(table)
                    ),
                    format!(
                        "drop it concurrently (strata runs it outside a transaction): \
                         `drop index concurrently {};`",
                        cx.show(index)
                    ),
                ));
            }
        }
        A::AddConstraint {
            table,
            name,
            kind,
            not_valid: false,
            using_index,
        } if !cx.is_new(table) => {
            let shown = cx.show(table);
            let name = name.clone().unwrap_or_else(|| "NAME".to_owned());
            let not_valid_help = || match cx.statement.map(|s| &s.kind) {
                Some(StatementKind::AddConstraint(added)) => {
                    let mut safe = added.clone();
                    safe.not_valid = true;
                    format!(
                        "add it `not valid` (no scan: only new and changed rows are checked), \
                         then validate it in a later revision, which locks only SHARE UPDATE \
                         EXCLUSIVE: `{}` then `alter table {shown} validate constraint {};`",
                        print::statement(&StatementKind::AddConstraint(safe)),
                        print::name(&name)
                    )
                }
                _ => format!(
                    "add it with `NOT VALID`, then `ALTER TABLE {shown} VALIDATE CONSTRAINT {}` \
                     in a later revision",
                    print::name(&name)
                ),
            };
            match kind {
                Added::ForeignKey { references } => out.push(Finding::new(
                    Rule::ForeignKeyValidates,
                    span,
                    format!("foreign key added to `{shown}` without `not valid`"),
                    format!(
                        "PostgreSQL takes SHARE ROW EXCLUSIVE locks on `{shown}` and on `{}` and \
                         scans `{shown}` to check every row: INSERT, UPDATE and DELETE on both \
                         tables wait until the scan ends",
                        cx.show(references)
                    ),
                    not_valid_help(),
                )),
                Added::Check => out.push(Finding::new(
                    Rule::CheckValidates,
                    span,
                    format!("check constraint added to `{shown}` without `not valid`"),
                    format!(
                        "PostgreSQL takes an ACCESS EXCLUSIVE lock on `{shown}` and scans every \
                         row to check it: every query on the table waits, reads included"
                    ),
                    not_valid_help(),
                )),
                Added::Unique | Added::PrimaryKey if !using_index => {
                    let what = if *kind == Added::Unique {
                        "unique"
                    } else {
                        "primary key"
                    };
                    let columns = match cx.statement.map(|s| &s.kind) {
                        Some(StatementKind::AddConstraint(added)) => match &added.constraint.kind {
                            TableConstraintKind::Unique(c) | TableConstraintKind::PrimaryKey(c) => {
                                c.iter()
                                    .map(|i| print::name(&i.value))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            }
                            _ => "COLUMNS".to_owned(),
                        },
                        _ => "COLUMNS".to_owned(),
                    };
                    let key_kind = if *kind == Added::Unique {
                        "unique"
                    } else {
                        "primary key"
                    };
                    out.push(Finding::new(
                        Rule::UniqueBuildsIndex,
                        span,
                        format!(
                            "{what} constraint added to `{shown}` builds its index under the lock"
                        ),
                        format!(
                            "PostgreSQL takes an ACCESS EXCLUSIVE lock on `{shown}` and builds the \
                             constraint's unique index while holding it: every query on the table \
                             waits, reads included, until every row is read and sorted"
                        ),
                        format!(
                            "build the index concurrently in one revision, then attach it: \
                             `create unique index concurrently {n} on {shown} ({columns});` then \
                             `alter table {shown} add constraint {n} {key_kind} using index {n};` \
                             (a brief lock, no scan)",
                            n = print::name(&name)
                        ),
                    ));
                }
                Added::Exclusion => out.push(Finding::new(
                    Rule::ExclusionBuildsIndex,
                    span,
                    format!(
                        "exclusion constraint added to `{shown}` builds its index under the lock"
                    ),
                    format!(
                        "PostgreSQL takes an ACCESS EXCLUSIVE lock on `{shown}`, builds the \
                         constraint's index and checks every row against the others while \
                         holding it: every query on the table waits, reads included; no \
                         concurrent build, `not valid` or `using index` exists for one"
                    ),
                    format!(
                        "PostgreSQL cannot build one without the lock: run the revision when \
                         `{shown}` may be locked for as long as the build takes, and say so: \
                         `-- strata: allow(exclusion-builds-index) <when and why>` (a table \
                         created in the same revision is exempt)"
                    ),
                )),
                _ => {}
            }
        }
        A::SetNotNull { table, column } if !cx.is_new(table) => {
            let shown = cx.show(table);
            let proven = cx.postgres >= 12
                && cx.model.table(table).is_some_and(|t| {
                    t.constraints.iter().any(|c| {
                        !c.not_valid
                            && matches!(&c.kind, ConstraintKind::Check { expr, .. }
                                if super::proves_not_null(&expr.text, column))
                    })
                });
            if !proven {
                let column_shown = print::name(column);
                let check = print::name(&format!("{}_{}_not_null", table.name(), column));
                out.push(Finding::new(
                    Rule::SetNotNullScans,
                    span,
                    format!("`set not null` on `{shown}.{column_shown}` scans the table"),
                    format!(
                        "PostgreSQL takes an ACCESS EXCLUSIVE lock on `{shown}` and reads every \
                         row to prove the column holds no null: every query on the table waits, \
                         reads included; from PostgreSQL 12 on, a validated `check (... is not \
                         null)` constraint spares the scan{}",
                        if cx.postgres < 12 {
                            format!(
                                " (the target is PostgreSQL {}: it scans anyway)",
                                cx.postgres
                            )
                        } else {
                            String::new()
                        }
                    ),
                    format!(
                        "prove it first, over revisions: `alter table {shown} add constraint \
                         {check} check `{column_shown} IS NOT NULL` not valid;`, then `alter table \
                         {shown} validate constraint {check};`, then `alter table {shown} alter \
                         column {column_shown} set not null;` and drop the check"
                    ),
                ));
            }
        }
        A::ChangeType {
            table,
            column,
            from,
            to,
        } if !cx.is_new(table) && types::rewrites(from, to) => {
            let shown = cx.show(table);
            let column = print::name(column);
            out.push(Finding::new(
                Rule::TypeChangeRewrites,
                span,
                format!(
                    "changing `{shown}.{column}` from `{}` to `{}` rewrites the table",
                    print::data_type(from),
                    print::data_type(to)
                ),
                format!(
                    "PostgreSQL takes an ACCESS EXCLUSIVE lock on `{shown}`, rewrites every row \
                     and rebuilds every index of the table: every query waits, reads included \
                     (a longer `varchar`, `varchar` to `text`, or a wider `numeric` of the same \
                     scale would not rewrite)"
                ),
                format!(
                    "add a column of the new type, fill it in batches in data revisions, move \
                     the application to it, then drop the old one: `alter table {shown} add \
                     column {column}_new {};`",
                    print::data_type(to)
                ),
            ));
        }
        A::AddColumn {
            table,
            column,
            not_null,
            fill,
        } if !cx.is_new(table) => {
            let shown = cx.show(table);
            let column = print::name(column);
            let rewrite = match fill {
                Fill::PerRow(why) => {
                    Some(format!("{why} gives every existing row a value of its own"))
                }
                Fill::Constant if cx.postgres < 11 => Some(format!(
                    "before PostgreSQL 11 (the target is {}), any default is written into \
                     every existing row",
                    cx.postgres
                )),
                _ => None,
            };
            if let Some(why) = rewrite {
                out.push(Finding::new(
                    Rule::VolatileDefault,
                    span,
                    format!("adding `{shown}.{column}` rewrites the table"),
                    format!(
                        "{why}: PostgreSQL rewrites `{shown}` under an ACCESS EXCLUSIVE lock, and \
                         every query waits, reads included (a constant default is stored once, \
                         from PostgreSQL 11 on)"
                    ),
                    format!(
                        "add the column without that default, set the default after (`alter \
                         table {shown} alter column {column} set default ...;`, which only new \
                         rows get), and fill the existing rows in batches in a data revision"
                    ),
                ));
            } else if *not_null && *fill == Fill::Nothing {
                out.push(Finding::new(
                    Rule::NotNullWithoutDefault,
                    span,
                    format!("`not null` column `{shown}.{column}` added without a default"),
                    format!(
                        "PostgreSQL fills the new column of every existing row with null, which \
                         `not null` refuses: the statement fails (\"contains null values\") on \
                         any database where `{shown}` has a row"
                    ),
                    format!(
                        "give it a constant default (stored once from PostgreSQL 11 on: no \
                         rewrite), or add it nullable, fill it, and then `alter table {shown} \
                         alter column {column} set not null;` as `set-not-null-scans` describes"
                    ),
                ));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::proves_not_null;

    #[test]
    fn a_check_proves_not_null_however_written() {
        assert!(proves_not_null("email IS NOT NULL", "email"));
        assert!(proves_not_null("(\"email\" is not null)", "email"));
        assert!(!proves_not_null("email IS NOT NULL OR id > 0", "email"));
        assert!(!proves_not_null("name IS NOT NULL", "email"));
        assert!(!proves_not_null("\"Email\" IS NOT NULL", "email"));
    }
}
