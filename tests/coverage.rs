//! Every statement form of the language appears at least once in `migrations/` or in the
//! parser's ok fixtures, so that every later stage is exercised on all of them.
//!
//! The matches below are exhaustive on purpose: a new form of the language does not
//! compile here until this test knows of it.

use std::collections::BTreeSet;

use strata::syntax::ast::*;

use crate::support::{all_revisions, code_blocks, repo_root};

fn statement_forms(kind: &StatementKind, seen: &mut BTreeSet<&'static str>) {
    let mut columns: Vec<&ColumnDef> = Vec::new();
    let mut constraints: Vec<&TableConstraint> = Vec::new();
    let form = match kind {
        StatementKind::CreateSchema(_) => "create schema",
        StatementKind::DropSchema(_) => "drop schema",
        StatementKind::CreateEnum(_) => "create type as enum",
        StatementKind::DropType(_) => "drop type",
        StatementKind::AlterTypeAddValue(add) => match add.position {
            None => "alter type add value",
            Some((ValuePlacement::Before, _)) => "alter type add value before",
            Some((ValuePlacement::After, _)) => "alter type add value after",
        },
        StatementKind::AlterTypeRenameValue(_) => "alter type rename value",
        StatementKind::CreateExtension(_) => "create extension",
        StatementKind::DropExtension(_) => "drop extension",
        StatementKind::CreateTable(table) => {
            columns.extend(&table.columns);
            constraints.extend(&table.constraints);
            if !table.storage.is_empty() {
                seen.insert("create table with");
            }
            match table.partition_by.as_ref().map(|p| p.strategy) {
                None => "create table",
                Some(PartitionStrategy::Range) => "create table partition by range",
                Some(PartitionStrategy::List) => "create table partition by list",
                Some(PartitionStrategy::Hash) => "create table partition by hash",
            }
        }
        StatementKind::CreatePartition(p) => {
            if !p.storage.is_empty() {
                seen.insert("create table partition of with");
            }
            "create table partition of"
        }
        StatementKind::DropTable(_) => "drop table",
        StatementKind::RenameTable(_) => "alter table rename to",
        StatementKind::AddColumn(add) => {
            columns.push(&add.column);
            "alter table add column"
        }
        StatementKind::DropColumn(_) => "alter table drop column",
        StatementKind::RenameColumn(_) => "alter table rename column",
        StatementKind::AlterColumnType(alter) => match alter.using {
            None => "alter column type",
            Some(_) => "alter column type using",
        },
        StatementKind::SetNotNull(_) => "alter column set not null",
        StatementKind::DropNotNull(_) => "alter column drop not null",
        StatementKind::SetDefault(_) => "alter column set default",
        StatementKind::DropDefault(_) => "alter column drop default",
        StatementKind::AddConstraint(add) => {
            constraints.push(&add.constraint);
            if add.not_valid {
                "alter table add constraint not valid"
            } else {
                "alter table add constraint"
            }
        }
        StatementKind::ValidateConstraint(_) => "alter table validate constraint",
        StatementKind::AddConstraintUsingIndex(a) => match a.primary_key {
            false => "alter table add unique using index",
            true => "alter table add primary key using index",
        },
        StatementKind::DropConstraint(_) => "alter table drop constraint",
        StatementKind::CreateIndex(index) => {
            if index.unique {
                seen.insert("create unique index");
            }
            if index.concurrently {
                seen.insert("create index concurrently");
            }
            if index.name.is_none() {
                seen.insert("create index without a name");
            }
            if index.method.is_some() {
                seen.insert("create index using");
            }
            if !index.include.is_empty() {
                seen.insert("create index include");
            }
            if index.predicate.is_some() {
                seen.insert("create index where");
            }
            if !index.storage.is_empty() {
                seen.insert("create index with");
            }
            for key in &index.keys {
                if matches!(key.target, IndexTarget::Expr(_)) {
                    seen.insert("index key expression");
                }
                match key.order {
                    Some(SortOrder::Asc) => seen.insert("index key asc"),
                    Some(SortOrder::Desc) => seen.insert("index key desc"),
                    None => false,
                };
                match key.nulls {
                    Some(NullsOrder::First) => seen.insert("index key nulls first"),
                    Some(NullsOrder::Last) => seen.insert("index key nulls last"),
                    None => false,
                };
            }
            if index.nulls_not_distinct {
                seen.insert("index nulls not distinct");
            }
            "create index"
        }
        StatementKind::DropIndex(index) => match (index.concurrently, index.if_exists) {
            (false, false) => "drop index",
            (true, false) => "drop index concurrently",
            (_, true) => "drop index if exists",
        },
        StatementKind::RenameIndex(_) => "alter index rename to",
        StatementKind::AlterStorage(a) => match (a.index, &a.change) {
            (false, StorageChange::Set(_)) => "alter table set",
            (false, StorageChange::Reset(_)) => "alter table reset",
            (true, StorageChange::Set(_)) => "alter index set",
            (true, StorageChange::Reset(_)) => "alter index reset",
        },
        StatementKind::RenameType(_) => "alter type rename to",
        StatementKind::Set(_) => "set",
        StatementKind::RenameConstraint(_) => "alter table rename constraint",
        StatementKind::RawSql(sql) => match (sql.data, sql.nontransactional) {
            _ if !sql.made.is_empty() => {
                for made in &sql.made {
                    statement_forms(&made.kind, seen);
                }
                "sql assume"
            }
            (false, false) => "sql",
            (false, true) => "sql nontransactional",
            (true, false) => "sql data",
            (true, true) => "sql data nontransactional",
        },
        StatementKind::AssumeTable(table) => {
            columns.extend(&table.columns);
            constraints.extend(&table.constraints);
            "assume table"
        }
        StatementKind::AssumeType(_) => "assume type",
        StatementKind::AssumeExtension(_) => "assume extension",
        StatementKind::AssumeIndex(_) => "assume index",
        StatementKind::AssumeConstraint(_) => "assume constraint",
        StatementKind::CreateSequence(c) => {
            sequence_options(&c.options, seen);
            "create sequence"
        }
        StatementKind::AssumeSequence(_) => "assume sequence",
        StatementKind::AlterSequence(a) => {
            sequence_options(&a.options, seen);
            "alter sequence"
        }
        StatementKind::RenameSequence(_) => "alter sequence rename to",
        StatementKind::DropSequence(_) => "drop sequence",
        StatementKind::AddIdentity(_) => "alter column add identity",
        StatementKind::SetColumnOption(o) => match o.option {
            ColumnOption::Statistics(_) => "alter column set statistics",
            ColumnOption::Storage(_) => "alter column set storage",
            ColumnOption::Compression(_) => "alter column set compression",
        },
        StatementKind::DropIdentity(d) => match d.if_exists {
            false => "alter column drop identity",
            true => "alter column drop identity if exists",
        },
        StatementKind::SetGenerated(_) => "alter column set generated",
        StatementKind::Comment(c) => {
            if c.text.is_none() {
                seen.insert("comment is null");
            }
            match c.target {
                CommentTarget::Schema(_) => "comment on schema",
                CommentTarget::Type(_) => "comment on type",
                CommentTarget::Table(_) => "comment on table",
                CommentTarget::Column { .. } => "comment on column",
                CommentTarget::Constraint { .. } => "comment on constraint",
                CommentTarget::Index(_) => "comment on index",
                CommentTarget::Sequence(_) => "comment on sequence",
                CommentTarget::Routine(_) => "comment on function",
                CommentTarget::Trigger { .. } => "comment on trigger",
                CommentTarget::View {
                    materialized: false,
                    ..
                } => "comment on view",
                CommentTarget::View {
                    materialized: true, ..
                } => "comment on materialized view",
            }
        }
        StatementKind::CreateView(v) => match (v.or_replace, v.materialized, v.with_no_data) {
            (true, ..) => "create or replace view",
            (false, false, _) => "create view",
            (false, true, false) => "create materialized view",
            (false, true, true) => "create materialized view with no data",
        },
        StatementKind::AssumeView(_) => "assume view",
        StatementKind::CreateRoutine(r) => {
            if r.security_definer == Some(true) {
                seen.insert("function security definer");
            }
            if !r.settings.is_empty() {
                seen.insert("function set");
            }
            if r.returns.as_ref().is_some_and(|ret| ret.setof) {
                seen.insert("function returns setof");
            }
            match (r.or_replace, r.procedure) {
                (false, false) => "create function",
                (true, false) => "create or replace function",
                (false, true) => "create procedure",
                (true, true) => "create or replace procedure",
            }
        }
        StatementKind::AssumeRoutine(_) => "assume function",
        StatementKind::DropRoutine(d) => match d.routine.args {
            Some(_) => "drop function (arguments)",
            None => "drop function",
        },
        StatementKind::RenameRoutine(_) => "alter function rename to",
        StatementKind::CreateTrigger(t) => {
            if t.when.is_some() {
                seen.insert("trigger when");
            }
            if t.events.len() > 1 {
                seen.insert("trigger or");
            }
            match t.timing {
                TriggerTiming::Before => "create trigger before",
                TriggerTiming::After => "create trigger after",
                TriggerTiming::InsteadOf => "create trigger instead of",
            }
        }
        StatementKind::DropTrigger(_) => "drop trigger",
        StatementKind::Grant(g) | StatementKind::Revoke(g) => {
            let revoke = matches!(kind, StatementKind::Revoke(_));
            if g.privileges.is_empty() {
                seen.insert("privileges all");
            }
            if g.grant_option {
                seen.insert(if revoke {
                    "revoke grant option for"
                } else {
                    "grant with grant option"
                });
            }
            seen.insert(match g.object {
                GrantObject::Tables(_) => "privileges on tables",
                GrantObject::Sequences(_) => "privileges on sequences",
                GrantObject::Schemas(_) => "privileges on schemas",
                GrantObject::Routine(_) => "privileges on a function",
            });
            if revoke {
                "revoke"
            } else {
                "grant"
            }
        }
        StatementKind::AssumeRole(_) => "assume role",
        StatementKind::SetSchema(s) => match s.object {
            SchemaObject::Table => "alter table set schema",
            SchemaObject::Type => "alter type set schema",
            SchemaObject::Sequence => "alter sequence set schema",
            SchemaObject::View { .. } => "alter view set schema",
            SchemaObject::Routine { .. } => "alter function set schema",
        },
        StatementKind::RowSecurity(r) => match r.change {
            RowSecurityChange::Enable => "enable row level security",
            RowSecurityChange::Disable => "disable row level security",
            RowSecurityChange::Force => "force row level security",
            RowSecurityChange::NoForce => "no force row level security",
        },
        StatementKind::CreatePolicy(c) => {
            if c.restrictive {
                seen.insert("policy as restrictive");
            }
            if c.check.is_some() {
                seen.insert("policy with check");
            }
            "create policy"
        }
        StatementKind::DropPolicy(_) => "drop policy",
        StatementKind::RefreshView(r) => match (r.concurrently, r.with_no_data) {
            (true, _) => "refresh materialized view concurrently",
            (false, false) => "refresh materialized view",
            (false, true) => "refresh materialized view with no data",
        },
        StatementKind::DropView(d) => match d.materialized {
            false => "drop view",
            true => "drop materialized view",
        },
        StatementKind::RenameView(r) => match r.materialized {
            false => "alter view rename to",
            true => "alter materialized view rename to",
        },
    };
    seen.insert(form);
    for column in columns {
        if let TypeKind::MultiWord { name, .. } = column.data_type.kind {
            seen.insert(match name {
                MultiWordType::DoublePrecision => "type double precision",
                MultiWordType::CharacterVarying => "type character varying",
                MultiWordType::BitVarying => "type bit varying",
                MultiWordType::TimestampWithTimeZone => "type timestamp with time zone",
                MultiWordType::TimestampWithoutTimeZone => "type timestamp without time zone",
                MultiWordType::TimeWithTimeZone => "type time with time zone",
                MultiWordType::TimeWithoutTimeZone => "type time without time zone",
            });
        }
        if let TypeKind::Raw(_) = column.data_type.kind {
            seen.insert("raw type");
        }
        for constraint in &column.constraints {
            let form = match &constraint.kind {
                ColumnConstraintKind::NotNull => "column not null",
                ColumnConstraintKind::Null => "column null",
                ColumnConstraintKind::PrimaryKey => "column primary key",
                ColumnConstraintKind::Unique => "column unique",
                ColumnConstraintKind::Default(DefaultValue::Literal(_)) => "column default literal",
                ColumnConstraintKind::Default(DefaultValue::Expr(_)) => "column default expression",
                ColumnConstraintKind::Check(_) => "column check",
                ColumnConstraintKind::References(reference) => {
                    actions(reference, seen);
                    "column references"
                }
                ColumnConstraintKind::Identity(IdentityKind::Always) => {
                    "generated always as identity"
                }
                ColumnConstraintKind::Identity(IdentityKind::ByDefault) => {
                    "generated by default as identity"
                }
                ColumnConstraintKind::Generated(_) => "generated always as stored",
                ColumnConstraintKind::Collate(_) => "column collate",
            };
            seen.insert(form);
        }
    }
    for constraint in constraints {
        let form = match &constraint.kind {
            TableConstraintKind::PrimaryKey(_) => "table primary key",
            TableConstraintKind::Unique(_) => "table unique",
            TableConstraintKind::Check(_) => "table check",
            TableConstraintKind::Exclude(_) => "table exclude",
            TableConstraintKind::ForeignKey { references, .. } => {
                actions(references, seen);
                "table foreign key"
            }
        };
        seen.insert(form);
    }
}

fn sequence_options(options: &SequenceOptions, seen: &mut BTreeSet<&'static str>) {
    for clause in options.clauses() {
        seen.insert(match clause {
            SequenceClause::Words("as smallint" | "as integer" | "as bigint") => "sequence as",
            SequenceClause::Words(words) => words,
            SequenceClause::Number(words, _) => words,
            SequenceClause::OwnedBy(_) => "owned by",
        });
    }
}

fn actions(reference: &ForeignReference, seen: &mut BTreeSet<&'static str>) {
    for action in [reference.on_delete, reference.on_update]
        .into_iter()
        .flatten()
    {
        seen.insert(match action {
            ReferentialAction::Cascade => "on cascade",
            ReferentialAction::Restrict => "on restrict",
            ReferentialAction::NoAction => "on no action",
            ReferentialAction::SetNull => "on set null",
            ReferentialAction::SetDefault => "on set default",
        });
    }
}

/// The forms of the statements of `revisions`.
fn forms<'r>(revisions: impl IntoIterator<Item = &'r Revision>) -> BTreeSet<&'static str> {
    let mut seen = BTreeSet::new();
    for revision in revisions {
        seen.insert(match revision.downgrade() {
            Downgrade::Derived => "derived downgrade",
            Downgrade::Explicit(_) => "explicit downgrade",
            Downgrade::Irreversible { .. } => "downgrade irreversible",
        });
        let blocks = [
            revision.upgrade(),
            match revision.downgrade() {
                Downgrade::Explicit(block) => Some(block),
                _ => None,
            },
        ];
        for block in blocks.into_iter().flatten() {
            for statement in &block.statements {
                statement_forms(&statement.kind, &mut seen);
            }
        }
    }
    seen
}

/// Every form of the language.
fn all_forms() -> BTreeSet<&'static str> {
    [
        "create schema",
        "drop schema",
        "create type as enum",
        "drop type",
        "alter type add value",
        "alter type add value before",
        "alter type add value after",
        "alter type rename value",
        "create extension",
        "drop extension",
        "create table",
        "create table partition by range",
        "create table partition by list",
        "create table partition by hash",
        "create table partition of",
        "drop table",
        "alter table rename to",
        "alter table add column",
        "alter table drop column",
        "alter table rename column",
        "alter column type",
        "alter column type using",
        "alter column set not null",
        "alter column drop not null",
        "alter column set default",
        "alter column drop default",
        "alter table add constraint",
        "alter table add constraint not valid",
        "alter table validate constraint",
        "alter table add unique using index",
        "alter table add primary key using index",
        "alter table drop constraint",
        "create index",
        "create unique index",
        "create index concurrently",
        "create index without a name",
        "create index using",
        "create index include",
        "create index where",
        "index key expression",
        "index key asc",
        "index key desc",
        "index key nulls first",
        "index key nulls last",
        "drop index",
        "drop index concurrently",
        "drop index if exists",
        "index nulls not distinct",
        "alter index rename to",
        "create table with",
        "create table partition of with",
        "create index with",
        "alter table set",
        "alter table reset",
        "alter index set",
        "alter index reset",
        "alter type rename to",
        "set",
        "assume extension",
        "assume index",
        "assume constraint",
        "sql data",
        "sql data nontransactional",
        "alter table rename constraint",
        "sql",
        "sql nontransactional",
        "sql assume",
        "assume table",
        "assume type",
        "type double precision",
        "type character varying",
        "type bit varying",
        "type timestamp with time zone",
        "type timestamp without time zone",
        "type time with time zone",
        "type time without time zone",
        "raw type",
        "column not null",
        "column null",
        "column primary key",
        "column unique",
        "column default literal",
        "column default expression",
        "column check",
        "column references",
        "generated always as identity",
        "generated by default as identity",
        "generated always as stored",
        "table primary key",
        "table unique",
        "table check",
        "table exclude",
        "table foreign key",
        "on cascade",
        "on restrict",
        "on no action",
        "on set null",
        "on set default",
        "create sequence",
        "assume sequence",
        "alter sequence",
        "alter sequence rename to",
        "drop sequence",
        "sequence as",
        "increment by",
        "minvalue",
        "no minvalue",
        "maxvalue",
        "no maxvalue",
        "start with",
        "restart",
        "restart with",
        "cache",
        "cycle",
        "no cycle",
        "owned by",
        "owned by none",
        "alter column add identity",
        "column collate",
        "alter column set statistics",
        "alter column set storage",
        "alter column set compression",
        "alter column drop identity",
        "alter column drop identity if exists",
        "alter column set generated",
        "comment is null",
        "comment on schema",
        "comment on type",
        "comment on table",
        "comment on column",
        "comment on constraint",
        "comment on index",
        "comment on sequence",
        "comment on view",
        "comment on function",
        "comment on trigger",
        "create function",
        "create or replace function",
        "create procedure",
        "create or replace procedure",
        "function security definer",
        "function set",
        "function returns setof",
        "assume function",
        "drop function",
        "drop function (arguments)",
        "alter function rename to",
        "create trigger before",
        "create trigger after",
        "create trigger instead of",
        "trigger when",
        "trigger or",
        "drop trigger",
        "grant",
        "revoke",
        "privileges all",
        "grant with grant option",
        "revoke grant option for",
        "privileges on tables",
        "privileges on sequences",
        "privileges on schemas",
        "privileges on a function",
        "assume role",
        "alter table set schema",
        "alter type set schema",
        "alter sequence set schema",
        "alter view set schema",
        "alter function set schema",
        "enable row level security",
        "disable row level security",
        "force row level security",
        "no force row level security",
        "create policy",
        "policy as restrictive",
        "policy with check",
        "drop policy",
        "comment on materialized view",
        "create view",
        "create or replace view",
        "create materialized view",
        "create materialized view with no data",
        "assume view",
        "refresh materialized view",
        "refresh materialized view concurrently",
        "refresh materialized view with no data",
        "drop view",
        "drop materialized view",
        "alter view rename to",
        "alter materialized view rename to",
        "derived downgrade",
        "explicit downgrade",
        "downgrade irreversible",
    ]
    .into_iter()
    .collect()
}

/// The forms of the language that no statement of `revisions` has.
fn missing_forms(revisions: &[Revision]) -> Vec<&'static str> {
    all_forms().difference(&forms(revisions)).copied().collect()
}

#[test]
fn every_statement_form_appears_in_the_examples_or_fixtures() {
    let missing = missing_forms(&all_revisions());
    assert!(
        missing.is_empty(),
        "never used in migrations/ or tests/cases/parse/ok: {missing:?}"
    );
}

/// The code blocks of `docs/LANGUAGE.md` that are `.mig` text: whole files (from
/// `revision`), or statements, read as an upgrade block. A block that does not parse is
/// a fault of the reference.
fn reference_revisions() -> Vec<Revision> {
    let text = std::fs::read_to_string(repo_root().join("docs/LANGUAGE.md")).expect("reference");
    let mut revisions = Vec::new();
    for block in code_blocks(&text) {
        let code = block.lines.join("\n");
        let file = if code.trim_start().starts_with("revision ") {
            code
        } else {
            format!("revision doc;\nupgrade {{\n{code}\n}}\n")
        };
        let mut sources = strata::source::SourceMap::new();
        let loaded = strata::project::load_bytes(
            &mut sources,
            file.into_bytes(),
            "doc.mig".into(),
            "doc.mig".into(),
        );
        let syntax: Vec<String> = loaded
            .diagnostics
            .iter()
            .filter(|d| d.code == strata::diagnostic::Code::Syntax)
            .map(|d| d.render(&sources))
            .collect();
        assert!(
            syntax.is_empty(),
            "docs/LANGUAGE.md:{}: the example does not parse:\n{}",
            block.line,
            syntax.concat()
        );
        revisions.extend(loaded.revision.map(|r| r.revision));
    }
    revisions
}

#[test]
fn every_statement_form_has_an_example_in_the_language_reference() {
    let missing = missing_forms(&reference_revisions());
    assert!(
        missing.is_empty(),
        "docs/LANGUAGE.md shows no example of: {missing:?}"
    );
}
