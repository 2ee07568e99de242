//! The model written back as the language's own statements (`show --schema`).

use super::*;
use crate::source::Span;

/// The model as the language's own `create` statements: schemas, extensions, types,
/// tables with their constraints, partitions, sequences, indexes, comments. For `show --schema`, and a
/// golden format for tests.
pub fn dump(model: &Model, default_schema: &str) -> String {
    let mut out = String::new();
    for kind in statements(model, default_schema) {
        out.push_str(&crate::syntax::print::statement(&kind));
        out.push('\n');
    }
    out
}

/// The statements that make the model from nothing, in an order PostgreSQL accepts:
/// roles and schemas, extensions, types, sequences, routines, tables (their foreign
/// keys after every table, as `pg_dump` adds them), views after what they read,
/// indexes, triggers, row security, grants, comments.
pub fn statements(model: &Model, default_schema: &str) -> Vec<StatementKind> {
    let mut diagnostics = Vec::new();
    let applier = Applier {
        model: model.clone(),
        default_schema,
        diagnostics: &mut diagnostics,
        shared: &mut Shared::default(),
        verbose: false,
    };
    let span = Span::point(crate::source::FileId(0), 0, 1, 1);
    let mut out: Vec<StatementKind> = Vec::new();
    let mut foreign_keys: Vec<StatementKind> = Vec::new();
    let mut push = |kind: StatementKind| out.push(kind);
    for role in model.roles.keys() {
        push(StatementKind::AssumeRole(AssumeRole {
            name: ident(role, span),
        }));
    }
    for schema in model
        .schemas
        .keys()
        .filter(|s| s.as_str() != default_schema)
    {
        push(StatementKind::CreateSchema(CreateSchema {
            name: ident(schema, span),
        }));
    }
    for (extension, e) in &model.extensions {
        let name = ident(extension, span);
        push(if e.assumed {
            StatementKind::AssumeExtension(AssumeExtension { name })
        } else {
            StatementKind::CreateExtension(CreateExtension { name })
        });
    }
    for (name, t) in &model.types {
        let values = t.values_at(span);
        let name = applier.qualified(name, span);
        push(if t.assumed {
            StatementKind::AssumeType(AssumeType { name, values })
        } else {
            StatementKind::CreateEnum(CreateEnum { name, values })
        });
    }
    // Sequences before the tables whose defaults may use them; whose column owns one is
    // said after the tables, as pg_dump does.
    for (name, s) in &model.sequences {
        let kind = applier.recreate_sequence(name, s, span).statement.kind;
        push(match kind {
            StatementKind::CreateSequence(mut c) => {
                c.options.owned_by = None;
                if s.assumed {
                    StatementKind::AssumeSequence(c)
                } else {
                    StatementKind::CreateSequence(c)
                }
            }
            other => other,
        });
    }
    // A routine whose arguments or result are a table's row type comes after the tables;
    // the others before them, for the defaults and checks that call them.
    let names_a_relation = |t: &DataType| match &t.kind {
        TypeKind::Named { name, .. } => {
            let obj = ObjName::of(name, default_schema);
            model.tables.contains_key(&obj) || model.views.contains_key(&obj)
        }
        _ => false,
    };
    let (after_tables, before_tables): (Vec<_>, Vec<_>) = model.routines.values().partition(|r| {
        let d = &r.definition;
        d.args.iter().any(|a| names_a_relation(&a.data_type))
            || d.returns
                .as_ref()
                .is_some_and(|t| names_a_relation(&t.data_type))
    });
    let routine = |r: &Routine| {
        let definition = r.definition.clone();
        if r.assumed {
            StatementKind::AssumeRoutine(Box::new(definition))
        } else {
            StatementKind::CreateRoutine(Box::new(definition))
        }
    };
    for r in before_tables {
        push(routine(r));
    }
    let (partitions, tables): (Vec<_>, Vec<_>) = model
        .tables
        .iter()
        .partition(|(_, t)| t.partition_of().is_some());
    for (name, t) in tables.into_iter().chain(partitions) {
        for derived in applier.recreate_table(name, span) {
            let mut kind = derived.statement.kind;
            // A foreign key may reference a table made later: added after them all (one
            // `not valid` too).
            if let StatementKind::AddConstraint(a) = &kind {
                if matches!(a.constraint.kind, TableConstraintKind::ForeignKey { .. }) {
                    foreign_keys.push(kind);
                    continue;
                }
            }
            if let StatementKind::CreateTable(ct) = &mut kind {
                let (fks, own): (Vec<_>, Vec<_>) = std::mem::take(&mut ct.constraints)
                    .into_iter()
                    .partition(|c| matches!(c.kind, TableConstraintKind::ForeignKey { .. }));
                ct.constraints = own;
                foreign_keys.extend(fks.into_iter().map(|constraint| {
                    StatementKind::AddConstraint(AddConstraint {
                        table: ct.name.clone(),
                        constraint,
                        not_valid: false,
                    })
                }));
            }
            let kind = match kind {
                StatementKind::CreateTable(ct) if t.assumed => {
                    StatementKind::AssumeTable(AssumeTable {
                        name: ct.name,
                        columns: ct.columns,
                        constraints: ct.constraints,
                        storage: ct.storage,
                    })
                }
                other => other,
            };
            // Indexes and sequences are listed once, after every table.
            if !matches!(
                kind,
                StatementKind::CreateIndex(_)
                    | StatementKind::CreateSequence(_)
                    | StatementKind::AlterSequence(_)
                    | StatementKind::CreateTrigger(_)
                    | StatementKind::RowSecurity(_)
                    | StatementKind::CreatePolicy(_)
                    | StatementKind::Grant(_)
                    | StatementKind::Revoke(_)
                    | StatementKind::Comment(_)
            ) {
                push(kind);
            }
        }
    }
    for fk in foreign_keys {
        push(fk);
    }
    for r in after_tables {
        push(routine(r));
    }
    // Views after what they read: each pass writes those whose views are written.
    let mut written: Vec<&ObjName> = Vec::new();
    while written.len() < model.views.len() {
        let before = written.len();
        for (name, view) in &model.views {
            let ready = view
                .uses
                .iter()
                .all(|(r, _)| !model.views.contains_key(r) || written.contains(&r));
            if written.contains(&name) || !ready {
                continue;
            }
            written.push(name);
            // Its indexes and comments are listed with the others, at the end.
            let v = applier.view_statement(name, view, span);
            push(if view.assumed {
                StatementKind::AssumeView(v)
            } else {
                StatementKind::CreateView(v)
            });
        }
        // A cycle cannot be made; should one be, it is not written forever.
        if written.len() == before {
            break;
        }
    }
    for (name, s) in model.sequences.iter().filter(|(_, s)| s.owned_by.is_some()) {
        push(StatementKind::AlterSequence(Box::new(AlterSequence {
            name: applier.qualified(name, span),
            options: SequenceOptions {
                owned_by: Some(spanned(span, applier.owner(s, span))),
                ..SequenceOptions::default()
            },
        })));
    }
    for (name, i) in &model.indexes {
        let kind = applier
            .create_index_statement(name, i, false, span)
            .statement
            .kind;
        push(match kind {
            StatementKind::CreateIndex(index) if i.assumed => StatementKind::AssumeIndex(index),
            other => other,
        });
    }
    for (_, t) in &model.triggers {
        push(StatementKind::CreateTrigger(Box::new(t.definition.clone())));
    }
    for table in model.tables.keys() {
        for derived in applier.recreate_row_security(table, span) {
            push(derived.statement.kind);
        }
    }
    // Every routine too: one whose default `execute` for `public` was revoked has no
    // privilege left to list, and its statements say so.
    let routines: Vec<Grantable> = model
        .routines
        .keys()
        .cloned()
        .map(Grantable::Routine)
        .collect();
    let mut objects: Vec<&Grantable> = model
        .grants
        .keys()
        .map(|(o, _)| o)
        .chain(routines.iter())
        .collect();
    objects.sort();
    objects.dedup();
    for object in objects {
        for derived in applier.grant_statements(object, span) {
            push(derived.statement.kind);
        }
    }
    let comments: Vec<CommentOn> = model.comments.keys().cloned().collect();
    for comment in applier.comment_statements(&comments, span) {
        push(comment.statement.kind);
    }
    out
}
