//! One statement against the model: its checks (LANGUAGE.md 7.2), its effect with
//! PostgreSQL's side effects, the names PostgreSQL would choose, and its reversal
//! (LANGUAGE.md 6), computed from the model as it stood before the statement.
//!
//! This file holds the `Applier`, what every kind of object shares (names, lookups,
//! errors) and the one dispatch; each statement's effect, checks and reversal is in the
//! file named for its object: `schemas`, `extensions`, `types`, `tables`, `columns`,
//! `constraints`, `indexes`, `sequences` (identity columns too), `views`, `routines`
//! (functions, procedures, triggers), `privileges` (grants, row security, policies),
//! `comments`; `dump`
//! writes a model back as statements.

use std::sync::Arc;

use super::model::*;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;

mod columns;
mod comments;
mod constraints;
mod dump;
mod extensions;
mod fates;
mod indexes;
mod privileges;
mod raw;
mod routines;
mod schemas;
mod sequences;
mod storage;
mod tables;
mod types;
mod views;

use constraints::{write_names, Origin, Pending};
pub use dump::{dump, statements};

/// A statement's reversal: the statements of its derived downgrade, or why there is
/// none.
pub type Reversal = Result<Vec<Derived>, String>;

/// A statement of a derived downgrade, with what a reader should know about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Derived {
    pub statement: Statement,
    /// For example: the rows of a recreated table are not restored.
    pub note: Option<String>,
}

/// What applying one statement gave.
pub struct Applied {
    /// The statement with every constraint and index name explicit.
    pub resolved: Statement,
    /// Its reversal, or why there is none.
    pub reverse: Reversal,
}

/// PostgreSQL's `MaxHeapAttributeNumber`: the most columns a table can have.
const MAX_COLUMNS: usize = 1600;
/// The most constraints strata checks on one table (PostgreSQL sets no limit): naming
/// unnamed ones takes PostgreSQL's passes over the names before them, and a bound keeps
/// a file's check linear in its size.
const MAX_CONSTRAINTS: usize = 1600;
/// A set of names (foldhash: these sets are made for every statement that names a
/// constraint, and SipHash's cost showed).
type Names = hashbrown::HashSet<String>;
/// PostgreSQL's `INDEX_MAX_KEYS`: the most columns of a key or an index (with the
/// `include` columns).
const MAX_KEY_COLUMNS: usize = 32;

/// One statement at a time against a model.
pub struct Applier<'a> {
    pub model: Model,
    pub default_schema: &'a str,
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// Where the model's columns get their types and defaults.
    pub shared: &'a mut Shared,
    /// Report the statements of raw blocks the model does not follow, as notes.
    pub verbose: bool,
}

fn ident(value: &str, span: Span) -> Ident {
    Ident {
        value: value.to_owned(),
        quoted: false,
        span,
    }
}

fn spanned<T>(span: Span, value: T) -> Spanned<T> {
    Spanned { value, span }
}

fn statement(kind: StatementKind, span: Span) -> Statement {
    Statement { kind, span }
}

/// Lets go of a table looked up with [`Applier::table_or_error`] before the model changes
/// it: while the copy is held, `Model::table_mut` would find the table shared and copy
/// all of it (every column and constraint) for each change.
fn release(table: Arc<Table>) {
    drop(table);
}

fn derived(kind: StatementKind, span: Span) -> Derived {
    Derived {
        statement: statement(kind, span),
        note: None,
    }
}

impl<'a> Applier<'a> {
    fn error(&mut self, code: Code, span: Span, message: String) {
        self.diagnostics
            .push(Diagnostic::error(code, span, message));
    }

    pub fn obj(&self, q: &QualifiedName) -> ObjName {
        ObjName::of(q, self.default_schema)
    }

    fn qualified(&self, name: &ObjName, span: Span) -> QualifiedName {
        QualifiedName {
            schema: (name.schema() != self.default_schema).then(|| ident(name.schema(), span)),
            name: ident(name.name(), span),
        }
    }

    /// The reversal of a rename of `old` to `new` (in one schema): the statement `make`
    /// builds from the object's new name and its old one.
    fn rename_back(
        &self,
        new: &ObjName,
        old: &ObjName,
        span: Span,
        make: impl FnOnce(QualifiedName, Ident) -> StatementKind,
    ) -> Derived {
        derived(
            make(self.qualified(new, span), ident(old.name(), span)),
            span,
        )
    }

    /// An error for a name the model does not know (`fated`, by kind, when it could have
    /// had it before): where it was renamed or dropped, when it was, else the nearest it
    /// knows of `known`, if one is near.
    fn unknown<'k>(
        &mut self,
        span: Span,
        message: String,
        fated: Option<&Fated>,
        name: &str,
        known: impl IntoIterator<Item = &'k str>,
    ) {
        let diagnostic = Diagnostic::error(Code::UnknownObject, span, message);
        let told = match fated {
            Some(fated) => self.with_fate(diagnostic, fated),
            None => Err(diagnostic),
        };
        let diagnostic = match told {
            Ok(told) => told,
            Err(diagnostic) => match crate::suggest::nearest(name, known) {
                Some(near) => diagnostic.with_help(crate::suggest::did_you_mean(near)),
                None => diagnostic,
            },
        };
        self.diagnostics.push(diagnostic);
    }

    /// The names of a kind of object, as `unknown` offers them: in the schema of
    /// `like`, without it for the default schema.
    fn names_like<'n>(
        &self,
        like: &ObjName,
        names: impl Iterator<Item = &'n ObjName>,
    ) -> Vec<String> {
        names
            .filter(|n| n.schema() == like.schema())
            .map(ToString::to_string)
            .collect()
    }

    /// An error for an object (a table, a type, an index: `fated` says which) the model
    /// does not know, offered the nearest of `known`.
    fn unknown_object(&mut self, fated: Fated, known: &[String], span: Span) {
        let (what, name) = match &fated {
            Fated::Table(name) => ("table", name),
            Fated::Index(name) => ("index", name),
            Fated::Type(name) => ("type", name),
            Fated::Column(table, _) | Fated::Constraint(table, _) => ("table", table),
        };
        let shown = name.to_string();
        self.unknown(
            span,
            format!("unknown {what} `{shown}`"),
            Some(&fated),
            &shown,
            known.iter().map(String::as_str),
        );
    }

    /// An error for a table the model does not know.
    fn unknown_table(&mut self, name: &ObjName, span: Span) {
        let known = self.names_like(name, self.model.tables.keys());
        self.unknown_object(Fated::Table(name.clone()), &known, span);
    }

    /// An error for a column `t` does not have.
    fn unknown_column(&mut self, table: &ObjName, t: &Table, column: &str, span: Span) {
        self.unknown(
            span,
            format!("table `{table}` has no column `{column}`"),
            Some(&Fated::Column(table.clone(), column.into())),
            column,
            t.columns.iter().map(|c| c.name.as_str()),
        );
    }

    /// The table a statement names (shared, not copied), or an error.
    fn table_or_error(&mut self, q: &QualifiedName) -> Option<(ObjName, Arc<Table>)> {
        let name = self.obj(q);
        match self.model.tables.get(&name) {
            Some(t) => Some((name, Arc::clone(t))),
            None => {
                self.unknown_table(&name, q.span());
                None
            }
        }
    }

    fn column_or_error(&mut self, table: &ObjName, t: &Table, column: &Ident) -> Option<Column> {
        match t.column(&column.value) {
            Some(c) => Some(c.clone()),
            None => {
                self.unknown_column(table, t, &column.value, column.span);
                None
            }
        }
    }

    /// Whether a name is free for a new relation or type in the schema.
    fn check_new_relation(&mut self, name: &ObjName, span: Span, what: &str) -> bool {
        self.check_free_relation(name, span, what, &format!("create {what}"))
    }

    /// Whether a relation (`what`) may be renamed to `name`.
    fn check_rename_target(&mut self, name: &ObjName, span: Span, what: &str) -> bool {
        self.check_free_relation(name, span, what, &format!("rename {what} to"))
    }

    /// Whether `name` is free in its schema for a relation (`what`); `doing` says what
    /// the statement would do, for the error.
    pub(super) fn check_free_relation(
        &mut self,
        name: &ObjName,
        span: Span,
        what: &str,
        doing: &str,
    ) -> bool {
        if !self.schema_exists_or_error(name.schema(), span) {
            return false;
        }
        let clash = if let Some(kind) = self.model.relation(name) {
            Some(match kind {
                RelationKind::Table => "a table",
                RelationKind::Index => "an index",
                RelationKind::ConstraintIndex => "the index of a constraint",
                RelationKind::Sequence => "a sequence",
                RelationKind::View => "a view",
                RelationKind::MaterializedView => "a materialized view",
            })
        } else if self.model.types.contains_key(name) && what != "index" {
            // A table has a row type of its own name: tables and types share names.
            Some("a type")
        } else {
            None
        };
        if let Some(clash) = clash {
            self.error(
                Code::DuplicateObject,
                span,
                format!("cannot {doing} `{name}`: {clash} of that name already exists"),
            );
            return false;
        }
        true
    }
}

/// Why a downgrade cannot be derived for a statement.
const RAW_SQL: &str = "raw SQL is opaque to the model";
const ENUM_VALUE: &str = "PostgreSQL cannot remove a value from an enum type";

impl<'a> Applier<'a> {
    /// Applies one statement: checks it, changes the model, and derives its reversal.
    /// A statement that fails a check leaves the model as it was.
    pub fn apply(&mut self, stmt: &Statement) -> Applied {
        let span = stmt.span;
        let mut resolved = stmt.clone();
        let reverse = self.apply_keeping_fates(&mut resolved.kind, span);
        Applied { resolved, reverse }
    }

    fn drop_of(&self, name: &ObjName, span: Span) -> Derived {
        derived(
            StatementKind::DropTable(DropTable {
                name: self.qualified(name, span),
            }),
            span,
        )
    }

    fn apply_kind(&mut self, kind: &mut StatementKind, span: Span) -> Reversal {
        use StatementKind as S;
        match kind {
            S::CreateSchema(s) => self.create_schema(s, span),
            S::DropSchema(s) => self.drop_schema(s, span),
            S::CreateExtension(e) => self.create_extension(e, span),
            S::DropExtension(e) => self.drop_extension(e, span),
            S::CreateEnum(CreateEnum { name, values }) => {
                if self.create_enum(name, values, false) {
                    Ok(vec![derived(
                        S::DropType(DropType { name: name.clone() }),
                        span,
                    )])
                } else {
                    Ok(Vec::new())
                }
            }
            S::AssumeType(AssumeType { name, values }) => {
                self.create_enum(name, values, true);
                Ok(Vec::new())
            }
            S::DropType(d) => self.drop_type(d, span),
            S::AlterTypeAddValue(a) => self.alter_type_add_value(a, span),
            S::AlterTypeRenameValue(r) => self.alter_type_rename_value(r, span),
            S::RenameType(r) => self.rename_type(r, span),
            S::CreateTable(t) => self.create_table(t, span),
            S::AssumeTable(t) => self.assume_table(t, span),
            S::CreatePartition(p) => self.create_partition(p, span),
            S::DropTable(d) => self.drop_table(d, span),
            S::RenameTable(r) => self.rename_table(r, span),
            S::AddColumn(a) => self.add_column(a, span),
            S::DropColumn(d) => self.drop_column(d, span),
            S::RenameColumn(r) => self.rename_column(r, span),
            S::AlterColumnType(a) => self.alter_column_type(a, span),
            S::SetNotNull(SetNotNull { table, column }) => {
                self.set_not_null(table, column, true, span)
            }
            S::DropNotNull(DropNotNull { table, column }) => {
                self.set_not_null(table, column, false, span)
            }
            S::SetDefault(SetDefault {
                table,
                column,
                default,
            }) => self.set_default(table, column, Some(default.clone()), span),
            S::DropDefault(DropDefault { table, column }) => {
                self.set_default(table, column, None, span)
            }
            S::AddConstraint(a) => self.add_constraint(a, span),
            S::ValidateConstraint(v) => self.validate_constraint(v, span),
            S::AddConstraintUsingIndex(a) => self.add_constraint_using_index(a, span),
            S::DropConstraint(d) => self.drop_constraint(d, span),
            S::CreateIndex(i) => self.create_index(i, span),
            S::DropIndex(d) => self.drop_index(d, span),
            S::AssumeIndex(i) => self.assume_index(i, span),
            // Checked and named as `add constraint` is; nothing creates it, nothing drops it.
            S::AssumeConstraint(c) => self.add_constraint(c, span).map(|_| Vec::new()),
            S::AssumeExtension(e) => self.assume_extension(e, span),
            S::RenameIndex(r) => self.rename_index(r, span),
            S::AlterStorage(a) => self.alter_storage(a, span),
            S::RenameConstraint(r) => self.rename_constraint(r, span),
            S::CreateSequence(c) => self.create_sequence(c, span, false),
            S::AssumeSequence(c) => self.create_sequence(c, span, true),
            S::AlterSequence(a) => self.alter_sequence(a, span),
            S::RenameSequence(r) => self.rename_sequence(r, span),
            S::DropSequence(d) => self.drop_sequence(d, span),
            S::AddIdentity(a) => self.add_identity(a, span),
            S::SetColumnOption(o) => self.set_column_option(o, span),
            S::DropIdentity(d) => self.drop_identity(d, span),
            S::SetGenerated(g) => self.set_generated(g, span),
            S::Comment(c) => self.comment(c, span),
            S::CreateView(v) => self.create_view(v, span, false),
            S::AssumeView(v) => self.create_view(v, span, true),
            S::RefreshView(r) => self.refresh_view(r, span),
            S::DropView(d) => self.drop_view(d, span),
            S::RenameView(r) => self.rename_view(r, span),
            S::CreateRoutine(r) => self.create_routine(r, span, false),
            S::AssumeRoutine(r) => self.create_routine(r, span, true),
            S::DropRoutine(d) => self.drop_routine(d, span),
            S::RenameRoutine(r) => self.rename_routine(r, span),
            S::CreateTrigger(t) => self.create_trigger(t, span),
            S::DropTrigger(d) => self.drop_trigger(d, span),
            S::SetSchema(s) => self.set_schema(s, span),
            S::Grant(g) => self.grant(g, span, false),
            S::Revoke(g) => self.grant(g, span, true),
            S::AssumeRole(r) => self.assume_role(r, span),
            S::RowSecurity(r) => self.row_security(r, span),
            S::CreatePolicy(c) => self.create_policy(c, span),
            S::DropPolicy(d) => self.drop_policy(d, span),
            // A setting changes nothing; scripts set it for the revision both ways.
            S::Set(_) => Ok(Vec::new()),
            // Rows only, by PostgreSQL's parser: the schema stays, and so do the rows.
            S::RawSql(raw) if raw.data => Ok(Vec::new()),
            S::RawSql(raw) => {
                self.understand(raw);
                // What the block says it made, checked as `assume` is.
                for made in &raw.made {
                    self.apply(made);
                }
                Err(RAW_SQL.to_owned())
            }
        }
    }
}
