//! What a statement does, in the terms the rules judge: one action per native statement
//! (most of them), one or more per statement of a raw block that PostgreSQL's parser
//! reads. The rules see actions, so that a raw `CREATE INDEX` and a native one are
//! judged alike.

use std::sync::Arc;

use pg_query::protobuf::{self, node::Node as N, AlterTableType, ConstrType, ObjectType};

use crate::pgsql;
use crate::schema::model::{Model, ObjName};
use crate::source::Span;
use crate::syntax::ast::{
    ColumnConstraintKind, ColumnDef, DataType, DefaultValue, QualifiedName, RawSql, Statement,
    StatementKind, TableConstraintKind, TypeKind,
};

#[derive(Clone, Debug)]
pub(super) struct Action {
    pub kind: ActionKind,
    /// The statement, or the statement of a raw block.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub(super) enum ActionKind {
    /// A table, partition or type that is new from here on.
    Create(ObjName),
    CreateIndex {
        table: ObjName,
        concurrently: bool,
    },
    DropIndex {
        index: ObjName,
        /// Unknown for an index the model does not know.
        table: Option<ObjName>,
        concurrently: bool,
    },
    AddConstraint {
        table: ObjName,
        name: Option<String>,
        kind: Added,
        not_valid: bool,
        /// `... using index`: the index was built before.
        using_index: bool,
    },
    Validate {
        table: ObjName,
        name: String,
    },
    SetNotNull {
        table: ObjName,
        column: String,
    },
    /// A native type change: both types are known.
    ChangeType {
        table: ObjName,
        column: String,
        from: Arc<DataType>,
        to: DataType,
    },
    AddColumn {
        table: ObjName,
        column: String,
        not_null: bool,
        fill: Fill,
    },
    DropColumn {
        table: ObjName,
        column: String,
    },
    RenameColumn {
        table: ObjName,
        column: String,
        to: String,
    },
    DropTable(ObjName),
    RenameTable {
        table: ObjName,
        to: ObjName,
    },
    RenameEnumValue {
        name: ObjName,
        from: String,
    },
    DropDefault {
        table: ObjName,
        column: String,
    },
    /// `UPDATE` or `DELETE` in a raw block.
    DataChange {
        verb: &'static str,
        table: ObjName,
    },
    /// `SET [LOCAL] lock_timeout` in a raw block.
    LockTimeout {
        local: bool,
    },
    /// Another statement that takes an ACCESS EXCLUSIVE lock on a table: `LOCK TABLE`,
    /// a default set.
    Lock(ObjName),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Added {
    ForeignKey { references: ObjName },
    Check,
    Unique,
    PrimaryKey,
    Exclusion,
}

/// What an added column holds in the rows that exist.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Fill {
    /// Null.
    Nothing,
    /// One value for every row, which PostgreSQL 11 and later store once, in the
    /// catalog.
    Constant,
    /// A value of its own in every row, which PostgreSQL writes into each: the reason.
    PerRow(String),
}

/// The lock PostgreSQL takes on the table a statement changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Lock {
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    AccessExclusive,
}

impl Lock {
    pub fn name(self) -> &'static str {
        match self {
            Lock::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Lock::Share => "SHARE",
            Lock::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Lock::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// "a SHARE lock", "an ACCESS EXCLUSIVE lock": the name with its article.
    pub fn with_article(self) -> String {
        match self {
            Lock::AccessExclusive => format!("an {}", self.name()),
            _ => format!("a {}", self.name()),
        }
    }
}

impl ActionKind {
    /// The table whose lock the statement waits for, and the lock (`None` for a raw
    /// data change, whose row locks the rules do not count, and for a setting).
    pub fn lock(&self) -> Option<(&ObjName, Lock)> {
        use ActionKind as A;
        Some(match self {
            A::Create(_) | A::DataChange { .. } | A::LockTimeout { .. } => return None,
            A::RenameEnumValue { .. } => return None,
            A::CreateIndex {
                table,
                concurrently,
            } => (
                table,
                if *concurrently {
                    Lock::ShareUpdateExclusive
                } else {
                    Lock::Share
                },
            ),
            A::DropIndex {
                table: Some(table),
                concurrently,
                ..
            } => (
                table,
                if *concurrently {
                    Lock::ShareUpdateExclusive
                } else {
                    Lock::AccessExclusive
                },
            ),
            A::DropIndex { table: None, .. } => return None,
            A::AddConstraint {
                table,
                kind: Added::ForeignKey { .. },
                ..
            } => (table, Lock::ShareRowExclusive),
            A::Validate { table, .. } => (table, Lock::ShareUpdateExclusive),
            A::AddConstraint { table, .. }
            | A::SetNotNull { table, .. }
            | A::ChangeType { table, .. }
            | A::AddColumn { table, .. }
            | A::DropColumn { table, .. }
            | A::RenameColumn { table, .. }
            | A::DropTable(table)
            | A::RenameTable { table, .. }
            | A::DropDefault { table, .. }
            | A::Lock(table) => (table, Lock::AccessExclusive),
        })
    }
}

/// Names as the model keys them.
pub(super) struct Names<'a> {
    pub default_schema: &'a str,
}

impl Names<'_> {
    pub fn obj(&self, q: &QualifiedName) -> ObjName {
        ObjName::of(q, self.default_schema)
    }

    fn range_var(&self, r: &protobuf::RangeVar) -> ObjName {
        let schema = if r.schemaname.is_empty() {
            self.default_schema
        } else {
            &r.schemaname
        };
        ObjName::new(schema, &r.relname)
    }

    /// A dotted name from a list of strings (`DROP INDEX a.b`).
    fn dotted(&self, node: &protobuf::Node) -> Option<ObjName> {
        let (schema, name) = pgsql::dotted(node)?;
        Some(ObjName::new(schema.unwrap_or(self.default_schema), name))
    }

    /// The actions of a native statement, judged against the model before it ran
    /// (`before`: what the statement replaces, which is gone after).
    pub fn native(&self, statement: &Statement, before: &Model) -> Vec<Action> {
        use ActionKind as A;
        use StatementKind as S;
        let span = statement.span;
        let one = |kind| vec![Action { kind, span }];
        match &statement.kind {
            S::CreateTable(t) => one(A::Create(self.obj(&t.name))),
            S::CreatePartition(p) => one(A::Create(self.obj(&p.name))),
            S::CreateEnum(e) => one(A::Create(self.obj(&e.name))),
            S::CreateIndex(i) => one(A::CreateIndex {
                table: self.obj(&i.table),
                concurrently: i.concurrently,
            }),
            S::DropIndex(i) => {
                let index = self.obj(&i.name);
                let table = before.indexes.get(&index).map(|x| x.table.clone());
                one(A::DropIndex {
                    index,
                    table,
                    concurrently: i.concurrently,
                })
            }
            S::AddConstraint(c) => {
                let kind = match &c.constraint.kind {
                    TableConstraintKind::ForeignKey { references, .. } => Added::ForeignKey {
                        references: self.obj(&references.table),
                    },
                    TableConstraintKind::Check(_) => Added::Check,
                    TableConstraintKind::Unique(_) => Added::Unique,
                    TableConstraintKind::PrimaryKey(_) => Added::PrimaryKey,
                    TableConstraintKind::Exclude(_) => Added::Exclusion,
                };
                one(A::AddConstraint {
                    table: self.obj(&c.table),
                    name: c.constraint.name.as_ref().map(|n| n.value.clone()),
                    kind,
                    not_valid: c.not_valid,
                    using_index: false,
                })
            }
            S::AddConstraintUsingIndex(a) => one(A::AddConstraint {
                table: self.obj(&a.table),
                name: Some(a.name.as_ref().unwrap_or(&a.index).value.clone()),
                kind: if a.primary_key {
                    Added::PrimaryKey
                } else {
                    Added::Unique
                },
                not_valid: false,
                using_index: true,
            }),
            S::ValidateConstraint(v) => one(A::Validate {
                table: self.obj(&v.table),
                name: v.name.value.clone(),
            }),
            S::SetNotNull(s) => one(A::SetNotNull {
                table: self.obj(&s.table),
                column: s.column.value.clone(),
            }),
            S::AlterColumnType(a) => {
                let table = self.obj(&a.table);
                let from = before
                    .table(&table)
                    .and_then(|t| t.column(&a.column.value))
                    .map(|c| Arc::clone(&c.data_type));
                match from {
                    Some(from) => one(A::ChangeType {
                        table,
                        column: a.column.value.clone(),
                        from,
                        to: a.data_type.clone(),
                    }),
                    None => Vec::new(),
                }
            }
            S::AddColumn(a) => one(A::AddColumn {
                table: self.obj(&a.table),
                column: a.column.name.value.clone(),
                not_null: a.column.constraints.iter().any(|c| {
                    matches!(
                        c.kind,
                        ColumnConstraintKind::NotNull | ColumnConstraintKind::PrimaryKey
                    )
                }),
                fill: native_fill(&a.column),
            }),
            S::DropColumn(d) => one(A::DropColumn {
                table: self.obj(&d.table),
                column: d.column.value.clone(),
            }),
            S::RenameColumn(r) => one(A::RenameColumn {
                table: self.obj(&r.table),
                column: r.column.value.clone(),
                to: r.new_name.value.clone(),
            }),
            S::DropTable(d) => one(A::DropTable(self.obj(&d.name))),
            S::RenameTable(r) => {
                let table = self.obj(&r.table);
                let to = ObjName::new(table.schema(), &r.new_name.value);
                one(A::RenameTable { table, to })
            }
            S::AlterTypeRenameValue(r) => one(A::RenameEnumValue {
                name: self.obj(&r.name),
                from: r.from.value.clone(),
            }),
            S::DropDefault(d) => one(A::DropDefault {
                table: self.obj(&d.table),
                column: d.column.value.clone(),
            }),
            S::SetDefault(d) => one(A::Lock(self.obj(&d.table))),
            S::DropConstraint(d) => one(A::Lock(self.obj(&d.table))),
            S::RenameConstraint(r) => one(A::Lock(self.obj(&r.table))),
            S::DropNotNull(d) => one(A::Lock(self.obj(&d.table))),
            S::AddIdentity(a) => one(A::Lock(self.obj(&a.table))),
            S::DropIdentity(d) => one(A::Lock(self.obj(&d.table))),
            S::SetGenerated(g) => one(A::Lock(self.obj(&g.table))),
            S::RowSecurity(r) => one(A::Lock(self.obj(&r.table))),
            // SHARE UPDATE EXCLUSIVE for every parameter but `user_catalog_table`, which
            // takes ACCESS EXCLUSIVE; an index's are on the index, not its table.
            S::AlterStorage(a) if !a.index && a.change.names().any(|n| n == "user_catalog_table") => {
                one(A::Lock(self.obj(&a.name)))
            }
            S::AlterStorage(_) => Vec::new(),
            S::CreatePolicy(c) => one(A::Lock(self.obj(&c.table))),
            S::DropPolicy(d) => one(A::Lock(self.obj(&d.table))),
            S::RawSql(raw) => self.raw(raw, before),
            // A revision's `lock_timeout` is set in every one of its transactions.
            S::Set(s) if s.name.value == "lock_timeout" && in_force(&s.value) => {
                one(A::LockTimeout { local: false })
            }
            S::Set(_) => Vec::new(),
            S::CreateSchema(_)
            | S::DropSchema(_)
            | S::DropType(_)
            | S::AlterTypeAddValue(_)
            | S::CreateExtension(_)
            | S::DropExtension(_)
            | S::AssumeTable(_)
            | S::AssumeType(_)
            | S::AssumeExtension(_)
            | S::RenameType(_)
            | S::AssumeIndex(_)
            | S::AssumeConstraint(_)
            | S::Comment(_)
            | S::SetColumnOption(_)
            | S::SetSchema(_)
            | S::Grant(_)
            | S::Revoke(_)
            | S::AssumeRole(_)
            | S::CreateRoutine(_)
            | S::AssumeRoutine(_)
            | S::DropRoutine(_)
            | S::RenameRoutine(_)
            | S::CreateTrigger(_)
            | S::DropTrigger(_)
            | S::CreateView(_)
            | S::AssumeView(_)
            | S::RefreshView(_)
            | S::DropView(_)
            | S::RenameView(_)
            | S::CreateSequence(_)
            | S::AssumeSequence(_)
            | S::AlterSequence(_)
            | S::RenameSequence(_)
            | S::DropSequence(_)
            // SHARE UPDATE EXCLUSIVE on the index since PostgreSQL 12: nothing to judge.
            | S::RenameIndex(_) => Vec::new(),
        }
    }

    /// The actions of the statements of a raw block that the rules can judge; the
    /// others are left to the reviewer.
    fn raw(&self, raw: &RawSql, before: &Model) -> Vec<Action> {
        let text = raw.text.as_str();
        pgsql::parse(text, |tree| {
            let mut actions: Vec<Action> = Vec::new();
            // Tables renamed earlier in the block: an index's table, looked up in the model
            // before the block, goes by its new name after.
            let mut renamed: Vec<(ObjName, ObjName)> = Vec::new();
            for statement in &tree.stmts {
                let range = pgsql::statement_range(text, statement);
                let span = raw.body.inside(text, range.start, range.end);
                let Some(node) = statement.stmt.as_ref().and_then(|s| s.node.as_ref()) else {
                    continue;
                };
                for mut kind in self.raw_statement(node, &text[range], before) {
                    match &mut kind {
                        ActionKind::RenameTable { table, to } => {
                            renamed.push((table.clone(), to.clone()));
                        }
                        ActionKind::DropIndex {
                            table: Some(table), ..
                        } => {
                            for (old, new) in &renamed {
                                if table == old {
                                    *table = new.clone();
                                }
                            }
                        }
                        _ => {}
                    }
                    actions.push(Action { kind, span });
                }
            }
            actions
        })
        .unwrap_or_default()
    }

    fn raw_statement(&self, node: &N, text: &str, before: &Model) -> Vec<ActionKind> {
        use ActionKind as A;
        match node {
            N::CreateStmt(c) => c
                .relation
                .as_ref()
                .map(|r| A::Create(self.range_var(r)))
                .into_iter()
                .collect(),
            N::IndexStmt(i) => i
                .relation
                .as_ref()
                .map(|r| A::CreateIndex {
                    table: self.range_var(r),
                    concurrently: i.concurrent,
                })
                .into_iter()
                .collect(),
            N::DropStmt(d) if d.remove_type == ObjectType::ObjectIndex as i32 => d
                .objects
                .iter()
                .filter_map(|o| self.dotted(o))
                .map(|index| A::DropIndex {
                    table: before.indexes.get(&index).map(|i| i.table.clone()),
                    index,
                    concurrently: d.concurrent,
                })
                .collect(),
            N::DropStmt(d) if d.remove_type == ObjectType::ObjectTable as i32 => d
                .objects
                .iter()
                .filter_map(|o| self.dotted(o))
                .map(A::DropTable)
                .collect(),
            N::RenameStmt(r) => {
                let Some(relation) = &r.relation else {
                    return Vec::new();
                };
                let table = self.range_var(relation);
                if r.rename_type == ObjectType::ObjectColumn as i32 {
                    vec![A::RenameColumn {
                        table,
                        column: r.subname.clone(),
                        to: r.newname.clone(),
                    }]
                } else if r.rename_type == ObjectType::ObjectTable as i32 {
                    let to = ObjName::new(table.schema(), &r.newname);
                    vec![A::RenameTable { table, to }]
                } else {
                    Vec::new()
                }
            }
            N::UpdateStmt(u) => u
                .relation
                .as_ref()
                .map(|r| A::DataChange {
                    verb: "UPDATE",
                    table: self.range_var(r),
                })
                .into_iter()
                .collect(),
            N::DeleteStmt(d) => d
                .relation
                .as_ref()
                .map(|r| A::DataChange {
                    verb: "DELETE",
                    table: self.range_var(r),
                })
                .into_iter()
                .collect(),
            // `0` (or `DEFAULT`, which is 0) turns the timeout off: not a timeout in force.
            N::VariableSetStmt(s) if s.name.eq_ignore_ascii_case("lock_timeout") => {
                if super::timeout_in_force(text) {
                    vec![A::LockTimeout { local: s.is_local }]
                } else {
                    Vec::new()
                }
            }
            // `ACCESS EXCLUSIVE` is PostgreSQL's lock mode 8.
            N::LockStmt(l) if l.mode == 8 => l
                .relations
                .iter()
                .filter_map(|r| match &r.node {
                    Some(N::RangeVar(r)) => Some(A::Lock(self.range_var(r))),
                    _ => None,
                })
                .collect(),
            N::AlterTableStmt(a) if a.objtype == ObjectType::ObjectTable as i32 => {
                let Some(relation) = &a.relation else {
                    return Vec::new();
                };
                let table = self.range_var(relation);
                a.cmds
                    .iter()
                    .filter_map(|c| match &c.node {
                        Some(N::AlterTableCmd(cmd)) => self.alter_table(&table, cmd, text),
                        _ => None,
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    fn alter_table(
        &self,
        table: &ObjName,
        cmd: &protobuf::AlterTableCmd,
        text: &str,
    ) -> Option<ActionKind> {
        use ActionKind as A;
        let table = table.clone();
        let def = cmd.def.as_ref().and_then(|d| d.node.as_ref());
        let subtype = cmd.subtype;
        let is = |t: AlterTableType| subtype == t as i32;
        Some(if is(AlterTableType::AtAddColumn) {
            let Some(N::ColumnDef(column)) = def else {
                return None;
            };
            let constraint = |kind: ConstrType| {
                column
                    .constraints
                    .iter()
                    .any(|c| matches!(&c.node, Some(N::Constraint(c)) if c.contype == kind as i32))
            };
            let serial = column.type_name.as_ref().is_some_and(|t| {
                t.names
                    .last()
                    .is_some_and(|n| matches!(&n.node, Some(N::String(s)) if is_serial(&s.sval)))
            });
            let fill = if constraint(ConstrType::ConstrIdentity) {
                Fill::PerRow("an identity column".to_owned())
            } else if constraint(ConstrType::ConstrGenerated) {
                Fill::PerRow("a stored generated column".to_owned())
            } else if serial {
                Fill::PerRow("a serial column (its default is `nextval()`)".to_owned())
            } else if constraint(ConstrType::ConstrDefault) {
                match volatile_call(text) {
                    Some(call) => Fill::PerRow(format!("a default that calls `{call}()`")),
                    None => Fill::Constant,
                }
            } else {
                Fill::Nothing
            };
            A::AddColumn {
                table,
                column: column.colname.clone(),
                not_null: column.is_not_null
                    || constraint(ConstrType::ConstrNotnull)
                    || constraint(ConstrType::ConstrPrimary),
                fill,
            }
        } else if is(AlterTableType::AtAddConstraint) {
            let Some(N::Constraint(c)) = def else {
                return None;
            };
            let kind = match ConstrType::try_from(c.contype).ok()? {
                ConstrType::ConstrForeign => Added::ForeignKey {
                    references: self.range_var(c.pktable.as_ref()?),
                },
                ConstrType::ConstrCheck => Added::Check,
                ConstrType::ConstrUnique => Added::Unique,
                ConstrType::ConstrPrimary => Added::PrimaryKey,
                ConstrType::ConstrExclusion => Added::Exclusion,
                _ => return Some(A::Lock(table)),
            };
            A::AddConstraint {
                table,
                name: (!c.conname.is_empty()).then(|| c.conname.clone()),
                kind,
                not_valid: c.skip_validation,
                using_index: !c.indexname.is_empty(),
            }
        } else if is(AlterTableType::AtValidateConstraint) {
            A::Validate {
                table,
                name: cmd.name.clone(),
            }
        } else if is(AlterTableType::AtSetNotNull) {
            A::SetNotNull {
                table,
                column: cmd.name.clone(),
            }
        } else if is(AlterTableType::AtDropColumn) {
            A::DropColumn {
                table,
                column: cmd.name.clone(),
            }
        } else if is(AlterTableType::AtColumnDefault) && def.is_none() {
            A::DropDefault {
                table,
                column: cmd.name.clone(),
            }
        } else if is(AlterTableType::AtAlterColumnType) || is(AlterTableType::AtColumnDefault) {
            A::Lock(table)
        } else {
            return None;
        })
    }
}

/// Whether a timeout's value turns it on (`0` turns it off).
fn in_force(value: &crate::syntax::ast::Literal) -> bool {
    use crate::syntax::ast::Literal;
    match value {
        Literal::String(s) => super::timeout_in_force(&s.value),
        Literal::Number(n) => super::timeout_in_force(&n.value),
        _ => false,
    }
}

fn is_serial(name: &str) -> bool {
    matches!(
        name,
        "serial" | "serial2" | "serial4" | "serial8" | "smallserial" | "bigserial"
    )
}

/// What an added native column holds in the rows that exist.
fn native_fill(column: &ColumnDef) -> Fill {
    if let TypeKind::Named { name, .. } = &column.data_type.kind {
        if name.schema.is_none() && is_serial(&name.name.value) {
            return Fill::PerRow("a serial column (its default is `nextval()`)".to_owned());
        }
    }
    for constraint in &column.constraints {
        match &constraint.kind {
            ColumnConstraintKind::Identity(_) => {
                return Fill::PerRow("an identity column".to_owned())
            }
            ColumnConstraintKind::Generated(_) => {
                return Fill::PerRow("a stored generated column".to_owned())
            }
            ColumnConstraintKind::Default(DefaultValue::Expr(e)) => {
                return match volatile_call(&e.text) {
                    Some(call) => Fill::PerRow(format!("a default that calls `{call}()`")),
                    None => Fill::Constant,
                }
            }
            ColumnConstraintKind::Default(DefaultValue::Literal(_)) => return Fill::Constant,
            _ => {}
        }
    }
    Fill::Nothing
}

/// PostgreSQL's volatile functions that column defaults call: each row gets a value of
/// its own. (A function of the project's own is volatile unless declared otherwise;
/// strata does not know those, and says so in the rule's page.)
const VOLATILE: &[&str] = &[
    "clock_timestamp",
    "gen_random_uuid",
    "nextval",
    "random",
    "random_normal",
    "timeofday",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
];

/// The first call of a volatile function in `text`: a name right before `(`, as
/// PostgreSQL's scanner reads it (so that a name in a string or comment does not count).
fn volatile_call(text: &str) -> Option<String> {
    use pg_query::protobuf::Token;
    let tokens = pgsql::tokens(text)?;
    tokens.windows(2).find_map(|pair| {
        let [name, open] = pair else { return None };
        if !pgsql::is(open, Token::Ascii40) {
            return None;
        }
        let word = text.get(usize::try_from(name.start).ok()?..usize::try_from(name.end).ok()?)?;
        let word = word.trim_matches('"').to_ascii_lowercase();
        VOLATILE.contains(&word.as_str()).then_some(word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_calls_are_found_by_the_scanner() {
        assert_eq!(
            volatile_call("gen_random_uuid()").as_deref(),
            Some("gen_random_uuid")
        );
        assert_eq!(
            volatile_call("pg_catalog.random ()").as_deref(),
            Some("random")
        );
        assert_eq!(volatile_call("now()"), None);
        assert_eq!(volatile_call("'random()'"), None);
    }

    fn raw_actions(text: &str) -> Vec<ActionKind> {
        let body = Span {
            file: crate::source::FileId(0),
            start: 0,
            end: text.len() as u32,
            line: 1,
            col: 1,
        };
        let raw = RawSql {
            text: text.to_owned(),
            data: false,
            nontransactional: false,
            body,
            made: Vec::new(),
        };
        let names = Names {
            default_schema: "public",
        };
        names
            .raw(&raw, &Model::empty("public"))
            .into_iter()
            .map(|a| a.kind)
            .collect()
    }

    #[test]
    fn a_lock_timeout_of_zero_is_none() {
        assert!(matches!(
            raw_actions("SET LOCAL lock_timeout = '5s'").as_slice(),
            [ActionKind::LockTimeout { local: true }]
        ));
        assert!(matches!(
            raw_actions("SET lock_timeout = 250").as_slice(),
            [ActionKind::LockTimeout { local: false }]
        ));
        assert!(raw_actions("SET lock_timeout = 0").is_empty());
        assert!(raw_actions("SET LOCAL lock_timeout TO DEFAULT").is_empty());
    }

    #[test]
    fn raw_statements_become_actions() {
        let kinds = raw_actions(
            "CREATE INDEX CONCURRENTLY i ON s.t (a); UPDATE t SET a = 1; \
             ALTER TABLE t ADD COLUMN c int NOT NULL, ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES u NOT VALID; \
             SELECT 1",
        );
        assert_eq!(kinds.len(), 4, "{kinds:?}");
        assert!(
            matches!(&kinds[0], ActionKind::CreateIndex { table, concurrently: true }
            if table.schema() == "s" && table.name() == "t")
        );
        assert!(matches!(
            &kinds[1],
            ActionKind::DataChange { verb: "UPDATE", .. }
        ));
        assert!(matches!(
            &kinds[2],
            ActionKind::AddColumn {
                not_null: true,
                fill: Fill::Nothing,
                ..
            }
        ));
        assert!(matches!(
            &kinds[3],
            ActionKind::AddConstraint {
                not_valid: true,
                kind: Added::ForeignKey { .. },
                ..
            }
        ));
    }

    #[test]
    fn a_span_inside_a_raw_block_counts_lines_and_characters() {
        let body = Span {
            file: crate::source::FileId(0),
            start: 100,
            end: 200,
            line: 5,
            col: 10,
        };
        let text = "SELECT 1;\n  é UPDATE t SET a = 1";
        let at = text.find("UPDATE").unwrap();
        let span = body.inside(text, at, text.len());
        assert_eq!((span.line, span.col, span.start), (6, 5, 100 + at as u32));
        let span = body.inside(text, 7, 8);
        assert_eq!((span.line, span.col), (5, 17));
    }
}
