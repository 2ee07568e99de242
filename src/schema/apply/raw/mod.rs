//! Raw blocks the model understands. The statements of a raw `sql` block that
//! PostgreSQL's parser reads as renames and drops of objects the model knows (`ALTER
//! INDEX ... RENAME`, `ALTER TABLE ... RENAME [COLUMN | CONSTRAINT]`, `ALTER TYPE ...
//! RENAME TO`, `DROP INDEX`, `DROP TABLE`, `DROP FUNCTION`, `ALTER TABLE` dropping a
//! column, a constraint, `NOT NULL` or a default), and creates it has native forms for
//! (tables, views, functions: `creates`; sequences; indexes on plain columns;
//! constraints made of an index), are applied to the model as their native statements
//! are, so that it does not drift from the database. The others, and those the model
//! refuses (an object it never knew, a drop that `CASCADE` would carry further), stay
//! invisible to it: `check --verbose` lists them.

use pg_query::protobuf::{self, node::Node as N, AlterTableType, DropBehavior, ObjectType};

use super::*;
use crate::diagnostic::Severity;
use crate::pgsql;

mod creates;

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
                        .and_then(|node| native(node, text, span));
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
            let _ = self.apply_keeping_fates(&mut kind, span);
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

/// The native statements a raw statement is, when the model can follow it (`text` is the
/// block's).
fn native(node: &N, text: &str, span: Span) -> Option<Vec<StatementKind>> {
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
        N::RenameStmt(r)
            if r.rename_type == ObjectType::ObjectView as i32
                || r.rename_type == ObjectType::ObjectMatview as i32 =>
        {
            Some(vec![S::RenameView(RenameView {
                materialized: r.rename_type == ObjectType::ObjectMatview as i32,
                name: qualified(r.relation.as_ref()?, span),
                new_name: ident(&r.newname, span),
            })])
        }
        N::RenameStmt(r) if r.rename_type == ObjectType::ObjectSequence as i32 => {
            Some(vec![S::RenameSequence(RenameSequence {
                name: qualified(r.relation.as_ref()?, span),
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
        N::DropStmt(d)
            if d.behavior != cascade
                && !d.missing_ok
                && (d.remove_type == ObjectType::ObjectFunction as i32
                    || d.remove_type == ObjectType::ObjectProcedure as i32) =>
        {
            let procedure = d.remove_type == ObjectType::ObjectProcedure as i32;
            d.objects
                .iter()
                .map(|o| match &o.node {
                    Some(N::ObjectWithArgs(f)) => Some(S::DropRoutine(DropRoutine {
                        routine: creates::routine_ref(f, procedure, span)?,
                    })),
                    _ => None,
                })
                .collect()
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
            } else if (d.remove_type == ObjectType::ObjectView as i32
                || d.remove_type == ObjectType::ObjectMatview as i32)
                && !d.missing_ok
            {
                let materialized = d.remove_type == ObjectType::ObjectMatview as i32;
                Some(
                    names
                        .into_iter()
                        .map(|name| S::DropView(DropView { materialized, name }))
                        .collect(),
                )
            } else if d.remove_type == ObjectType::ObjectSequence as i32 && !d.missing_ok {
                Some(
                    names
                        .into_iter()
                        .map(|name| S::DropSequence(DropSequence { name }))
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
        N::IndexStmt(i) => create_index(i, span).map(|c| vec![S::CreateIndex(c)]),
        N::CreateStmt(c) => creates::table(c, span).map(|k| vec![k]),
        N::ViewStmt(v) => creates::view(v, span).map(|k| vec![k]),
        N::CreateTableAsStmt(c) => creates::materialized_view(c, span).map(|k| vec![k]),
        N::CreateFunctionStmt(f) => creates::routine(f, text, span).map(|k| vec![k]),
        N::CreateSeqStmt(c) if !c.if_not_exists => {
            Some(vec![S::CreateSequence(Box::new(CreateSequence {
                name: qualified(c.sequence.as_ref()?, span),
                options: sequence_options(&c.options, span)?,
            }))])
        }
        N::AlterSeqStmt(a) if !a.missing_ok => {
            Some(vec![S::AlterSequence(Box::new(AlterSequence {
                name: qualified(a.sequence.as_ref()?, span),
                options: sequence_options(&a.options, span)?,
            }))])
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

/// `CREATE [UNIQUE] INDEX [CONCURRENTLY] NAME ON TABLE [USING METHOD] (COLUMNS) [INCLUDE
/// (...)] [NULLS NOT DISTINCT]` on plain columns, as the native statement; `None` for
/// what strata would need the text of (an expression, a `WHERE`), options, a
/// tablespace, or `IF NOT EXISTS` (which may create nothing).
fn create_index(i: &protobuf::IndexStmt, span: Span) -> Option<CreateIndex> {
    if i.if_not_exists
        || i.where_clause.is_some()
        || !i.options.is_empty()
        || !i.table_space.is_empty()
        || i.idxname.is_empty()
    {
        return None;
    }
    fn column(node: &protobuf::Node) -> Option<&protobuf::IndexElem> {
        match &node.node {
            Some(N::IndexElem(e)) if e.expr.is_none() && !e.name.is_empty() => Some(e),
            _ => None,
        }
    }
    // A dotted name from the parts PostgreSQL's parser gives (a collation, an operator
    // class), or `None` when there is none.
    let parts = |items: &[protobuf::Node]| -> Option<Option<QualifiedName>> {
        if items.is_empty() {
            return Some(None);
        }
        let list = protobuf::Node {
            node: Some(N::List(protobuf::List {
                items: items.to_vec(),
            })),
        };
        dotted(&list, span).map(Some)
    };
    let keys = i
        .index_params
        .iter()
        .map(|node| {
            let e = column(node)?;
            if !e.opclassopts.is_empty() {
                return None;
            }
            Some(IndexKey {
                target: IndexTarget::Column(ident(&e.name, span)),
                collation: parts(&e.collation)?,
                opclass: parts(&e.opclass)?,
                order: match e.ordering {
                    o if o == protobuf::SortByDir::SortbyAsc as i32 => Some(SortOrder::Asc),
                    o if o == protobuf::SortByDir::SortbyDesc as i32 => Some(SortOrder::Desc),
                    _ => None,
                },
                nulls: match e.nulls_ordering {
                    n if n == protobuf::SortByNulls::SortbyNullsFirst as i32 => {
                        Some(NullsOrder::First)
                    }
                    n if n == protobuf::SortByNulls::SortbyNullsLast as i32 => {
                        Some(NullsOrder::Last)
                    }
                    _ => None,
                },
                span,
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let include = i
        .index_including_params
        .iter()
        .map(|node| column(node).map(|e| ident(&e.name, span)))
        .collect::<Option<Vec<_>>>()?;
    Some(CreateIndex {
        unique: i.unique,
        concurrently: i.concurrent,
        name: Some(ident(&i.idxname, span)),
        table: qualified(i.relation.as_ref()?, span),
        method: (!i.access_method.is_empty() && i.access_method != "btree")
            .then(|| ident(&i.access_method, span)),
        keys,
        include,
        nulls_not_distinct: i.nulls_not_distinct,
        storage: Vec::new(),
        predicate: None,
    })
}

/// The options of `CREATE` or `ALTER SEQUENCE` as the native statement's, or `None`
/// when one is not among them.
fn sequence_options(options: &[protobuf::Node], span: Span) -> Option<SequenceOptions> {
    let mut o = SequenceOptions::default();
    for option in options {
        let Some(N::DefElem(d)) = &option.node else {
            return None;
        };
        let arg = d.arg.as_deref().and_then(|a| a.node.as_ref());
        let number = || -> Option<i64> {
            match arg? {
                N::Integer(i) => Some(i64::from(i.ival)),
                // Beyond 32 bits the parser keeps the digits as a float's text.
                N::Float(f) => f.fval.parse().ok(),
                _ => None,
            }
        };
        // `NO MINVALUE` has no argument: `Some(None)`; a number, `Some(Some(n))`.
        let bound = || -> Option<Option<i64>> {
            match arg {
                None => Some(None),
                Some(_) => number().map(Some),
            }
        };
        match d.defname.as_str() {
            "as" => {
                let Some(N::TypeName(t)) = arg else {
                    return None;
                };
                let name = match t.names.last()?.node.as_ref()? {
                    N::String(s) => s.sval.as_str(),
                    _ => return None,
                };
                o.data_type = Some(spanned(span, SequenceType::named(name)?));
            }
            "increment" => o.increment = Some(spanned(span, number()?)),
            "minvalue" => o.min = Some(spanned(span, bound()?)),
            "maxvalue" => o.max = Some(spanned(span, bound()?)),
            "start" => o.start = Some(spanned(span, number()?)),
            "restart" => o.restart = Some(spanned(span, bound()?)),
            "cache" => o.cache = Some(spanned(span, number()?)),
            "cycle" => {
                let Some(N::Boolean(b)) = arg else {
                    return None;
                };
                o.cycle = Some(spanned(span, b.boolval));
            }
            "owned_by" => {
                let Some(N::List(list)) = arg else {
                    return None;
                };
                let parts: Vec<&str> = list
                    .items
                    .iter()
                    .map(|i| match &i.node {
                        Some(N::String(s)) => Some(s.sval.as_str()),
                        _ => None,
                    })
                    .collect::<Option<_>>()?;
                let owner = match parts.as_slice() {
                    ["none"] => None,
                    [.., table, column] => Some(OwnedBy {
                        table: QualifiedName {
                            schema: parts.len().checked_sub(3).map(|i| ident(parts[i], span)),
                            name: ident(table, span),
                        },
                        column: ident(column, span),
                    }),
                    _ => return None,
                };
                o.owned_by = Some(spanned(span, owner));
            }
            _ => return None,
        }
    }
    Some(o)
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
    } else if is(AlterTableType::AtAddIndexConstraint) || is(AlterTableType::AtAddConstraint) {
        // Only `ADD ... USING INDEX`: other constraints are read by the lint, not followed.
        let Some(N::Constraint(c)) = cmd.def.as_deref().and_then(|d| d.node.as_ref()) else {
            return None;
        };
        let primary_key = c.contype == protobuf::ConstrType::ConstrPrimary as i32;
        if c.indexname.is_empty()
            || !(primary_key || c.contype == protobuf::ConstrType::ConstrUnique as i32)
        {
            return None;
        }
        S::AddConstraintUsingIndex(AddConstraintUsingIndex {
            table,
            name: (!c.conname.is_empty()).then(|| ident(&c.conname, span)),
            primary_key,
            index: ident(&c.indexname, span),
            deferrable: (c.deferrable || c.initdeferred).then_some(Deferrability {
                deferrable: true,
                initially_deferred: c.initdeferred,
            }),
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
