//! Compatibility with running code: a change that the application version still
//! running (or one rolled back to) may not survive. A table or type new to the script
//! is exempt: no deployed code uses it yet.

use crate::lint::action::{Action, ActionKind};
use crate::lint::{Context, Finding, Rule};
use crate::syntax::print;

pub(in crate::lint) fn check(action: &Action, cx: &Context<'_>, out: &mut Vec<Finding>) {
    use ActionKind as A;
    let span = action.span;
    let expand_contract = "deploy code that no longer needs the old form first; or expand and \
                           contract: add the new form, write both, move the reads, and remove \
                           the old one in a later release";
    match &action.kind {
        A::DropColumn { table, column } if !cx.is_new(table) => {
            let shown = format!("{}.{}", cx.show(table), print::name(column));
            out.push(Finding::new(
                Rule::DropColumn,
                span,
                format!("dropping column `{shown}` breaks code that still uses it"),
                "PostgreSQL drops the column at once (an ACCESS EXCLUSIVE lock, no rewrite): a \
                 query that names it, or an ORM that selects every column it knows, fails from \
                 then on, and rolling the application back does not bring the data back",
                format!(
                    "release code that no longer reads or writes `{shown}` first, then drop it \
                     and say so: `-- strata: allow(drop-column) unused since <release>`"
                ),
            ));
        }
        A::RenameColumn { table, column, to } if !cx.is_new(table) => {
            let shown = cx.show(table);
            out.push(Finding::new(
                Rule::RenameColumn,
                span,
                format!(
                    "renaming `{shown}.{}` to `{}` breaks code that still uses the old name",
                    print::name(column),
                    print::name(to)
                ),
                "the rename is instant, and every query of the running application that names \
                 the column fails from then on",
                format!(
                    "{expand_contract}: `alter table {shown} add column {} ...;`",
                    print::name(to)
                ),
            ));
        }
        A::DropTable(table) if !cx.is_new(table) => {
            let shown = cx.show(table);
            out.push(Finding::new(
                Rule::DropTable,
                span,
                format!("dropping table `{shown}` breaks code that still uses it"),
                "PostgreSQL drops the table and its data at once; the running application's \
                 queries on it fail, and no rollback of the application brings the rows back",
                format!(
                    "release code that no longer uses `{shown}` first (and keep a dump), then drop \
                     it and say so: `-- strata: allow(drop-table) unused since <release>`"
                ),
            ));
        }
        A::RenameTable { table, to } if !cx.is_new(table) => {
            let shown = cx.show(table);
            out.push(Finding::new(
                Rule::RenameTable,
                span,
                format!(
                    "renaming table `{shown}` to `{}` breaks code that still uses the old name",
                    cx.show(to)
                ),
                "the rename is instant, and every query of the running application that names \
                 the table fails from then on",
                format!(
                    "{expand_contract}; a view under the old name (`sql $$ CREATE VIEW {shown} AS \
                     SELECT * FROM {} $$`) can bridge the release",
                    cx.show(to)
                ),
            ));
        }
        A::RenameEnumValue { name, from } if !cx.is_new(name) => {
            let shown = cx.show(name);
            out.push(Finding::new(
                Rule::RenameEnumValue,
                span,
                format!(
                    "renaming value {} of `{shown}` breaks code that still writes it",
                    print::string(from)
                ),
                "existing rows follow the rename at once, and an INSERT or comparison of the \
                 running application that uses the old value fails (\"invalid input value for \
                 enum\")",
                format!(
                    "add the new value (`alter type {shown} add value '...';`), move the \
                     application and the rows to it, and stop using the old one; an enum value \
                     cannot be dropped, so say why the rename is safe if it is: `-- strata: \
                     allow(rename-enum-value) <why>`"
                ),
            ));
        }
        A::DropDefault { table, column } if !cx.is_new(table) => {
            let shown = format!("{}.{}", cx.show(table), print::name(column));
            out.push(Finding::new(
                Rule::DropDefault,
                span,
                format!("dropping the default of `{shown}` breaks code that relies on it"),
                "an INSERT of the running application that leaves the column out gets null from \
                 then on, or fails if the column is `not null`",
                "release code that always writes the column first, then drop the default",
            ));
        }
        _ => {}
    }
}
