//! The typed syntax tree of a `.mig` file.
//!
//! The tree is purely syntactic: names are folded as PostgreSQL folds them, but nothing
//! here knows whether a table exists. Every node keeps its [`Span`].

use std::fmt;

use crate::source::Span;

/// A value together with where it was written.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T: fmt::Debug> fmt::Debug for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} {:?}", self.value, self.span)
    }
}

/// A revision id as written in a header, `parents` or `depends_on`.
pub type RevisionId = Spanned<String>;

/// A name (of a table, column, index, constraint, type or schema), after folding.
///
/// `value` is the name as PostgreSQL stores it: a bare name folded to lower case, a
/// quoted name with its doubled quotes undone. Two names are equal when their values
/// are: `"users"` and `users` name the same table.
#[derive(Clone, Eq)]
pub struct Ident {
    pub value: String,
    pub quoted: bool,
    pub span: Span,
}

impl PartialEq for Ident {
    fn eq(&self, other: &Ident) -> bool {
        self.value == other.value
    }
}

// As equality: by value alone.
impl std::hash::Hash for Ident {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl fmt::Debug for Ident {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let quoted = if self.quoted { " quoted" } else { "" };
        write!(f, "{:?}{quoted} {:?}", self.value, self.span)
    }
}

/// A possibly schema-qualified name.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct QualifiedName {
    pub schema: Option<Ident>,
    pub name: Ident,
}

impl QualifiedName {
    pub fn span(&self) -> Span {
        let mut span = self.name.span;
        if let Some(schema) = &self.schema {
            span.start = schema.span.start;
            span.line = schema.span.line;
            span.col = schema.span.col;
        }
        span
    }
}

impl fmt::Debug for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(schema) => write!(f, "{:?}.{:?}", schema, self.name),
            None => write!(f, "{:?}", self.name),
        }
    }
}

/// One parsed `.mig` file.
#[derive(Clone, PartialEq)]
pub struct Revision {
    /// Boxed: a project keeps every revision's header for the graph, and a stream takes
    /// each one out for its tree ([`crate::project::Project::take_for_stream`]) and lets
    /// it go with it, which a slot of a vector could not.
    pub header: Box<Header>,
    /// What follows the header; `None` when only the header was read
    /// ([`crate::syntax::Depth::Headers`]). Boxed, so that the header of each revision
    /// kept for a whole run (of 100,000, say) does not carry the room of a body.
    pub body: Option<Box<Body>>,
}

/// The blocks after the header.
#[derive(Clone, Debug, PartialEq)]
pub struct Body {
    pub upgrade: Option<Block>,
    pub downgrade: Downgrade,
    /// The `-- strata: allow(...)` comments, in file order.
    pub suppressions: Vec<Suppression>,
}

/// `-- strata: allow(RULE, ...) reason`: the lint findings of these rules on the next
/// statement are not reported.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    pub rules: Vec<Spanned<String>>,
    pub reason: String,
    /// The whole comment.
    pub span: Span,
}

impl fmt::Debug for Revision {
    // As if the body's blocks were the revision's own fields: the box is a matter of
    // memory, and a tree dump (the fixtures' `.ast` files) reads the same without it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revision")
            .field("header", &self.header)
            .field("upgrade", &self.upgrade())
            .field("downgrade", self.downgrade())
            .finish()
    }
}

impl Revision {
    /// The `upgrade` block, when the file has one (and it was read).
    pub fn upgrade(&self) -> Option<&Block> {
        self.body.as_ref().and_then(|b| b.upgrade.as_ref())
    }

    /// The `downgrade`: `Derived` when the file has none (or it was not read).
    pub fn downgrade(&self) -> &Downgrade {
        self.body
            .as_ref()
            .map_or(&Downgrade::Derived, |b| &b.downgrade)
    }
}

/// `revision ID [parents ...] [message '...'] [labels ...] [depends_on ...];`
///
/// A project keeps every header until its revision is streamed: boxed slices and a boxed
/// message (fixed once parsed) keep a header at 160 bytes, an allocator size class below
/// the 192 that vectors and a `String` took.
#[derive(Clone, Debug, PartialEq)]
pub struct Header {
    pub id: RevisionId,
    pub parents: Box<[RevisionId]>,
    pub message: Option<Spanned<Box<str>>>,
    pub labels: Box<[Spanned<String>]>,
    pub depends_on: Box<[RevisionId]>,
    pub span: Span,
}

/// The statements of an `upgrade` or `downgrade` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub statements: Vec<Statement>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Downgrade {
    /// No `downgrade`: the compiler derives one from the upgrade.
    Derived,
    /// `downgrade { ... }`, used as written.
    Explicit(Block),
    /// `downgrade irreversible 'why';`
    Irreversible { reason: Spanned<String>, span: Span },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub kind: StatementKind,
    pub span: Span,
}

/// Every statement of the language, one type per kind.
#[derive(Clone, Debug, PartialEq)]
pub enum StatementKind {
    CreateSchema(CreateSchema),
    DropSchema(DropSchema),
    CreateEnum(CreateEnum),
    DropType(DropType),
    AlterTypeAddValue(AlterTypeAddValue),
    AlterTypeRenameValue(AlterTypeRenameValue),
    RenameType(RenameType),
    CreateExtension(CreateExtension),
    DropExtension(DropExtension),
    CreateTable(CreateTable),
    CreatePartition(CreatePartition),
    DropTable(DropTable),
    RenameTable(RenameTable),
    AddColumn(AddColumn),
    DropColumn(DropColumn),
    RenameColumn(RenameColumn),
    AlterColumnType(AlterColumnType),
    SetNotNull(SetNotNull),
    DropNotNull(DropNotNull),
    SetDefault(SetDefault),
    DropDefault(DropDefault),
    AddConstraint(AddConstraint),
    AddConstraintUsingIndex(AddConstraintUsingIndex),
    ValidateConstraint(ValidateConstraint),
    DropConstraint(DropConstraint),
    CreateIndex(CreateIndex),
    DropIndex(DropIndex),
    RenameIndex(RenameIndex),
    AlterStorage(AlterStorage),
    RenameConstraint(RenameConstraint),
    RawSql(RawSql),
    Set(Setting),
    AssumeTable(AssumeTable),
    AssumeType(AssumeType),
    AssumeExtension(AssumeExtension),
    /// `assume [unique] index NAME on TABLE (...)`: an index the database has.
    AssumeIndex(CreateIndex),
    /// `assume constraint NAME on TABLE ...`: a constraint the database has (never
    /// `not valid`).
    AssumeConstraint(AddConstraint),
    CreateSequence(Box<CreateSequence>),
    /// `assume sequence NAME [options]`: a sequence the database has.
    AssumeSequence(Box<CreateSequence>),
    AlterSequence(Box<AlterSequence>),
    RenameSequence(RenameSequence),
    DropSequence(DropSequence),
    SetColumnOption(SetColumnOption),
    AddIdentity(AddIdentity),
    DropIdentity(DropIdentity),
    SetGenerated(SetGenerated),
    Comment(Comment),
    CreateView(CreateView),
    /// `assume [materialized] view NAME as $$ ... $$`: a view the database has.
    AssumeView(CreateView),
    RefreshView(RefreshView),
    DropView(DropView),
    RenameView(RenameView),
    CreateRoutine(Box<CreateRoutine>),
    /// `assume function ...`: a function or procedure the database has.
    AssumeRoutine(Box<CreateRoutine>),
    DropRoutine(DropRoutine),
    RenameRoutine(RenameRoutine),
    CreateTrigger(Box<CreateTrigger>),
    DropTrigger(DropTrigger),
    SetSchema(SetSchema),
    Grant(Grant),
    /// `revoke`: its `grant_option` is `grant option for` (only the right to grant).
    Revoke(Grant),
    /// `assume role NAME`: a role of the cluster the migrations use.
    AssumeRole(AssumeRole),
    RowSecurity(RowSecurity),
    CreatePolicy(CreatePolicy),
    DropPolicy(DropPolicy),
}

// ---------------------------------------------------------------------------------------
// Schemas, types, extensions

#[derive(Clone, Debug, PartialEq)]
pub struct CreateSchema {
    pub name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropSchema {
    pub name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreateEnum {
    pub name: QualifiedName,
    pub values: Vec<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropType {
    pub name: QualifiedName,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValuePlacement {
    Before,
    After,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlterTypeAddValue {
    pub name: QualifiedName,
    pub value: Spanned<String>,
    pub position: Option<(ValuePlacement, Spanned<String>)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlterTypeRenameValue {
    pub name: QualifiedName,
    pub from: Spanned<String>,
    pub to: Spanned<String>,
}

/// `alter type NAME rename to NEW`: the columns of the type follow (PostgreSQL keeps
/// them by the type's identity, not its name).
#[derive(Clone, Debug, PartialEq)]
pub struct RenameType {
    pub name: QualifiedName,
    pub new_name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreateExtension {
    pub name: Ident,
}

/// `assume extension NAME`: the database has it; the project did not create it.
#[derive(Clone, Debug, PartialEq)]
pub struct AssumeExtension {
    pub name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropExtension {
    pub name: Ident,
}

// ---------------------------------------------------------------------------------------
// Tables

#[derive(Clone, Debug, PartialEq)]
pub struct CreateTable {
    pub name: QualifiedName,
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<TableConstraint>,
    pub partition_by: Option<PartitionBy>,
    /// `with (fillfactor = 70, ...)`.
    pub storage: Vec<StorageParam>,
}

/// A storage parameter, `fillfactor = 70`, as PostgreSQL keeps it: the name folded
/// (`toast.` before those of the TOAST table), the value as written (a number as
/// PostgreSQL reads it, a word folded, a string's text; `true` when none is given).
#[derive(Clone, Debug, PartialEq)]
pub struct StorageParam {
    pub name: Spanned<String>,
    pub value: Spanned<String>,
}

/// `alter table|index NAME set (PARAMS)` or `reset (NAMES)`.
#[derive(Clone, Debug, PartialEq)]
pub struct AlterStorage {
    pub index: bool,
    pub name: QualifiedName,
    pub change: StorageChange,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StorageChange {
    Set(Vec<StorageParam>),
    Reset(Vec<Spanned<String>>),
}

impl StorageChange {
    /// The names it sets or resets.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let (set, reset) = match self {
            StorageChange::Set(params) => (params.as_slice(), &[][..]),
            StorageChange::Reset(names) => (&[][..], names.as_slice()),
        };
        set.iter()
            .map(|p| p.name.value.as_str())
            .chain(reset.iter().map(|n| n.value.as_str()))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionStrategy {
    Range,
    List,
    Hash,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PartitionBy {
    pub strategy: PartitionStrategy,
    pub columns: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreatePartition {
    pub name: QualifiedName,
    pub parent: QualifiedName,
    pub bound: SqlExpr,
    pub storage: Vec<StorageParam>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropTable {
    pub name: QualifiedName,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RenameTable {
    pub table: QualifiedName,
    pub new_name: Ident,
}

/// `assume table NAME (...)`: the model learns of a table that exists without strata
/// having created it. Constraints may be declared too, so that foreign keys to an
/// adopted table can be checked.
#[derive(Clone, Debug, PartialEq)]
pub struct AssumeTable {
    pub name: QualifiedName,
    pub columns: Vec<ColumnDef>,
    pub constraints: Vec<TableConstraint>,
    pub storage: Vec<StorageParam>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssumeType {
    pub name: QualifiedName,
    pub values: Vec<Spanned<String>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnDef {
    pub name: Ident,
    pub data_type: DataType,
    pub constraints: Vec<ColumnConstraint>,
    pub span: Span,
}

// ---------------------------------------------------------------------------------------
// Types

// `Eq` and `Hash` for the schema model, which keeps one shared copy of each type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct DataType {
    pub kind: TypeKind,
    /// How many `[]` follow the type.
    pub array_dimensions: u32,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TypeKind {
    /// A type by name, with optional modifiers: `uuid`, `varchar(255)`, `numeric(10,2)`,
    /// `public.mood`.
    Named {
        name: QualifiedName,
        modifiers: Vec<i64>,
    },
    /// One of the types whose name is several words.
    MultiWord {
        name: MultiWordType,
        modifiers: Vec<i64>,
    },
    /// A backtick type, passed through verbatim: `` `int4range` ``.
    Raw(SqlExpr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MultiWordType {
    DoublePrecision,
    CharacterVarying,
    BitVarying,
    TimestampWithTimeZone,
    TimestampWithoutTimeZone,
    TimeWithTimeZone,
    TimeWithoutTimeZone,
}

impl MultiWordType {
    /// The type's words with its modifiers, already written out, where they belong:
    /// `timestamp(3) with time zone`. The same in `.mig` and in SQL.
    pub fn spelled(self, modifiers: &str) -> String {
        let m = modifiers;
        match self {
            MultiWordType::DoublePrecision => "double precision".to_owned(),
            MultiWordType::CharacterVarying => format!("character varying{m}"),
            MultiWordType::BitVarying => format!("bit varying{m}"),
            MultiWordType::TimestampWithTimeZone => format!("timestamp{m} with time zone"),
            MultiWordType::TimestampWithoutTimeZone => format!("timestamp{m} without time zone"),
            MultiWordType::TimeWithTimeZone => format!("time{m} with time zone"),
            MultiWordType::TimeWithoutTimeZone => format!("time{m} without time zone"),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Constraints

#[derive(Clone, Debug, PartialEq)]
pub struct ColumnConstraint {
    pub name: Option<Ident>,
    pub kind: ColumnConstraintKind,
    /// Primary keys, unique constraints and foreign keys only.
    pub deferrable: Option<Deferrability>,
    pub span: Span,
}

/// When a key or foreign key is checked: `deferrable` lets a transaction defer it to its
/// commit (`set constraints`), `initially deferred` does so unless told otherwise.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deferrability {
    pub deferrable: bool,
    pub initially_deferred: bool,
}

impl Deferrability {
    /// The clause in lower-case words, after a space (`" deferrable initially
    /// deferred"`); the printer and the renderer write it in their case.
    pub fn words(self) -> &'static str {
        match (self.deferrable, self.initially_deferred) {
            (false, _) => " not deferrable",
            (true, false) => " deferrable",
            (true, true) => " deferrable initially deferred",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ColumnConstraintKind {
    NotNull,
    Null,
    PrimaryKey,
    Unique,
    Default(DefaultValue),
    Check(SqlExpr),
    References(ForeignReference),
    Identity(IdentityKind),
    Generated(SqlExpr),
    /// `collate NAME`: not a constraint, but written among them.
    Collate(QualifiedName),
}

/// How PostgreSQL stores a column's values (`set storage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    Plain,
    External,
    Extended,
    Main,
}

impl Storage {
    pub fn name(self) -> &'static str {
        match self {
            Storage::Plain => "plain",
            Storage::External => "external",
            Storage::Extended => "extended",
            Storage::Main => "main",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdentityKind {
    Always,
    ByDefault,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TableConstraint {
    pub name: Option<Ident>,
    pub kind: TableConstraintKind,
    /// Primary keys, unique constraints and foreign keys only.
    pub deferrable: Option<Deferrability>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TableConstraintKind {
    PrimaryKey(Vec<Ident>),
    Unique(Vec<Ident>),
    Check(SqlExpr),
    ForeignKey {
        columns: Vec<Ident>,
        references: ForeignReference,
    },
    /// Boxed: rare, and larger than the others.
    Exclude(Box<ExcludeConstraint>),
}

/// `exclude [using METHOD] (KEY with OPERATOR, ...) [include (...)] [where `...`]`: no
/// two rows for which every element's operator yields true. Its index has the
/// constraint's name.
#[derive(Clone, Debug, PartialEq)]
pub struct ExcludeConstraint {
    /// Absent: btree, as in PostgreSQL.
    pub method: Option<Ident>,
    pub elements: Vec<ExcludeElement>,
    pub include: Vec<Ident>,
    pub predicate: Option<SqlExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExcludeElement {
    pub key: IndexKey,
    /// As PostgreSQL's lexer reads it: one operator (`=`, `&&`, `-|-`).
    pub operator: Spanned<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForeignReference {
    pub table: QualifiedName,
    /// Empty when the columns are not given: the referenced table's primary key.
    pub columns: Vec<Ident>,
    pub on_delete: Option<ReferentialAction>,
    pub on_update: Option<ReferentialAction>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferentialAction {
    Cascade,
    Restrict,
    NoAction,
    SetNull,
    SetDefault,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum DefaultValue {
    Literal(Literal),
    Expr(SqlExpr),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Literal {
    String(Spanned<String>),
    /// The number as written (`42`, `-7`, `3.25`), so that nothing is lost to a float.
    Number(Spanned<String>),
    Boolean(Spanned<bool>),
    Null(Span),
}

/// A backtick-quoted SQL expression, passed to the output verbatim.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct SqlExpr {
    pub text: String,
    pub span: Span,
}

impl fmt::Debug for SqlExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SqlExpr({:?}) {:?}", self.text, self.span)
    }
}

// ---------------------------------------------------------------------------------------
// alter table

#[derive(Clone, Debug, PartialEq)]
pub struct AddColumn {
    pub table: QualifiedName,
    pub column: ColumnDef,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropColumn {
    pub table: QualifiedName,
    pub column: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RenameColumn {
    pub table: QualifiedName,
    pub column: Ident,
    pub new_name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AlterColumnType {
    pub table: QualifiedName,
    pub column: Ident,
    pub data_type: DataType,
    pub using: Option<SqlExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SetNotNull {
    pub table: QualifiedName,
    pub column: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropNotNull {
    pub table: QualifiedName,
    pub column: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SetDefault {
    pub table: QualifiedName,
    pub column: Ident,
    pub default: DefaultValue,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropDefault {
    pub table: QualifiedName,
    pub column: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AddConstraint {
    pub table: QualifiedName,
    pub constraint: TableConstraint,
    pub not_valid: bool,
}

/// `alter table T add [constraint NAME] {unique | primary key} using index I`: the
/// unique index becomes the constraint's (renamed to the constraint's name when that
/// differs), without building anything.
#[derive(Clone, Debug, PartialEq)]
pub struct AddConstraintUsingIndex {
    pub table: QualifiedName,
    /// Absent: the index's name.
    pub name: Option<Ident>,
    pub primary_key: bool,
    pub index: Ident,
    pub deferrable: Option<Deferrability>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ValidateConstraint {
    pub table: QualifiedName,
    pub name: Ident,
}

/// `alter table T rename constraint A to B`: the constraint, and the index behind it if
/// it has one, take the new name.
#[derive(Clone, Debug, PartialEq)]
pub struct RenameConstraint {
    pub table: QualifiedName,
    pub name: Ident,
    pub new_name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropConstraint {
    pub table: QualifiedName,
    pub name: Ident,
}

// ---------------------------------------------------------------------------------------
// Indexes

#[derive(Clone, Debug, PartialEq)]
pub struct CreateIndex {
    pub unique: bool,
    pub concurrently: bool,
    /// Absent: PostgreSQL's default name, chosen by the schema model.
    pub name: Option<Ident>,
    pub table: QualifiedName,
    pub method: Option<Ident>,
    pub keys: Vec<IndexKey>,
    pub include: Vec<Ident>,
    /// `nulls not distinct` (PostgreSQL 15): a unique index that counts nulls as equal.
    pub nulls_not_distinct: bool,
    /// `with (fillfactor = 70, ...)`.
    pub storage: Vec<StorageParam>,
    pub predicate: Option<SqlExpr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IndexKey {
    pub target: IndexTarget,
    /// `collate NAME`.
    pub collation: Option<QualifiedName>,
    /// An operator class (`gin_trgm_ops`, `text_pattern_ops`).
    pub opclass: Option<QualifiedName>,
    pub order: Option<SortOrder>,
    pub nulls: Option<NullsOrder>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum IndexTarget {
    Column(Ident),
    Expr(SqlExpr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortOrder {
    Asc,
    Desc,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NullsOrder {
    First,
    Last,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropIndex {
    pub concurrently: bool,
    /// `if exists`: an index the model does not know (one a failed build left half
    /// made) is no error, and dropping it changes nothing the model holds.
    pub if_exists: bool,
    pub name: QualifiedName,
}

/// `alter index NAME rename to NEW`: an index, or the index behind a primary key or
/// unique constraint (which PostgreSQL then renames too). The new name stays in the
/// index's schema.
#[derive(Clone, Debug, PartialEq)]
pub struct RenameIndex {
    pub name: QualifiedName,
    pub new_name: Ident,
}

// ---------------------------------------------------------------------------------------
// Sequences

/// `create sequence NAME [options]`, and `assume sequence`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateSequence {
    pub name: QualifiedName,
    pub options: SequenceOptions,
}

/// `alter sequence NAME options`: the options given change, the others stay.
#[derive(Clone, Debug, PartialEq)]
pub struct AlterSequence {
    pub name: QualifiedName,
    pub options: SequenceOptions,
}

/// `alter sequence NAME rename to NEW`: the new name stays in the sequence's schema.
#[derive(Clone, Debug, PartialEq)]
pub struct RenameSequence {
    pub name: QualifiedName,
    pub new_name: Ident,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DropSequence {
    pub name: QualifiedName,
}

/// The integer types a sequence can count in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SequenceType {
    Smallint,
    Integer,
    Bigint,
}

impl SequenceType {
    /// The type of a name PostgreSQL accepts for it (`int4` is `integer`).
    pub fn named(name: &str) -> Option<Self> {
        match name {
            "smallint" | "int2" => Some(SequenceType::Smallint),
            "integer" | "int" | "int4" => Some(SequenceType::Integer),
            "bigint" | "int8" => Some(SequenceType::Bigint),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            SequenceType::Smallint => "smallint",
            SequenceType::Integer => "integer",
            SequenceType::Bigint => "bigint",
        }
    }

    /// The least and greatest values of the type.
    pub fn range(self) -> (i64, i64) {
        match self {
            SequenceType::Smallint => (i16::MIN.into(), i16::MAX.into()),
            SequenceType::Integer => (i32::MIN.into(), i32::MAX.into()),
            SequenceType::Bigint => (i64::MIN, i64::MAX),
        }
    }
}

/// The options of `create` or `alter sequence`, each as written or absent. A bound of
/// `None` is `no minvalue` / `no maxvalue`: the type's default for the increment's sign.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SequenceOptions {
    pub data_type: Option<Spanned<SequenceType>>,
    pub increment: Option<Spanned<i64>>,
    pub min: Option<Spanned<Option<i64>>>,
    pub max: Option<Spanned<Option<i64>>>,
    pub start: Option<Spanned<i64>>,
    /// `alter sequence` only: `restart` (at the start) or `restart with N`.
    pub restart: Option<Spanned<Option<i64>>>,
    pub cache: Option<Spanned<i64>>,
    pub cycle: Option<Spanned<bool>>,
    /// `owned by TABLE.COLUMN`, or `owned by none` (`None`).
    pub owned_by: Option<Spanned<Option<OwnedBy>>>,
}

impl SequenceOptions {
    pub fn is_empty(&self) -> bool {
        *self == SequenceOptions::default()
    }

    /// The options given, in one canonical order, as words (lower case) with their
    /// value: the `.mig` printer and the SQL renderer write them in their own case and
    /// quoting.
    pub fn clauses(&self) -> Vec<SequenceClause<'_>> {
        use SequenceClause as C;
        let mut out = Vec::new();
        if let Some(t) = &self.data_type {
            out.push(C::Words(match t.value {
                SequenceType::Smallint => "as smallint",
                SequenceType::Integer => "as integer",
                SequenceType::Bigint => "as bigint",
            }));
        }
        if let Some(n) = &self.increment {
            out.push(C::Number("increment by", n.value));
        }
        for (bound, word, none) in [
            (&self.min, "minvalue", "no minvalue"),
            (&self.max, "maxvalue", "no maxvalue"),
        ] {
            match bound.as_ref().map(|b| b.value) {
                Some(Some(n)) => out.push(C::Number(word, n)),
                Some(None) => out.push(C::Words(none)),
                None => {}
            }
        }
        if let Some(n) = &self.start {
            out.push(C::Number("start with", n.value));
        }
        match self.restart.as_ref().map(|r| r.value) {
            Some(Some(n)) => out.push(C::Number("restart with", n)),
            Some(None) => out.push(C::Words("restart")),
            None => {}
        }
        if let Some(n) = &self.cache {
            out.push(C::Number("cache", n.value));
        }
        if let Some(c) = &self.cycle {
            out.push(C::Words(if c.value { "cycle" } else { "no cycle" }));
        }
        match &self.owned_by {
            Some(Spanned { value: Some(o), .. }) => out.push(C::OwnedBy(o)),
            Some(Spanned { value: None, .. }) => out.push(C::Words("owned by none")),
            None => {}
        }
        out
    }
}

/// One option of a sequence statement ([`SequenceOptions::clauses`]).
pub enum SequenceClause<'a> {
    Words(&'static str),
    Number(&'static str, i64),
    /// `owned by TABLE.COLUMN`.
    OwnedBy(&'a OwnedBy),
}

/// The column a sequence belongs to: dropped with it.
#[derive(Clone, Debug, PartialEq)]
pub struct OwnedBy {
    pub table: QualifiedName,
    pub column: Ident,
}

/// `alter table T alter column C set {statistics N | storage KIND | compression METHOD}`
#[derive(Clone, Debug, PartialEq)]
pub struct SetColumnOption {
    pub table: QualifiedName,
    pub column: Ident,
    pub option: ColumnOption,
}

/// An option of a column; `None` is PostgreSQL's default (`set statistics -1`, `set
/// storage default` (PostgreSQL 16), `set compression default`).
#[derive(Clone, Debug, PartialEq)]
pub enum ColumnOption {
    Statistics(Option<i64>),
    Storage(Option<Storage>),
    Compression(Option<Ident>),
}

/// `alter table T alter column C add generated {always | by default} as identity`
#[derive(Clone, Debug, PartialEq)]
pub struct AddIdentity {
    pub table: QualifiedName,
    pub column: Ident,
    pub kind: IdentityKind,
}

/// `alter table T alter column C drop identity [if exists]`
#[derive(Clone, Debug, PartialEq)]
pub struct DropIdentity {
    pub table: QualifiedName,
    pub column: Ident,
    pub if_exists: bool,
}

/// `alter table T alter column C set generated {always | by default}`
#[derive(Clone, Debug, PartialEq)]
pub struct SetGenerated {
    pub table: QualifiedName,
    pub column: Ident,
    pub kind: IdentityKind,
}

// ---------------------------------------------------------------------------------------
// Views

/// `create [or replace] [materialized] view NAME [(columns)] as $$ query $$ [with [no]
/// data]`. The query is one SELECT (or VALUES), checked by PostgreSQL's parser.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateView {
    pub or_replace: bool,
    pub materialized: bool,
    pub name: QualifiedName,
    /// The view's column names, when written.
    pub columns: Vec<Ident>,
    pub query: SqlExpr,
    /// `with no data` (materialized views only): created empty, to be refreshed.
    pub with_no_data: bool,
}

/// `refresh materialized view [concurrently] NAME [with [no] data]`
#[derive(Clone, Debug, PartialEq)]
pub struct RefreshView {
    pub concurrently: bool,
    pub name: QualifiedName,
    pub with_no_data: bool,
}

/// `drop [materialized] view NAME`
#[derive(Clone, Debug, PartialEq)]
pub struct DropView {
    pub materialized: bool,
    pub name: QualifiedName,
}

/// `alter [materialized] view NAME rename to NEW`
#[derive(Clone, Debug, PartialEq)]
pub struct RenameView {
    pub materialized: bool,
    pub name: QualifiedName,
    pub new_name: Ident,
}

// ---------------------------------------------------------------------------------------
// Functions, procedures and triggers

/// `create [or replace] function|procedure NAME (ARGS) [returns [setof] TYPE] language L
/// [options] as $$ body $$`, and `assume function`.
#[derive(Clone, Debug, PartialEq)]
pub struct CreateRoutine {
    pub or_replace: bool,
    pub procedure: bool,
    pub name: QualifiedName,
    pub args: Vec<RoutineArg>,
    /// Functions only.
    pub returns: Option<Returns>,
    pub language: Ident,
    pub volatility: Option<Volatility>,
    /// `security definer` (true) or `security invoker` (false), when written.
    pub security_definer: Option<bool>,
    pub strict: bool,
    /// `set NAME = VALUE` while the routine runs (`set search_path = ...`).
    pub settings: Vec<RoutineSetting>,
    /// The body between the dollar quotes, verbatim.
    pub body: SqlExpr,
}

/// An argument: its name (optional) and type.
#[derive(Clone, Debug, PartialEq)]
pub struct RoutineArg {
    pub name: Option<Ident>,
    pub data_type: DataType,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Returns {
    pub setof: bool,
    pub data_type: DataType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Volatility {
    Immutable,
    Stable,
    Volatile,
}

/// `set NAME = VALUE` of a routine: a string, or a list of names (`public, pg_temp`).
#[derive(Clone, Debug, PartialEq)]
pub struct RoutineSetting {
    pub name: Ident,
    pub value: SettingValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SettingValue {
    String(Spanned<String>),
    Names(Vec<Ident>),
}

/// A function or procedure by name, with its argument types when written (a name
/// alone when it is the only one of its name).
#[derive(Clone, Debug, PartialEq)]
pub struct RoutineRef {
    pub procedure: bool,
    pub name: QualifiedName,
    pub args: Option<Vec<RoutineArg>>,
}

/// `drop function|procedure NAME [(ARGS)]`
#[derive(Clone, Debug, PartialEq)]
pub struct DropRoutine {
    pub routine: RoutineRef,
}

/// `alter function|procedure NAME [(ARGS)] rename to NEW`
#[derive(Clone, Debug, PartialEq)]
pub struct RenameRoutine {
    pub routine: RoutineRef,
    pub new_name: Ident,
}

/// `create [or replace] trigger NAME {before|after|instead of} EVENT [or EVENT ...] on
/// TABLE [for each {row|statement}] [when `expr`] execute function F('arg', ...)`
#[derive(Clone, Debug, PartialEq)]
pub struct CreateTrigger {
    pub or_replace: bool,
    pub name: Ident,
    pub timing: TriggerTiming,
    pub events: Vec<TriggerEvent>,
    pub table: QualifiedName,
    pub for_each_row: bool,
    pub when: Option<SqlExpr>,
    /// `execute procedure` (the older spelling) rather than `execute function`.
    pub procedure_keyword: bool,
    pub function: QualifiedName,
    pub arguments: Vec<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TriggerTiming {
    Before,
    After,
    InsteadOf,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TriggerEvent {
    Insert,
    /// `update [of COLUMNS]`
    Update(Vec<Ident>),
    Delete,
    Truncate,
}

/// `drop trigger NAME on TABLE`
#[derive(Clone, Debug, PartialEq)]
pub struct DropTrigger {
    pub name: Ident,
    pub table: QualifiedName,
}

/// `alter KIND NAME set schema SCHEMA`: the object, and what belongs to it (a table's
/// indexes and owned sequences), move to the schema, keeping their names.
#[derive(Clone, Debug, PartialEq)]
pub struct SetSchema {
    pub object: SchemaObject,
    pub name: QualifiedName,
    pub schema: Ident,
}

/// What `set schema` moves.
#[derive(Clone, Debug, PartialEq)]
pub enum SchemaObject {
    Table,
    Type,
    Sequence,
    View {
        materialized: bool,
    },
    /// A function or procedure, with its argument types when written.
    Routine {
        procedure: bool,
        args: Option<Vec<RoutineArg>>,
    },
}

// ---------------------------------------------------------------------------------------
// Privileges and row security

/// `grant PRIVILEGES on OBJECTS to ROLES [with grant option]`, and `revoke [grant option
/// for] PRIVILEGES on OBJECTS from ROLES`.
#[derive(Clone, Debug, PartialEq)]
pub struct Grant {
    /// Empty: `all [privileges]`.
    pub privileges: Vec<Spanned<Privilege>>,
    pub object: GrantObject,
    pub roles: Vec<Ident>,
    pub grant_option: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Privilege {
    Select,
    Insert,
    Update,
    Delete,
    Truncate,
    References,
    Trigger,
    Usage,
    Create,
    Execute,
}

impl Privilege {
    pub fn name(self) -> &'static str {
        match self {
            Privilege::Select => "select",
            Privilege::Insert => "insert",
            Privilege::Update => "update",
            Privilege::Delete => "delete",
            Privilege::Truncate => "truncate",
            Privilege::References => "references",
            Privilege::Trigger => "trigger",
            Privilege::Usage => "usage",
            Privilege::Create => "create",
            Privilege::Execute => "execute",
        }
    }
}

/// What privileges are granted on.
#[derive(Clone, Debug, PartialEq)]
pub enum GrantObject {
    /// Tables and views (`on [table] a, b`).
    Tables(Vec<QualifiedName>),
    Sequences(Vec<QualifiedName>),
    Schemas(Vec<Ident>),
    Routine(RoutineRef),
}

#[derive(Clone, Debug, PartialEq)]
pub struct AssumeRole {
    pub name: Ident,
}

/// `alter table T {enable | disable | force | no force} row level security`
#[derive(Clone, Debug, PartialEq)]
pub struct RowSecurity {
    pub table: QualifiedName,
    pub change: RowSecurityChange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowSecurityChange {
    Enable,
    Disable,
    Force,
    NoForce,
}

/// `create policy NAME on TABLE [as permissive|restrictive] [for COMMAND] [to ROLES]
/// [using `expr`] [with check `expr`]`
#[derive(Clone, Debug, PartialEq)]
pub struct CreatePolicy {
    pub name: Ident,
    pub table: QualifiedName,
    pub restrictive: bool,
    pub command: Option<PolicyCommand>,
    pub roles: Vec<Ident>,
    pub using: Option<SqlExpr>,
    pub check: Option<SqlExpr>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyCommand {
    All,
    Select,
    Insert,
    Update,
    Delete,
}

/// `drop policy NAME on TABLE`
#[derive(Clone, Debug, PartialEq)]
pub struct DropPolicy {
    pub name: Ident,
    pub table: QualifiedName,
}

// ---------------------------------------------------------------------------------------
// Comments

/// `comment on TARGET is 'text'` (or `is null`, which removes it).
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub target: CommentTarget,
    pub text: Option<Spanned<String>>,
}

/// What a comment is on.
#[derive(Clone, Debug, PartialEq)]
pub enum CommentTarget {
    Schema(Ident),
    Type(QualifiedName),
    Table(QualifiedName),
    Column {
        table: QualifiedName,
        column: Ident,
    },
    Constraint {
        table: QualifiedName,
        name: Ident,
    },
    Index(QualifiedName),
    Sequence(QualifiedName),
    View {
        name: QualifiedName,
        materialized: bool,
    },
    Routine(RoutineRef),
    Trigger {
        name: Ident,
        table: QualifiedName,
    },
}

// ---------------------------------------------------------------------------------------
// Raw SQL

/// `sql [data] [nontransactional] $tag$ ... $tag$`
#[derive(Clone, Debug, PartialEq)]
pub struct RawSql {
    /// The text between the dollar quotes, verbatim.
    pub text: String,
    /// `sql data`: the block changes rows only (PostgreSQL's parser says so: INSERT,
    /// UPDATE, DELETE, MERGE, SELECT), so the schema model knows it leaves the schema as
    /// it is, and its downgrade is nothing: the rows stay as it left them.
    pub data: bool,
    pub nontransactional: bool,
    /// Where the text starts, so that a finding about one of its statements can point
    /// into it.
    pub body: Span,
    /// `assume { ... }` after the block: what it makes that the model cannot read from
    /// it (`assume` statements), applied after it. Unlike a revision's own `assume`, these
    /// were not there before the revision.
    pub made: Vec<Statement>,
}

/// `set NAME = VALUE`: a setting for the whole revision, one of [`SETTINGS`]. It comes
/// before the block's other statements; scripts set it (`SET LOCAL`) in every transaction
/// of the revision, and around a statement that runs outside one, in both directions.
#[derive(Clone, Debug, PartialEq)]
pub struct Setting {
    pub name: Ident,
    /// A string or a number, as written.
    pub value: Literal,
}

/// The settings a revision may set: timeouts and memory for its own statements. Others
/// would change how names resolve (`search_path`), who runs the script (`role`), or how
/// it is read (`standard_conforming_strings`).
pub const SETTINGS: &[&str] = &[
    "idle_in_transaction_session_timeout",
    "lock_timeout",
    "maintenance_work_mem",
    "max_parallel_maintenance_workers",
    "statement_timeout",
    "work_mem",
];

impl StatementKind {
    /// Whether the statement must run outside a transaction (LANGUAGE.md 7.3).
    pub fn is_nontransactional(&self) -> bool {
        match self {
            StatementKind::CreateIndex(index) => index.concurrently,
            StatementKind::DropIndex(index) => index.concurrently,
            StatementKind::RawSql(sql) => sql.nontransactional,
            _ => false,
        }
    }

    /// Whether the statement declares what a database has already (`assume ...`).
    pub fn is_assumption(&self) -> bool {
        matches!(
            self,
            StatementKind::AssumeTable(_)
                | StatementKind::AssumeType(_)
                | StatementKind::AssumeExtension(_)
                | StatementKind::AssumeIndex(_)
                | StatementKind::AssumeConstraint(_)
                | StatementKind::AssumeSequence(_)
                | StatementKind::AssumeView(_)
                | StatementKind::AssumeRoutine(_)
                | StatementKind::AssumeRole(_)
        )
    }

    /// Whether the script commits right after the statement: PostgreSQL refuses to use
    /// an enum value added in the same transaction ("unsafe use of new value"), and
    /// whether a later statement uses it cannot be told for sure.
    pub fn commits_after(&self) -> bool {
        matches!(self, StatementKind::AlterTypeAddValue(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project keeps a header per revision until it is streamed, each in its own
    /// allocation: a field more would move it to the next size class (192 bytes).
    #[test]
    fn a_header_fits_its_allocation_class() {
        assert!(std::mem::size_of::<Header>() <= 160);
        assert!(std::mem::size_of::<Revision>() <= 16);
    }

    /// A body holds a statement per statement of the file: the rare large ones
    /// (sequence options, functions, triggers) are boxed, so that every statement is not
    /// as large as they are.
    #[test]
    fn a_statement_is_as_large_as_the_common_ones() {
        assert!(std::mem::size_of::<StatementKind>() <= 352);
    }
}
