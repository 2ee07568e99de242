//! Raw blocks the model understands. The statements of a raw `sql` block that
//! PostgreSQL's parser reads as renames and drops of objects the model knows (`ALTER
//! INDEX ... RENAME`, `ALTER TABLE ... RENAME [COLUMN | CONSTRAINT]`, `ALTER TYPE ...
//! RENAME TO`, `DROP INDEX`, `DROP
//! TABLE`, `ALTER TABLE` dropping a column, a constraint, `NOT NULL` or a default) are
//! applied to the model as their native statements are, so that it does not drift from
//! the database. The others, and those the model refuses (an object it never knew, a
//! drop that `CASCADE` would carry further), stay invisible to it: `check --verbose`
//! lists them.

use pg_query::protobuf::{self, node::Node as N, AlterTableType, DropBehavior, ObjectType};

use super::*;
use crate::diagnostic::Severity;
use crate::pgsql;

impl Applier<'_> {
    /// Applies to the model what it can follow of a raw block.
    pub(super) fn understand(&mut self, raw: &RawSql) {
        let text = raw.text.as_str();
        let read = pgsql::parse(text, |tree| {
            tree.stmts
                .iter()
                .map(|statement| {
                    let range = pgsql::statement_range(text, statement);
                    let span = raw.body.inside(text, range.start, range.end);
                    let native = statement
                        .stmt
                        .as_ref()
                        .and_then(|s| s.node.as_ref())
                        .and_then(|node| native(node, span));
                    (span, range, native)
                })
                .collect::<Vec<_>>()
        });
        // A block that does not parse is the syntax stage's error.
        let Ok(statements) = read else {
            return;
        };
        for (span, range, native) in statements {
            let followed = native.is_some_and(|kinds| self.apply_quietly(kinds, span));
            if !followed && self.verbose {
                let first_line = text[range].lines().next().unwrap_or("").trim();
                self.diagnostics.push(Diagnostic::note(
                    Code::InvisibleToModel,
                    span,
                    format!("the schema model does not follow this statement: `{first_line}`"),
                ));
            }
        }
    }

    /// Applies native statements unless one of them fails its checks, which PostgreSQL
    /// may not (the object may be one the model never knew): the model then stays as it
    /// was. Their findings are not reported either way: the raw SQL is the author's.
    fn apply_quietly(&mut self, kinds: Vec<StatementKind>, span: Span) -> bool {
        let saved = self.model.clone();
        let found = self.diagnostics.len();
        let mut followed = true;
        for mut kind in kinds {
            // The reversal is not needed: a raw block's downgrade is written.
            let _ = self.apply_kind(&mut kind, span);
            if self.diagnostics[found..]
                .iter()
                .any(|d| d.severity == Severity::Error)
            {
                followed = false;
                break;
            }
        }
        self.diagnostics.truncate(found);
        if !followed {
            self.model = saved;
        }
        followed
    }
}

fn qualified(r: &protobuf::RangeVar, span: Span) -> QualifiedName {
    QualifiedName {
        schema: (!r.schemaname.is_empty()).then(|| ident(&r.schemaname, span)),
        name: ident(&r.relname, span),
    }
}

/// A dotted name from a list of strings (`DROP INDEX a.b`).
fn dotted(node: &protobuf::Node, span: Span) -> Option<QualifiedName> {
    let (schema, name) = pgsql::dotted(node)?;
    Some(QualifiedName {
        schema: schema.map(|s| ident(s, span)),
        name: ident(name, span),
    })
}

/// The native statements a raw statement is, when the model can follow it.
fn native(node: &N, span: Span) -> Option<Vec<StatementKind>> {
    use StatementKind as S;
    let cascade = DropBehavior::DropCascade as i32;
    match node {
        N::RenameStmt(r) if r.rename_type == ObjectType::ObjectType as i32 => {
            let name = dotted(r.object.as_deref()?, span)?;
            Some(vec![S::RenameType(RenameType {
                name,
                new_name: ident(&r.newname, span),
            })])
        }
        N::RenameStmt(r) => {
            let table = qualified(r.relation.as_ref()?, span);
            let new_name = ident(&r.newname, span);
            let is = |t: ObjectType| r.rename_type == t as i32;
            Some(vec![if is(ObjectType::ObjectIndex) {
                S::RenameIndex(RenameIndex {
                    name: table,
                    new_name,
                })
            } else if is(ObjectType::ObjectTable) {
                S::RenameTable(RenameTable { table, new_name })
            } else if is(ObjectType::ObjectColumn)
                && r.relation_type == ObjectType::ObjectTable as i32
            {
                S::RenameColumn(RenameColumn {
                    table,
                    column: ident(&r.subname, span),
                    new_name,
                })
            } else if is(ObjectType::ObjectTabconstraint) {
                S::RenameConstraint(RenameConstraint {
                    table,
                    name: ident(&r.subname, span),
                    new_name,
                })
            } else {
                return None;
            }])
        }
        N::DropStmt(d) if d.behavior != cascade => {
            let names: Option<Vec<QualifiedName>> =
                d.objects.iter().map(|o| dotted(o, span)).collect();
            let names = names?;
            if d.remove_type == ObjectType::ObjectIndex as i32 {
                Some(
                    names
                        .into_iter()
                        .map(|name| {
                            S::DropIndex(DropIndex {
                                concurrently: d.concurrent,
                                if_exists: d.missing_ok,
                                name,
                            })
                        })
                        .collect(),
                )
            } else if d.remove_type == ObjectType::ObjectTable as i32 {
                Some(
                    names
                        .into_iter()
                        .map(|name| S::DropTable(DropTable { name }))
                        .collect(),
                )
            } else {
                None
            }
        }
        N::AlterTableStmt(a) if a.objtype == ObjectType::ObjectTable as i32 => {
            let table = qualified(a.relation.as_ref()?, span);
            a.cmds
                .iter()
                .map(|c| match &c.node {
                    Some(N::AlterTableCmd(cmd)) if cmd.behavior != cascade => {
                        alter_table(&table, cmd, span)
                    }
                    _ => None,
                })
                .collect()
        }
        _ => None,
    }
}

/// An `ALTER TABLE` subcommand the model follows.
fn alter_table(
    table: &QualifiedName,
    cmd: &protobuf::AlterTableCmd,
    span: Span,
) -> Option<StatementKind> {
    use StatementKind as S;
    let table = table.clone();
    let name = ident(&cmd.name, span);
    let is = |t: AlterTableType| cmd.subtype == t as i32;
    Some(if is(AlterTableType::AtDropColumn) {
        S::DropColumn(DropColumn {
            table,
            column: name,
        })
    } else if is(AlterTableType::AtDropConstraint) {
        S::DropConstraint(DropConstraint { table, name })
    } else if is(AlterTableType::AtSetNotNull) {
        S::SetNotNull(SetNotNull {
            table,
            column: name,
        })
    } else if is(AlterTableType::AtDropNotNull) {
        S::DropNotNull(DropNotNull {
            table,
            column: name,
        })
    } else if is(AlterTableType::AtColumnDefault) && cmd.def.is_none() {
        S::DropDefault(DropDefault {
            table,
            column: name,
        })
    } else {
        return None;
    })
}
