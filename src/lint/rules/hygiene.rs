//! Schema hygiene: column types and keys that cost later (a key that runs out, a length
//! limit that takes a type change to raise, local times without a zone) and foreign
//! keys that make deletes scan. They apply to new tables too: that is where they are
//! cheapest to fix.

use crate::lint::types::{self, Family};
use crate::lint::{Context, Finding, Rule};
use crate::schema::model::{Constraint, ConstraintKind, ObjName, Table};
use crate::source::Span;
use crate::syntax::ast::{
    ColumnDef, CreateRoutine, DataType, IndexTarget, Statement, StatementKind,
};
use crate::syntax::print;

/// A foreign key a statement added, judged when its revision ends: an index made after
/// it in the same revision covers it.
pub(in crate::lint) struct ForeignKey {
    pub table: ObjName,
    pub columns: Vec<String>,
    pub span: Span,
}

/// Judges the statement's column types and keys, and gives the foreign keys it added,
/// for [`unindexed`] when the revision ends.
pub(in crate::lint) fn check(cx: &Context<'_>, out: &mut Vec<Finding>) -> Vec<ForeignKey> {
    let Some(statement) = cx.statement else {
        return Vec::new();
    };
    let (table, column) = match &statement.kind {
        StatementKind::CreateTable(t) => {
            for column in &t.columns {
                column_type(&column.data_type, column.span, out);
            }
            (&t.name, None)
        }
        StatementKind::AddColumn(a) => {
            column_type(&a.column.data_type, a.column.span, out);
            (&a.table, Some(a.column.name.value.as_str()))
        }
        StatementKind::AlterColumnType(a) => {
            column_type(&a.data_type, statement.span, out);
            return Vec::new();
        }
        StatementKind::AddConstraint(a) => (&a.table, None),
        StatementKind::CreateRoutine(r) => {
            security_definer(r, statement.span, out);
            return Vec::new();
        }
        _ => return Vec::new(),
    };
    let table = ObjName::of(table, cx.default_schema);
    let Some(t) = cx.model.table(&table) else {
        return Vec::new();
    };
    let made = made_constraints(statement);
    let made: Vec<&Constraint> = t
        .constraints
        .iter()
        .filter(|c| made.contains(&c.name))
        .collect();
    keys(cx, t, &made, statement, column, out);
    made.iter()
        .filter_map(|c| match &c.kind {
            ConstraintKind::ForeignKey { columns, .. } => Some(ForeignKey {
                table: table.clone(),
                columns: columns.clone(),
                span: columns
                    .first()
                    .map_or(statement.span, |c| column_span(statement, c)),
            }),
            _ => None,
        })
        .collect()
}

/// A `security definer` routine must not find its names through its caller's
/// `search_path`: a caller who can create a function or table in a schema on that path
/// (or in `pg_temp`, which is searched first unless named) would have it run with the
/// owner's rights.
fn security_definer(r: &CreateRoutine, span: Span, out: &mut Vec<Finding>) {
    if r.security_definer != Some(true) || r.settings.iter().any(|s| s.name.value == "search_path")
    {
        return;
    }
    let kind = if r.procedure { "procedure" } else { "function" };
    out.push(Finding::new(
        Rule::SecurityDefinerSearchPath,
        span,
        format!(
            "{kind} `{}` runs as its owner (`security definer`) with its caller's `search_path`",
            print::qualified(&r.name)
        ),
        "every unqualified name in it is looked up in the caller's `search_path`, where a \
         caller who can create objects in one of its schemas (or in `pg_temp`, searched \
         first unless named) can put a function or table of their own, which then runs or \
         is read with the owner's rights",
        "add `set search_path = pg_catalog, pg_temp` to it (pg_temp last) and \
         schema-qualify the tables and functions its body uses",
    ));
}

fn column_type(data_type: &DataType, span: Span, out: &mut Vec<Finding>) {
    let written = print::data_type(data_type);
    match types::family(data_type) {
        Family::Varchar(Some(n)) => out.push(Finding::new(
            Rule::PreferText,
            span,
            format!("`{written}` limits the length in the type"),
            "raising the limit later is a type change (a shorter one rewrites the table), \
             and PostgreSQL stores `text` and `varchar` alike",
            format!(
                "use `text` with a check constraint on `char_length(...) <= {n}`, which can \
                 change without touching the rows"
            ),
        )),
        Family::Timestamp => out.push(Finding::new(
            Rule::PreferTimestamptz,
            span,
            format!("`{written}` stores a time without its time zone"),
            "the value is whatever local time the writer had, with nothing to say which: \
             sessions in other time zones, and daylight saving changes, read it wrong",
            "use `timestamptz` (`timestamp with time zone`), which stores an instant and shows \
             it in each session's zone",
        )),
        Family::Char => out.push(Finding::new(
            Rule::CharType,
            span,
            format!("`{written}` pads values with blanks"),
            "PostgreSQL pads `char(n)` to its length and ignores trailing blanks in comparisons \
             (but not in `LIKE` or regular expressions); it is stored like `text` and is no \
             faster",
            "use `text`, with a check constraint for the length if it matters",
        )),
        _ => {}
    }
}

/// The primary and foreign keys among the constraints the statement `made` on table `t`
/// (those on `column` only, for an added column), judged by their columns' types.
fn keys(
    cx: &Context<'_>,
    t: &Table,
    made: &[&Constraint],
    statement: &Statement,
    column: Option<&str>,
    out: &mut Vec<Finding>,
) {
    for constraint in made {
        if column.is_some_and(|c| !constraint.columns().iter().any(|k| k == c)) {
            continue;
        }
        match &constraint.kind {
            ConstraintKind::PrimaryKey(columns) => {
                for name in columns {
                    let Some(c) = t.column(name) else { continue };
                    let family = types::family(&c.data_type);
                    let what = match family {
                        Family::SmallInteger | Family::SmallSerial => format!(
                            "primary key `{}` is `{}`, which runs out",
                            print::name(name),
                            print::data_type(&c.data_type)
                        ),
                        Family::BigSerial => {
                            format!("primary key `{}` is `bigserial`", print::name(name))
                        }
                        _ => continue,
                    };
                    out.push(key_finding(what, column_span(statement, name)));
                }
            }
            ConstraintKind::ForeignKey {
                columns,
                table: target,
                referenced,
                ..
            } => {
                let target_table = cx.model.table(target);
                for (name, other) in columns.iter().zip(referenced) {
                    let Some(c) = t.column(name) else { continue };
                    let theirs = target_table.and_then(|t: &Table| t.column(other));
                    let big = theirs.is_some_and(|o| {
                        matches!(
                            types::family(&o.data_type),
                            Family::Bigint | Family::BigSerial
                        )
                    });
                    if types::is_small_key(&types::family(&c.data_type)) && big {
                        out.push(key_finding(
                            format!(
                                "foreign key column `{}` is `{}`, but the key it references is \
                                 `bigint`",
                                print::name(name),
                                print::data_type(&c.data_type)
                            ),
                            column_span(statement, name),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}

fn key_finding(message: String, span: Span) -> Finding {
    Finding::new(
        Rule::PreferBigintIdentity,
        span,
        message,
        "a 4-byte key stops at 2,147,483,647 (a 2-byte one at 32,767): inserts then fail, and \
         widening the key and every foreign key to it rewrites those tables under ACCESS \
         EXCLUSIVE locks",
        "use `bigint generated always as identity` for the key, and `bigint` for the columns \
         that reference it",
    )
}

/// The names of the constraints the (resolved) statement declares.
fn made_constraints(statement: &Statement) -> Vec<String> {
    let mut names = Vec::new();
    let mut column = |c: &ColumnDef| {
        names.extend(
            c.constraints
                .iter()
                .filter_map(|k| k.name.as_ref().map(|n| n.value.clone())),
        );
    };
    match &statement.kind {
        StatementKind::CreateTable(t) => {
            t.columns.iter().for_each(&mut column);
            names.extend(
                t.constraints
                    .iter()
                    .filter_map(|k| k.name.as_ref().map(|n| n.value.clone())),
            );
        }
        StatementKind::AddColumn(a) => column(&a.column),
        StatementKind::AddConstraint(a) => {
            names.extend(a.constraint.name.as_ref().map(|n| n.value.clone()));
        }
        _ => {}
    }
    names
}

/// Where a column is declared in the statement, else the statement.
fn column_span(statement: &Statement, name: &str) -> Span {
    let columns: &[ColumnDef] = match &statement.kind {
        StatementKind::CreateTable(t) => &t.columns,
        StatementKind::AddColumn(a) => std::slice::from_ref(&a.column),
        _ => &[],
    };
    columns
        .iter()
        .find(|c| c.name.value == name)
        .map_or(statement.span, |c| c.span)
}

/// `unindexed-foreign-key`, once the revision has run: an index (or a primary key or
/// unique constraint) whose first keys are the foreign key's columns covers it.
pub(in crate::lint) fn unindexed(fk: &ForeignKey, cx: &Context<'_>) -> Option<Finding> {
    let table = cx.model.table(&fk.table)?;
    let leads = |keys: Vec<&str>| {
        keys.len() >= fk.columns.len()
            && fk
                .columns
                .iter()
                .all(|c| keys[..fk.columns.len()].contains(&c.as_str()))
    };
    let by_constraint = table
        .constraints
        .iter()
        .filter(|c| c.has_index())
        .any(|c| leads(c.columns().iter().map(String::as_str).collect()));
    let by_index = cx.model.indexes_of(&fk.table).iter().any(|name| {
        cx.model.indexes.get(name).is_some_and(|index| {
            // A partial index serves the lookups when its predicate is that the column
            // is not null, which every lookup of a key implies.
            let usable = index.predicate.as_ref().is_none_or(|p| {
                fk.columns.len() == 1 && super::proves_not_null(&p.text, &fk.columns[0])
            });
            usable
                && leads(
                    index
                        .keys
                        .iter()
                        .map(|k| match &k.target {
                            IndexTarget::Column(c) => c.value.as_str(),
                            IndexTarget::Expr(_) => "",
                        })
                        .collect(),
                )
        })
    });
    if by_constraint || by_index {
        return None;
    }
    let shown = cx.show(&fk.table);
    let columns: Vec<String> = fk.columns.iter().map(|c| print::name(c)).collect();
    let columns = columns.join(", ");
    Some(Finding::new(
        Rule::UnindexedForeignKey,
        fk.span,
        format!("foreign key `{shown}` ({columns}) has no index on its columns"),
        "a DELETE or key UPDATE of a referenced row makes PostgreSQL look for referencing rows: \
         without an index, a scan of the whole table for each one, under the row locks",
        format!(
            "index the columns in the same revision: `create index on {shown} ({columns});` \
             (`concurrently` on an existing table)"
        ),
    ))
}
