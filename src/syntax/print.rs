//! Statements back to `.mig` text, in one canonical form.
//!
//! The output parses back to the same syntax tree (a test proves it for every fixture
//! and for `migrations/`). It is how the compiler shows what it derived, such as a
//! downgrade or the schema after a revision, in the language the user writes.

use std::fmt::Write as _;
use std::sync::OnceLock;

use super::ast::*;
use super::parser::Rule;

/// The words of the language, which a bare name may not be where the grammar would read
/// them as keywords. Quoting them everywhere keeps the printer simple and its output
/// always readable back.
fn keywords() -> &'static [String] {
    static KEYWORDS: OnceLock<Vec<String>> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        let mut words: Vec<String> = Rule::all_rules()
            .iter()
            .filter_map(|rule| format!("{rule:?}").strip_prefix("k_").map(str::to_owned))
            .collect();
        words.sort();
        words
    })
}

/// A name as written in `.mig`: bare when it reads back as itself, quoted otherwise.
pub fn name(value: &str) -> String {
    let bare = value
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'$')
        && keywords()
            .binary_search_by(|k| k.as_str().cmp(value))
            .is_err();
    if bare {
        value.to_owned()
    } else {
        format!("\"{}\"", value.replace('"', "\"\""))
    }
}

pub fn qualified(q: &QualifiedName) -> String {
    match &q.schema {
        Some(schema) => format!("{}.{}", name(&schema.value), name(&q.name.value)),
        None => name(&q.name.value),
    }
}

fn names(list: &[Ident]) -> String {
    list.iter()
        .map(|i| name(&i.value))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A string literal, with `'` doubled.
pub fn string(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

fn expr(e: &SqlExpr) -> String {
    format!("`{}`", e.text)
}

pub fn literal(l: &Literal) -> String {
    match l {
        Literal::String(s) => string(&s.value),
        Literal::Number(n) => n.value.clone(),
        Literal::Boolean(b) => b.value.to_string(),
        Literal::Null(_) => "null".to_owned(),
    }
}

fn default_value(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Literal(l) => literal(l),
        DefaultValue::Expr(e) => expr(e),
    }
}

fn modifiers(list: &[i64]) -> String {
    if list.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = list.iter().map(i64::to_string).collect();
        format!("({})", list.join(", "))
    }
}

/// A type name: bare unless it needs quotes. Unlike other names, a type name may be a
/// keyword of the language (`timestamp`, `time`, `bit`): the grammar reads a type there,
/// except for the words that start a column constraint.
fn type_name(q: &QualifiedName) -> String {
    const CONSTRAINT_WORDS: &[&str] = &[
        "check",
        "constraint",
        "default",
        "generated",
        "not",
        "null",
        "primary",
        "references",
        "unique",
    ];
    let value = q.name.value.as_str();
    let plain = q.schema.is_none()
        && value
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b == b'_')
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'$')
        && !CONSTRAINT_WORDS.contains(&value);
    if plain {
        value.to_owned()
    } else {
        qualified(q)
    }
}

pub fn data_type(t: &DataType) -> String {
    let mut out = match &t.kind {
        TypeKind::Named { name, modifiers: m } => format!("{}{}", type_name(name), modifiers(m)),
        TypeKind::MultiWord { name, modifiers: m } => name.spelled(&modifiers(m)),
        TypeKind::Raw(e) => expr(e),
    };
    for _ in 0..t.array_dimensions {
        out.push_str("[]");
    }
    out
}

fn action(a: ReferentialAction) -> &'static str {
    match a {
        ReferentialAction::Cascade => "cascade",
        ReferentialAction::Restrict => "restrict",
        ReferentialAction::NoAction => "no action",
        ReferentialAction::SetNull => "set null",
        ReferentialAction::SetDefault => "set default",
    }
}

fn references(r: &ForeignReference) -> String {
    let mut out = format!("references {}", qualified(&r.table));
    if !r.columns.is_empty() {
        let _ = write!(out, " ({})", names(&r.columns));
    }
    if let Some(a) = r.on_delete {
        let _ = write!(out, " on delete {}", action(a));
    }
    if let Some(a) = r.on_update {
        let _ = write!(out, " on update {}", action(a));
    }
    out
}

fn constraint_name(n: &Option<Ident>) -> String {
    n.as_ref()
        .map_or(String::new(), |n| format!("constraint {} ", name(&n.value)))
}

fn identity(kind: IdentityKind) -> &'static str {
    match kind {
        IdentityKind::Always => "generated always as identity",
        IdentityKind::ByDefault => "generated by default as identity",
    }
}

pub fn column_def(c: &ColumnDef) -> String {
    let mut out = format!("{} {}", name(&c.name.value), data_type(&c.data_type));
    for constraint in &c.constraints {
        out.push(' ');
        out.push_str(&constraint_name(&constraint.name));
        out.push_str(&match &constraint.kind {
            ColumnConstraintKind::NotNull => "not null".to_owned(),
            ColumnConstraintKind::Null => "null".to_owned(),
            ColumnConstraintKind::PrimaryKey => "primary key".to_owned(),
            ColumnConstraintKind::Unique => "unique".to_owned(),
            ColumnConstraintKind::Default(d) => format!("default {}", default_value(d)),
            ColumnConstraintKind::Check(e) => format!("check {}", expr(e)),
            ColumnConstraintKind::References(r) => references(r),
            ColumnConstraintKind::Identity(kind) => identity(*kind).to_owned(),
            ColumnConstraintKind::Collate(c) => format!("collate {}", qualified(c)),
            ColumnConstraintKind::Generated(e) => {
                format!("generated always as ({}) stored", expr(e))
            }
        });
        if let Some(d) = constraint.deferrable {
            out.push_str(d.words());
        }
    }
    out
}

pub fn table_constraint(c: &TableConstraint) -> String {
    let body = match &c.kind {
        TableConstraintKind::PrimaryKey(cols) => format!("primary key ({})", names(cols)),
        TableConstraintKind::Unique(cols) => format!("unique ({})", names(cols)),
        TableConstraintKind::Check(e) => format!("check {}", expr(e)),
        TableConstraintKind::ForeignKey {
            columns,
            references: r,
        } => format!("foreign key ({}) {}", names(columns), references(r)),
        TableConstraintKind::Exclude(e) => exclusion(e),
    };
    let deferrable = c.deferrable.map_or("", |d| d.words());
    format!("{}{body}{deferrable}", constraint_name(&c.name))
}

fn table_body(columns: &[ColumnDef], constraints: &[TableConstraint]) -> String {
    let lines: Vec<String> = columns
        .iter()
        .map(column_def)
        .chain(constraints.iter().map(table_constraint))
        .map(|line| format!("  {line}"))
        .collect();
    if lines.is_empty() {
        "()".to_owned()
    } else {
        format!("(\n{}\n)", lines.join(",\n"))
    }
}

fn enum_values(values: &[Spanned<String>]) -> String {
    let values: Vec<String> = values.iter().map(|v| string(&v.value)).collect();
    format!("({})", values.join(", "))
}

/// A dollar quote for `text`: `$$` unless the closing tag would be found early, inside
/// the text or across its end.
fn dollar_quoted(text: &str) -> String {
    let tag = super::fragment::dollar_tag(text);
    format!("${tag}${text}${tag}$")
}

/// One statement, with its final `;`.
pub fn statement(kind: &StatementKind) -> String {
    use StatementKind as S;
    let body = match kind {
        S::CreateSchema(s) => format!("create schema {}", name(&s.name.value)),
        S::DropSchema(s) => format!("drop schema {}", name(&s.name.value)),
        S::CreateEnum(t) => format!(
            "create type {} as enum {}",
            qualified(&t.name),
            enum_values(&t.values)
        ),
        S::AssumeType(t) => format!(
            "assume type {} as enum {}",
            qualified(&t.name),
            enum_values(&t.values)
        ),
        S::DropType(t) => format!("drop type {}", qualified(&t.name)),
        S::AlterTypeAddValue(a) => {
            let mut out = format!(
                "alter type {} add value {}",
                qualified(&a.name),
                string(&a.value.value)
            );
            if let Some((placement, other)) = &a.position {
                let word = match placement {
                    ValuePlacement::Before => "before",
                    ValuePlacement::After => "after",
                };
                let _ = write!(out, " {word} {}", string(&other.value));
            }
            out
        }
        S::AlterTypeRenameValue(r) => format!(
            "alter type {} rename value {} to {}",
            qualified(&r.name),
            string(&r.from.value),
            string(&r.to.value)
        ),
        S::CreateExtension(e) => format!("create extension {}", name(&e.name.value)),
        S::DropExtension(e) => format!("drop extension {}", name(&e.name.value)),
        S::CreateTable(t) => {
            let mut out = format!(
                "create table {} {}",
                qualified(&t.name),
                table_body(&t.columns, &t.constraints)
            );
            if let Some(p) = &t.partition_by {
                let strategy = match p.strategy {
                    PartitionStrategy::Range => "range",
                    PartitionStrategy::List => "list",
                    PartitionStrategy::Hash => "hash",
                };
                let _ = write!(out, " partition by {strategy} ({})", names(&p.columns));
            }
            out.push_str(&with_storage(&t.storage));
            out
        }
        S::AssumeTable(t) => format!(
            "assume table {} {}{}",
            qualified(&t.name),
            table_body(&t.columns, &t.constraints),
            with_storage(&t.storage)
        ),
        S::CreatePartition(p) => format!(
            "create table {} partition of {} for values {}{}",
            qualified(&p.name),
            qualified(&p.parent),
            expr(&p.bound),
            with_storage(&p.storage)
        ),
        S::DropTable(t) => format!("drop table {}", qualified(&t.name)),
        S::RenameTable(r) => format!(
            "alter table {} rename to {}",
            qualified(&r.table),
            name(&r.new_name.value)
        ),
        S::AddColumn(a) => format!(
            "alter table {} add column {}",
            qualified(&a.table),
            column_def(&a.column)
        ),
        S::DropColumn(d) => format!(
            "alter table {} drop column {}",
            qualified(&d.table),
            name(&d.column.value)
        ),
        S::RenameColumn(r) => format!(
            "alter table {} rename column {} to {}",
            qualified(&r.table),
            name(&r.column.value),
            name(&r.new_name.value)
        ),
        S::AlterColumnType(a) => {
            let mut out = format!(
                "alter table {} alter column {} type {}",
                qualified(&a.table),
                name(&a.column.value),
                data_type(&a.data_type)
            );
            if let Some(using) = &a.using {
                let _ = write!(out, " using {}", expr(using));
            }
            out
        }
        S::SetNotNull(c) => format!(
            "alter table {} alter column {} set not null",
            qualified(&c.table),
            name(&c.column.value)
        ),
        S::DropNotNull(c) => format!(
            "alter table {} alter column {} drop not null",
            qualified(&c.table),
            name(&c.column.value)
        ),
        S::SetDefault(c) => format!(
            "alter table {} alter column {} set default {}",
            qualified(&c.table),
            name(&c.column.value),
            default_value(&c.default)
        ),
        S::DropDefault(c) => format!(
            "alter table {} alter column {} drop default",
            qualified(&c.table),
            name(&c.column.value)
        ),
        S::AddConstraint(a) => {
            let mut out = format!(
                "alter table {} add {}",
                qualified(&a.table),
                table_constraint(&a.constraint)
            );
            if a.not_valid {
                out.push_str(" not valid");
            }
            out
        }
        S::AddConstraintUsingIndex(a) => format!(
            "alter table {} add {}{} using index {}{}",
            qualified(&a.table),
            constraint_name(&a.name),
            if a.primary_key {
                "primary key"
            } else {
                "unique"
            },
            name(&a.index.value),
            a.deferrable.map_or("", |d| d.words())
        ),
        S::SetColumnOption(o) => format!(
            "alter table {} alter column {} set {}",
            qualified(&o.table),
            name(&o.column.value),
            match &o.option {
                ColumnOption::Statistics(n) => format!("statistics {}", n.unwrap_or(-1)),
                ColumnOption::Storage(s) =>
                    format!("storage {}", s.map_or("default", |s| s.name())),
                ColumnOption::Compression(m) => format!(
                    "compression {}",
                    m.as_ref().map_or("default".to_owned(), |m| name(&m.value))
                ),
            }
        ),
        S::ValidateConstraint(v) => format!(
            "alter table {} validate constraint {}",
            qualified(&v.table),
            name(&v.name.value)
        ),
        S::DropConstraint(d) => format!(
            "alter table {} drop constraint {}",
            qualified(&d.table),
            name(&d.name.value)
        ),
        S::CreateIndex(i) => index("create", i),
        S::AssumeIndex(i) => index("assume", i),
        S::AssumeExtension(e) => format!("assume extension {}", name(&e.name.value)),
        S::AssumeConstraint(a) => {
            let unnamed = TableConstraint {
                name: None,
                ..a.constraint.clone()
            };
            format!(
                "assume constraint {} on {} {}",
                a.constraint
                    .name
                    .as_ref()
                    .map_or(String::new(), |n| name(&n.value)),
                qualified(&a.table),
                table_constraint(&unnamed)
            )
        }
        S::DropIndex(d) => format!(
            "drop index {}{}{}",
            if d.concurrently { "concurrently " } else { "" },
            if d.if_exists { "if exists " } else { "" },
            qualified(&d.name)
        ),
        S::RenameType(r) => format!(
            "alter type {} rename to {}",
            qualified(&r.name),
            name(&r.new_name.value)
        ),
        S::RenameIndex(r) => format!(
            "alter index {} rename to {}",
            qualified(&r.name),
            name(&r.new_name.value)
        ),
        S::AlterStorage(a) => {
            let change = match &a.change {
                StorageChange::Set(params) => format!("set ({})", storage_params(params)),
                StorageChange::Reset(names) => {
                    let names: Vec<String> = names.iter().map(|n| param_name(&n.value)).collect();
                    format!("reset ({})", names.join(", "))
                }
            };
            let what = if a.index { "index" } else { "table" };
            format!("alter {what} {} {change}", qualified(&a.name))
        }
        S::RenameConstraint(r) => format!(
            "alter table {} rename constraint {} to {}",
            qualified(&r.table),
            name(&r.name.value),
            name(&r.new_name.value)
        ),
        S::CreateSequence(c) => format!(
            "create sequence {}{}",
            qualified(&c.name),
            sequence_options(&c.options)
        ),
        S::AssumeSequence(c) => format!(
            "assume sequence {}{}",
            qualified(&c.name),
            sequence_options(&c.options)
        ),
        S::AlterSequence(a) => format!(
            "alter sequence {}{}",
            qualified(&a.name),
            sequence_options(&a.options)
        ),
        S::RenameSequence(r) => format!(
            "alter sequence {} rename to {}",
            qualified(&r.name),
            name(&r.new_name.value)
        ),
        S::DropSequence(d) => format!("drop sequence {}", qualified(&d.name)),
        S::AddIdentity(a) => format!(
            "alter table {} alter column {} add {}",
            qualified(&a.table),
            name(&a.column.value),
            identity(a.kind)
        ),
        S::DropIdentity(d) => format!(
            "alter table {} alter column {} drop identity{}",
            qualified(&d.table),
            name(&d.column.value),
            if d.if_exists { " if exists" } else { "" }
        ),
        S::SetGenerated(g) => format!(
            "alter table {} alter column {} set generated {}",
            qualified(&g.table),
            name(&g.column.value),
            match g.kind {
                IdentityKind::Always => "always",
                IdentityKind::ByDefault => "by default",
            }
        ),
        S::Comment(c) => format!(
            "comment on {} is {}",
            match &c.target {
                CommentTarget::Schema(s) => format!("schema {}", name(&s.value)),
                CommentTarget::Type(t) => format!("type {}", qualified(t)),
                CommentTarget::Table(t) => format!("table {}", qualified(t)),
                CommentTarget::Column { table, column } => {
                    format!("column {}.{}", qualified(table), name(&column.value))
                }
                CommentTarget::Constraint { table, name: n } => {
                    format!("constraint {} on {}", name(&n.value), qualified(table))
                }
                CommentTarget::Index(i) => format!("index {}", qualified(i)),
                CommentTarget::Sequence(s) => format!("sequence {}", qualified(s)),
                CommentTarget::Routine(r) => routine_ref(r),
                CommentTarget::Trigger { name: n, table } => {
                    format!("trigger {} on {}", name(&n.value), qualified(table))
                }
                CommentTarget::View { name, materialized } => format!(
                    "{}view {}",
                    if *materialized { "materialized " } else { "" },
                    qualified(name)
                ),
            },
            c.text
                .as_ref()
                .map_or("null".to_owned(), |t| string(&t.value))
        ),
        S::CreateRoutine(r) => routine("create", r),
        S::AssumeRoutine(r) => routine("assume", r),
        S::DropRoutine(d) => format!("drop {}", routine_ref(&d.routine)),
        S::RenameRoutine(r) => format!(
            "alter {} rename to {}",
            routine_ref(&r.routine),
            name(&r.new_name.value)
        ),
        S::CreateTrigger(t) => trigger(t),
        S::DropTrigger(d) => format!(
            "drop trigger {} on {}",
            name(&d.name.value),
            qualified(&d.table)
        ),
        S::SetSchema(s) => format!(
            "alter {} set schema {}",
            match &s.object {
                SchemaObject::Table => format!("table {}", qualified(&s.name)),
                SchemaObject::Type => format!("type {}", qualified(&s.name)),
                SchemaObject::Sequence => format!("sequence {}", qualified(&s.name)),
                SchemaObject::View { materialized } => format!(
                    "{}view {}",
                    if *materialized { "materialized " } else { "" },
                    qualified(&s.name)
                ),
                SchemaObject::Routine { procedure, args } => routine_ref(&RoutineRef {
                    procedure: *procedure,
                    name: s.name.clone(),
                    args: args.clone(),
                }),
            },
            name(&s.schema.value)
        ),
        S::Grant(g) => format!(
            "grant {} on {} to {}{}",
            privileges(&g.privileges),
            grant_object(&g.object),
            roles(&g.roles),
            if g.grant_option {
                " with grant option"
            } else {
                ""
            }
        ),
        S::Revoke(g) => format!(
            "revoke {}{} on {} from {}",
            if g.grant_option {
                "grant option for "
            } else {
                ""
            },
            privileges(&g.privileges),
            grant_object(&g.object),
            roles(&g.roles)
        ),
        S::AssumeRole(r) => format!("assume role {}", name(&r.name.value)),
        S::RowSecurity(r) => format!(
            "alter table {} {} row level security",
            qualified(&r.table),
            match r.change {
                RowSecurityChange::Enable => "enable",
                RowSecurityChange::Disable => "disable",
                RowSecurityChange::Force => "force",
                RowSecurityChange::NoForce => "no force",
            }
        ),
        S::CreatePolicy(c) => {
            let mut out = format!(
                "create policy {} on {}",
                name(&c.name.value),
                qualified(&c.table)
            );
            if c.restrictive {
                out.push_str(" as restrictive");
            }
            if let Some(command) = c.command {
                out.push_str(match command {
                    PolicyCommand::All => " for all",
                    PolicyCommand::Select => " for select",
                    PolicyCommand::Insert => " for insert",
                    PolicyCommand::Update => " for update",
                    PolicyCommand::Delete => " for delete",
                });
            }
            if !c.roles.is_empty() {
                let _ = write!(out, " to {}", roles(&c.roles));
            }
            if let Some(u) = &c.using {
                let _ = write!(out, " using {}", expr(u));
            }
            if let Some(w) = &c.check {
                let _ = write!(out, " with check {}", expr(w));
            }
            out
        }
        S::DropPolicy(d) => format!(
            "drop policy {} on {}",
            name(&d.name.value),
            qualified(&d.table)
        ),
        S::CreateView(v) => view("create", v),
        S::AssumeView(v) => view("assume", v),
        S::RefreshView(r) => format!(
            "refresh materialized view {}{}{}",
            if r.concurrently { "concurrently " } else { "" },
            qualified(&r.name),
            if r.with_no_data { " with no data" } else { "" }
        ),
        S::DropView(d) => format!(
            "drop {}view {}",
            if d.materialized { "materialized " } else { "" },
            qualified(&d.name)
        ),
        S::RenameView(r) => format!(
            "alter {}view {} rename to {}",
            if r.materialized { "materialized " } else { "" },
            qualified(&r.name),
            name(&r.new_name.value)
        ),
        S::Set(s) => format!("set {} = {}", name(&s.name.value), literal(&s.value)),
        S::RawSql(r) => {
            let mut out = format!(
                "sql {}{}{}",
                if r.data { "data " } else { "" },
                if r.nontransactional {
                    "nontransactional "
                } else {
                    ""
                },
                dollar_quoted(&r.text)
            );
            if !r.made.is_empty() {
                out.push_str(" assume {\n");
                for m in &r.made {
                    let text = statement(&m.kind);
                    for line in text.strip_prefix("assume ").unwrap_or(&text).lines() {
                        let _ = writeln!(out, "  {line}");
                    }
                }
                out.push('}');
            }
            out
        }
    };
    format!("{body};")
}

/// Roles: `public` (every role) bare, as the grammar reads it.
fn roles(list: &[Ident]) -> String {
    list.iter()
        .map(|r| {
            if r.value == "public" {
                "public".to_owned()
            } else {
                name(&r.value)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn privileges(list: &[Spanned<Privilege>]) -> String {
    if list.is_empty() {
        return "all".to_owned();
    }
    list.iter()
        .map(|p| p.value.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn grant_object(o: &GrantObject) -> String {
    let list = |names: &[QualifiedName]| names.iter().map(qualified).collect::<Vec<_>>().join(", ");
    match o {
        GrantObject::Tables(t) => format!("table {}", list(t)),
        GrantObject::Sequences(s) => format!("sequence {}", list(s)),
        GrantObject::Schemas(s) => format!("schema {}", names(s)),
        GrantObject::Routine(r) => routine_ref(r),
    }
}

fn routine_args(args: &[RoutineArg]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| match &a.name {
            Some(n) => format!("{} {}", name(&n.value), data_type(&a.data_type)),
            None => data_type(&a.data_type),
        })
        .collect();
    format!("({})", args.join(", "))
}

/// `function NAME[(ARGS)]` or `procedure ...`.
fn routine_ref(r: &RoutineRef) -> String {
    let kind = if r.procedure { "procedure" } else { "function" };
    let mut out = format!("{kind} {}", qualified(&r.name));
    if let Some(args) = &r.args {
        out.push_str(&routine_args(args));
    }
    out
}

/// `create function` or `assume function`, with every option.
fn routine(verb: &str, r: &CreateRoutine) -> String {
    let mut out = format!("{verb} ");
    if r.or_replace {
        out.push_str("or replace ");
    }
    let kind = if r.procedure { "procedure" } else { "function" };
    let _ = write!(
        out,
        "{kind} {}{}",
        qualified(&r.name),
        routine_args(&r.args)
    );
    if let Some(ret) = &r.returns {
        let setof = if ret.setof { "setof " } else { "" };
        let _ = write!(out, " returns {setof}{}", data_type(&ret.data_type));
    }
    let _ = write!(out, " language {}", name(&r.language.value));
    match r.volatility {
        Some(Volatility::Immutable) => out.push_str(" immutable"),
        Some(Volatility::Stable) => out.push_str(" stable"),
        Some(Volatility::Volatile) => out.push_str(" volatile"),
        None => {}
    }
    match r.security_definer {
        Some(true) => out.push_str(" security definer"),
        Some(false) => out.push_str(" security invoker"),
        None => {}
    }
    if r.strict {
        out.push_str(" strict");
    }
    for s in &r.settings {
        let value = match &s.value {
            SettingValue::String(v) => string(&v.value),
            SettingValue::Names(n) => names(n),
        };
        let _ = write!(out, " set {} = {value}", name(&s.name.value));
    }
    let _ = write!(out, " as {}", dollar_quoted(&r.body.text));
    out
}

fn trigger(t: &CreateTrigger) -> String {
    let mut out = "create ".to_owned();
    if t.or_replace {
        out.push_str("or replace ");
    }
    let timing = match t.timing {
        TriggerTiming::Before => "before",
        TriggerTiming::After => "after",
        TriggerTiming::InsteadOf => "instead of",
    };
    let events: Vec<String> = t
        .events
        .iter()
        .map(|e| match e {
            TriggerEvent::Insert => "insert".to_owned(),
            TriggerEvent::Update(of) if of.is_empty() => "update".to_owned(),
            TriggerEvent::Update(of) => format!("update of {}", names(of)),
            TriggerEvent::Delete => "delete".to_owned(),
            TriggerEvent::Truncate => "truncate".to_owned(),
        })
        .collect();
    let _ = write!(
        out,
        "trigger {} {timing} {} on {} for each {}",
        name(&t.name.value),
        events.join(" or "),
        qualified(&t.table),
        if t.for_each_row { "row" } else { "statement" }
    );
    if let Some(w) = &t.when {
        let _ = write!(out, " when {}", expr(w));
    }
    let arguments: Vec<String> = t.arguments.iter().map(|a| string(&a.value)).collect();
    let _ = write!(
        out,
        " execute {} {}({})",
        if t.procedure_keyword {
            "procedure"
        } else {
            "function"
        },
        qualified(&t.function),
        arguments.join(", ")
    );
    out
}

/// `create view` or `assume view`.
fn view(verb: &str, v: &CreateView) -> String {
    let mut out = format!("{verb} ");
    if v.or_replace {
        out.push_str("or replace ");
    }
    if v.materialized {
        out.push_str("materialized ");
    }
    let _ = write!(out, "view {}", qualified(&v.name));
    if !v.columns.is_empty() {
        let _ = write!(out, " ({})", names(&v.columns));
    }
    let _ = write!(out, " as {}", dollar_quoted(&v.query.text));
    if v.with_no_data {
        out.push_str(" with no data");
    }
    out
}

/// A sequence statement's options, each after a space.
fn sequence_options(options: &SequenceOptions) -> String {
    let mut out = String::new();
    for clause in options.clauses() {
        let _ = match clause {
            SequenceClause::Words(w) => write!(out, " {w}"),
            SequenceClause::Number(w, n) => write!(out, " {w} {n}"),
            SequenceClause::OwnedBy(o) => write!(
                out,
                " owned by {}.{}",
                qualified(&o.table),
                name(&o.column.value)
            ),
        };
    }
    out
}

/// `toast.autovacuum_enabled`, each part quoted when it must be.
fn param_name(value: &str) -> String {
    value.split('.').map(name).collect::<Vec<_>>().join(".")
}

/// `fillfactor = 70, autovacuum_enabled = 'false'`: a number bare, any other value as
/// the string it is (which PostgreSQL reads alike).
fn storage_params(params: &[StorageParam]) -> String {
    let params: Vec<String> = params
        .iter()
        .map(|p| {
            let v = &p.value.value;
            let value = if crate::quote::is_number(v) {
                v.clone()
            } else {
                string(v)
            };
            format!("{} = {value}", param_name(&p.name.value))
        })
        .collect();
    params.join(", ")
}

/// ` with (...)`, or nothing for no parameters.
fn with_storage(params: &[StorageParam]) -> String {
    if params.is_empty() {
        String::new()
    } else {
        format!(" with ({})", storage_params(params))
    }
}

/// An index key with its collation, operator class and order.
fn index_key(k: &IndexKey) -> String {
    let mut key = match &k.target {
        IndexTarget::Column(c) => name(&c.value),
        IndexTarget::Expr(e) => expr(e),
    };
    if let Some(c) = &k.collation {
        key.push_str(" collate ");
        key.push_str(&qualified(c));
    }
    if let Some(o) = &k.opclass {
        key.push(' ');
        key.push_str(&qualified(o));
    }
    match k.order {
        Some(SortOrder::Asc) => key.push_str(" asc"),
        Some(SortOrder::Desc) => key.push_str(" desc"),
        None => {}
    }
    match k.nulls {
        Some(NullsOrder::First) => key.push_str(" nulls first"),
        Some(NullsOrder::Last) => key.push_str(" nulls last"),
        None => {}
    }
    key
}

fn exclusion(e: &ExcludeConstraint) -> String {
    let mut out = "exclude".to_owned();
    if let Some(m) = &e.method {
        let _ = write!(out, " using {}", name(&m.value));
    }
    let elements: Vec<String> = e
        .elements
        .iter()
        .map(|x| format!("{} with {}", index_key(&x.key), x.operator.value))
        .collect();
    let _ = write!(out, " ({})", elements.join(", "));
    if !e.include.is_empty() {
        let _ = write!(out, " include ({})", names(&e.include));
    }
    if let Some(p) = &e.predicate {
        let _ = write!(out, " where {}", expr(p));
    }
    out
}

/// `create index` or `assume index`, with everything an index has.
fn index(verb: &str, i: &CreateIndex) -> String {
    let mut out = format!("{verb} ");
    if i.unique {
        out.push_str("unique ");
    }
    out.push_str("index ");
    if i.concurrently {
        out.push_str("concurrently ");
    }
    if let Some(n) = &i.name {
        let _ = write!(out, "{} ", name(&n.value));
    }
    let _ = write!(out, "on {}", qualified(&i.table));
    if let Some(m) = &i.method {
        let _ = write!(out, " using {}", name(&m.value));
    }
    let keys: Vec<String> = i.keys.iter().map(index_key).collect();
    let _ = write!(out, " ({})", keys.join(", "));
    if !i.include.is_empty() {
        let _ = write!(out, " include ({})", names(&i.include));
    }
    if i.nulls_not_distinct {
        out.push_str(" nulls not distinct");
    }
    out.push_str(&with_storage(&i.storage));
    if let Some(p) = &i.predicate {
        let _ = write!(out, " where {}", expr(p));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_quoted_exactly_when_needed() {
        assert_eq!(name("users"), "users");
        assert_eq!(name("_x$1"), "_x$1");
        assert_eq!(name("Users"), "\"Users\"");
        assert_eq!(name("1st"), "\"1st\"");
        assert_eq!(name("a b"), "\"a b\"");
        assert_eq!(name("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(name("check"), "\"check\"");
        assert_eq!(name("depends_on"), "\"depends_on\"");
    }

    #[test]
    fn dollar_quotes_avoid_the_text() {
        assert_eq!(dollar_quoted(" a "), "$$ a $$");
        assert_eq!(dollar_quoted("$$x$$"), "$sql$$$x$$$sql$");
        assert_eq!(dollar_quoted("$$ $sql$"), "$sql2$$$ $sql$$sql2$");
        assert_eq!(dollar_quoted("a$"), "$sql$a$$sql$");
    }
}
