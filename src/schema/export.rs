//! The schema at a revision for readers other than strata (`strata schema`): SQL that
//! makes it from nothing, JSON for tools, and entity-relationship diagrams for Mermaid
//! and Graphviz. Every name in a diagram is reduced to the characters its syntax takes
//! as they are, so that no author text can end a label or start a statement there.

use std::fmt::Write as _;

use serde::Serialize;

use super::apply;
use super::model::{ConstraintKind, Model, ObjName, Table};
use crate::quote;
use crate::render;
use crate::syntax::ast::{DefaultValue, Literal};

/// The SQL that makes the schema in an empty database, as `pg_dump --schema-only` would
/// hold it (the version tables aside): one statement after another, in an order
/// PostgreSQL accepts. Function bodies are checked when called, not when made, as
/// `pg_dump` has it, since a function may read a table made after it.
pub fn sql(model: &Model, default_schema: &str) -> String {
    let mut out = String::from("SET check_function_bodies = false;\n");
    for kind in apply::statements(model, default_schema) {
        out.push_str(&render::statement(&kind));
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct SchemaJson {
    schemas: Vec<String>,
    extensions: Vec<String>,
    types: Vec<TypeJson>,
    tables: Vec<TableJson>,
    indexes: Vec<IndexJson>,
    views: Vec<NamedSql>,
    sequences: Vec<String>,
    routines: Vec<String>,
}

#[derive(Serialize)]
struct TypeJson {
    name: String,
    values: Vec<String>,
}

#[derive(Serialize)]
struct TableJson {
    name: String,
    columns: Vec<ColumnJson>,
    constraints: Vec<ConstraintJson>,
}

#[derive(Serialize)]
struct ColumnJson {
    name: String,
    #[serde(rename = "type")]
    data_type: String,
    not_null: bool,
    default: Option<String>,
    identity: Option<&'static str>,
    generated: Option<String>,
}

#[derive(Serialize)]
struct ConstraintJson {
    name: String,
    kind: &'static str,
    columns: Vec<String>,
    /// For a foreign key: the table and columns it references.
    #[serde(skip_serializing_if = "Option::is_none")]
    references: Option<(String, Vec<String>)>,
}

#[derive(Serialize)]
struct IndexJson {
    name: String,
    table: String,
    unique: bool,
    columns: Vec<String>,
}

#[derive(Serialize)]
struct NamedSql {
    name: String,
    materialized: bool,
    query: String,
}

fn default_text(d: &DefaultValue) -> String {
    match d {
        DefaultValue::Expr(e) => e.text.clone(),
        DefaultValue::Literal(Literal::String(s)) => quote::literal(&s.value),
        DefaultValue::Literal(Literal::Number(n)) => n.value.clone(),
        DefaultValue::Literal(Literal::Boolean(b)) => b.value.to_string(),
        DefaultValue::Literal(Literal::Null(_)) => "NULL".to_owned(),
    }
}

fn constraint_kind(kind: &ConstraintKind) -> &'static str {
    match kind {
        ConstraintKind::PrimaryKey(_) => "primary key",
        ConstraintKind::Unique(_) => "unique",
        ConstraintKind::Check { .. } => "check",
        ConstraintKind::ForeignKey { .. } => "foreign key",
        ConstraintKind::Exclude(_) => "exclude",
    }
}

fn table_json(name: &ObjName, t: &Table) -> TableJson {
    TableJson {
        name: name.to_string(),
        columns: t
            .columns
            .iter()
            .map(|c| ColumnJson {
                name: c.name.clone(),
                data_type: quote::data_type(&c.data_type),
                not_null: c.not_null,
                default: c.default.as_deref().map(default_text),
                identity: c.identity.map(|i| match i {
                    crate::syntax::ast::IdentityKind::Always => "always",
                    crate::syntax::ast::IdentityKind::ByDefault => "by default",
                }),
                generated: c.generated.as_deref().map(|g| g.text.clone()),
            })
            .collect(),
        constraints: t
            .constraints
            .iter()
            .map(|c| ConstraintJson {
                name: c.name.clone(),
                kind: constraint_kind(&c.kind),
                columns: c.columns().to_vec(),
                references: match &c.kind {
                    ConstraintKind::ForeignKey {
                        table, referenced, ..
                    } => Some((table.to_string(), referenced.clone())),
                    _ => None,
                },
            })
            .collect(),
    }
}

/// The schema as JSON, for tools: every table with its columns and constraints, and
/// the other objects by name (views with their queries).
pub fn json(model: &Model) -> String {
    let schema = SchemaJson {
        schemas: model.schemas.keys().cloned().collect(),
        extensions: model.extensions.keys().cloned().collect(),
        types: model
            .types
            .iter()
            .map(|(name, t)| TypeJson {
                name: name.to_string(),
                values: t
                    .values_at(crate::source::Span::point(
                        crate::source::FileId(0),
                        0,
                        1,
                        1,
                    ))
                    .into_iter()
                    .map(|v| v.value)
                    .collect(),
            })
            .collect(),
        tables: model.tables.iter().map(|(n, t)| table_json(n, t)).collect(),
        indexes: model
            .indexes
            .iter()
            .map(|(name, i)| IndexJson {
                name: name.to_string(),
                table: i.table.to_string(),
                unique: i.unique,
                columns: i.columns.to_vec(),
            })
            .collect(),
        views: model
            .views
            .iter()
            .map(|(name, v)| NamedSql {
                name: name.to_string(),
                materialized: v.materialized,
                query: v.query.text.clone(),
            })
            .collect(),
        sequences: model.sequences.keys().map(ToString::to_string).collect(),
        routines: model.routines.keys().map(ToString::to_string).collect(),
    };
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// A name as a diagram's word: letters, digits and `_` kept, anything else `_`.
fn word(text: &str) -> String {
    let mut out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// A type as a diagram's word: `numeric(12,2)` is `numeric_12_2`, `text[]` is
/// `text_array`, `timestamp with time zone` is `timestamp_with_time_zone`.
fn type_word(t: &crate::syntax::ast::DataType) -> String {
    let text = quote::data_type(t).replace("[]", " array").replace(')', "");
    word(&text)
}

/// Each column of a table as a diagram shows it: its name and type as words, and its
/// markers, led by a space when there are any.
fn columns(t: &Table) -> impl Iterator<Item = (String, String, Vec<String>)> + '_ {
    t.columns.iter().map(|c| {
        let mut marks: Vec<String> = keys(t, &c.name).into_iter().map(str::to_owned).collect();
        if let Some(first) = marks.first_mut() {
            first.insert(0, ' ');
        }
        (word(&c.name), type_word(&c.data_type), marks)
    })
}

/// The column's markers in a diagram: primary key, unique, foreign key.
fn keys(t: &Table, column: &str) -> Vec<&'static str> {
    let mut marks = Vec::new();
    for c in &t.constraints {
        let mark = match &c.kind {
            ConstraintKind::PrimaryKey(cols) if cols.iter().any(|x| x == column) => "PK",
            ConstraintKind::Unique(cols) if cols.iter().any(|x| x == column) => "UK",
            ConstraintKind::ForeignKey { columns, .. } if columns.iter().any(|x| x == column) => {
                "FK"
            }
            _ => continue,
        };
        if !marks.contains(&mark) {
            marks.push(mark);
        }
    }
    marks
}

/// Each foreign key as (from table, to table, constraint name).
fn relations(model: &Model) -> Vec<(&ObjName, &ObjName, &str)> {
    model
        .tables
        .iter()
        .flat_map(|(name, t)| {
            t.constraints.iter().filter_map(move |c| match &c.kind {
                ConstraintKind::ForeignKey { table, .. } => Some((name, table, c.name.as_str())),
                _ => None,
            })
        })
        .collect()
}

/// A Mermaid `erDiagram`: each table with its columns (type, name, keys), each foreign
/// key a relation from the referenced table to the referencing one.
pub fn mermaid(model: &Model) -> String {
    let mut out = String::from("erDiagram\n");
    for (name, t) in &model.tables {
        let _ = writeln!(out, "    {} {{", word(&name.to_string()));
        for (column, data_type, marks) in columns(t) {
            let _ = writeln!(out, "        {data_type} {column}{}", marks.join(", "));
        }
        out.push_str("    }\n");
    }
    for (from, to, constraint) in relations(model) {
        let _ = writeln!(
            out,
            "    {} ||--o{{ {} : {}",
            word(&to.to_string()),
            word(&from.to_string()),
            word(constraint)
        );
    }
    out
}

/// A Graphviz digraph: each table a box listing its columns, each foreign key an edge
/// from the referencing table to the referenced one, labelled with its name.
pub fn dot(model: &Model) -> String {
    let mut out = String::from(
        "digraph schema {\n    rankdir=LR;\n    node [shape=box, fontname=\"monospace\"];\n",
    );
    for (name, t) in &model.tables {
        let mut label = format!("{}\\n", word(&name.to_string()));
        for (column, data_type, marks) in columns(t) {
            let _ = write!(label, "\\l{column} {data_type}{}", marks.join(","));
        }
        let _ = writeln!(
            out,
            "    {} [label=\"{label}\\l\"];",
            word(&name.to_string())
        );
    }
    for (from, to, constraint) in relations(model) {
        let _ = writeln!(
            out,
            "    {} -> {} [label=\"{}\"];",
            word(&from.to_string()),
            word(&to.to_string()),
            word(constraint)
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::word;

    #[test]
    fn a_name_becomes_a_word_no_syntax_can_misread() {
        assert_eq!(word("app.users"), "app_users");
        assert_eq!(word("a\"b}c {d"), "a_b_c__d");
        assert_eq!(word("2fa"), "_2fa");
        assert_eq!(word(""), "_");
    }

    #[test]
    fn a_type_becomes_a_word() {
        use crate::syntax::ast::{DataType, QualifiedName, TypeKind};
        let span = crate::source::Span::point(crate::source::FileId(0), 0, 1, 1);
        let named = |name: &str, modifiers: Vec<i64>, array_dimensions| DataType {
            kind: TypeKind::Named {
                name: QualifiedName {
                    schema: None,
                    name: crate::syntax::ast::Ident {
                        value: name.to_owned(),
                        quoted: false,
                        span,
                    },
                },
                modifiers,
            },
            array_dimensions,
            span,
        };
        assert_eq!(
            super::type_word(&named("numeric", vec![12, 2], 0)),
            "numeric_12_2"
        );
        assert_eq!(super::type_word(&named("text", vec![], 1)), "text_array");
    }
}
