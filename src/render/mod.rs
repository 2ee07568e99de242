//! The fourth stage: statements to the SQL a DBA runs (BUNDLES.md 2.1).
//!
//! One askama template per statement kind (`templates/sql/`, escaping off: quoting is
//! ours). The Rust side quotes every identifier as PostgreSQL needs it and every literal
//! with `'` doubled, and writes upper-case keywords; a template only lays the statement
//! out. Statements come from the schema model's replay, so every constraint and index
//! has its explicit name.
//!
//! Work in progress (issue 5): statements are rendered; scripts, the guard, version
//! bookkeeping and bundles are still to come.

pub mod script;

use askama::Template;

use crate::quote;
use crate::syntax::ast::*;

#[derive(Template)]
#[template(path = "sql/create_schema.sql", escape = "none")]
struct CreateSchemaSql {
    name: String,
}

#[derive(Template)]
#[template(path = "sql/drop_schema.sql", escape = "none")]
struct DropSchemaSql {
    name: String,
}

#[derive(Template)]
#[template(path = "sql/create_enum.sql", escape = "none")]
struct CreateEnumSql {
    name: String,
    values: Vec<String>,
}

#[derive(Template)]
#[template(path = "sql/drop_type.sql", escape = "none")]
struct DropTypeSql {
    name: String,
}

#[derive(Template)]
#[template(path = "sql/alter_type_add_value.sql", escape = "none")]
struct AddValueSql {
    name: String,
    value: String,
    position: Option<String>,
}

#[derive(Template)]
#[template(path = "sql/alter_type_rename_value.sql", escape = "none")]
struct RenameValueSql {
    name: String,
    from: String,
    to: String,
}

#[derive(Template)]
#[template(path = "sql/create_extension.sql", escape = "none")]
struct CreateExtensionSql {
    name: String,
}

#[derive(Template)]
#[template(path = "sql/drop_extension.sql", escape = "none")]
struct DropExtensionSql {
    name: String,
}

#[derive(Template)]
#[template(path = "sql/create_table.sql", escape = "none")]
struct CreateTableSql {
    name: String,
    lines: Vec<String>,
    partition_by: Option<String>,
}

#[derive(Template)]
#[template(path = "sql/create_partition.sql", escape = "none")]
struct CreatePartitionSql {
    name: String,
    parent: String,
    bound: String,
}

#[derive(Template)]
#[template(path = "sql/drop_table.sql", escape = "none")]
struct DropTableSql {
    name: String,
}

#[derive(Template)]
#[template(path = "sql/rename_table.sql", escape = "none")]
struct RenameTableSql {
    table: String,
    new_name: String,
}

#[derive(Template)]
#[template(path = "sql/add_column.sql", escape = "none")]
struct AddColumnSql {
    table: String,
    column: String,
}

#[derive(Template)]
#[template(path = "sql/drop_column.sql", escape = "none")]
struct DropColumnSql {
    table: String,
    column: String,
}

#[derive(Template)]
#[template(path = "sql/rename_column.sql", escape = "none")]
struct RenameColumnSql {
    table: String,
    column: String,
    new_name: String,
}

#[derive(Template)]
#[template(path = "sql/alter_column_type.sql", escape = "none")]
struct AlterColumnTypeSql {
    table: String,
    column: String,
    data_type: String,
    using: Option<String>,
}

#[derive(Template)]
#[template(path = "sql/set_not_null.sql", escape = "none")]
struct SetNotNullSql {
    table: String,
    column: String,
}

#[derive(Template)]
#[template(path = "sql/drop_not_null.sql", escape = "none")]
struct DropNotNullSql {
    table: String,
    column: String,
}

#[derive(Template)]
#[template(path = "sql/set_default.sql", escape = "none")]
struct SetDefaultSql {
    table: String,
    column: String,
    default: String,
}

#[derive(Template)]
#[template(path = "sql/drop_default.sql", escape = "none")]
struct DropDefaultSql {
    table: String,
    column: String,
}

#[derive(Template)]
#[template(path = "sql/add_constraint.sql", escape = "none")]
struct AddConstraintSql {
    table: String,
    constraint: String,
    not_valid: bool,
}

#[derive(Template)]
#[template(path = "sql/validate_constraint.sql", escape = "none")]
struct ValidateConstraintSql {
    table: String,
    name: String,
}

#[derive(Template)]
#[template(path = "sql/drop_constraint.sql", escape = "none")]
struct DropConstraintSql {
    table: String,
    name: String,
}

#[derive(Template)]
#[template(path = "sql/create_index.sql", escape = "none")]
struct CreateIndexSql {
    unique: bool,
    concurrently: bool,
    name: String,
    table: String,
    method: Option<String>,
    keys: Vec<String>,
    include: Vec<String>,
    predicate: Option<String>,
}

#[derive(Template)]
#[template(path = "sql/drop_index.sql", escape = "none")]
struct DropIndexSql {
    concurrently: bool,
    name: String,
}

#[derive(Template)]
#[template(path = "sql/raw_sql.sql", escape = "none")]
struct RawSqlText {
    text: String,
    needs_semicolon: bool,
}

#[derive(Template)]
#[template(path = "sql/assumed.sql", escape = "none")]
struct AssumedSql {
    what: String,
}

fn name(ident: &Ident) -> String {
    quote::ident(&ident.value)
}

fn qualified(q: &QualifiedName) -> String {
    match &q.schema {
        Some(schema) => format!("{}.{}", name(schema), name(&q.name)),
        None => name(&q.name),
    }
}

fn names(list: &[Ident]) -> String {
    list.iter().map(name).collect::<Vec<_>>().join(", ")
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::String(s) => quote::literal(&s.value),
        Literal::Number(n) => n.value.clone(),
        Literal::Boolean(b) => if b.value { "TRUE" } else { "FALSE" }.to_owned(),
        Literal::Null(_) => "NULL".to_owned(),
    }
}

fn default_value(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Literal(l) => literal(l),
        DefaultValue::Expr(e) => e.text.clone(),
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

fn references(r: &ForeignReference) -> String {
    let mut out = format!("REFERENCES {}", qualified(&r.table));
    if !r.columns.is_empty() {
        out.push_str(&format!(" ({})", names(&r.columns)));
    }
    if let Some(a) = r.on_delete {
        out.push_str(&format!(" ON DELETE {}", action(a)));
    }
    if let Some(a) = r.on_update {
        out.push_str(&format!(" ON UPDATE {}", action(a)));
    }
    out
}

fn constraint_prefix(n: &Option<Ident>) -> String {
    n.as_ref()
        .map_or(String::new(), |n| format!("CONSTRAINT {} ", name(n)))
}

fn column_def(c: &ColumnDef) -> String {
    let mut out = format!("{} {}", name(&c.name), quote::data_type(&c.data_type));
    for constraint in &c.constraints {
        out.push(' ');
        out.push_str(&constraint_prefix(&constraint.name));
        out.push_str(&match &constraint.kind {
            ColumnConstraintKind::NotNull => "NOT NULL".to_owned(),
            ColumnConstraintKind::Null => "NULL".to_owned(),
            ColumnConstraintKind::PrimaryKey => "PRIMARY KEY".to_owned(),
            ColumnConstraintKind::Unique => "UNIQUE".to_owned(),
            ColumnConstraintKind::Default(d) => format!("DEFAULT {}", default_value(d)),
            ColumnConstraintKind::Check(e) => format!("CHECK ({})", e.text),
            ColumnConstraintKind::References(r) => references(r),
            ColumnConstraintKind::Identity(IdentityKind::Always) => {
                "GENERATED ALWAYS AS IDENTITY".to_owned()
            }
            ColumnConstraintKind::Identity(IdentityKind::ByDefault) => {
                "GENERATED BY DEFAULT AS IDENTITY".to_owned()
            }
            ColumnConstraintKind::Generated(e) => {
                format!("GENERATED ALWAYS AS ({}) STORED", e.text)
            }
        });
    }
    out
}

fn table_constraint(c: &TableConstraint) -> String {
    let body = match &c.kind {
        TableConstraintKind::PrimaryKey(cols) => format!("PRIMARY KEY ({})", names(cols)),
        TableConstraintKind::Unique(cols) => format!("UNIQUE ({})", names(cols)),
        TableConstraintKind::Check(e) => format!("CHECK ({})", e.text),
        TableConstraintKind::ForeignKey {
            columns,
            references: r,
        } => format!("FOREIGN KEY ({}) {}", names(columns), references(r)),
    };
    format!("{}{body}", constraint_prefix(&c.name))
}

fn index_key(k: &IndexKey) -> String {
    let mut key = match &k.target {
        IndexTarget::Column(c) => name(c),
        IndexTarget::Expr(e) => format!("({})", e.text),
    };
    match k.order {
        Some(SortOrder::Asc) => key.push_str(" ASC"),
        Some(SortOrder::Desc) => key.push_str(" DESC"),
        None => {}
    }
    match k.nulls {
        Some(NullsOrder::First) => key.push_str(" NULLS FIRST"),
        Some(NullsOrder::Last) => key.push_str(" NULLS LAST"),
        None => {}
    }
    key
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

/// One statement as SQL, ending with `;` (raw SQL as written, with a `;` added on a line
/// of its own when it lacks one).
pub fn statement(kind: &StatementKind) -> String {
    use StatementKind as S;
    let rendered = match kind {
        S::CreateSchema(s) => CreateSchemaSql {
            name: name(&s.name),
        }
        .render(),
        S::DropSchema(s) => DropSchemaSql {
            name: name(&s.name),
        }
        .render(),
        S::CreateEnum(t) => CreateEnumSql {
            name: qualified(&t.name),
            values: t.values.iter().map(|v| quote::literal(&v.value)).collect(),
        }
        .render(),
        S::DropType(t) => DropTypeSql {
            name: qualified(&t.name),
        }
        .render(),
        S::AlterTypeAddValue(a) => AddValueSql {
            name: qualified(&a.name),
            value: quote::literal(&a.value.value),
            position: a.position.as_ref().map(|(placement, other)| {
                let word = match placement {
                    ValuePlacement::Before => "BEFORE",
                    ValuePlacement::After => "AFTER",
                };
                format!("{word} {}", quote::literal(&other.value))
            }),
        }
        .render(),
        S::AlterTypeRenameValue(r) => RenameValueSql {
            name: qualified(&r.name),
            from: quote::literal(&r.from.value),
            to: quote::literal(&r.to.value),
        }
        .render(),
        S::CreateExtension(e) => CreateExtensionSql {
            name: name(&e.name),
        }
        .render(),
        S::DropExtension(e) => DropExtensionSql {
            name: name(&e.name),
        }
        .render(),
        S::CreateTable(t) => CreateTableSql {
            name: qualified(&t.name),
            lines: t
                .columns
                .iter()
                .map(column_def)
                .chain(t.constraints.iter().map(table_constraint))
                .collect(),
            partition_by: t.partition_by.as_ref().map(|p| {
                let strategy = match p.strategy {
                    PartitionStrategy::Range => "RANGE",
                    PartitionStrategy::List => "LIST",
                    PartitionStrategy::Hash => "HASH",
                };
                format!("{strategy} ({})", names(&p.columns))
            }),
        }
        .render(),
        S::CreatePartition(p) => CreatePartitionSql {
            name: qualified(&p.name),
            parent: qualified(&p.parent),
            bound: p.bound.text.clone(),
        }
        .render(),
        S::DropTable(t) => DropTableSql {
            name: qualified(&t.name),
        }
        .render(),
        S::RenameTable(r) => RenameTableSql {
            table: qualified(&r.table),
            new_name: name(&r.new_name),
        }
        .render(),
        S::AddColumn(a) => AddColumnSql {
            table: qualified(&a.table),
            column: column_def(&a.column),
        }
        .render(),
        S::DropColumn(d) => DropColumnSql {
            table: qualified(&d.table),
            column: name(&d.column),
        }
        .render(),
        S::RenameColumn(r) => RenameColumnSql {
            table: qualified(&r.table),
            column: name(&r.column),
            new_name: name(&r.new_name),
        }
        .render(),
        S::AlterColumnType(a) => AlterColumnTypeSql {
            table: qualified(&a.table),
            column: name(&a.column),
            data_type: quote::data_type(&a.data_type),
            using: a.using.as_ref().map(|u| u.text.clone()),
        }
        .render(),
        S::SetNotNull(c) => SetNotNullSql {
            table: qualified(&c.table),
            column: name(&c.column),
        }
        .render(),
        S::DropNotNull(c) => DropNotNullSql {
            table: qualified(&c.table),
            column: name(&c.column),
        }
        .render(),
        S::SetDefault(c) => SetDefaultSql {
            table: qualified(&c.table),
            column: name(&c.column),
            default: default_value(&c.default),
        }
        .render(),
        S::DropDefault(c) => DropDefaultSql {
            table: qualified(&c.table),
            column: name(&c.column),
        }
        .render(),
        S::AddConstraint(a) => AddConstraintSql {
            table: qualified(&a.table),
            constraint: table_constraint(&a.constraint),
            not_valid: a.not_valid,
        }
        .render(),
        S::ValidateConstraint(v) => ValidateConstraintSql {
            table: qualified(&v.table),
            name: name(&v.name),
        }
        .render(),
        S::DropConstraint(d) => DropConstraintSql {
            table: qualified(&d.table),
            name: name(&d.name),
        }
        .render(),
        S::CreateIndex(i) => CreateIndexSql {
            unique: i.unique,
            concurrently: i.concurrently,
            // The schema model names every index; an unresolved statement has none.
            name: i.name.as_ref().map(name).unwrap_or_default(),
            table: qualified(&i.table),
            method: i.method.as_ref().map(name),
            keys: i.keys.iter().map(index_key).collect(),
            include: i.include.iter().map(name).collect(),
            predicate: i.predicate.as_ref().map(|p| p.text.clone()),
        }
        .render(),
        S::DropIndex(d) => DropIndexSql {
            concurrently: d.concurrently,
            name: qualified(&d.name),
        }
        .render(),
        S::RawSql(r) => RawSqlText {
            text: r.text.trim().to_owned(),
            needs_semicolon: !ends_with_semicolon(&r.text),
        }
        .render(),
        S::AssumeTable(t) => AssumedSql {
            what: format!("table {}", qualified(&t.name)),
        }
        .render(),
        S::AssumeType(t) => AssumedSql {
            what: format!("type {}", qualified(&t.name)),
        }
        .render(),
    };
    // Templates are checked at compile time and the values are plain strings: rendering
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
