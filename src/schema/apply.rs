//! One statement against the model: its checks (LANGUAGE.md 7.2), its effect with
//! PostgreSQL's side effects, the names PostgreSQL would choose, and its reversal
//! (LANGUAGE.md 6), computed from the model as it stood before the statement.

use std::collections::HashSet;
use std::sync::Arc;

use super::expr;
use super::model::*;
use super::names;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;

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
    pub reverse: Result<Vec<Derived>, String>,
}

/// Types that need no declaration.
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

const BUILTIN_TYPES: &[&str] = &[
    "bigint",
    "bigserial",
    "bit",
    "bool",
    "boolean",
    "box",
    "bpchar",
    "bytea",
    "char",
    "character",
    "cidr",
    "circle",
    "date",
    "datemultirange",
    "daterange",
    "decimal",
    "float",
    "float4",
    "float8",
    "inet",
    "int",
    "int2",
    "int4",
    "int4multirange",
    "int4range",
    "int8",
    "int8multirange",
    "int8range",
    "integer",
    "interval",
    "json",
    "jsonb",
    "jsonpath",
    "line",
    "lseg",
    "macaddr",
    "macaddr8",
    "money",
    "name",
    "numeric",
    "nummultirange",
    "numrange",
    "oid",
    "path",
    "pg_lsn",
    "pg_snapshot",
    "point",
    "polygon",
    "real",
    "regclass",
    "regtype",
    "serial",
    "serial2",
    "serial4",
    "serial8",
    "smallint",
    "smallserial",
    "text",
    "time",
    "timestamp",
    "timestamptz",
    "timetz",
    "tsmultirange",
    "tsquery",
    "tsrange",
    "tstzmultirange",
    "tstzrange",
    "tsvector",
    "txid_snapshot",
    "uuid",
    "varbit",
    "varchar",
    "xid8",
    "xml",
];

/// Types that come with an extension, which the model accepts once it is created.
const EXTENSION_TYPES: &[(&str, &str)] = &[
    ("citext", "citext"),
    ("cube", "cube"),
    ("hstore", "hstore"),
    ("isn", "ean13"),
    ("isn", "isbn"),
    ("isn", "issn"),
    ("ltree", "lquery"),
    ("ltree", "ltree"),
    ("postgis", "geography"),
    ("postgis", "geometry"),
    ("vector", "vector"),
];

pub struct Applier<'a> {
    pub model: Model,
    pub default_schema: &'a str,
    pub diagnostics: &'a mut Vec<Diagnostic>,
    /// Where the model's columns get their types and defaults.
    pub shared: &'a mut Shared,
}

fn ident(value: &str, span: Span) -> Ident {
    Ident {
        value: value.to_owned(),
        quoted: false,
        span,
    }
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

/// A constraint being declared, before it gets its name.
struct Pending {
    name: Option<String>,
    kind: ConstraintKind,
    span: Span,
    /// Where the declaration is in the statement, to write the chosen name back.
    origin: Origin,
}

#[derive(Clone, Copy)]
enum Origin {
    /// Column `i`, its constraint `j`.
    Column(usize, usize),
    /// Table constraint `i`.
    Table(usize),
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

    /// The table a statement names (shared, not copied), or an error.
    fn table_or_error(&mut self, q: &QualifiedName) -> Option<(ObjName, Arc<Table>)> {
        let name = self.obj(q);
        match self.model.tables.get(&name) {
            Some(t) => Some((name, Arc::clone(t))),
            None => {
                self.error(
                    Code::UnknownObject,
                    q.span(),
                    format!("unknown table `{name}`"),
                );
                None
            }
        }
    }

    fn column_or_error(&mut self, table: &ObjName, t: &Table, column: &Ident) -> Option<Column> {
        match t.column(&column.value) {
            Some(c) => Some(c.clone()),
            None => {
                self.error(
                    Code::UnknownObject,
                    column.span,
                    format!("table `{table}` has no column `{}`", column.value),
                );
                None
            }
        }
    }

    /// Whether a name is free for a new relation or type in the schema.
    fn check_new_relation(&mut self, name: &ObjName, span: Span, what: &str) -> bool {
        if !self.model.schemas.contains_key(name.schema()) {
            self.error(
                Code::UnknownObject,
                span,
                format!("unknown schema `{}`", name.schema()),
            );
            return false;
        }
        let clash = if let Some(kind) = self.model.relation(name) {
            Some(match kind {
                RelationKind::Table => "a table",
                RelationKind::Index => "an index",
                RelationKind::ConstraintIndex => "the index of a constraint",
                RelationKind::Sequence => "a sequence",
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
                format!("cannot create {what} `{name}`: {clash} of that name already exists"),
            );
            return false;
        }
        true
    }

    /// A string default of an enum column must be one of the enum's values: PostgreSQL
    /// refuses the statement otherwise (`invalid input value for enum`).
    /// False (with the error) when it is not.
    fn check_enum_default(&mut self, t: &DataType, d: &DefaultValue) -> bool {
        let (TypeKind::Named { name, .. }, DefaultValue::Literal(Literal::String(value))) =
            (&t.kind, d)
        else {
            return true;
        };
        if t.array_dimensions > 0 {
            return true;
        }
        let obj = self.obj(name);
        let Some(ty) = self.model.types.get(&obj) else {
            return true;
        };
        if ty.values.contains(&value.value) {
            return true;
        }
        let values = ty.values.join("', '");
        self.error(
            Code::InvalidStatement,
            value.span,
            format!(
                "'{}' is not a value of enum `{obj}` (its values: '{values}'); PostgreSQL \
                 refuses the default",
                value.value
            ),
        );
        false
    }

    fn check_type(&mut self, t: &DataType) {
        let TypeKind::Named { name, .. } = &t.kind else {
            return;
        };
        let obj = self.obj(name);
        if self.model.types.contains_key(&obj) {
            return;
        }
        if name.schema.is_none() || obj.schema() == "pg_catalog" {
            let n = name.name.value.as_str();
            if BUILTIN_TYPES.binary_search(&n).is_ok() {
                return;
            }
            if EXTENSION_TYPES
                .iter()
                .any(|(ext, ty)| *ty == n && self.model.extensions.contains_key(*ext))
            {
                return;
            }
        }
        self.error(
            Code::UnknownObject,
            name.span(),
            format!(
                "unknown type `{obj}`: not a built-in type, an enum of the project or a type of a \
                 created extension (declare it with `assume type`, or write it in backticks)"
            ),
        );
    }

    /// The columns of a new table, and its constraints in the order PostgreSQL names
    /// them.
    fn table_parts(
        &mut self,
        name: &ObjName,
        columns: &[ColumnDef],
        constraints: &[TableConstraint],
    ) -> (Vec<Column>, Vec<Pending>) {
        let mut out: Vec<Column> = Vec::new();
        let mut pending = Vec::new();
        if columns.len() > MAX_COLUMNS {
            self.error(
                Code::InvalidStatement,
                columns[MAX_COLUMNS].name.span,
                format!(
                    "table `{name}` would have {} columns; PostgreSQL allows at most {MAX_COLUMNS}",
                    columns.len()
                ),
            );
        }
        // A set, so that a table of many columns costs linear time.
        let mut declared: HashSet<&str> = HashSet::with_capacity(columns.len());
        for (i, def) in columns.iter().enumerate() {
            if !declared.insert(&def.name.value) {
                self.error(
                    Code::DuplicateObject,
                    def.name.span,
                    format!("column `{}` is declared twice", def.name.value),
                );
                continue;
            }
            let (column, mut more) = self.column(def, i);
            out.push(column);
            pending.append(&mut more);
        }
        for (i, c) in constraints.iter().enumerate() {
            let kind = self.constraint_kind(&c.kind, &out);
            pending.push(Pending {
                name: c.name.as_ref().map(|n| n.value.clone()),
                kind,
                span: c.span,
                origin: Origin::Table(i),
            });
        }
        for p in &pending {
            for column in p.kind_columns() {
                if !declared.contains(column.as_str()) {
                    self.error(
                        Code::UnknownObject,
                        p.span,
                        format!("table `{name}` has no column `{column}`"),
                    );
                }
            }
        }
        // Primary key columns are NOT NULL.
        for p in &pending {
            if let ConstraintKind::PrimaryKey(cols) = &p.kind {
                for c in out.iter_mut().filter(|c| cols.contains(&c.name)) {
                    c.not_null = true;
                }
            }
        }
        (out, pending)
    }

    fn constraint_kind(&self, kind: &TableConstraintKind, columns: &[Column]) -> ConstraintKind {
        let names = |list: &[Ident]| list.iter().map(|i| i.value.clone()).collect::<Vec<_>>();
        match kind {
            TableConstraintKind::PrimaryKey(c) => ConstraintKind::PrimaryKey(names(c)),
            TableConstraintKind::Unique(c) => ConstraintKind::Unique(names(c)),
            TableConstraintKind::Check(e) => ConstraintKind::Check {
                expr: e.clone(),
                columns: expr::columns_used(&e.text, columns.iter().map(|c| c.name.as_str())),
            },
            TableConstraintKind::ForeignKey {
                columns: c,
                references,
            } => ConstraintKind::ForeignKey {
                columns: names(c),
                table: self.obj(&references.table),
                referenced: names(&references.columns),
                on_delete: references.on_delete,
                on_update: references.on_update,
            },
        }
    }

    fn column(&mut self, def: &ColumnDef, index: usize) -> (Column, Vec<Pending>) {
        self.check_type(&def.data_type);
        let mut column = Column {
            name: def.name.value.clone(),
            data_type: self.shared.data_type(&def.data_type),
            not_null: false,
            default: None,
            identity: None,
            sequence: None,
            generated: None,
        };
        let mut pending = Vec::new();
        let me = vec![def.name.value.clone()];
        for (j, c) in def.constraints.iter().enumerate() {
            let kind = match &c.kind {
                ColumnConstraintKind::NotNull => {
                    column.not_null = true;
                    continue;
                }
                ColumnConstraintKind::Null => continue,
                ColumnConstraintKind::Default(d) => {
                    self.check_enum_default(&def.data_type, d);
                    column.default = Some(self.shared.default_value(d));
                    continue;
                }
                ColumnConstraintKind::Identity(kind) => {
                    column.identity = Some(*kind);
                    column.not_null = true;
                    continue;
                }
                ColumnConstraintKind::Generated(e) => {
                    column.generated = Some(Box::new(e.clone()));
                    continue;
                }
                ColumnConstraintKind::PrimaryKey => ConstraintKind::PrimaryKey(me.clone()),
                ColumnConstraintKind::Unique => ConstraintKind::Unique(me.clone()),
                ColumnConstraintKind::Check(e) => ConstraintKind::Check {
                    expr: e.clone(),
                    // Resolved against every column once the table is known.
                    columns: Vec::new(),
                },
                ColumnConstraintKind::References(r) => ConstraintKind::ForeignKey {
                    columns: me.clone(),
                    table: self.obj(&r.table),
                    referenced: r.columns.iter().map(|i| i.value.clone()).collect(),
                    on_delete: r.on_delete,
                    on_update: r.on_update,
                },
            };
            pending.push(Pending {
                name: c.name.as_ref().map(|n| n.value.clone()),
                kind,
                span: c.span,
                origin: Origin::Column(index, j),
            });
        }
        (column, pending)
    }

    /// Names and checks the constraints of a table in PostgreSQL's order: checks,
    /// then the primary key, then unique constraints, then foreign keys. Returns them
    /// with their names, in that order.
    /// Whether a key or index of `count` columns is within PostgreSQL's limit; an error
    /// when it is not.
    fn key_fits(&mut self, count: usize, span: Span) -> bool {
        if count <= MAX_KEY_COLUMNS {
            return true;
        }
        self.error(
            Code::InvalidStatement,
            span,
            format!(
                "this key or index has {count} columns; PostgreSQL allows at most {MAX_KEY_COLUMNS}"
            ),
        );
        false
    }

    fn name_constraints(
        &mut self,
        table: &ObjName,
        columns: &[Column],
        existing: &[Constraint],
        mut pending: Vec<Pending>,
    ) -> Vec<(Constraint, Origin)> {
        pending.retain(|p| self.key_fits(p.kind_columns().len(), p.span));
        if existing.len() + pending.len() > MAX_CONSTRAINTS {
            let first_over = pending[MAX_CONSTRAINTS.saturating_sub(existing.len())].span;
            self.error(
                Code::InvalidStatement,
                first_over,
                format!(
                    "table `{table}` would have {} constraints; strata checks at most \
                     {MAX_CONSTRAINTS} on one table",
                    existing.len() + pending.len()
                ),
            );
            return Vec::new();
        }
        // Check expressions mention columns of the whole table.
        for p in &mut pending {
            if let ConstraintKind::Check {
                expr: e,
                columns: used,
            } = &mut p.kind
            {
                *used = expr::columns_used(&e.text, columns.iter().map(|c| c.name.as_str()));
            }
        }
        let rank = |k: &ConstraintKind| match k {
            ConstraintKind::Check { .. } => 0,
            ConstraintKind::PrimaryKey(_) => 1,
            ConstraintKind::Unique(_) => 2,
            ConstraintKind::ForeignKey { .. } => 3,
        };
        pending.sort_by_key(|p| rank(&p.kind));
        let mut named: Vec<(Constraint, Origin)> = Vec::new();
        // The names of the table's constraints and of those named here, and the names of
        // the indexes named here: sets, so that a table of many constraints is named in
        // time proportional to them and the passes PostgreSQL's naming takes.
        let mut taken_here: Names = existing.iter().map(|c| c.name.clone()).collect();
        let mut indexes_here = Names::new();
        let mut has_pk = existing
            .iter()
            .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey(_)));
        for p in pending {
            if let ConstraintKind::PrimaryKey(_) = p.kind {
                if has_pk {
                    self.error(
                        Code::DuplicateObject,
                        p.span,
                        format!("table `{table}` has a primary key already"),
                    );
                    continue;
                }
            }
            if let ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) = &p.kind {
                let same = existing
                    .iter()
                    .chain(named.iter().map(|(c, _)| c))
                    .find(|c| c.has_index() && same_set(c.columns(), cols));
                if let Some(same) = same {
                    self.error(
                        Code::DuplicateObject,
                        p.span,
                        format!(
                            "this duplicates constraint `{}` on the same columns; PostgreSQL \
                             would silently keep only one",
                            same.name
                        ),
                    );
                    continue;
                }
            }
            if let ConstraintKind::ForeignKey { .. } = p.kind {
                if !self.check_foreign_key(table, columns, &named, &p) {
                    continue;
                }
            }
            let name = match p.name {
                Some(name) => {
                    if taken_here.contains(&name) {
                        self.error(
                            Code::DuplicateObject,
                            p.span,
                            format!("table `{table}` has a constraint `{name}` already"),
                        );
                        continue;
                    }
                    let as_relation = ObjName::new(table.schema(), &name);
                    if matches!(
                        p.kind,
                        ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
                    ) && !self.check_new_relation(&as_relation, p.span, "constraint index")
                    {
                        continue;
                    }
                    name
                }
                None => self.default_constraint_name(table, &p.kind, &taken_here, &indexes_here),
            };
            taken_here.insert(name.clone());
            has_pk |= matches!(p.kind, ConstraintKind::PrimaryKey(_));
            if matches!(
                p.kind,
                ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
            ) {
                indexes_here.insert(name.clone());
            }
            let kind = match p.kind {
                ConstraintKind::ForeignKey {
                    columns,
                    table: target,
                    referenced,
                    on_delete,
                    on_update,
                } => {
                    let referenced = if referenced.is_empty() {
                        self.primary_key_of(&target, table, &named)
                    } else {
                        referenced
                    };
                    ConstraintKind::ForeignKey {
                        columns,
                        table: target,
                        referenced,
                        on_delete,
                        on_update,
                    }
                }
                other => other,
            };
            named.push((
                Constraint {
                    name,
                    kind,
                    not_valid: false,
                },
                p.origin,
            ));
        }
        named
    }

    fn primary_key_of(
        &self,
        target: &ObjName,
        table: &ObjName,
        named: &[(Constraint, Origin)],
    ) -> Vec<String> {
        let key = if target == table {
            named
                .iter()
                .map(|(c, _)| c)
                .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey(_)))
                .cloned()
        } else {
            None
        }
        .or_else(|| {
            self.model
                .table(target)
                .and_then(|t| t.primary_key().cloned())
        });
        key.map(|k| k.columns().to_vec()).unwrap_or_default()
    }

    /// PostgreSQL's name for an unnamed constraint. `taken_here` holds the names of the
    /// table's constraints and of those named earlier in this statement, `indexes_here`
    /// the indexes of those.
    fn default_constraint_name(
        &self,
        table: &ObjName,
        kind: &ConstraintKind,
        taken_here: &Names,
        indexes_here: &Names,
    ) -> String {
        let model = &self.model;
        let schema = &table.schema();
        // Relations include the indexes of constraints named earlier in this statement.
        let relation_taken = |n: &str| {
            model.relation(&ObjName::new(schema, n)).is_some() || indexes_here.contains(n)
        };
        let constraint_taken = |n: &str| {
            model.constraint_name_exists(&ObjName::new(schema, n)) || taken_here.contains(n)
        };
        match kind {
            ConstraintKind::PrimaryKey(_) => names::choose_name(table.name(), None, "pkey", |n| {
                relation_taken(n) || constraint_taken(n)
            }),
            ConstraintKind::Unique(cols) => {
                let addition = names::name_addition(&names::index_column_names(
                    cols.iter().map(|c| Some(c.as_str())),
                ));
                names::choose_name(table.name(), Some(&addition), "key", |n| {
                    relation_taken(n) || constraint_taken(n)
                })
            }
            ConstraintKind::Check { columns, .. } => {
                let column = (columns.len() == 1).then(|| columns[0].as_str());
                names::choose_name(table.name(), column, "check", constraint_taken)
            }
            ConstraintKind::ForeignKey { columns, .. } => {
                let addition = names::name_addition(columns);
                names::choose_name(table.name(), Some(&addition), "fkey", constraint_taken)
            }
        }
    }

    /// A foreign key's target exists, and its columns are a primary key or unique
    /// constraint of it (PostgreSQL refuses anything else).
    fn check_foreign_key(
        &mut self,
        table: &ObjName,
        columns: &[Column],
        named: &[(Constraint, Origin)],
        p: &Pending,
    ) -> bool {
        let ConstraintKind::ForeignKey {
            columns: own,
            table: target,
            referenced,
            ..
        } = &p.kind
        else {
            return true;
        };
        let (target_columns, keys): (Vec<String>, Vec<Vec<String>>) = if target == table {
            (
                columns.iter().map(|c| c.name.clone()).collect(),
                named
                    .iter()
                    .map(|(c, _)| c)
                    .chain(
                        self.model
                            .table(table)
                            .map(|t| t.constraints.iter())
                            .into_iter()
                            .flatten(),
                    )
                    .filter(|c| c.has_index())
                    .map(|c| c.columns().to_vec())
                    .collect(),
            )
        } else if let Some(t) = self.model.table(target) {
            (
                t.columns.iter().map(|c| c.name.clone()).collect(),
                t.constraints
                    .iter()
                    .filter(|c| c.has_index())
                    .map(|c| c.columns().to_vec())
                    .collect(),
            )
        } else {
            self.error(
                Code::UnknownObject,
                p.span,
                format!("foreign key to unknown table `{target}`"),
            );
            return false;
        };
        let referenced: Vec<String> = if referenced.is_empty() {
            match self.primary_key_of(target, table, named).as_slice() {
                [] => {
                    self.error(
                        Code::InvalidReference,
                        p.span,
                        format!(
                            "table `{target}` has no primary key for this foreign key to reference"
                        ),
                    );
                    return false;
                }
                key => key.to_vec(),
            }
        } else {
            referenced.clone()
        };
        for column in &referenced {
            if !target_columns.contains(column) {
                self.error(
                    Code::UnknownObject,
                    p.span,
                    format!("foreign key to unknown column `{column}` of table `{target}`"),
                );
                return false;
            }
        }
        if referenced.len() != own.len() {
            self.error(
                Code::InvalidReference,
                p.span,
                format!(
                    "the foreign key has {} columns but references {}",
                    own.len(),
                    referenced.len()
                ),
            );
            return false;
        }
        if !keys.iter().any(|k| same_set(k, &referenced)) {
            self.error(
                Code::InvalidReference,
                p.span,
                format!(
                    "no primary key or unique constraint of `{target}` covers exactly ({}); \
                     PostgreSQL requires one for a foreign key",
                    referenced.join(", ")
                ),
            );
            return false;
        }
        true
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

impl Pending {
    fn kind_columns(&self) -> Vec<&String> {
        match &self.kind {
            ConstraintKind::PrimaryKey(c) | ConstraintKind::Unique(c) => c.iter().collect(),
            ConstraintKind::ForeignKey { columns, .. } => columns.iter().collect(),
            ConstraintKind::Check { .. } => Vec::new(),
        }
    }
}

/// Writes the chosen constraint names back into a table's syntax.
fn write_names(
    columns: &mut [ColumnDef],
    constraints: &mut [TableConstraint],
    named: &[(Constraint, Origin)],
) {
    for (c, origin) in named {
        match *origin {
            Origin::Column(i, j) => {
                let slot = &mut columns[i].constraints[j];
                slot.name = Some(ident(&c.name, slot.span));
            }
            Origin::Table(i) => {
                let slot = &mut constraints[i];
                slot.name = Some(ident(&c.name, slot.span));
            }
        }
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
        let reverse = self.apply_kind(&mut resolved.kind, span);
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

    fn apply_kind(&mut self, kind: &mut StatementKind, span: Span) -> Result<Vec<Derived>, String> {
        use StatementKind as S;
        match kind {
            S::CreateSchema(s) => {
                let name = s.name.value.clone();
                if self.model.schemas.contains_key(&name) {
                    self.error(
                        Code::DuplicateObject,
                        s.name.span,
                        format!("schema `{name}` exists already"),
                    );
                    return Ok(Vec::new());
                }
                self.model.schemas.insert(name, ());
                Ok(vec![derived(
                    S::DropSchema(DropSchema {
                        name: s.name.clone(),
                    }),
                    span,
                )])
            }
            S::DropSchema(s) => {
                let name = s.name.value.clone();
                if !self.model.schemas.contains_key(&name) {
                    self.error(
                        Code::UnknownObject,
                        s.name.span,
                        format!("unknown schema `{name}`"),
                    );
                    return Ok(Vec::new());
                }
                let holds = self
                    .model
                    .tables
                    .keys()
                    .map(|t| ("table", t))
                    .chain(self.model.types.keys().map(|t| ("type", t)))
                    .find(|(_, t)| *t.schema() == *name)
                    .map(|(what, t)| format!("{what} `{t}`"));
                if let Some(holds) = holds {
                    self.error(
                        Code::InUse,
                        s.name.span,
                        format!("schema `{name}` is not empty: it holds {holds}"),
                    );
                    return Ok(Vec::new());
                }
                self.model.schemas.remove(&name);
                Ok(vec![derived(
                    S::CreateSchema(CreateSchema {
                        name: s.name.clone(),
                    }),
                    span,
                )])
            }
            S::CreateExtension(e) => {
                let name = e.name.value.clone();
                if self.model.extensions.contains_key(&name) {
                    self.error(
                        Code::DuplicateObject,
                        e.name.span,
                        format!("extension `{name}` exists already"),
                    );
                    return Ok(Vec::new());
                }
                self.model.extensions.insert(name, ());
                Ok(vec![derived(
                    S::DropExtension(DropExtension {
                        name: e.name.clone(),
                    }),
                    span,
                )])
            }
            S::DropExtension(e) => {
                let name = e.name.value.clone();
                if self.model.extensions.remove(&name).is_none() {
                    self.error(
                        Code::UnknownObject,
                        e.name.span,
                        format!("unknown extension `{name}`"),
                    );
                    return Ok(Vec::new());
                }
                Ok(vec![derived(
                    S::CreateExtension(CreateExtension {
                        name: e.name.clone(),
                    }),
                    span,
                )])
            }
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
            S::DropType(d) => {
                let name = self.obj(&d.name);
                let Some(ty) = self.model.types.get(&name).cloned() else {
                    self.error(
                        Code::UnknownObject,
                        d.name.span(),
                        format!("unknown type `{name}`"),
                    );
                    return Ok(Vec::new());
                };
                let user = self.model.tables.iter().find_map(|(t, table)| {
                    table
                        .columns
                        .iter()
                        .find(|c| matches!(&c.data_type.kind, TypeKind::Named { name: n, .. } if self.obj(n) == name))
                        .map(|c| format!("{t}.{}", c.name))
                });
                if let Some(user) = user {
                    self.error(
                        Code::InUse,
                        d.name.span(),
                        format!("type `{name}` is still used by column `{user}`"),
                    );
                    return Ok(Vec::new());
                }
                self.model.types.remove(&name);
                let values = ty
                    .values
                    .iter()
                    .map(|v| Spanned {
                        value: v.clone(),
                        span,
                    })
                    .collect();
                Ok(vec![derived(
                    S::CreateEnum(CreateEnum {
                        name: d.name.clone(),
                        values,
                    }),
                    span,
                )])
            }
            S::AlterTypeAddValue(a) => {
                let name = self.obj(&a.name);
                let Some(mut ty) = self.model.types.get(&name).cloned() else {
                    self.error(
                        Code::UnknownObject,
                        a.name.span(),
                        format!("unknown type `{name}`"),
                    );
                    return Ok(Vec::new());
                };
                if ty.values.contains(&a.value.value) {
                    self.error(
                        Code::DuplicateObject,
                        a.value.span,
                        format!("type `{name}` has the value '{}' already", a.value.value),
                    );
                    return Ok(Vec::new());
                }
                let at = match &a.position {
                    None => Some(ty.values.len()),
                    Some((placement, other)) => ty
                        .values
                        .iter()
                        .position(|v| v == &other.value)
                        .map(|i| match placement {
                            ValuePlacement::Before => i,
                            ValuePlacement::After => i + 1,
                        }),
                };
                let Some(at) = at else {
                    let other = a.position.as_ref().map_or(span, |(_, o)| o.span);
                    self.error(
                        Code::UnknownObject,
                        other,
                        format!("type `{name}` has no such value"),
                    );
                    return Ok(Vec::new());
                };
                ty.values.insert(at, a.value.value.clone());
                self.model.types.insert(name, ty);
                Err(ENUM_VALUE.to_owned())
            }
            S::AlterTypeRenameValue(r) => {
                let name = self.obj(&r.name);
                let Some(mut ty) = self.model.types.get(&name).cloned() else {
                    self.error(
                        Code::UnknownObject,
                        r.name.span(),
                        format!("unknown type `{name}`"),
                    );
                    return Ok(Vec::new());
                };
                let Some(i) = ty.values.iter().position(|v| v == &r.from.value) else {
                    self.error(
                        Code::UnknownObject,
                        r.from.span,
                        format!("type `{name}` has no value '{}'", r.from.value),
                    );
                    return Ok(Vec::new());
                };
                if ty.values.contains(&r.to.value) {
                    self.error(
                        Code::DuplicateObject,
                        r.to.span,
                        format!("type `{name}` has the value '{}' already", r.to.value),
                    );
                    return Ok(Vec::new());
                }
                ty.values[i] = r.to.value.clone();
                self.model.types.insert(name, ty);
                Ok(vec![derived(
                    S::AlterTypeRenameValue(AlterTypeRenameValue {
                        name: r.name.clone(),
                        from: r.to.clone(),
                        to: r.from.clone(),
                    }),
                    span,
                )])
            }
            S::CreateTable(t) => {
                let name = self.obj(&t.name);
                if !self.check_new_relation(&name, t.name.span(), "table") {
                    return Ok(Vec::new());
                }
                if self.create_table(
                    &name,
                    &mut t.columns,
                    &mut t.constraints,
                    t.partition_by.clone(),
                    false,
                ) {
                    Ok(vec![self.drop_of(&name, span)])
                } else {
                    Ok(Vec::new())
                }
            }
            S::AssumeTable(t) => {
                let name = self.obj(&t.name);
                if self.check_new_relation(&name, t.name.span(), "table") {
                    self.create_table(&name, &mut t.columns, &mut t.constraints, None, true);
                }
                Ok(Vec::new())
            }
            S::CreatePartition(p) => {
                let name = self.obj(&p.name);
                let Some((parent, table)) = self.table_or_error(&p.parent) else {
                    return Ok(Vec::new());
                };
                if table.partition_by.is_none() {
                    self.error(
                        Code::InvalidReference,
                        p.parent.span(),
                        format!("table `{parent}` is not partitioned"),
                    );
                    return Ok(Vec::new());
                }
                if !self.check_new_relation(&name, p.name.span(), "table") {
                    return Ok(Vec::new());
                }
                let partition = Table {
                    columns: table
                        .columns
                        .iter()
                        .map(|c| Column {
                            sequence: None,
                            ..c.clone()
                        })
                        .collect(),
                    constraints: Default::default(),
                    partition_by: None,
                    partition_of: Some(Box::new((parent, p.bound.clone()))),
                    assumed: false,
                };
                self.model.add_table(name.clone(), partition);
                Ok(vec![self.drop_of(&name, span)])
            }
            S::DropTable(d) => {
                let name = self.obj(&d.name);
                if self.model.table(&name).is_none() {
                    self.error(
                        Code::UnknownObject,
                        d.name.span(),
                        format!("unknown table `{name}`"),
                    );
                    return Ok(Vec::new());
                }
                let partitions: Vec<ObjName> = self
                    .model
                    .tables
                    .iter()
                    .filter(|(_, t)| t.partition_of.as_deref().is_some_and(|(p, _)| p == &name))
                    .map(|(n, _)| n.clone())
                    .collect();
                let outside: Vec<String> = self
                    .model
                    .referencing(&name)
                    .into_iter()
                    .filter(|(t, _)| !partitions.contains(t))
                    .map(|(t, c)| format!("`{c}` of `{t}`"))
                    .collect();
                if !outside.is_empty() {
                    self.error(
                        Code::InUse,
                        d.name.span(),
                        format!(
                            "table `{name}` is still referenced by foreign key {}",
                            outside.join(", ")
                        ),
                    );
                    return Ok(Vec::new());
                }
                let mut reverse = self.recreate_table(&name, span);
                for partition in &partitions {
                    reverse.extend(self.recreate_table(partition, span));
                    self.model.remove_table(partition);
                }
                self.model.remove_table(&name);
                Ok(reverse)
            }
            S::RenameTable(r) => {
                let Some((old, _)) = self.table_or_error(&r.table) else {
                    return Ok(Vec::new());
                };
                let new = ObjName::new(old.schema(), &r.new_name.value);
                if !self.check_new_relation(&new, r.new_name.span, "table") {
                    return Ok(Vec::new());
                }
                self.rename_table(&old, &new);
                Ok(vec![derived(
                    S::RenameTable(RenameTable {
                        table: self.qualified(&new, span),
                        new_name: ident(old.name(), span),
                    }),
                    span,
                )])
            }
            S::AddColumn(a) => {
                let Some((table, t)) = self.table_or_error(&a.table) else {
                    return Ok(Vec::new());
                };
                if t.column(&a.column.name.value).is_some() {
                    self.error(
                        Code::DuplicateObject,
                        a.column.name.span,
                        format!(
                            "table `{table}` has a column `{}` already",
                            a.column.name.value
                        ),
                    );
                    return Ok(Vec::new());
                }
                if t.columns.len() >= MAX_COLUMNS {
                    self.error(
                        Code::InvalidStatement,
                        a.column.name.span,
                        format!(
                            "table `{table}` has {} columns already; PostgreSQL allows at most {MAX_COLUMNS}",
                            t.columns.len()
                        ),
                    );
                    return Ok(Vec::new());
                }
                let (mut column, pending) = self.column(&a.column, 0);
                let mut all: Vec<Column> = t.columns.to_vec();
                all.push(column.clone());
                let existing: Vec<Constraint> = t.constraints.to_vec();
                release(t);
                let named = self.name_constraints(&table, &all, &existing, pending);
                if named
                    .iter()
                    .any(|(c, _)| matches!(c.kind, ConstraintKind::PrimaryKey(_)))
                {
                    column.not_null = true;
                }
                self.name_sequence(&table, &mut column);
                let mut columns = [a.column.clone()];
                write_names(&mut columns, &mut [], &named);
                let [def] = columns;
                a.column = def;
                if let Some(sequence) = &column.sequence {
                    self.model.set_sequence(table.schema(), sequence, true);
                }
                if let Some(tm) = self.model.table_mut(&table) {
                    // Exactly one more: a vector doubling here left most tables with room
                    // for columns they never get, a tenth of the model at 100,000
                    // revisions. Tables are small; the copy per added column is cheap.
                    tm.columns.reserve_exact(1);
                    tm.columns.push(column);
                }
                for (c, _) in named {
                    self.model.add_constraint(&table, c);
                }
                Ok(vec![derived(
                    S::DropColumn(DropColumn {
                        table: a.table.clone(),
                        column: a.column.name.clone(),
                    }),
                    span,
                )])
            }
            S::DropColumn(d) => {
                let Some((table, t)) = self.table_or_error(&d.table) else {
                    return Ok(Vec::new());
                };
                let Some(column) = self.column_or_error(&table, &t, &d.column) else {
                    return Ok(Vec::new());
                };
                if let Some(p) = &t.partition_by {
                    if p.columns.iter().any(|c| c.value == column.name) {
                        self.error(
                            Code::InUse,
                            d.column.span,
                            format!(
                                "column `{}` is in the partition key of `{table}`",
                                column.name
                            ),
                        );
                        return Ok(Vec::new());
                    }
                }
                // PostgreSQL drops the constraints and indexes that use the column, but
                // not a key that another table's foreign key references.
                let dropped: Vec<Constraint> = t
                    .constraints
                    .iter()
                    .filter(|c| c.columns().contains(&column.name))
                    .cloned()
                    .collect();
                release(t);
                for key in dropped.iter().filter(|c| c.has_index()) {
                    if let Some((other, fk)) = self.foreign_key_on(&table, key) {
                        self.error(
                            Code::InUse,
                            d.column.span,
                            format!("column `{}` is in key `{}`, which foreign key `{fk}` of `{other}` references", column.name, key.name),
                        );
                        return Ok(Vec::new());
                    }
                }
                let indexes: Vec<(ObjName, Index)> = self
                    .model
                    .indexes_of(&table)
                    .into_iter()
                    .filter_map(|n| self.model.indexes.get(&n).map(|i| (n, (**i).clone())))
                    .filter(|(_, i)| i.columns.contains(&column.name))
                    .collect();
                let mut reverse = vec![Derived {
                    note: Some(format!(
                        "the values of `{table}.{}` are not restored",
                        column.name
                    )),
                    ..derived(
                        S::AddColumn(AddColumn {
                            table: d.table.clone(),
                            column: self.column_def(&column, span),
                        }),
                        span,
                    )
                }];
                for c in &dropped {
                    reverse.push(self.add_constraint_statement(&table, c, span));
                    self.model.remove_constraint(&table, &c.name);
                }
                for (n, i) in &indexes {
                    reverse.push(self.create_index_statement(n, i, false, span));
                    self.model.remove_index(n);
                }
                if let Some(sequence) = &column.sequence {
                    self.model.set_sequence(table.schema(), sequence, false);
                }
                if let Some(tm) = self.model.table_mut(&table) {
                    if let Some(i) = tm.columns.iter().position(|c| c.name == column.name) {
                        tm.columns.remove(i);
                    }
                }
                Ok(reverse)
            }
            S::RenameColumn(r) => {
                let Some((table, t)) = self.table_or_error(&r.table) else {
                    return Ok(Vec::new());
                };
                if self.column_or_error(&table, &t, &r.column).is_none() {
                    return Ok(Vec::new());
                }
                if t.column(&r.new_name.value).is_some() {
                    self.error(
                        Code::DuplicateObject,
                        r.new_name.span,
                        format!(
                            "table `{table}` has a column `{}` already",
                            r.new_name.value
                        ),
                    );
                    return Ok(Vec::new());
                }
                release(t);
                self.rename_column(&table, &r.column.value, &r.new_name.value);
                Ok(vec![derived(
                    S::RenameColumn(RenameColumn {
                        table: r.table.clone(),
                        column: r.new_name.clone(),
                        new_name: r.column.clone(),
                    }),
                    span,
                )])
            }
            S::AlterColumnType(a) => {
                let (table, column) = match self.column_of(&a.table, &a.column) {
                    Some(found) => found,
                    None => return Ok(Vec::new()),
                };
                self.check_type(&a.data_type);
                let previous = column.data_type.clone();
                let new = self.shared.data_type(&a.data_type);
                self.update_column(&table, &column.name, |c| c.data_type = new);
                let using = SqlExpr {
                    text: format!(
                        "{}::{}",
                        crate::quote::ident(&column.name),
                        crate::quote::data_type(&previous)
                    ),
                    span,
                };
                Ok(vec![derived(
                    S::AlterColumnType(AlterColumnType {
                        table: a.table.clone(),
                        column: a.column.clone(),
                        data_type: (*previous).clone(),
                        using: Some(using),
                    }),
                    span,
                )])
            }
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
            S::AddConstraint(a) => {
                let Some((table, t)) = self.table_or_error(&a.table) else {
                    return Ok(Vec::new());
                };
                if t.constraints.len() >= MAX_CONSTRAINTS {
                    self.error(
                        Code::InvalidStatement,
                        a.constraint.span,
                        format!(
                            "table `{table}` has {} constraints already; strata checks at most \
                             {MAX_CONSTRAINTS} on one table",
                            t.constraints.len()
                        ),
                    );
                    return Ok(Vec::new());
                }
                let all: Vec<Column> = t.columns.to_vec();
                let kind = self.constraint_kind(&a.constraint.kind, &all);
                let pending = Pending {
                    name: a.constraint.name.as_ref().map(|n| n.value.clone()),
                    kind,
                    span: a.constraint.span,
                    origin: Origin::Table(0),
                };
                for column in pending.kind_columns() {
                    if t.column(column).is_none() {
                        self.error(
                            Code::UnknownObject,
                            pending.span,
                            format!("table `{table}` has no column `{column}`"),
                        );
                        return Ok(Vec::new());
                    }
                }
                if a.not_valid
                    && matches!(
                        pending.kind,
                        ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
                    )
                {
                    self.error(
                        Code::InvalidStatement,
                        span,
                        "only check and foreign key constraints can be added `not valid`"
                            .to_owned(),
                    );
                    return Ok(Vec::new());
                }
                let existing: Vec<Constraint> = t.constraints.to_vec();
                release(t);
                let named = self.name_constraints(&table, &all, &existing, vec![pending]);
                let Some((mut constraint, _)) = named.into_iter().next() else {
                    return Ok(Vec::new());
                };
                constraint.not_valid = a.not_valid;
                a.constraint.name = Some(ident(&constraint.name, a.constraint.span));
                if let ConstraintKind::PrimaryKey(cols) = &constraint.kind {
                    for c in cols.clone() {
                        self.update_column(&table, &c, |col| col.not_null = true);
                    }
                }
                let name = constraint.name.clone();
                self.model.add_constraint(&table, constraint);
                Ok(vec![derived(
                    S::DropConstraint(DropConstraint {
                        table: a.table.clone(),
                        name: ident(&name, span),
                    }),
                    span,
                )])
            }
            S::ValidateConstraint(v) => {
                let Some((table, t)) = self.table_or_error(&v.table) else {
                    return Ok(Vec::new());
                };
                let Some(c) = t.constraint(&v.name.value).cloned() else {
                    self.error(
                        Code::UnknownObject,
                        v.name.span,
                        format!("table `{table}` has no constraint `{}`", v.name.value),
                    );
                    return Ok(Vec::new());
                };
                release(t);
                self.model.remove_constraint(&table, &c.name);
                self.model.add_constraint(
                    &table,
                    Constraint {
                        not_valid: false,
                        ..c.clone()
                    },
                );
                // Back to NOT VALID: PostgreSQL has no statement for it but re-adding.
                Ok(vec![
                    derived(
                        S::DropConstraint(DropConstraint {
                            table: v.table.clone(),
                            name: v.name.clone(),
                        }),
                        span,
                    ),
                    self.add_constraint_statement(&table, &c, span),
                ])
            }
            S::DropConstraint(d) => {
                let Some((table, t)) = self.table_or_error(&d.table) else {
                    return Ok(Vec::new());
                };
                let Some(c) = t.constraint(&d.name.value).cloned() else {
                    self.error(
                        Code::UnknownObject,
                        d.name.span,
                        format!("table `{table}` has no constraint `{}`", d.name.value),
                    );
                    return Ok(Vec::new());
                };
                release(t);
                if c.has_index() {
                    if let Some((other, fk)) = self.foreign_key_on(&table, &c) {
                        self.error(
                            Code::InUse,
                            d.name.span,
                            format!(
                                "constraint `{}` is referenced by foreign key `{fk}` of `{other}`",
                                c.name
                            ),
                        );
                        return Ok(Vec::new());
                    }
                }
                let reverse = self.add_constraint_statement(&table, &c, span);
                self.model.remove_constraint(&table, &c.name);
                Ok(vec![reverse])
            }
            S::CreateIndex(i) => {
                if !self.key_fits(i.keys.len() + i.include.len(), i.table.span()) {
                    return Ok(Vec::new());
                }
                let Some((table, t)) = self.table_or_error(&i.table) else {
                    return Ok(Vec::new());
                };
                let column_names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
                let mut used: Vec<String> = Vec::new();
                for key in &i.keys {
                    match &key.target {
                        IndexTarget::Column(c) => {
                            if !column_names.contains(&c.value.as_str()) {
                                self.error(
                                    Code::UnknownObject,
                                    c.span,
                                    format!("table `{table}` has no column `{}`", c.value),
                                );
                                return Ok(Vec::new());
                            }
                            used.push(c.value.clone());
                        }
                        IndexTarget::Expr(e) => {
                            used.extend(expr::columns_used(&e.text, column_names.iter().copied()))
                        }
                    }
                }
                for c in &i.include {
                    if !column_names.contains(&c.value.as_str()) {
                        self.error(
                            Code::UnknownObject,
                            c.span,
                            format!("table `{table}` has no column `{}`", c.value),
                        );
                        return Ok(Vec::new());
                    }
                    used.push(c.value.clone());
                }
                if let Some(p) = &i.predicate {
                    used.extend(expr::columns_used(&p.text, column_names.iter().copied()));
                }
                used.dedup();
                let name = match &i.name {
                    Some(n) => {
                        let name = ObjName::new(table.schema(), &n.value);
                        if !self.check_new_relation(&name, n.span, "index") {
                            return Ok(Vec::new());
                        }
                        name
                    }
                    None => {
                        let figured: Vec<Option<String>> = i
                            .keys
                            .iter()
                            .map(|k| match &k.target {
                                IndexTarget::Column(c) => Some(c.value.clone()),
                                IndexTarget::Expr(e) => expr::index_column_name(&e.text),
                            })
                            .chain(i.include.iter().map(|c| Some(c.value.clone())))
                            .collect();
                        let keys = figured.iter().map(|k| k.as_deref());
                        let addition = names::name_addition(&names::index_column_names(keys));
                        let model = &self.model;
                        let chosen =
                            names::choose_name(table.name(), Some(&addition), "idx", |n| {
                                model.relation(&ObjName::new(table.schema(), n)).is_some()
                            });
                        i.name = Some(ident(&chosen, span));
                        ObjName::new(table.schema(), &chosen)
                    }
                };
                let index = Index {
                    table: table.clone(),
                    unique: i.unique,
                    method: i.method.as_ref().map(|m| m.value.clone()),
                    keys: i.keys.as_slice().into(),
                    include: i.include.iter().map(|c| c.value.clone()).collect(),
                    predicate: i.predicate.clone().map(Box::new),
                    columns: used.into(),
                };
                self.model.add_index(name.clone(), index);
                Ok(vec![derived(
                    S::DropIndex(DropIndex {
                        concurrently: i.concurrently,
                        name: self.qualified(&name, span),
                    }),
                    span,
                )])
            }
            S::DropIndex(d) => {
                let name = self.obj(&d.name);
                match self.model.relation(&name) {
                    Some(RelationKind::Index) => {}
                    Some(RelationKind::ConstraintIndex) => {
                        self.error(Code::InUse, d.name.span(), format!("index `{name}` belongs to a constraint: drop the constraint instead"));
                        return Ok(Vec::new());
                    }
                    _ => {
                        self.error(
                            Code::UnknownObject,
                            d.name.span(),
                            format!("unknown index `{name}`"),
                        );
                        return Ok(Vec::new());
                    }
                }
                let Some(index) = self.model.remove_index(&name) else {
                    return Ok(Vec::new());
                };
                Ok(vec![self.create_index_statement(
                    &name,
                    &index,
                    d.concurrently,
                    span,
                )])
            }
            S::RawSql(_) => Err(RAW_SQL.to_owned()),
        }
    }
}

impl<'a> Applier<'a> {
    fn create_enum(
        &mut self,
        name: &QualifiedName,
        values: &[Spanned<String>],
        assumed: bool,
    ) -> bool {
        let obj = self.obj(name);
        if !self.check_new_relation(&obj, name.span(), "type") {
            return false;
        }
        if self.model.types.contains_key(&obj) {
            self.error(
                Code::DuplicateObject,
                name.span(),
                format!("type `{obj}` exists already"),
            );
            return false;
        }
        let mut seen: HashSet<&str> = HashSet::with_capacity(values.len());
        for v in values {
            if !seen.insert(&v.value) {
                self.error(
                    Code::DuplicateObject,
                    v.span,
                    format!("the value '{}' is listed twice", v.value),
                );
                return false;
            }
        }
        self.model.types.insert(
            obj,
            EnumType {
                values: values.iter().map(|v| v.value.clone()).collect(),
                assumed,
            },
        );
        true
    }

    /// Creates a checked table; false (with diagnostics) when a check failed.
    fn create_table(
        &mut self,
        name: &ObjName,
        columns: &mut [ColumnDef],
        constraints: &mut [TableConstraint],
        partition_by: Option<PartitionBy>,
        assumed: bool,
    ) -> bool {
        let before = self.diagnostics.len();
        let (mut cols, pending) = self.table_parts(name, columns, constraints);
        if let Some(p) = &partition_by {
            for c in &p.columns {
                if !cols.iter().any(|col| col.name == c.value) {
                    self.error(
                        Code::UnknownObject,
                        c.span,
                        format!("table `{name}` has no column `{}`", c.value),
                    );
                }
            }
        }
        // PostgreSQL names identity sequences before anything else of the table.
        let mut sequences: Vec<String> = Vec::new();
        for column in cols.iter_mut().filter(|c| c.identity.is_some()) {
            let model = &self.model;
            let chosen = names::choose_name(name.name(), Some(&column.name), "seq", |n| {
                model.relation(&ObjName::new(name.schema(), n)).is_some()
                    || sequences.iter().any(|s| s == n)
            });
            column.sequence = Some(chosen.as_str().into());
            sequences.push(chosen);
        }
        let named = self.name_constraints(name, &cols, &[], pending);
        if self.diagnostics.len() > before {
            return false;
        }
        write_names(columns, constraints, &named);
        let table = Table {
            columns: cols.into_iter().collect(),
            constraints: named.into_iter().map(|(c, _)| c).collect(),
            partition_by: partition_by.map(Box::new),
            partition_of: None,
            assumed,
        };
        self.model.add_table(name.clone(), table);
        true
    }

    fn name_sequence(&self, table: &ObjName, column: &mut Column) {
        if column.identity.is_some() {
            let model = &self.model;
            column.sequence = Some(
                names::choose_name(table.name(), Some(&column.name), "seq", |n| {
                    model.relation(&ObjName::new(table.schema(), n)).is_some()
                })
                .into(),
            );
        }
    }

    /// The statements that create a table of the model again, as it is: the table with
    /// every column and constraint, then its indexes.
    pub fn recreate_table(&self, name: &ObjName, span: Span) -> Vec<Derived> {
        let Some(t) = self.model.table(name) else {
            return Vec::new();
        };
        let qualified = self.qualified(name, span);
        let mut out = Vec::new();
        let note = Some(format!("the rows of `{name}` are not restored"));
        if let Some((parent, bound)) = t.partition_of.as_deref() {
            out.push(Derived {
                note,
                ..derived(
                    StatementKind::CreatePartition(CreatePartition {
                        name: qualified,
                        parent: self.qualified(parent, span),
                        bound: bound.clone(),
                    }),
                    span,
                )
            });
        } else {
            let columns = t.columns.iter().map(|c| self.column_def(c, span)).collect();
            let constraints = t
                .constraints
                .iter()
                .map(|c| self.table_constraint(c, span))
                .collect();
            out.push(Derived {
                note,
                ..derived(
                    StatementKind::CreateTable(CreateTable {
                        name: qualified,
                        columns,
                        constraints,
                        partition_by: t.partition_by.as_deref().cloned(),
                    }),
                    span,
                )
            });
            // NOT VALID constraints come back as they were: added after, not valid.
            let not_valid: Vec<&Constraint> =
                t.constraints.iter().filter(|c| c.not_valid).collect();
            if let Some(Derived {
                statement:
                    Statement {
                        kind: StatementKind::CreateTable(ct),
                        ..
                    },
                ..
            }) = out.last_mut()
            {
                ct.constraints.retain(|tc| {
                    !not_valid
                        .iter()
                        .any(|c| tc.name.as_ref().is_some_and(|n| n.value == c.name))
                });
            }
            for c in not_valid {
                out.push(self.add_constraint_statement(name, c, span));
            }
        }
        for index in self.model.indexes_of(name) {
            if let Some(i) = self.model.indexes.get(&index) {
                out.push(self.create_index_statement(&index, i, false, span));
            }
        }
        out
    }

    pub fn column_def(&self, c: &Column, span: Span) -> ColumnDef {
        let mut constraints = Vec::new();
        let mut push = |kind| {
            constraints.push(ColumnConstraint {
                name: None,
                kind,
                span,
            })
        };
        if let Some(kind) = c.identity {
            push(ColumnConstraintKind::Identity(kind));
        } else if c.not_null {
            push(ColumnConstraintKind::NotNull);
        }
        if let Some(d) = &c.default {
            push(ColumnConstraintKind::Default(DefaultValue::clone(d)));
        }
        if let Some(g) = &c.generated {
            push(ColumnConstraintKind::Generated((**g).clone()));
        }
        ColumnDef {
            name: ident(&c.name, span),
            data_type: (*c.data_type).clone(),
            constraints,
            span,
        }
    }

    pub fn table_constraint(&self, c: &Constraint, span: Span) -> TableConstraint {
        let idents = |list: &[String]| list.iter().map(|n| ident(n, span)).collect::<Vec<_>>();
        let kind = match &c.kind {
            ConstraintKind::PrimaryKey(cols) => TableConstraintKind::PrimaryKey(idents(cols)),
            ConstraintKind::Unique(cols) => TableConstraintKind::Unique(idents(cols)),
            ConstraintKind::Check { expr, .. } => TableConstraintKind::Check(expr.clone()),
            ConstraintKind::ForeignKey {
                columns,
                table,
                referenced,
                on_delete,
                on_update,
            } => TableConstraintKind::ForeignKey {
                columns: idents(columns),
                references: ForeignReference {
                    table: self.qualified(table, span),
                    columns: idents(referenced),
                    on_delete: *on_delete,
                    on_update: *on_update,
                    span,
                },
            },
        };
        TableConstraint {
            name: Some(ident(&c.name, span)),
            kind,
            span,
        }
    }

    pub fn add_constraint_statement(&self, table: &ObjName, c: &Constraint, span: Span) -> Derived {
        derived(
            StatementKind::AddConstraint(AddConstraint {
                table: self.qualified(table, span),
                constraint: self.table_constraint(c, span),
                not_valid: c.not_valid,
            }),
            span,
        )
    }

    pub fn create_index_statement(
        &self,
        name: &ObjName,
        i: &Index,
        concurrently: bool,
        span: Span,
    ) -> Derived {
        derived(
            StatementKind::CreateIndex(CreateIndex {
                unique: i.unique,
                concurrently,
                name: Some(ident(name.name(), span)),
                table: self.qualified(&i.table, span),
                method: i.method.as_ref().map(|m| ident(m, span)),
                keys: i.keys.to_vec(),
                include: i.include.iter().map(|c| ident(c, span)).collect(),
                predicate: i.predicate.as_deref().cloned(),
            }),
            span,
        )
    }

    /// A foreign key of another table that references `key` of `table`.
    fn foreign_key_on(&self, table: &ObjName, key: &Constraint) -> Option<(ObjName, String)> {
        self.model.tables.iter().find_map(|(other, t)| {
            t.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::ForeignKey {
                    table: target,
                    referenced,
                    ..
                } if target == table
                    && !(other == table && c.name == key.name)
                    && same_set(referenced, key.columns()) =>
                {
                    Some((other.clone(), c.name.clone()))
                }
                _ => None,
            })
        })
    }

    fn column_of(&mut self, table: &QualifiedName, column: &Ident) -> Option<(ObjName, Column)> {
        let (name, t) = self.table_or_error(table)?;
        let c = self.column_or_error(&name, &t, column)?;
        Some((name, c))
    }

    fn update_column(&mut self, table: &ObjName, column: &str, change: impl FnOnce(&mut Column)) {
        if let Some(t) = self.model.table_mut(table) {
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == column) {
                change(c);
            }
        }
    }

    fn set_not_null(
        &mut self,
        table: &QualifiedName,
        column: &Ident,
        not_null: bool,
        span: Span,
    ) -> Result<Vec<Derived>, String> {
        let Some((name, c)) = self.column_of(table, column) else {
            return Ok(Vec::new());
        };
        if !not_null {
            let in_key = self
                .model
                .table(&name)
                .and_then(|t| t.primary_key())
                .is_some_and(|k| k.columns().contains(&c.name));
            if in_key {
                self.error(
                    Code::InUse,
                    column.span,
                    format!("column `{}` is in the primary key of `{name}`", c.name),
                );
                return Ok(Vec::new());
            }
        }
        if c.not_null == not_null {
            return Ok(Vec::new());
        }
        self.update_column(&name, &c.name, |col| col.not_null = not_null);
        let kind = if not_null {
            StatementKind::DropNotNull(DropNotNull {
                table: table.clone(),
                column: column.clone(),
            })
        } else {
            StatementKind::SetNotNull(SetNotNull {
                table: table.clone(),
                column: column.clone(),
            })
        };
        Ok(vec![derived(kind, span)])
    }

    fn set_default(
        &mut self,
        table: &QualifiedName,
        column: &Ident,
        default: Option<DefaultValue>,
        span: Span,
    ) -> Result<Vec<Derived>, String> {
        let Some((name, c)) = self.column_of(table, column) else {
            return Ok(Vec::new());
        };
        let previous = c.default.clone();
        if let Some(d) = &default {
            let data_type = c.data_type.clone();
            if !self.check_enum_default(&data_type, d) {
                return Ok(Vec::new());
            }
        }
        let default = default.map(|d| self.shared.default_value(&d));
        self.update_column(&name, &c.name, |col| col.default = default);
        let kind = match previous {
            Some(d) => StatementKind::SetDefault(SetDefault {
                table: table.clone(),
                column: column.clone(),
                default: DefaultValue::clone(&d),
            }),
            None => StatementKind::DropDefault(DropDefault {
                table: table.clone(),
                column: column.clone(),
            }),
        };
        Ok(vec![derived(kind, span)])
    }

    /// Renames a table, keeping constraint and index names, as PostgreSQL does, and
    /// following it in every foreign key, index and partition that names it.
    fn rename_table(&mut self, old: &ObjName, new: &ObjName) {
        let indexes: Vec<(ObjName, Index)> = self
            .model
            .indexes_of(old)
            .into_iter()
            .filter_map(|n| self.model.indexes.get(&n).map(|i| (n, (**i).clone())))
            .collect();
        let sources = self.model.tables_referencing(old);
        let partitions: Vec<ObjName> = self
            .model
            .tables
            .iter()
            .filter(|(_, t)| t.partition_of.as_deref().is_some_and(|(p, _)| p == old))
            .map(|(n, _)| n.clone())
            .collect();
        let Some(table) = self.model.remove_table(old) else {
            return;
        };
        let mut table = std::sync::Arc::unwrap_or_clone(table);
        // A table that references itself follows its own renaming.
        for c in table.constraints.iter_mut() {
            if let ConstraintKind::ForeignKey { table: target, .. } = &mut c.kind {
                if target == old {
                    *target = new.clone();
                }
            }
        }
        self.model.add_table(new.clone(), table);
        for (n, mut i) in indexes {
            i.table = new.clone();
            self.model.add_index(n, i);
        }
        for source in sources.into_iter().chain(partitions).filter(|s| s != old) {
            let Some(mut t) = self.model.table(&source).cloned() else {
                continue;
            };
            for c in t.constraints.iter_mut() {
                if let ConstraintKind::ForeignKey { table: target, .. } = &mut c.kind {
                    if target == old {
                        *target = new.clone();
                    }
                }
            }
            if let Some((parent, _)) = t.partition_of.as_deref_mut() {
                if parent == old {
                    *parent = new.clone();
                }
            }
            self.model.replace_table(&source, t);
        }
    }

    fn rename_column(&mut self, table: &ObjName, from: &str, to: &str) {
        let rename = |list: &mut [String]| {
            for c in list.iter_mut().filter(|c| c.as_str() == from) {
                *c = to.to_owned();
            }
        };
        if let Some(t) = self.model.table_mut(table) {
            for c in t.columns.iter_mut().filter(|c| c.name == from) {
                c.name = to.to_owned();
            }
            for c in t.constraints.iter_mut() {
                match &mut c.kind {
                    ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => rename(cols),
                    ConstraintKind::Check { expr: e, columns } => {
                        e.text = expr::rename_column(&e.text, from, to);
                        rename(columns);
                    }
                    ConstraintKind::ForeignKey { columns, .. } => rename(columns),
                }
            }
        }
        for name in self.model.indexes_of(table) {
            if let Some(i) = self
                .model
                .indexes
                .get_mut(&name)
                .map(std::sync::Arc::make_mut)
            {
                rename(&mut i.columns);
                rename(&mut i.include);
                for key in &mut i.keys {
                    match &mut key.target {
                        IndexTarget::Column(c) if c.value == from => c.value = to.to_owned(),
                        IndexTarget::Expr(e) => e.text = expr::rename_column(&e.text, from, to),
                        IndexTarget::Column(_) => {}
                    }
                }
                if let Some(p) = &mut i.predicate {
                    p.text = expr::rename_column(&p.text, from, to);
                }
            }
        }
        // Foreign keys of any table that reference the renamed column.
        for name in self.model.tables_referencing(table) {
            if let Some(t) = self.model.table_mut(&name) {
                for c in t.constraints.iter_mut() {
                    if let ConstraintKind::ForeignKey {
                        table: target,
                        referenced,
                        ..
                    } = &mut c.kind
                    {
                        if target == table {
                            rename(referenced);
                        }
                    }
                }
            }
        }
    }
}

/// The model as the language's own `create` statements: schemas, extensions, types,
/// tables with their constraints, partitions, indexes. For `show --schema`, and a
/// golden format for tests.
pub fn dump(model: &Model, default_schema: &str) -> String {
    use crate::syntax::print;
    let mut diagnostics = Vec::new();
    let applier = Applier {
        model: model.clone(),
        default_schema,
        diagnostics: &mut diagnostics,
        shared: &mut Shared::default(),
    };
    let span = Span::point(crate::source::FileId(0), 0, 1, 1);
    let mut out = String::new();
    let mut push = |kind: StatementKind| {
        out.push_str(&print::statement(&kind));
        out.push('\n');
    };
    for schema in model
        .schemas
        .keys()
        .filter(|s| s.as_str() != default_schema)
    {
        push(StatementKind::CreateSchema(CreateSchema {
            name: ident(schema, span),
        }));
    }
    for extension in model.extensions.keys() {
        push(StatementKind::CreateExtension(CreateExtension {
            name: ident(extension, span),
        }));
    }
    for (name, t) in &model.types {
        let values = t
            .values
            .iter()
            .map(|v| Spanned {
                value: v.clone(),
                span,
            })
            .collect();
        let name = applier.qualified(name, span);
        push(if t.assumed {
            StatementKind::AssumeType(AssumeType { name, values })
        } else {
            StatementKind::CreateEnum(CreateEnum { name, values })
        });
    }
    let (partitions, tables): (Vec<_>, Vec<_>) = model
        .tables
        .iter()
        .partition(|(_, t)| t.partition_of.is_some());
    for (name, t) in tables.into_iter().chain(partitions) {
        for derived in applier.recreate_table(name, span) {
            let kind = match derived.statement.kind {
                StatementKind::CreateTable(ct) if t.assumed => {
                    StatementKind::AssumeTable(AssumeTable {
                        name: ct.name,
                        columns: ct.columns,
                        constraints: ct.constraints,
                    })
                }
                other => other,
            };
            // Indexes are listed once, after every table.
            if !matches!(kind, StatementKind::CreateIndex(_)) {
                push(kind);
            }
        }
    }
    for (name, i) in &model.indexes {
        push(
            applier
                .create_index_statement(name, i, false, span)
                .statement
                .kind,
        );
    }
    out
}
