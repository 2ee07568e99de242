//! The fourth stage: statements to the SQL a DBA runs (BUNDLES.md 2.1).
//!
//! One askama template per statement kind (`templates/sql/`, escaping off: quoting is
//! ours). The Rust side quotes every identifier as PostgreSQL needs it and every literal
//! with `'` doubled, and writes upper-case keywords; a template only lays the statement
//! out. Statements come from the schema model's replay, so every constraint and index
//! has its explicit name. [`script`] puts them in scripts, with the guard and the version
//! bookkeeping.

pub mod script;
pub mod status;

use std::fmt::{self, Write as _};

use askama::Template;

use crate::inert::CommentOf;
use crate::quote::{self, QuotedLiteral, StorageParamsSql, TypeSql};
use crate::syntax::ast::*;

// The templates' fields borrow from the statement and format in place (`Name`,
// `Qualified`, ... below): a build renders tens of thousands of statements, and a
// `String` for every name, column and clause was a fifth of the rendering's cost.

#[derive(Template)]
#[template(path = "sql/create_schema.sql", escape = "none")]
struct CreateSchemaSql<'a> {
    name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/drop_schema.sql", escape = "none")]
struct DropSchemaSql<'a> {
    name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/create_enum.sql", escape = "none")]
struct CreateEnumSql<'a> {
    name: Qualified<'a>,
    values: Vec<QuotedLiteral<'a>>,
}

#[derive(Template)]
#[template(path = "sql/drop_type.sql", escape = "none")]
struct DropTypeSql<'a> {
    name: Qualified<'a>,
}

#[derive(Template)]
#[template(path = "sql/alter_type_add_value.sql", escape = "none")]
struct AddValueSql<'a> {
    name: Qualified<'a>,
    value: QuotedLiteral<'a>,
    position: Option<Placed<'a>>,
}

#[derive(Template)]
#[template(path = "sql/alter_type_rename_value.sql", escape = "none")]
struct RenameValueSql<'a> {
    name: Qualified<'a>,
    from: QuotedLiteral<'a>,
    to: QuotedLiteral<'a>,
}

#[derive(Template)]
#[template(path = "sql/create_extension.sql", escape = "none")]
struct CreateExtensionSql<'a> {
    name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/drop_extension.sql", escape = "none")]
struct DropExtensionSql<'a> {
    name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/create_table.sql", escape = "none")]
struct CreateTableSql<'a> {
    name: Qualified<'a>,
    lines: Vec<TableLine<'a>>,
    partition_by: Option<PartitionSql<'a>>,
    storage: Option<StorageParamsSql<'a>>,
}

/// `WITH (...)` of a statement, when it has parameters.
fn storage(params: &[StorageParam]) -> Option<StorageParamsSql<'_>> {
    (!params.is_empty()).then_some(StorageParamsSql(params))
}

#[derive(Template)]
#[template(path = "sql/alter_storage.sql", escape = "none")]
struct AlterStorageSql<'a> {
    what: &'static str,
    name: Qualified<'a>,
    change: StorageChangeSql<'a>,
}

/// `SET (...)` or `RESET (...)`.
struct StorageChangeSql<'a>(&'a StorageChange);

impl fmt::Display for StorageChangeSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            StorageChange::Set(params) => write!(f, "SET ({})", StorageParamsSql(params)),
            StorageChange::Reset(names) => {
                f.write_str("RESET (")?;
                for (i, n) in names.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    quote::write_param_name(f, &n.value)?;
                }
                f.write_char(')')
            }
        }
    }
}

#[derive(Template)]
#[template(path = "sql/create_partition.sql", escape = "none")]
struct CreatePartitionSql<'a> {
    name: Qualified<'a>,
    parent: Qualified<'a>,
    bound: &'a str,
    storage: Option<StorageParamsSql<'a>>,
}

#[derive(Template)]
#[template(path = "sql/drop_table.sql", escape = "none")]
struct DropTableSql<'a> {
    name: Qualified<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_table.sql", escape = "none")]
struct RenameTableSql<'a> {
    table: Qualified<'a>,
    new_name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_type.sql", escape = "none")]
struct RenameTypeSql<'a> {
    name: Qualified<'a>,
    new_name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_index.sql", escape = "none")]
struct RenameIndexSql<'a> {
    name: Qualified<'a>,
    new_name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_constraint.sql", escape = "none")]
struct RenameConstraintSql<'a> {
    table: Qualified<'a>,
    name: Name<'a>,
    new_name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/set_setting.sql", escape = "none")]
struct SetSettingSql<'a> {
    local: bool,
    name: Name<'a>,
    value: LiteralSql<'a>,
}

#[derive(Template)]
#[template(path = "sql/add_column.sql", escape = "none")]
struct AddColumnSql<'a> {
    table: Qualified<'a>,
    column: ColumnSql<'a>,
}

#[derive(Template)]
#[template(path = "sql/drop_column.sql", escape = "none")]
struct DropColumnSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_column.sql", escape = "none")]
struct RenameColumnSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
    new_name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/alter_column_type.sql", escape = "none")]
struct AlterColumnTypeSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
    data_type: TypeSql<'a>,
    using: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "sql/set_not_null.sql", escape = "none")]
struct SetNotNullSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/drop_not_null.sql", escape = "none")]
struct DropNotNullSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/set_default.sql", escape = "none")]
struct SetDefaultSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
    default: DefaultSql<'a>,
}

#[derive(Template)]
#[template(path = "sql/drop_default.sql", escape = "none")]
struct DropDefaultSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/add_constraint.sql", escape = "none")]
struct AddConstraintSql<'a> {
    table: Qualified<'a>,
    constraint: TableConstraintSql<'a>,
    not_valid: bool,
}

#[derive(Template)]
#[template(path = "sql/add_constraint_using_index.sql", escape = "none")]
struct AddConstraintUsingIndexSql<'a> {
    table: Qualified<'a>,
    name: Option<Name<'a>>,
    primary_key: bool,
    index: Name<'a>,
    deferrable: String,
}

#[derive(Template)]
#[template(path = "sql/set_column_option.sql", escape = "none")]
struct SetColumnOptionSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
    option: String,
}

#[derive(Template)]
#[template(path = "sql/validate_constraint.sql", escape = "none")]
struct ValidateConstraintSql<'a> {
    table: Qualified<'a>,
    name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/drop_constraint.sql", escape = "none")]
struct DropConstraintSql<'a> {
    table: Qualified<'a>,
    name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/create_index.sql", escape = "none")]
struct CreateIndexSql<'a> {
    unique: bool,
    concurrently: bool,
    /// The schema model names every index; an unresolved statement has none.
    name: Option<Name<'a>>,
    table: Qualified<'a>,
    method: Option<Name<'a>>,
    keys: Vec<KeySql<'a>>,
    include: Names<'a>,
    nulls_not_distinct: bool,
    storage: Option<StorageParamsSql<'a>>,
    predicate: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "sql/drop_index.sql", escape = "none")]
struct DropIndexSql<'a> {
    concurrently: bool,
    if_exists: bool,
    name: Qualified<'a>,
}

#[derive(Template)]
#[template(path = "sql/create_sequence.sql", escape = "none")]
struct CreateSequenceSql<'a> {
    name: Qualified<'a>,
    options: SequenceOptionsSql<'a>,
}

#[derive(Template)]
#[template(path = "sql/alter_sequence.sql", escape = "none")]
struct AlterSequenceSql<'a> {
    name: Qualified<'a>,
    options: SequenceOptionsSql<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_sequence.sql", escape = "none")]
struct RenameSequenceSql<'a> {
    name: Qualified<'a>,
    new_name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/drop_sequence.sql", escape = "none")]
struct DropSequenceSql<'a> {
    name: Qualified<'a>,
}

#[derive(Template)]
#[template(path = "sql/add_identity.sql", escape = "none")]
struct AddIdentitySql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
    identity: &'static str,
}

#[derive(Template)]
#[template(path = "sql/drop_identity.sql", escape = "none")]
struct DropIdentitySql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
    if_exists: bool,
}

#[derive(Template)]
#[template(path = "sql/set_generated.sql", escape = "none")]
struct SetGeneratedSql<'a> {
    table: Qualified<'a>,
    column: Name<'a>,
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "sql/create_view.sql", escape = "none")]
struct CreateViewSql<'a> {
    or_replace: bool,
    materialized: bool,
    name: Qualified<'a>,
    columns: Names<'a>,
    query: ViewQuery<'a>,
    with_no_data: bool,
}

#[derive(Template)]
#[template(path = "sql/refresh_view.sql", escape = "none")]
struct RefreshViewSql<'a> {
    concurrently: bool,
    name: Qualified<'a>,
    with_no_data: bool,
}

#[derive(Template)]
#[template(path = "sql/drop_view.sql", escape = "none")]
struct DropViewSql<'a> {
    materialized: bool,
    name: Qualified<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_view.sql", escape = "none")]
struct RenameViewSql<'a> {
    materialized: bool,
    name: Qualified<'a>,
    new_name: Name<'a>,
}

/// A view's query as the script writes it (parsed as one SELECT by PostgreSQL's parser):
/// its text without the white space around it and without a final `;` (the statement
/// has its own), and a line break after it when its last line may end in a `--` comment,
/// which would otherwise swallow what follows.
struct ViewQuery<'a>(&'a str);

impl fmt::Display for ViewQuery<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.trim();
        let text = text.strip_suffix(';').map_or(text, str::trim_end);
        f.write_str(text)?;
        if text.lines().last().is_some_and(|l| l.contains("--")) {
            f.write_char('\n')?;
        }
        Ok(())
    }
}

#[derive(Template)]
#[template(path = "sql/create_routine.sql", escape = "none")]
struct CreateRoutineSql<'a> {
    or_replace: bool,
    kind: &'static str,
    name: Qualified<'a>,
    args: ArgsSql<'a>,
    returns: Option<ReturnsSql<'a>>,
    language: Name<'a>,
    options: RoutineOptionsSql<'a>,
    /// A dollar-quote tag the body does not hold.
    tag: String,
    body: &'a str,
}

#[derive(Template)]
#[template(path = "sql/drop_routine.sql", escape = "none")]
struct DropRoutineSql<'a> {
    routine: RoutineSql<'a>,
}

#[derive(Template)]
#[template(path = "sql/rename_routine.sql", escape = "none")]
struct RenameRoutineSql<'a> {
    routine: RoutineSql<'a>,
    new_name: Name<'a>,
}

#[derive(Template)]
#[template(path = "sql/create_trigger.sql", escape = "none")]
struct CreateTriggerSql<'a> {
    or_replace: bool,
    name: Name<'a>,
    timing: &'static str,
    events: EventsSql<'a>,
    table: Qualified<'a>,
    for_each_row: bool,
    when: Option<&'a str>,
    procedure_keyword: bool,
    function: Qualified<'a>,
    arguments: Vec<QuotedLiteral<'a>>,
}

#[derive(Template)]
#[template(path = "sql/drop_trigger.sql", escape = "none")]
struct DropTriggerSql<'a> {
    name: Name<'a>,
    table: Qualified<'a>,
}

/// A routine's arguments: `name type, ...`.
struct ArgsSql<'a>(&'a [RoutineArg]);

impl fmt::Display for ArgsSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if let Some(n) = &arg.name {
                write!(f, "{} ", Name(n))?;
            }
            TypeSql(&arg.data_type).fmt(f)?;
        }
        Ok(())
    }
}

struct ReturnsSql<'a>(&'a Returns);

impl fmt::Display for ReturnsSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.setof {
            f.write_str("SETOF ")?;
        }
        TypeSql(&self.0.data_type).fmt(f)
    }
}

/// A routine's options after its language, each after a space.
struct RoutineOptionsSql<'a>(&'a CreateRoutine);

impl fmt::Display for RoutineOptionsSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        match r.volatility {
            Some(Volatility::Immutable) => f.write_str(" IMMUTABLE")?,
            Some(Volatility::Stable) => f.write_str(" STABLE")?,
            Some(Volatility::Volatile) => f.write_str(" VOLATILE")?,
            None => {}
        }
        match r.security_definer {
            Some(true) => f.write_str(" SECURITY DEFINER")?,
            Some(false) => f.write_str(" SECURITY INVOKER")?,
            None => {}
        }
        if r.strict {
            f.write_str(" STRICT")?;
        }
        for setting in &r.settings {
            write!(f, " SET {} = ", Name(&setting.name))?;
            match &setting.value {
                SettingValue::String(s) => QuotedLiteral(&s.value).fmt(f)?,
                SettingValue::Names(names) => Names(names).fmt(f)?,
            }
        }
        Ok(())
    }
}

/// `FUNCTION name(types)` or `PROCEDURE name`, as DROP, ALTER and COMMENT name one.
struct RoutineSql<'a>(&'a RoutineRef);

impl fmt::Display for RoutineSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        let kind = if r.procedure { "PROCEDURE" } else { "FUNCTION" };
        write!(f, "{kind} {}", Qualified(&r.name))?;
        if let Some(args) = &r.args {
            write!(f, "({})", ArgsSql(args))?;
        }
        Ok(())
    }
}

/// A trigger's events: `INSERT OR UPDATE OF a, b`.
struct EventsSql<'a>(&'a [TriggerEvent]);

impl fmt::Display for EventsSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, event) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" OR ")?;
            }
            match event {
                TriggerEvent::Insert => f.write_str("INSERT")?,
                TriggerEvent::Update(columns) if columns.is_empty() => f.write_str("UPDATE")?,
                TriggerEvent::Update(columns) => write!(f, "UPDATE OF {}", Names(columns))?,
                TriggerEvent::Delete => f.write_str("DELETE")?,
                TriggerEvent::Truncate => f.write_str("TRUNCATE")?,
            }
        }
        Ok(())
    }
}

#[derive(Template)]
#[template(path = "sql/set_schema.sql", escape = "none")]
struct SetSchemaSql<'a> {
    object: SchemaObjectSql<'a>,
    schema: Name<'a>,
}

/// What `set schema` moves, as `ALTER` names it.
struct SchemaObjectSql<'a>(&'a SetSchema);

impl fmt::Display for SchemaObjectSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let name = Qualified(&s.name);
        match &s.object {
            SchemaObject::Table => write!(f, "TABLE {name}"),
            SchemaObject::Type => write!(f, "TYPE {name}"),
            SchemaObject::Sequence => write!(f, "SEQUENCE {name}"),
            SchemaObject::View {
                materialized: false,
            } => write!(f, "VIEW {name}"),
            SchemaObject::View { materialized: true } => write!(f, "MATERIALIZED VIEW {name}"),
            SchemaObject::Routine { procedure, args } => RoutineSql(&RoutineRef {
                procedure: *procedure,
                name: s.name.clone(),
                args: args.clone(),
            })
            .fmt(f),
        }
    }
}

#[derive(Template)]
#[template(path = "sql/grant.sql", escape = "none")]
struct GrantSql<'a> {
    privileges: PrivilegesSql<'a>,
    object: GrantObjectSql<'a>,
    roles: RolesSql<'a>,
    grant_option: bool,
}

#[derive(Template)]
#[template(path = "sql/revoke.sql", escape = "none")]
struct RevokeSql<'a> {
    privileges: PrivilegesSql<'a>,
    object: GrantObjectSql<'a>,
    roles: RolesSql<'a>,
    grant_option: bool,
}

#[derive(Template)]
#[template(path = "sql/row_security.sql", escape = "none")]
struct RowSecuritySql<'a> {
    table: Qualified<'a>,
    change: &'static str,
}

#[derive(Template)]
#[template(path = "sql/create_policy.sql", escape = "none")]
struct CreatePolicySql<'a> {
    name: Name<'a>,
    table: Qualified<'a>,
    restrictive: bool,
    command: Option<&'static str>,
    roles: RolesSql<'a>,
    using: Option<&'a str>,
    check: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "sql/drop_policy.sql", escape = "none")]
struct DropPolicySql<'a> {
    name: Name<'a>,
    table: Qualified<'a>,
}

/// `SELECT, INSERT` or `ALL`.
struct PrivilegesSql<'a>(&'a [Spanned<Privilege>]);

impl fmt::Display for PrivilegesSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("ALL");
        }
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&p.value.name().to_ascii_uppercase())?;
        }
        Ok(())
    }
}

struct GrantObjectSql<'a>(&'a GrantObject);

impl fmt::Display for GrantObjectSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, kind: &str, names: &[QualifiedName]| {
            write!(f, "{kind} ")?;
            for (i, n) in names.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                Qualified(n).fmt(f)?;
            }
            Ok(())
        };
        match self.0 {
            GrantObject::Tables(t) => list(f, "TABLE", t),
            GrantObject::Sequences(s) => list(f, "SEQUENCE", s),
            GrantObject::Schemas(s) => write!(f, "SCHEMA {}", Names(s)),
            GrantObject::Routine(r) => RoutineSql(r).fmt(f),
        }
    }
}

/// Roles, `public` as PostgreSQL's `PUBLIC` (every role).
struct RolesSql<'a>(&'a [Ident]);

impl fmt::Display for RolesSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, role) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if role.value == "public" {
                f.write_str("PUBLIC")?;
            } else {
                Name(role).fmt(f)?;
            }
        }
        Ok(())
    }
}

#[derive(Template)]
#[template(path = "sql/comment.sql", escape = "none")]
struct CommentSql<'a> {
    target: CommentTargetSql<'a>,
    /// `NULL` removes the comment.
    text: OrNull<QuotedLiteral<'a>>,
}

/// What a comment is on, as `COMMENT ON` names it.
struct CommentTargetSql<'a>(&'a CommentTarget);

impl fmt::Display for CommentTargetSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            CommentTarget::Schema(s) => write!(f, "SCHEMA {}", Name(s)),
            CommentTarget::Type(t) => write!(f, "TYPE {}", Qualified(t)),
            CommentTarget::Table(t) => write!(f, "TABLE {}", Qualified(t)),
            CommentTarget::Column { table, column } => {
                write!(f, "COLUMN {}.{}", Qualified(table), Name(column))
            }
            CommentTarget::Constraint { table, name } => {
                write!(f, "CONSTRAINT {} ON {}", Name(name), Qualified(table))
            }
            CommentTarget::Index(i) => write!(f, "INDEX {}", Qualified(i)),
            CommentTarget::Sequence(s) => write!(f, "SEQUENCE {}", Qualified(s)),
            CommentTarget::Routine(r) => RoutineSql(r).fmt(f),
            CommentTarget::Trigger { name, table } => {
                write!(f, "TRIGGER {} ON {}", Name(name), Qualified(table))
            }
            CommentTarget::View {
                name,
                materialized: false,
            } => write!(f, "VIEW {}", Qualified(name)),
            CommentTarget::View {
                name,
                materialized: true,
            } => write!(f, "MATERIALIZED VIEW {}", Qualified(name)),
        }
    }
}

/// A value, or `NULL` for none.
struct OrNull<T>(Option<T>);

impl<T: fmt::Display> fmt::Display for OrNull<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Some(value) => value.fmt(f),
            None => f.write_str("NULL"),
        }
    }
}

#[derive(Template)]
#[template(path = "sql/raw_sql.sql", escape = "none")]
struct RawSqlText<'a> {
    text: &'a str,
    needs_semicolon: bool,
}

#[derive(Template)]
#[template(path = "sql/assumed.sql", escape = "none")]
struct AssumedSql<'a> {
    verb: &'static str,
    kind: &'static str,
    /// In a comment: escaped, not only quoted.
    name: CommentOf<Qualified<'a>>,
}

/// A name, quoted as PostgreSQL needs it.
#[derive(Clone, Copy)]
struct Name<'a>(&'a Ident);

impl fmt::Display for Name<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        quote::write_ident(f, &self.0.value)
    }
}

/// A name with its schema when it has one.
#[derive(Clone, Copy)]
struct Qualified<'a>(&'a QualifiedName);

impl fmt::Display for Qualified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(schema) = &self.0.schema {
            Name(schema).fmt(f)?;
            f.write_char('.')?;
        }
        Name(&self.0.name).fmt(f)
    }
}

/// Names separated by `, `.
#[derive(Clone, Copy)]
struct Names<'a>(&'a [Ident]);

impl Names<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Names<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, name) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            Name(name).fmt(f)?;
        }
        Ok(())
    }
}

/// `BEFORE 'value'` or `AFTER 'value'`.
struct Placed<'a>(ValuePlacement, &'a str);

impl fmt::Display for Placed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.0 {
            ValuePlacement::Before => "BEFORE ",
            ValuePlacement::After => "AFTER ",
        })?;
        QuotedLiteral(self.1).fmt(f)
    }
}

struct LiteralSql<'a>(&'a Literal);

impl fmt::Display for LiteralSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Literal::String(s) => QuotedLiteral(&s.value).fmt(f),
            Literal::Number(n) => f.write_str(&n.value),
            Literal::Boolean(b) => f.write_str(if b.value { "TRUE" } else { "FALSE" }),
            Literal::Null(_) => f.write_str("NULL"),
        }
    }
}

struct DefaultSql<'a>(&'a DefaultValue);

impl fmt::Display for DefaultSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            DefaultValue::Literal(l) => LiteralSql(l).fmt(f),
            DefaultValue::Expr(e) => f.write_str(&e.text),
        }
    }
}

fn action(a: ReferentialAction) -> &'static str {
    match a {
        ReferentialAction::Cascade => "CASCADE",
        ReferentialAction::Restrict => "RESTRICT",
        ReferentialAction::NoAction => "NO ACTION",
        ReferentialAction::SetNull => "SET NULL",
        ReferentialAction::SetDefault => "SET DEFAULT",
    }
}

struct References<'a>(&'a ForeignReference);

impl fmt::Display for References<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.0;
        write!(f, "REFERENCES {}", Qualified(&r.table))?;
        if !r.columns.is_empty() {
            write!(f, " ({})", Names(&r.columns))?;
        }
        if let Some(a) = r.on_delete {
            write!(f, " ON DELETE {}", action(a))?;
        }
        if let Some(a) = r.on_update {
            write!(f, " ON UPDATE {}", action(a))?;
        }
        Ok(())
    }
}

/// `CONSTRAINT name ` before a constraint that has a name.
fn constraint_prefix(f: &mut fmt::Formatter<'_>, n: &Option<Ident>) -> fmt::Result {
    match n {
        Some(n) => write!(f, "CONSTRAINT {} ", Name(n)),
        None => Ok(()),
    }
}

/// A sequence's options, each after a space, in upper case.
struct SequenceOptionsSql<'a>(&'a SequenceOptions);

impl fmt::Display for SequenceOptionsSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for clause in self.0.clauses() {
            match clause {
                SequenceClause::Words(w) => write!(f, " {}", w.to_ascii_uppercase())?,
                SequenceClause::Number(w, n) => write!(f, " {} {n}", w.to_ascii_uppercase())?,
                SequenceClause::OwnedBy(o) => {
                    write!(f, " OWNED BY {}.{}", Qualified(&o.table), Name(&o.column))?
                }
            }
        }
        Ok(())
    }
}

fn identity(kind: IdentityKind) -> &'static str {
    match kind {
        IdentityKind::Always => "GENERATED ALWAYS AS IDENTITY",
        IdentityKind::ByDefault => "GENERATED BY DEFAULT AS IDENTITY",
    }
}

struct ColumnSql<'a>(&'a ColumnDef);

impl fmt::Display for ColumnSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        write!(f, "{} {}", Name(&c.name), TypeSql(&c.data_type))?;
        for constraint in &c.constraints {
            f.write_char(' ')?;
            constraint_prefix(f, &constraint.name)?;
            match &constraint.kind {
                ColumnConstraintKind::NotNull => f.write_str("NOT NULL")?,
                ColumnConstraintKind::Null => f.write_str("NULL")?,
                ColumnConstraintKind::PrimaryKey => f.write_str("PRIMARY KEY")?,
                ColumnConstraintKind::Unique => f.write_str("UNIQUE")?,
                ColumnConstraintKind::Default(d) => write!(f, "DEFAULT {}", DefaultSql(d))?,
                ColumnConstraintKind::Check(e) => write!(f, "CHECK ({})", e.text)?,
                ColumnConstraintKind::References(r) => References(r).fmt(f)?,
                ColumnConstraintKind::Identity(kind) => f.write_str(identity(*kind))?,
                ColumnConstraintKind::Collate(c) => write!(f, "COLLATE {}", Qualified(c))?,
                ColumnConstraintKind::Generated(e) => {
                    write!(f, "GENERATED ALWAYS AS ({}) STORED", e.text)?
                }
            }
            if let Some(d) = constraint.deferrable {
                f.write_str(&d.words().to_ascii_uppercase())?;
            }
        }
        Ok(())
    }
}

struct TableConstraintSql<'a>(&'a TableConstraint);

impl fmt::Display for TableConstraintSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        constraint_prefix(f, &c.name)?;
        match &c.kind {
            TableConstraintKind::PrimaryKey(cols) => write!(f, "PRIMARY KEY ({})", Names(cols))?,
            TableConstraintKind::Unique(cols) => write!(f, "UNIQUE ({})", Names(cols))?,
            TableConstraintKind::Check(e) => write!(f, "CHECK ({})", e.text)?,
            TableConstraintKind::ForeignKey {
                columns,
                references: r,
            } => write!(f, "FOREIGN KEY ({}) {}", Names(columns), References(r))?,
            TableConstraintKind::Exclude(e) => {
                // PostgreSQL's default method is written out, as `pg_dump` does.
                let method = e.method.as_ref().map_or("btree", |m| m.value.as_str());
                f.write_str("EXCLUDE USING ")?;
                quote::write_ident(f, method)?;
                f.write_str(" (")?;
                for (i, x) in e.elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} WITH {}", KeySql(&x.key), x.operator.value)?;
                }
                f.write_char(')')?;
                if !e.include.is_empty() {
                    write!(f, " INCLUDE ({})", Names(&e.include))?;
                }
                if let Some(p) = &e.predicate {
                    write!(f, " WHERE ({})", p.text)?;
                }
            }
        }
        match c.deferrable {
            Some(d) => f.write_str(&d.words().to_ascii_uppercase()),
            None => Ok(()),
        }
    }
}

/// A line of `CREATE TABLE`'s list: a column or a table constraint.
enum TableLine<'a> {
    Column(ColumnSql<'a>),
    Constraint(TableConstraintSql<'a>),
}

impl fmt::Display for TableLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableLine::Column(c) => c.fmt(f),
            TableLine::Constraint(c) => c.fmt(f),
        }
    }
}

struct PartitionSql<'a>(&'a PartitionBy);

impl fmt::Display for PartitionSql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let strategy = match self.0.strategy {
            PartitionStrategy::Range => "RANGE",
            PartitionStrategy::List => "LIST",
            PartitionStrategy::Hash => "HASH",
        };
        write!(f, "{strategy} ({})", Names(&self.0.columns))
    }
}

struct KeySql<'a>(&'a IndexKey);

impl fmt::Display for KeySql<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = self.0;
        match &k.target {
            IndexTarget::Column(c) => Name(c).fmt(f)?,
            IndexTarget::Expr(e) => write!(f, "({})", e.text)?,
        }
        if let Some(c) = &k.collation {
            write!(f, " COLLATE {}", Qualified(c))?;
        }
        if let Some(o) = &k.opclass {
            write!(f, " {}", Qualified(o))?;
        }
        match k.order {
            Some(SortOrder::Asc) => f.write_str(" ASC")?,
            Some(SortOrder::Desc) => f.write_str(" DESC")?,
            None => {}
        }
        match k.nulls {
            Some(NullsOrder::First) => f.write_str(" NULLS FIRST"),
            Some(NullsOrder::Last) => f.write_str(" NULLS LAST"),
            None => Ok(()),
        }
    }
}

/// Whether raw SQL ends with `;`, trailing white space and comments aside.
fn ends_with_semicolon(text: &str) -> bool {
    let mut rest = text.trim_end();
    loop {
        // A trailing `-- comment` line: look before it.
        if let Some(line_start) = rest.rfind('\n').map(|i| i + 1).or(Some(0)) {
            let line = &rest[line_start..];
            if let Some(comment) = line.find("--") {
                if !line[..comment].contains('\'') {
                    rest = rest[..line_start + comment].trim_end();
                    continue;
                }
            }
        }
        if let Some(before) = rest.strip_suffix("*/") {
            if let Some(open) = before.rfind("/*") {
                rest = before[..open].trim_end();
                continue;
            }
        }
        return rest.ends_with(';');
    }
}

/// The comment that stands for an `assume` statement: `-- VERB: KIND NAME` (nothing for
/// another statement).
fn assumed(out: &mut String, kind: &StatementKind, verb: &'static str) -> askama::Result<()> {
    use StatementKind as S;
    let bare = |name: &Ident| QualifiedName {
        schema: None,
        name: name.clone(),
    };
    let (what, name) = match kind {
        S::AssumeTable(t) => ("table", t.name.clone()),
        S::AssumeType(t) => ("type", t.name.clone()),
        S::AssumeIndex(i) => (
            "index",
            QualifiedName {
                schema: i.table.schema.clone(),
                name: i.name.clone().unwrap_or_else(|| i.table.name.clone()),
            },
        ),
        S::AssumeConstraint(c) => (
            "constraint",
            QualifiedName {
                schema: c.table.schema.clone(),
                name: c
                    .constraint
                    .name
                    .clone()
                    .unwrap_or_else(|| c.table.name.clone()),
            },
        ),
        S::AssumeExtension(e) => ("extension", bare(&e.name)),
        S::AssumeRole(r) => ("role", bare(&r.name)),
        S::AssumeRoutine(r) => (
            if r.procedure { "procedure" } else { "function" },
            r.name.clone(),
        ),
        S::AssumeView(v) => (
            if v.materialized {
                "materialized view"
            } else {
                "view"
            },
            v.name.clone(),
        ),
        S::AssumeSequence(c) => ("sequence", c.name.clone()),
        _ => return Ok(()),
    };
    AssumedSql {
        verb,
        kind: what,
        name: CommentOf(Qualified(&name)),
    }
    .render_into(out)
}

/// One statement as SQL, ending with `;` (raw SQL as written, with a `;` added on a line
/// of its own when it lacks one).
pub fn statement(kind: &StatementKind) -> String {
    let mut out = String::new();
    statement_into(&mut out, kind);
    out
}

/// A revision's setting for the session, `SET name = value;`, around a statement that
/// runs outside a transaction ([`statement`] writes the `SET LOCAL` of its
/// transactions).
pub fn session_setting(setting: &Setting) -> String {
    let mut out = String::new();
    SetSettingSql {
        local: false,
        name: Name(&setting.name),
        value: LiteralSql(&setting.value),
    }
    .render_into(&mut out)
    .unwrap_or_else(|e| panic!("a SQL template failed to render: {e}"));
    out
}

/// [`statement`], appended to `out`.
pub fn statement_into(out: &mut String, kind: &StatementKind) {
    use StatementKind as S;
    let rendered = match kind {
        S::CreateSchema(s) => CreateSchemaSql {
            name: Name(&s.name),
        }
        .render_into(out),
        S::DropSchema(s) => DropSchemaSql {
            name: Name(&s.name),
        }
        .render_into(out),
        S::CreateEnum(t) => CreateEnumSql {
            name: Qualified(&t.name),
            values: t.values.iter().map(|v| QuotedLiteral(&v.value)).collect(),
        }
        .render_into(out),
        S::DropType(t) => DropTypeSql {
            name: Qualified(&t.name),
        }
        .render_into(out),
        S::AlterTypeAddValue(a) => AddValueSql {
            name: Qualified(&a.name),
            value: QuotedLiteral(&a.value.value),
            position: a
                .position
                .as_ref()
                .map(|(placement, other)| Placed(*placement, &other.value)),
        }
        .render_into(out),
        S::AlterTypeRenameValue(r) => RenameValueSql {
            name: Qualified(&r.name),
            from: QuotedLiteral(&r.from.value),
            to: QuotedLiteral(&r.to.value),
        }
        .render_into(out),
        S::CreateExtension(e) => CreateExtensionSql {
            name: Name(&e.name),
        }
        .render_into(out),
        S::DropExtension(e) => DropExtensionSql {
            name: Name(&e.name),
        }
        .render_into(out),
        S::CreateTable(t) => CreateTableSql {
            name: Qualified(&t.name),
            lines: t
                .columns
                .iter()
                .map(|c| TableLine::Column(ColumnSql(c)))
                .chain(
                    t.constraints
                        .iter()
                        .map(|c| TableLine::Constraint(TableConstraintSql(c))),
                )
                .collect(),
            partition_by: t.partition_by.as_ref().map(PartitionSql),
            storage: storage(&t.storage),
        }
        .render_into(out),
        S::CreatePartition(p) => CreatePartitionSql {
            name: Qualified(&p.name),
            parent: Qualified(&p.parent),
            bound: &p.bound.text,
            storage: storage(&p.storage),
        }
        .render_into(out),
        S::DropTable(t) => DropTableSql {
            name: Qualified(&t.name),
        }
        .render_into(out),
        S::RenameTable(r) => RenameTableSql {
            table: Qualified(&r.table),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::RenameType(r) => RenameTypeSql {
            name: Qualified(&r.name),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::RenameIndex(r) => RenameIndexSql {
            name: Qualified(&r.name),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::AlterStorage(a) => AlterStorageSql {
            what: if a.index { "INDEX" } else { "TABLE" },
            name: Qualified(&a.name),
            change: StorageChangeSql(&a.change),
        }
        .render_into(out),
        S::RenameConstraint(r) => RenameConstraintSql {
            table: Qualified(&r.table),
            name: Name(&r.name),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::AddColumn(a) => AddColumnSql {
            table: Qualified(&a.table),
            column: ColumnSql(&a.column),
        }
        .render_into(out),
        S::DropColumn(d) => DropColumnSql {
            table: Qualified(&d.table),
            column: Name(&d.column),
        }
        .render_into(out),
        S::RenameColumn(r) => RenameColumnSql {
            table: Qualified(&r.table),
            column: Name(&r.column),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::AlterColumnType(a) => AlterColumnTypeSql {
            table: Qualified(&a.table),
            column: Name(&a.column),
            data_type: TypeSql(&a.data_type),
            using: a.using.as_ref().map(|u| &*u.text),
        }
        .render_into(out),
        S::SetNotNull(c) => SetNotNullSql {
            table: Qualified(&c.table),
            column: Name(&c.column),
        }
        .render_into(out),
        S::DropNotNull(c) => DropNotNullSql {
            table: Qualified(&c.table),
            column: Name(&c.column),
        }
        .render_into(out),
        S::SetDefault(c) => SetDefaultSql {
            table: Qualified(&c.table),
            column: Name(&c.column),
            default: DefaultSql(&c.default),
        }
        .render_into(out),
        S::DropDefault(c) => DropDefaultSql {
            table: Qualified(&c.table),
            column: Name(&c.column),
        }
        .render_into(out),
        S::AddConstraint(a) => AddConstraintSql {
            table: Qualified(&a.table),
            constraint: TableConstraintSql(&a.constraint),
            not_valid: a.not_valid,
        }
        .render_into(out),
        S::AddConstraintUsingIndex(a) => AddConstraintUsingIndexSql {
            table: Qualified(&a.table),
            name: a.name.as_ref().map(Name),
            primary_key: a.primary_key,
            index: Name(&a.index),
            deferrable: a
                .deferrable
                .map_or(String::new(), |d| d.words().to_ascii_uppercase()),
        }
        .render_into(out),
        S::SetColumnOption(o) => SetColumnOptionSql {
            table: Qualified(&o.table),
            column: Name(&o.column),
            option: match &o.option {
                ColumnOption::Statistics(n) => format!("STATISTICS {}", n.unwrap_or(-1)),
                ColumnOption::Storage(s) => format!(
                    "STORAGE {}",
                    s.map_or("DEFAULT".to_owned(), |s| s.name().to_ascii_uppercase())
                ),
                ColumnOption::Compression(m) => match m {
                    Some(m) => format!("COMPRESSION {}", Name(m)),
                    None => "COMPRESSION DEFAULT".to_owned(),
                },
            },
        }
        .render_into(out),
        S::ValidateConstraint(v) => ValidateConstraintSql {
            table: Qualified(&v.table),
            name: Name(&v.name),
        }
        .render_into(out),
        S::DropConstraint(d) => DropConstraintSql {
            table: Qualified(&d.table),
            name: Name(&d.name),
        }
        .render_into(out),
        S::CreateIndex(i) => CreateIndexSql {
            unique: i.unique,
            concurrently: i.concurrently,
            name: i.name.as_ref().map(Name),
            table: Qualified(&i.table),
            method: i.method.as_ref().map(Name),
            keys: i.keys.iter().map(KeySql).collect(),
            include: Names(&i.include),
            nulls_not_distinct: i.nulls_not_distinct,
            storage: storage(&i.storage),
            predicate: i.predicate.as_ref().map(|p| &*p.text),
        }
        .render_into(out),
        S::DropIndex(d) => DropIndexSql {
            concurrently: d.concurrently,
            if_exists: d.if_exists,
            name: Qualified(&d.name),
        }
        .render_into(out),
        S::CreateSequence(c) => CreateSequenceSql {
            name: Qualified(&c.name),
            options: SequenceOptionsSql(&c.options),
        }
        .render_into(out),
        S::AlterSequence(a) => AlterSequenceSql {
            name: Qualified(&a.name),
            options: SequenceOptionsSql(&a.options),
        }
        .render_into(out),
        S::RenameSequence(r) => RenameSequenceSql {
            name: Qualified(&r.name),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::DropSequence(d) => DropSequenceSql {
            name: Qualified(&d.name),
        }
        .render_into(out),
        S::AddIdentity(a) => AddIdentitySql {
            table: Qualified(&a.table),
            column: Name(&a.column),
            identity: identity(a.kind),
        }
        .render_into(out),
        S::DropIdentity(d) => DropIdentitySql {
            table: Qualified(&d.table),
            column: Name(&d.column),
            if_exists: d.if_exists,
        }
        .render_into(out),
        S::SetGenerated(g) => SetGeneratedSql {
            table: Qualified(&g.table),
            column: Name(&g.column),
            kind: match g.kind {
                IdentityKind::Always => "ALWAYS",
                IdentityKind::ByDefault => "BY DEFAULT",
            },
        }
        .render_into(out),
        S::Comment(c) => CommentSql {
            target: CommentTargetSql(&c.target),
            text: OrNull(c.text.as_ref().map(|t| QuotedLiteral(&t.value))),
        }
        .render_into(out),
        S::CreateView(v) => CreateViewSql {
            or_replace: v.or_replace,
            materialized: v.materialized,
            name: Qualified(&v.name),
            columns: Names(&v.columns),
            query: ViewQuery(&v.query.text),
            with_no_data: v.with_no_data,
        }
        .render_into(out),
        S::RefreshView(r) => RefreshViewSql {
            concurrently: r.concurrently,
            name: Qualified(&r.name),
            with_no_data: r.with_no_data,
        }
        .render_into(out),
        S::DropView(d) => DropViewSql {
            materialized: d.materialized,
            name: Qualified(&d.name),
        }
        .render_into(out),
        S::RenameView(r) => RenameViewSql {
            materialized: r.materialized,
            name: Qualified(&r.name),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::CreateRoutine(r) => CreateRoutineSql {
            or_replace: r.or_replace,
            kind: if r.procedure { "PROCEDURE" } else { "FUNCTION" },
            name: Qualified(&r.name),
            args: ArgsSql(&r.args),
            returns: r.returns.as_ref().map(ReturnsSql),
            language: Name(&r.language),
            options: RoutineOptionsSql(r),
            tag: crate::syntax::fragment::dollar_tag(&r.body.text),
            body: &r.body.text,
        }
        .render_into(out),
        S::DropRoutine(d) => DropRoutineSql {
            routine: RoutineSql(&d.routine),
        }
        .render_into(out),
        S::RenameRoutine(r) => RenameRoutineSql {
            routine: RoutineSql(&r.routine),
            new_name: Name(&r.new_name),
        }
        .render_into(out),
        S::CreateTrigger(t) => CreateTriggerSql {
            or_replace: t.or_replace,
            name: Name(&t.name),
            timing: match t.timing {
                TriggerTiming::Before => "BEFORE",
                TriggerTiming::After => "AFTER",
                TriggerTiming::InsteadOf => "INSTEAD OF",
            },
            events: EventsSql(&t.events),
            table: Qualified(&t.table),
            for_each_row: t.for_each_row,
            when: t.when.as_ref().map(|w| &*w.text),
            procedure_keyword: t.procedure_keyword,
            function: Qualified(&t.function),
            arguments: t
                .arguments
                .iter()
                .map(|a| QuotedLiteral(&a.value))
                .collect(),
        }
        .render_into(out),
        S::DropTrigger(d) => DropTriggerSql {
            name: Name(&d.name),
            table: Qualified(&d.table),
        }
        .render_into(out),
        S::SetSchema(s) => SetSchemaSql {
            object: SchemaObjectSql(s),
            schema: Name(&s.schema),
        }
        .render_into(out),
        S::Grant(g) => GrantSql {
            privileges: PrivilegesSql(&g.privileges),
            object: GrantObjectSql(&g.object),
            roles: RolesSql(&g.roles),
            grant_option: g.grant_option,
        }
        .render_into(out),
        S::Revoke(g) => RevokeSql {
            privileges: PrivilegesSql(&g.privileges),
            object: GrantObjectSql(&g.object),
            roles: RolesSql(&g.roles),
            grant_option: g.grant_option,
        }
        .render_into(out),
        S::RowSecurity(r) => RowSecuritySql {
            table: Qualified(&r.table),
            change: match r.change {
                RowSecurityChange::Enable => "ENABLE",
                RowSecurityChange::Disable => "DISABLE",
                RowSecurityChange::Force => "FORCE",
                RowSecurityChange::NoForce => "NO FORCE",
            },
        }
        .render_into(out),
        S::CreatePolicy(c) => CreatePolicySql {
            name: Name(&c.name),
            table: Qualified(&c.table),
            restrictive: c.restrictive,
            command: c.command.map(|c| match c {
                PolicyCommand::All => "ALL",
                PolicyCommand::Select => "SELECT",
                PolicyCommand::Insert => "INSERT",
                PolicyCommand::Update => "UPDATE",
                PolicyCommand::Delete => "DELETE",
            }),
            roles: RolesSql(&c.roles),
            using: c.using.as_ref().map(|u| &*u.text),
            check: c.check.as_ref().map(|u| &*u.text),
        }
        .render_into(out),
        S::DropPolicy(d) => DropPolicySql {
            name: Name(&d.name),
            table: Qualified(&d.table),
        }
        .render_into(out),
        S::Set(s) => SetSettingSql {
            local: true,
            name: Name(&s.name),
            value: LiteralSql(&s.value),
        }
        .render_into(out),
        S::RawSql(r) => RawSqlText {
            text: r.text.trim(),
            needs_semicolon: !ends_with_semicolon(&r.text),
        }
        .render_into(out)
        .and_then(|()| {
            // What the block says it made, one comment line each.
            r.made.iter().try_for_each(|m| {
                out.push('\n');
                assumed(out, &m.kind, "made by the raw SQL above")
            })
        }),
        S::AssumeTable(_)
        | S::AssumeType(_)
        | S::AssumeIndex(_)
        | S::AssumeConstraint(_)
        | S::AssumeExtension(_)
        | S::AssumeRole(_)
        | S::AssumeRoutine(_)
        | S::AssumeView(_)
        | S::AssumeSequence(_) => assumed(out, kind, "assumed, not created"),
    };
    // Templates are checked at compile time and the values format without fail: rendering
    // cannot fail.
    rendered.unwrap_or_else(|e| panic!("a SQL template failed to render: {e}"))
}

#[cfg(test)]
mod tests {
    use super::ends_with_semicolon;

    #[test]
    fn a_final_semicolon_is_found_behind_comments() {
        assert!(ends_with_semicolon("SELECT 1;"));
        assert!(ends_with_semicolon("SELECT 1; -- done\n  "));
        assert!(ends_with_semicolon("SELECT 1; /* done */"));
        assert!(!ends_with_semicolon("SELECT 1"));
        assert!(!ends_with_semicolon("SELECT 1 -- no;"));
        assert!(!ends_with_semicolon("SELECT ';'"));
    }
}
