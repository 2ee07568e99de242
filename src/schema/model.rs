//! The schema model: what the database holds after a revision.
//!
//! Maps are persistent (`imbl`): cloning a model is O(1) and a change costs O(log n), so
//! the model before and after every revision is kept without copying whole schemas.
//! Everything is keyed by folded names; the values keep the syntax they were declared
//! with, so that derived downgrades and `show --schema` can write them back.

use std::collections::HashSet;
use std::hash::Hash;
use std::sync::Arc;

use imbl::OrdMap;

use crate::syntax::ast::{
    CreatePolicy, CreateRoutine, CreateTrigger, DataType, DefaultValue, Deferrability,
    ExcludeElement, IdentityKind, IndexKey, IndexTarget, PartitionBy, Privilege, QualifiedName,
    ReferentialAction, SequenceType, SqlExpr, Storage,
};

/// A schema-qualified name, folded.
///
/// One shared allocation holds both parts, `schema` and `name` with a NUL between them
/// (no name can hold a NUL: a source file with one is refused): a copy costs one
/// reference count, and the model's maps, keyed by names, hold 16 bytes per key. Names
/// order as the pair (schema, name) would, since NUL sorts before every character.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjName(Arc<str>);

impl ObjName {
    pub fn new(schema: &str, name: &str) -> Self {
        let mut both = String::with_capacity(schema.len() + 1 + name.len());
        both.push_str(schema);
        both.push('\0');
        both.push_str(name);
        ObjName(both.into())
    }

    /// A name as written, its schema the default one when it names none.
    pub fn of(q: &crate::syntax::ast::QualifiedName, default_schema: &str) -> Self {
        let schema = q
            .schema
            .as_ref()
            .map_or(default_schema, |s| s.value.as_str());
        ObjName::new(schema, &q.name.value)
    }

    fn split(&self) -> (&str, &str) {
        self.0.split_once('\0').unwrap_or(("", &self.0))
    }

    pub fn schema(&self) -> &str {
        self.split().0
    }

    pub fn name(&self) -> &str {
        self.split().1
    }
}

impl std::fmt::Debug for ObjName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjName")
            .field("schema", &self.schema())
            .field("name", &self.name())
            .finish()
    }
}

impl std::fmt::Display for ObjName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (schema, name) = self.split();
        if schema == "public" {
            write!(f, "{name}")
        } else {
            write!(f, "{schema}.{name}")
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumType {
    pub values: Vec<String>,
    /// Declared with `assume type`: it exists, strata did not create it.
    pub assumed: bool,
}

impl EnumType {
    /// Its values as a statement writes them, at `span`.
    pub fn values_at(&self, span: crate::source::Span) -> Vec<crate::syntax::ast::Spanned<String>> {
        self.values
            .iter()
            .map(|v| crate::syntax::ast::Spanned {
                value: v.clone(),
                span,
            })
            .collect()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Column {
    pub name: String,
    /// Shared by every column of the same type ([`Shared`]).
    pub data_type: Arc<DataType>,
    pub not_null: bool,
    /// Shared by every column with the same default ([`Shared`]): a column is kept for
    /// every column of the schema, and defaults repeat (`0`, `''`, `now()`).
    pub default: Option<Arc<DefaultValue>>,
    pub identity: Option<IdentityKind>,
    /// Boxed: rare (with `default` shared and the rare attributes boxed, a column went
    /// from 128 to 64 bytes).
    pub generated: Option<Box<SqlExpr>>,
    /// What few columns have, in one box: `None` when the column has none of it.
    pub attributes: Option<Box<ColumnAttributes>>,
}

/// A column's rarer attributes ([`Column::attributes`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ColumnAttributes {
    /// The sequence behind an identity column, named when the column was made (renaming
    /// the table or column later does not rename it, as in PostgreSQL).
    pub sequence: Option<String>,
    /// `collate NAME`.
    pub collation: Option<QualifiedName>,
    /// `set storage`.
    pub storage: Option<Storage>,
    /// `set compression`: the method's name.
    pub compression: Option<String>,
    /// `set statistics`: the target (PostgreSQL's default when absent).
    pub statistics: Option<i32>,
}

impl Column {
    /// The sequence of an identity column.
    pub fn sequence(&self) -> Option<&str> {
        self.attributes.as_ref()?.sequence.as_deref()
    }

    /// The rarer attributes, to change: a change that leaves them all at their defaults
    /// is tidied away by [`Column::tidy`].
    pub fn attributes_mut(&mut self) -> &mut ColumnAttributes {
        self.attributes.get_or_insert_with(Box::default)
    }

    /// Lets go of attributes that hold nothing, so that equal columns compare equal.
    pub fn tidy(&mut self) {
        if self
            .attributes
            .as_deref()
            .is_some_and(|a| *a == ColumnAttributes::default())
        {
            self.attributes = None;
        }
    }

    pub fn set_sequence(&mut self, sequence: Option<String>) {
        self.attributes_mut().sequence = sequence;
        self.tidy();
    }
}

/// One shared copy of each column type and each default. A schema has many columns and
/// few types, and a type is a syntax tree of its own (a `numeric(12, 2)` holds its name,
/// modifiers and positions): kept once per column, the types were the larger part of every
/// column. Defaults repeat as much, and a copy of a table (a change to a table two models
/// share) copied each. Trees equal as syntax trees (positions aside, as always) share one
/// copy, so a column keeps the positions of the first column declared with its type or
/// default, which nothing reads.
#[derive(Debug, Default)]
pub struct Shared {
    types: HashSet<Arc<DataType>>,
    defaults: HashSet<Arc<DefaultValue>>,
}

impl Shared {
    pub fn data_type(&mut self, data_type: &DataType) -> Arc<DataType> {
        intern(&mut self.types, data_type)
    }

    pub fn default_value(&mut self, default: &DefaultValue) -> Arc<DefaultValue> {
        intern(&mut self.defaults, default)
    }
}

fn intern<T: Clone + Eq + Hash>(set: &mut HashSet<Arc<T>>, value: &T) -> Arc<T> {
    if let Some(shared) = set.get(value) {
        return Arc::clone(shared);
    }
    let shared = Arc::new(value.clone());
    set.insert(Arc::clone(&shared));
    shared
}

#[derive(Clone, Debug, PartialEq)]
pub enum ConstraintKind {
    PrimaryKey(Vec<String>),
    Unique(Vec<String>),
    /// The expression and the columns it mentions (for PostgreSQL's side effects).
    Check {
        expr: SqlExpr,
        columns: Vec<String>,
    },
    ForeignKey {
        columns: Vec<String>,
        table: ObjName,
        /// Always explicit here: the referenced primary key's columns when not written.
        referenced: Vec<String>,
        on_delete: Option<ReferentialAction>,
        on_update: Option<ReferentialAction>,
    },
    /// Boxed: rare, and larger than the others.
    Exclude(Box<Exclusion>),
}

impl Exclusion {
    /// Whether `column` is one of its keys or included columns: what PostgreSQL drops
    /// the constraint with. A column in an expression or the predicate alone keeps the
    /// column from being dropped.
    pub fn names_column(&self, column: &str) -> bool {
        self.include.iter().any(|c| c == column)
            || self
                .elements
                .iter()
                .any(|x| matches!(&x.key.target, IndexTarget::Column(c) if c.value == column))
    }
}

impl ConstraintKind {
    /// Whether PostgreSQL backs such a constraint with an index of its name.
    pub fn has_index(&self) -> bool {
        matches!(
            self,
            ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_) | ConstraintKind::Exclude(_)
        )
    }
}

/// An exclusion constraint: what its index is made of, and the operator of each key.
#[derive(Clone, Debug, PartialEq)]
pub struct Exclusion {
    /// Written out (`btree` when the statement named none), as PostgreSQL reports it.
    pub method: String,
    pub elements: Box<[ExcludeElement]>,
    pub include: Box<[String]>,
    pub predicate: Option<SqlExpr>,
    /// Every column of the table it depends on: keys, columns in expressions and the
    /// predicate, included columns.
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Constraint {
    pub name: String,
    pub kind: ConstraintKind,
    pub not_valid: bool,
    pub deferrable: Deferrability,
}

impl Constraint {
    /// The columns of its own table the constraint depends on.
    pub fn columns(&self) -> &[String] {
        match &self.kind {
            ConstraintKind::PrimaryKey(c) | ConstraintKind::Unique(c) => c,
            ConstraintKind::Check { columns, .. } => columns,
            ConstraintKind::ForeignKey { columns, .. } => columns,
            ConstraintKind::Exclude(e) => &e.columns,
        }
    }

    /// Whether PostgreSQL backs it with an index of the same name (a relation).
    pub fn has_index(&self) -> bool {
        self.kind.has_index()
    }

    /// Whether it is a primary key or unique constraint: what a foreign key may
    /// reference.
    pub fn is_key(&self) -> bool {
        matches!(
            self.kind,
            ConstraintKind::PrimaryKey(_) | ConstraintKind::Unique(_)
        )
    }
}

#[derive(Clone, Debug)]
pub struct Table {
    pub columns: Vec<Column>,
    pub constraints: Vec<Constraint>,
    /// Boxed, as `storage`: rare, and a table is kept for every table of the schema
    /// (and copied when two models share it and one changes it).
    pub partitioning: Option<Box<Partitioning>>,
    /// Its storage parameters; `None` for none.
    pub storage: Option<Box<StorageOptions>>,
    /// Declared with `assume table`.
    pub assumed: bool,
    /// `enable row level security`.
    pub row_security: bool,
    /// `force row level security`: the owner too.
    pub force_row_security: bool,
}

impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        // The same allocation behind two `Arc`s: comparing models is mostly this.
        std::ptr::eq(self, other)
            || (self.columns == other.columns
                && self.constraints == other.constraints
                && self.partitioning == other.partitioning
                && self.storage == other.storage
                && self.assumed == other.assumed
                && self.row_security == other.row_security
                && self.force_row_security == other.force_row_security)
    }
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    pub fn primary_key(&self) -> Option<&Constraint> {
        self.constraints
            .iter()
            .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey(_)))
    }

    /// Its partition key, when it is partitioned.
    pub fn partition_by(&self) -> Option<&PartitionBy> {
        match self.partitioning.as_deref() {
            Some(Partitioning::By(p)) => Some(p),
            _ => None,
        }
    }

    /// Its parent and bound, when it is a partition.
    pub fn partition_of(&self) -> Option<(&ObjName, &SqlExpr)> {
        match self.partitioning.as_deref() {
            Some(Partitioning::Of(parent, bound)) => Some((parent, bound)),
            _ => None,
        }
    }

    /// Its storage parameters, in PostgreSQL's order.
    pub fn storage(&self) -> &[(String, String)] {
        self.storage.as_deref().map_or(&[], |s| &s.0)
    }
}

/// A partitioned table's key, or a partition's parent and bound (the language has no
/// partition that is partitioned again).
#[derive(Clone, Debug, PartialEq)]
pub enum Partitioning {
    By(PartitionBy),
    Of(ObjName, SqlExpr),
}

/// Storage parameters as PostgreSQL keeps them (`pg_class.reloptions`): `name=value` as
/// written, in the order set (`set` removes a name and appends it; `pg_dump` writes
/// them in this order, so a downgrade restores it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StorageOptions(pub Vec<(String, String)>);

impl StorageOptions {
    /// Boxed, or `None` when empty: what a table or index holds.
    pub fn boxed(self) -> Option<Box<StorageOptions>> {
        (!self.0.is_empty()).then(|| Box::new(self))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// PostgreSQL's `transformRelOptions`: the names given are removed, then those
    /// set are appended in their order.
    pub fn set(&mut self, params: &[(String, String)]) {
        self.0.retain(|(n, _)| !params.iter().any(|(p, _)| p == n));
        self.0.extend(params.iter().cloned());
    }

    pub fn reset(&mut self, names: &[String]) {
        self.0.retain(|(n, _)| !names.contains(n));
    }
}

#[derive(Clone, Debug)]
pub struct Index {
    pub table: ObjName,
    pub unique: bool,
    /// As written; `None` for PostgreSQL's default, btree.
    pub method: Option<Box<str>>,
    pub keys: Box<[IndexKey]>,
    pub include: Box<[String]>,
    pub nulls_not_distinct: bool,
    /// Boxed: rare, and an index is kept for every index of the schema.
    pub predicate: Option<Box<SqlExpr>>,
    /// Its storage parameters; `None` for none.
    pub storage: Option<Box<StorageOptions>>,
    /// Every column of the table the index depends on: key columns, columns named in
    /// expressions and the predicate, included columns.
    pub columns: Box<[String]>,
    /// Declared with `assume index`: how the model learnt of it, not what it is, so
    /// not part of equality (a downgrade that recreates a dropped one gives it back).
    pub assumed: bool,
}

impl PartialEq for Index {
    fn eq(&self, other: &Index) -> bool {
        std::ptr::eq(self, other)
            || (self.table == other.table
                && self.unique == other.unique
                && self.method == other.method
                && self.keys == other.keys
                && self.include == other.include
                && self.nulls_not_distinct == other.nulls_not_distinct
                && self.predicate == other.predicate
                && self.storage == other.storage
                && self.columns == other.columns)
    }
}

/// A function or procedure by what names it in PostgreSQL: its name and the types of
/// its arguments (`integer, text`: canonical names, without modifiers).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RoutineKey {
    pub name: ObjName,
    pub args: String,
}

impl Index {
    /// Its access method: `btree` unless named.
    pub fn method(&self) -> &str {
        self.method.as_deref().unwrap_or("btree")
    }

    pub fn storage(&self) -> &[(String, String)] {
        self.storage.as_deref().map_or(&[], |s| &s.0)
    }
}

impl std::fmt::Display for RoutineKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}({})", self.name, self.args)
    }
}

/// A function or procedure: the statement that makes it as it is.
#[derive(Clone, Debug)]
pub struct Routine {
    pub definition: CreateRoutine,
    /// What an SQL body reads (tables and views, with their columns), as for a view.
    pub reads: Vec<(ObjName, Vec<String>)>,
    /// Why its body, as written, no longer reads what it did (see [`View::stale`]).
    pub stale: Option<String>,
    /// Declared with `assume function`.
    pub assumed: bool,
}

impl PartialEq for Routine {
    fn eq(&self, other: &Routine) -> bool {
        self.definition == other.definition
    }
}

/// A trigger: the statement that makes it as it is (names resolved).
#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub definition: CreateTrigger,
    /// The function it runs.
    pub function: RoutineKey,
}

/// What privileges are granted on.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Grantable {
    Schema(String),
    /// A table or view.
    Relation(ObjName),
    Sequence(ObjName),
    Routine(RoutineKey),
}

impl std::fmt::Display for Grantable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Grantable::Schema(s) => write!(f, "schema `{s}`"),
            Grantable::Relation(r) => write!(f, "`{r}`"),
            Grantable::Sequence(s) => write!(f, "sequence `{s}`"),
            Grantable::Routine(r) => write!(f, "function `{r}`"),
        }
    }
}

/// The privileges a role holds on an object, each with whether it may grant it on.
pub type Granted = std::collections::BTreeMap<Privilege, bool>;

/// A row security policy: the statement that makes it as it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    pub definition: CreatePolicy,
}

/// A view or materialized view.
#[derive(Clone, Debug)]
pub struct View {
    pub materialized: bool,
    /// The column names written with it (`create view v (a, b) as ...`).
    pub columns: Vec<String>,
    /// The query as written.
    pub query: SqlExpr,
    /// The tables and views it reads, each with the columns of it the view uses (every
    /// column it had when the view was made, for `*`; none for a view).
    pub uses: Vec<(ObjName, Vec<String>)>,
    /// The names of the columns it gives, when they can be told.
    pub output: Option<Vec<String>>,
    /// A materialized view's rows are there (made `with data`, or refreshed since).
    pub populated: bool,
    /// Why its query, as written, no longer reads what it did (a table or column it
    /// names was renamed since): PostgreSQL follows the rename, the text does not, so a
    /// downgrade that writes the query again cannot be derived.
    pub stale: Option<String>,
    /// Declared with `assume view`.
    pub assumed: bool,
}

impl PartialEq for View {
    // What the database holds: not how the model learnt of it, nor whether a
    // materialized view's rows are there (data, not schema).
    fn eq(&self, other: &View) -> bool {
        self.materialized == other.materialized
            && self.columns == other.columns
            && self.query.text.trim() == other.query.text.trim()
    }
}

/// A sequence made by `create sequence`, every option resolved as PostgreSQL resolves
/// it (the bounds and start a type and increment imply).
#[derive(Clone, Debug)]
pub struct Sequence {
    pub data_type: SequenceType,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub start: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The column it belongs to (`owned by`): dropped with it.
    pub owned_by: Option<(ObjName, String)>,
    /// Declared with `assume sequence` (not part of equality, as for indexes).
    pub assumed: bool,
}

impl PartialEq for Sequence {
    fn eq(&self, other: &Sequence) -> bool {
        (
            self.data_type,
            self.increment,
            self.min,
            self.max,
            self.start,
            self.cache,
            self.cycle,
            &self.owned_by,
        ) == (
            other.data_type,
            other.increment,
            other.min,
            other.max,
            other.start,
            other.cache,
            other.cycle,
            &other.owned_by,
        )
    }
}

impl Sequence {
    /// The least and greatest values PostgreSQL gives a sequence of `data_type` counting
    /// by `increment` when no bound is written.
    pub fn default_bounds(data_type: SequenceType, increment: i64) -> (i64, i64) {
        let (least, greatest) = data_type.range();
        if increment > 0 {
            (1, greatest)
        } else {
            (least, -1)
        }
    }
}

/// An extension of the database.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Extension {
    /// Declared with `assume extension`: there before the project, never dropped by a
    /// derived downgrade.
    pub assumed: bool,
}

/// What a comment is on, by the names the model keys its objects by. The columns (and
/// the constraints) of one table sort together.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CommentOn {
    Schema(String),
    Type(ObjName),
    Sequence(ObjName),
    View(ObjName),
    Routine(RoutineKey),
    /// A trigger of a table (the table, the trigger).
    Trigger(ObjName, String),
    /// An index, or the index behind a primary key or unique constraint.
    Index(ObjName),
    Table(ObjName),
    Column(ObjName, String),
    Constraint(ObjName, String),
}

impl std::fmt::Display for CommentOn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CommentOn::Schema(s) => write!(f, "schema `{s}`"),
            CommentOn::Type(t) => write!(f, "type `{t}`"),
            CommentOn::Sequence(s) => write!(f, "sequence `{s}`"),
            CommentOn::View(v) => write!(f, "view `{v}`"),
            CommentOn::Routine(r) => write!(f, "function `{r}`"),
            CommentOn::Trigger(t, n) => write!(f, "trigger `{n}` of `{t}`"),
            CommentOn::Index(i) => write!(f, "index `{i}`"),
            CommentOn::Table(t) => write!(f, "table `{t}`"),
            CommentOn::Column(t, c) => write!(f, "column `{t}.{c}`"),
            CommentOn::Constraint(t, c) => write!(f, "constraint `{c}` of `{t}`"),
        }
    }
}

/// What a relation name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    Index,
    /// The index behind a primary key or unique constraint.
    ConstraintIndex,
    /// The sequence behind an identity column.
    Sequence,
    View,
    MaterializedView,
}

/// How many constraints of one name a schema has, and how many of them are backed by an
/// index of that name (a relation: one at most in a valid schema).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct ConstraintNames {
    all: u32,
    indexed: u32,
}

/// A name the schema had, by kind, for [`Fates`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fated {
    Table(ObjName),
    Column(ObjName, Box<str>),
    Index(ObjName),
    Type(ObjName),
    Constraint(ObjName, Box<str>),
}

/// What became of a name: renamed (to what) or dropped, by the statement at `span`.
#[derive(Clone, Debug, PartialEq)]
pub struct Fate {
    pub renamed_to: Option<Box<str>>,
    pub span: crate::source::Span,
}

/// The last fate of each name the schema no longer has under it, so that a statement
/// naming it can be told what happened to it and where. History, not schema: two
/// models with the same objects are equal whatever their fates.
#[derive(Clone, Debug, Default)]
pub struct Fates(pub OrdMap<Fated, Fate>);

impl PartialEq for Fates {
    fn eq(&self, _: &Fates) -> bool {
        true
    }
}

/// The whole schema at one point of the graph.
///
/// Tables, indexes and types are the objects; `constraint_names`, `sequences`,
/// `table_indexes` and `references` are registries derived from them, kept so that
/// PostgreSQL's name choices and collision checks cost lookups rather than a scan.
/// What holds a relation name is found in the maps that hold each kind
/// ([`Model::relation`]), not in a registry of its own: one would keep an entry for every
/// table and index of the schema a second time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Model {
    pub schemas: OrdMap<String, ()>,
    pub extensions: OrdMap<String, Extension>,
    pub types: OrdMap<ObjName, EnumType>,
    /// Behind `Arc`, so that the tree nodes a change copies hold pointers, not tables.
    pub tables: OrdMap<ObjName, Arc<Table>>,
    /// Indexes created by `create index` (constraint indexes live with their constraint).
    pub indexes: OrdMap<ObjName, Arc<Index>>,
    /// The constraints of each name in each schema (names are unique per table).
    constraint_names: OrdMap<ObjName, ConstraintNames>,
    /// Views and materialized views.
    pub views: OrdMap<ObjName, Arc<View>>,
    /// Functions and procedures.
    pub routines: OrdMap<RoutineKey, Arc<Routine>>,
    /// Triggers, by table and name.
    pub triggers: OrdMap<(ObjName, String), Arc<Trigger>>,
    /// Row security policies, by table and name.
    pub policies: OrdMap<(ObjName, String), Arc<Policy>>,
    /// The roles the project assumes (`assume role`); `public` is every role.
    pub roles: OrdMap<String, ()>,
    /// The privileges granted, by object and role.
    pub grants: OrdMap<(Grantable, String), Arc<Granted>>,
    /// Sequences made by `create sequence` (or assumed).
    pub sequences: OrdMap<ObjName, Arc<Sequence>>,
    /// The sequences behind identity columns.
    identity_sequences: OrdMap<ObjName, ()>,
    /// `comment on`: the comments of every object that has one. Kept apart from the
    /// objects (which are many, and mostly without one); the statements that rename or
    /// drop an object move or drop its comments ([`Model::move_comments`]).
    pub comments: OrdMap<CommentOn, Arc<str>>,
    /// The indexes of each table, to find them without a scan.
    table_indexes: OrdMap<(ObjName, ObjName), ()>,
    /// Which tables have foreign keys to which: (referenced, referencing) and how many.
    references: OrdMap<(ObjName, ObjName), u32>,
    /// What became of the names renamed or dropped.
    pub fates: Fates,
}

impl Model {
    /// The model of an empty database: only the default schema.
    pub fn empty(default_schema: &str) -> Self {
        let mut model = Model::default();
        model.schemas.insert(default_schema.to_owned(), ());
        model
    }

    /// Whether the schema has the object `fated` names.
    pub fn has(&self, fated: &Fated) -> bool {
        match fated {
            Fated::Table(name) => self.tables.contains_key(name),
            Fated::Column(table, column) => self
                .tables
                .get(table)
                .is_some_and(|t| t.column(column).is_some()),
            Fated::Index(name) => self.indexes.contains_key(name),
            Fated::Type(name) => self.types.contains_key(name),
            Fated::Constraint(table, name) => self
                .tables
                .get(table)
                .is_some_and(|t| t.constraint(name).is_some()),
        }
    }

    /// What holds a relation name: tables, indexes, constraint indexes and sequences
    /// share one namespace per schema in PostgreSQL.
    pub fn relation(&self, name: &ObjName) -> Option<RelationKind> {
        if self.tables.contains_key(name) {
            Some(RelationKind::Table)
        } else if self.indexes.contains_key(name) {
            Some(RelationKind::Index)
        } else if self
            .constraint_names
            .get(name)
            .is_some_and(|c| c.indexed > 0)
        {
            Some(RelationKind::ConstraintIndex)
        } else if self.sequences.contains_key(name) || self.identity_sequences.contains_key(name) {
            Some(RelationKind::Sequence)
        } else {
            self.views.get(name).map(|view| {
                if view.materialized {
                    RelationKind::MaterializedView
                } else {
                    RelationKind::View
                }
            })
        }
    }

    /// Whether any constraint of that name exists in the schema.
    pub fn constraint_name_exists(&self, name: &ObjName) -> bool {
        self.constraint_names.contains_key(name)
    }

    pub fn add_table(&mut self, name: ObjName, table: Table) {
        for constraint in &table.constraints {
            self.register_constraint(&name, constraint);
        }
        for sequence in table.columns.iter().filter_map(Column::sequence) {
            self.set_sequence(name.schema(), sequence, true);
        }
        self.tables.insert(name, Arc::new(table));
    }

    pub fn remove_table(&mut self, name: &ObjName) -> Option<Arc<Table>> {
        let table = self.tables.remove(name)?;
        for constraint in &table.constraints {
            self.unregister_constraint(name, constraint);
        }
        for sequence in table.columns.iter().filter_map(Column::sequence) {
            self.set_sequence(name.schema(), sequence, false);
        }
        for index in self.indexes_of(name) {
            self.remove_index(&index);
        }
        Some(table)
    }

    /// Replaces a table's definition, registries following; its indexes stay.
    pub fn replace_table(&mut self, name: &ObjName, table: Table) {
        if let Some(old) = self.tables.get(name).cloned() {
            for constraint in &old.constraints {
                self.unregister_constraint(name, constraint);
            }
            for sequence in old.columns.iter().filter_map(Column::sequence) {
                self.set_sequence(name.schema(), sequence, false);
            }
        }
        for constraint in &table.constraints {
            self.register_constraint(name, constraint);
        }
        for sequence in table.columns.iter().filter_map(Column::sequence) {
            self.set_sequence(name.schema(), sequence, true);
        }
        self.tables.insert(name.clone(), Arc::new(table));
    }

    /// The indexes (made by `create index`) of a table, by name.
    pub fn indexes_of(&self, table: &ObjName) -> Vec<ObjName> {
        let start = (table.clone(), ObjName::new("", ""));
        self.table_indexes
            .range(start..)
            .take_while(|((t, _), _)| t == table)
            .map(|((_, i), _)| i.clone())
            .collect()
    }

    pub fn table(&self, name: &ObjName) -> Option<&Table> {
        self.tables.get(name).map(|t| &**t)
    }

    /// A table to change in place. Columns may be changed freely; constraints and
    /// identity columns must go through the methods that keep the registries right.
    pub fn table_mut(&mut self, name: &ObjName) -> Option<&mut Table> {
        self.tables.get_mut(name).map(Arc::make_mut)
    }

    pub fn add_constraint(&mut self, table: &ObjName, constraint: Constraint) {
        self.register_constraint(table, &constraint);
        if let Some(t) = self.table_mut(table) {
            t.constraints.push(constraint);
        }
    }

    pub fn remove_constraint(&mut self, table: &ObjName, name: &str) -> Option<Constraint> {
        let t = self.table_mut(table)?;
        let position = t.constraints.iter().position(|c| c.name == name)?;
        let constraint = t.constraints.remove(position);
        self.unregister_constraint(table, &constraint);
        Some(constraint)
    }

    /// Renames a constraint of `table` where it stands (the order of a table's
    /// constraints is part of the model), with the index behind it if it has one.
    pub fn rename_constraint(&mut self, table: &ObjName, name: &str, new_name: &str) {
        let Some(t) = self.tables.get(table) else {
            return;
        };
        let Some(position) = t.constraints.iter().position(|c| c.name == name) else {
            return;
        };
        let old = t.constraints[position].clone();
        self.unregister_constraint(table, &old);
        let renamed = Constraint {
            name: new_name.to_owned(),
            ..old
        };
        self.register_constraint(table, &renamed);
        if let Some(t) = self.table_mut(table) {
            t.constraints[position] = renamed;
        }
    }

    /// Renames an index made by `create index`.
    pub fn rename_index(&mut self, name: &ObjName, new_name: ObjName) {
        if let Some(index) = self.remove_index(name) {
            self.add_index(new_name, Index::clone(&index));
        }
    }

    /// The table whose primary key or unique constraint has the index `name`.
    /// (A scan of the schema's tables: renaming such an index is rare.)
    pub fn constraint_index_table(&self, name: &ObjName) -> Option<ObjName> {
        self.tables
            .iter()
            .find(|(t, table)| {
                t.schema() == name.schema()
                    && table
                        .constraint(name.name())
                        .is_some_and(Constraint::has_index)
            })
            .map(|(t, _)| t.clone())
    }

    /// The views that read `relation` (a table or view), by name. (A scan of the views,
    /// which are few.)
    pub fn views_using(&self, relation: &ObjName) -> Vec<ObjName> {
        self.views
            .iter()
            .filter(|(_, v)| v.uses.iter().any(|(r, _)| r == relation))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The functions and procedures of a name, whatever their arguments.
    pub fn routines_named(&self, name: &ObjName) -> Vec<RoutineKey> {
        let start = RoutineKey {
            name: name.clone(),
            args: String::new(),
        };
        self.routines
            .range(start..)
            .take_while(|(k, _)| k.name == *name)
            .map(|(k, _)| k.clone())
            .collect()
    }

    /// The privileges granted on an object, by role.
    pub fn grants_on(&self, object: &Grantable) -> Vec<(String, Arc<Granted>)> {
        self.grants
            .range((object.clone(), String::new())..)
            .take_while(|((o, _), _)| o == object)
            .map(|((_, role), g)| (role.clone(), Arc::clone(g)))
            .collect()
    }

    /// The policies of a table, by name.
    pub fn policies_of(&self, table: &ObjName) -> Vec<String> {
        self.policies
            .range((table.clone(), String::new())..)
            .take_while(|((t, _), _)| t == table)
            .map(|((_, n), _)| n.clone())
            .collect()
    }

    /// The triggers of a table, by name.
    pub fn triggers_of(&self, table: &ObjName) -> Vec<String> {
        self.triggers
            .range((table.clone(), String::new())..)
            .take_while(|((t, _), _)| t == table)
            .map(|((_, n), _)| n.clone())
            .collect()
    }

    /// Whether a sequence is the one behind an identity column.
    pub fn is_identity_sequence(&self, name: &ObjName) -> bool {
        self.identity_sequences.contains_key(name)
    }

    /// The sequences owned by a column of `table` (`owned by`), by name: dropped with
    /// it. (A scan of the sequences, which are few.)
    pub fn sequences_owned_by(&self, table: &ObjName) -> Vec<ObjName> {
        self.sequences
            .iter()
            .filter(|(_, s)| s.owned_by.as_ref().is_some_and(|(t, _)| t == table))
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The comments of a table and its members (columns, constraints).
    pub fn table_comments(&self, table: &ObjName) -> Vec<(CommentOn, Arc<str>)> {
        let members = |first: CommentOn| {
            let same = |on: &CommentOn| match (on, &first) {
                (CommentOn::Column(t, _), CommentOn::Column(..))
                | (CommentOn::Constraint(t, _), CommentOn::Constraint(..)) => t == table,
                _ => false,
            };
            self.comments
                .range(first.clone()..)
                .take_while(|(on, _)| same(on))
                .map(|(on, text)| (on.clone(), Arc::clone(text)))
                .collect::<Vec<_>>()
        };
        let mut found: Vec<(CommentOn, Arc<str>)> = self
            .comments
            .get_key_value(&CommentOn::Table(table.clone()))
            .map(|(on, text)| (on.clone(), Arc::clone(text)))
            .into_iter()
            .collect();
        found.extend(members(CommentOn::Column(table.clone(), String::new())));
        found.extend(members(CommentOn::Constraint(table.clone(), String::new())));
        found
    }

    /// Moves the comments `rename` maps to new targets (and drops those it maps to
    /// `None`); `of` picks the comments to look at.
    pub fn move_comments(
        &mut self,
        of: Vec<CommentOn>,
        rename: impl Fn(&CommentOn) -> Option<CommentOn>,
    ) {
        for on in of {
            if let Some(text) = self.comments.remove(&on) {
                if let Some(new) = rename(&on) {
                    self.comments.insert(new, text);
                }
            }
        }
    }

    /// Registers or forgets the sequence of an identity column.
    pub fn set_sequence(&mut self, schema: &str, sequence: &str, present: bool) {
        let sequence = ObjName::new(schema, sequence);
        if present {
            self.identity_sequences.insert(sequence, ());
        } else {
            self.identity_sequences.remove(&sequence);
        }
    }

    pub fn add_index(&mut self, name: ObjName, index: Index) {
        self.table_indexes
            .insert((index.table.clone(), name.clone()), ());
        self.indexes.insert(name, Arc::new(index));
    }

    pub fn remove_index(&mut self, name: &ObjName) -> Option<Arc<Index>> {
        let index = self.indexes.remove(name)?;
        self.table_indexes
            .remove(&(index.table.clone(), name.clone()));
        Some(index)
    }

    fn register_constraint(&mut self, table: &ObjName, constraint: &Constraint) {
        if let ConstraintKind::ForeignKey { table: target, .. } = &constraint.kind {
            *self
                .references
                .entry((target.clone(), table.clone()))
                .or_insert(0) += 1;
        }
        let name = ObjName::new(table.schema(), &constraint.name);
        let names = self.constraint_names.entry(name).or_default();
        names.all += 1;
        names.indexed += u32::from(constraint.has_index());
    }

    fn unregister_constraint(&mut self, table: &ObjName, constraint: &Constraint) {
        if let ConstraintKind::ForeignKey { table: target, .. } = &constraint.kind {
            let key = (target.clone(), table.clone());
            if let Some(count) = self.references.get_mut(&key) {
                *count -= 1;
                if *count == 0 {
                    self.references.remove(&key);
                }
            }
        }
        let name = ObjName::new(table.schema(), &constraint.name);
        if let Some(names) = self.constraint_names.get_mut(&name) {
            names.all = names.all.saturating_sub(1);
            names.indexed = names
                .indexed
                .saturating_sub(u32::from(constraint.has_index()));
            if names.all == 0 {
                self.constraint_names.remove(&name);
            }
        }
    }

    /// The tables with foreign keys to `table` (itself included when it references
    /// itself).
    pub fn tables_referencing(&self, table: &ObjName) -> Vec<ObjName> {
        let start = (table.clone(), ObjName::new("", ""));
        self.references
            .range(start..)
            .take_while(|((t, _), _)| t == table)
            .map(|((_, source), _)| source.clone())
            .collect()
    }

    /// Foreign keys of other tables that reference `table`: (table, constraint).
    pub fn referencing(&self, table: &ObjName) -> Vec<(ObjName, String)> {
        let mut found = Vec::new();
        for source in self.tables_referencing(table) {
            if &source == table {
                continue;
            }
            if let Some(t) = self.tables.get(&source) {
                for c in &t.constraints {
                    if matches!(&c.kind, ConstraintKind::ForeignKey { table: target, .. } if target == table)
                    {
                        found.push((source.clone(), c.name.clone()));
                    }
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{Column, Index, ObjName, Shared, Table};
    use crate::source::{FileId, Span};
    use crate::syntax::ast::{
        DataType, DefaultValue, Ident, Literal, QualifiedName, Spanned, SqlExpr, TypeKind,
    };

    /// A span of its own for each `at`: in another file, at another place.
    fn span(at: u32) -> Span {
        Span {
            file: FileId(at),
            start: at,
            end: at + 1,
            line: at,
            col: 1,
        }
    }

    /// `name(modifiers)` followed by `dimensions` pairs of brackets, written at `at`.
    fn data_type(at: u32, name: &str, modifiers: &[i64], dimensions: u32) -> DataType {
        let span = span(at);
        DataType {
            kind: TypeKind::Named {
                name: QualifiedName {
                    schema: None,
                    name: Ident {
                        value: name.to_owned(),
                        quoted: at.is_multiple_of(2),
                        span,
                    },
                },
                modifiers: modifiers.to_vec(),
            },
            array_dimensions: dimensions,
            span,
        }
    }

    /// `same` holds two equal trees written in different places: interned, they share
    /// one copy. Each of `others` differs from them and from each other, and gets its own.
    fn shares_equal_trees<T: PartialEq + std::fmt::Debug>(
        intern: fn(&mut Shared, &T) -> Arc<T>,
        kept: fn(&Shared) -> usize,
        same: [T; 2],
        others: &[T],
    ) {
        let mut shared = Shared::default();
        let first = intern(&mut shared, &same[0]);
        let again = intern(&mut shared, &same[1]);
        assert!(Arc::ptr_eq(&first, &again));
        for (n, other) in others.iter().enumerate() {
            let one = intern(&mut shared, other);
            assert!(!Arc::ptr_eq(&first, &one), "{other:?}");
            assert_eq!(*one, *other);
            assert_eq!(kept(&shared), n + 2);
        }
    }

    #[test]
    fn columns_of_one_type_share_it_wherever_it_is_written() {
        shares_equal_trees(
            Shared::data_type,
            |shared| shared.types.len(),
            // Elsewhere, in another file, with the name quoted: still the same type.
            [
                data_type(1, "numeric", &[12, 2], 0),
                data_type(40, "numeric", &[12, 2], 0),
            ],
            &[
                data_type(2, "numeric", &[12], 0),
                data_type(3, "numeric", &[12, 3], 0),
                data_type(4, "numeric", &[12, 2], 1),
                data_type(5, "integer", &[], 0),
            ],
        );
    }

    #[test]
    fn columns_with_one_default_share_it_wherever_it_is_written() {
        let number = |at: u32, text: &str| {
            DefaultValue::Literal(Literal::Number(Spanned {
                value: text.to_owned(),
                span: span(at),
            }))
        };
        shares_equal_trees(
            Shared::default_value,
            |shared| shared.defaults.len(),
            [number(1, "0"), number(40, "0")],
            &[
                number(2, "1"),
                DefaultValue::Literal(Literal::String(Spanned {
                    value: "0".to_owned(),
                    span: span(3),
                })),
                DefaultValue::Expr(SqlExpr {
                    text: "0".to_owned(),
                    span: span(4),
                }),
            ],
        );
    }

    #[test]
    fn names_order_as_their_pairs_and_give_their_parts_back() {
        let parts = [
            "",
            "a",
            "a b",
            "ab",
            "a_",
            "b",
            "é",
            "pg_catalog",
            "public",
            "Z",
        ];
        let mut names = Vec::new();
        for schema in parts {
            for name in parts {
                let n = ObjName::new(schema, name);
                assert_eq!((n.schema(), n.name()), (schema, name));
                names.push(n);
            }
        }
        for a in &names {
            for b in &names {
                assert_eq!(
                    a.cmp(b),
                    (a.schema(), a.name()).cmp(&(b.schema(), b.name())),
                    "{a:?} against {b:?}"
                );
            }
        }
        assert_eq!(ObjName::new("public", "t").to_string(), "t");
        assert_eq!(ObjName::new("app", "t").to_string(), "app.t");
    }

    /// The model keeps a column, table and index for every one of the schema: what is
    /// rare in one (a default, a sequence, a generated expression, partitioning, an
    /// index's predicate) stays behind a pointer.
    #[test]
    fn columns_tables_and_indexes_stay_small() {
        assert!(std::mem::size_of::<Column>() <= 64);
        assert!(std::mem::size_of::<Table>() <= 72);
        assert!(std::mem::size_of::<Index>() <= 104);
    }
}
