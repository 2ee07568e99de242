//! Raw `CREATE TABLE`, `CREATE [MATERIALIZED] VIEW` and `CREATE FUNCTION|PROCEDURE` as
//! their native statements, when everything they say has a native form: columns with
//! their types, defaults, identity, collation and constraints; keys, checks and foreign
//! keys; partitioning, partitions and storage parameters; a view's query; a routine's
//! arguments, result, language, options and body. Expressions and queries are written
//! as PostgreSQL's deparser writes them from the tree it read. Anything else (`LIKE`,
//! `INHERITS`, a temporary or unlogged table, a tablespace, `OUT` arguments, ...) leaves
//! the statement unfollowed, for `check --verbose` to list.

use pg_query::protobuf::{
    self, node::Node as N, ConstrType, FunctionParameterMode, ObjectType, PartitionStrategy,
    ViewCheckOption,
};

use super::{ident, qualified};
use crate::pgsql;
use crate::source::Span;
use crate::syntax::ast::*;

/// The strings of a list of `String` nodes (`keys`, `aliases`), or `None` if one is not.
fn strings(nodes: &[protobuf::Node]) -> Option<Vec<&str>> {
    nodes
        .iter()
        .map(|n| match &n.node {
            Some(N::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect()
}

fn idents(nodes: &[protobuf::Node], span: Span) -> Option<Vec<Ident>> {
    Some(
        strings(nodes)?
            .into_iter()
            .map(|s| ident(s, span))
            .collect(),
    )
}

fn expr(node: &protobuf::Node, span: Span) -> Option<SqlExpr> {
    Some(SqlExpr {
        text: pgsql::expression_text(node)?,
        span,
    })
}

/// A type as the native statement has it: the SQL names of PostgreSQL's own types
/// (`pg_catalog.int4` is `integer`), with modifiers and array dimensions; `None` for a
/// form the language has no words for (`%TYPE`, an interval's fields).
pub(super) fn data_type(t: &protobuf::TypeName, span: Span) -> Option<DataType> {
    if t.pct_type || t.setof {
        return None;
    }
    let modifiers: Vec<i64> = t
        .typmods
        .iter()
        .map(|m| match &m.node {
            Some(N::AConst(c)) => match &c.val {
                Some(protobuf::a_const::Val::Ival(i)) => Some(i64::from(i.ival)),
                _ => None,
            },
            _ => None,
        })
        .collect::<Option<_>>()?;
    let names = strings(&t.names)?;
    let named = |schema: Option<&str>, name: &str, modifiers: Vec<i64>| TypeKind::Named {
        name: QualifiedName {
            schema: schema.map(|s| ident(s, span)),
            name: ident(name, span),
        },
        modifiers,
    };
    let multi = |name: MultiWordType, modifiers: Vec<i64>| TypeKind::MultiWord { name, modifiers };
    let kind = match names.as_slice() {
        ["pg_catalog", builtin] => match *builtin {
            "int2" => named(None, "smallint", modifiers),
            "int4" => named(None, "integer", modifiers),
            "int8" => named(None, "bigint", modifiers),
            "float4" => named(None, "real", modifiers),
            "float8" => multi(MultiWordType::DoublePrecision, modifiers),
            "bool" => named(None, "boolean", modifiers),
            "varchar" => multi(MultiWordType::CharacterVarying, modifiers),
            "bpchar" => named(None, "character", modifiers),
            "varbit" => multi(MultiWordType::BitVarying, modifiers),
            // Its modifiers encode the fields (`interval day`), which the language lacks.
            "interval" if !modifiers.is_empty() => return None,
            other => named(None, other, modifiers),
        },
        [name] => named(None, name, modifiers),
        [schema, name] => named(Some(schema), name, modifiers),
        _ => return None,
    };
    Some(DataType {
        kind,
        array_dimensions: u32::try_from(t.array_bounds.len()).ok()?,
        span,
    })
}

fn referential_action(code: &str) -> Option<Option<ReferentialAction>> {
    Some(match code {
        "" | "a" => None,
        "r" => Some(ReferentialAction::Restrict),
        "c" => Some(ReferentialAction::Cascade),
        "n" => Some(ReferentialAction::SetNull),
        "d" => Some(ReferentialAction::SetDefault),
        _ => return None,
    })
}

fn foreign_reference(c: &protobuf::Constraint, span: Span) -> Option<ForeignReference> {
    // MATCH FULL or PARTIAL, `SET NULL (columns)`, periods: no native form.
    if !matches!(c.fk_matchtype.as_str(), "" | "s")
        || !c.fk_del_set_cols.is_empty()
        || c.fk_with_period
        || c.pk_with_period
    {
        return None;
    }
    Some(ForeignReference {
        table: qualified(c.pktable.as_ref()?, span),
        columns: idents(&c.pk_attrs, span)?,
        on_delete: referential_action(&c.fk_del_action)?,
        on_update: referential_action(&c.fk_upd_action)?,
        span,
    })
}

/// Whether a constraint says nothing the native one cannot: no index options,
/// `NO INHERIT`, `NOT ENFORCED` (which only checks and foreign keys record) or `NOT
/// VALID`.
fn plain(c: &protobuf::Constraint) -> bool {
    let enforceable = c.contype == ConstrType::ConstrCheck as i32
        || c.contype == ConstrType::ConstrForeign as i32;
    c.options.is_empty()
        && c.indexspace.is_empty()
        && c.indexname.is_empty()
        && c.including.is_empty()
        && !c.is_no_inherit
        && (c.is_enforced || !enforceable)
        && !c.skip_validation
        && !c.nulls_not_distinct
        && !c.without_overlaps
}

fn deferrability(c: &protobuf::Constraint) -> Option<Deferrability> {
    (c.deferrable || c.initdeferred).then_some(Deferrability {
        deferrable: true,
        initially_deferred: c.initdeferred,
    })
}

fn column(def: &protobuf::ColumnDef, span: Span) -> Option<ColumnDef> {
    if !def.compression.is_empty()
        || !def.storage.is_empty()
        || !def.storage_name.is_empty()
        || def.raw_default.is_some()
        || !def.fdwoptions.is_empty()
    {
        return None;
    }
    let mut constraints: Vec<ColumnConstraint> = Vec::new();
    if def.is_not_null {
        constraints.push(column_constraint(ColumnConstraintKind::NotNull, span));
    }
    for node in &def.constraints {
        let Some(N::Constraint(c)) = &node.node else {
            return None;
        };
        let kind = ConstrType::try_from(c.contype).ok()?;
        // `DEFERRABLE` and `INITIALLY ...` after a column constraint are nodes of their
        // own, for the constraint before them.
        let attribute = match kind {
            ConstrType::ConstrAttrDeferrable => Some((Some(true), None)),
            ConstrType::ConstrAttrNotDeferrable => Some((Some(false), None)),
            ConstrType::ConstrAttrDeferred => Some((None, Some(true))),
            ConstrType::ConstrAttrImmediate => Some((None, Some(false))),
            _ => None,
        };
        if let Some((deferrable, deferred)) = attribute {
            let last = constraints.last_mut()?;
            let d = last.deferrable.get_or_insert_with(Deferrability::default);
            if let Some(deferrable) = deferrable {
                d.deferrable = deferrable;
            }
            if let Some(deferred) = deferred {
                d.initially_deferred = deferred;
                d.deferrable |= deferred;
            }
            continue;
        }
        if !plain(c) {
            return None;
        }
        let raw = || c.raw_expr.as_deref();
        let kind = match kind {
            ConstrType::ConstrNull => ColumnConstraintKind::Null,
            ConstrType::ConstrNotnull => ColumnConstraintKind::NotNull,
            ConstrType::ConstrDefault => {
                ColumnConstraintKind::Default(DefaultValue::Expr(expr(raw()?, span)?))
            }
            ConstrType::ConstrCheck => ColumnConstraintKind::Check(expr(raw()?, span)?),
            ConstrType::ConstrPrimary => ColumnConstraintKind::PrimaryKey,
            ConstrType::ConstrUnique => ColumnConstraintKind::Unique,
            ConstrType::ConstrForeign => {
                ColumnConstraintKind::References(foreign_reference(c, span)?)
            }
            ConstrType::ConstrIdentity => {
                ColumnConstraintKind::Identity(match c.generated_when.as_str() {
                    "a" => IdentityKind::Always,
                    "d" => IdentityKind::ByDefault,
                    _ => return None,
                })
            }
            // Stored, as PostgreSQL 15 has them (`VIRTUAL` is 18's).
            ConstrType::ConstrGenerated if matches!(c.generated_kind.as_str(), "" | "s") => {
                ColumnConstraintKind::Generated(expr(raw()?, span)?)
            }
            _ => return None,
        };
        constraints.push(ColumnConstraint {
            name: (!c.conname.is_empty()).then(|| ident(&c.conname, span)),
            kind,
            deferrable: deferrability(c),
            span,
        });
    }
    if let Some(collate) = &def.coll_clause {
        let name = dotted_name(&collate.collname, span)?;
        constraints.push(column_constraint(ColumnConstraintKind::Collate(name), span));
    }
    Some(ColumnDef {
        name: ident(&def.colname, span),
        data_type: data_type(def.type_name.as_ref()?, span)?,
        constraints,
        span,
    })
}

fn column_constraint(kind: ColumnConstraintKind, span: Span) -> ColumnConstraint {
    ColumnConstraint {
        name: None,
        kind,
        deferrable: None,
        span,
    }
}

fn table_constraint(c: &protobuf::Constraint, span: Span) -> Option<TableConstraint> {
    if !plain(c) {
        return None;
    }
    let kind = match ConstrType::try_from(c.contype).ok()? {
        ConstrType::ConstrPrimary => TableConstraintKind::PrimaryKey(idents(&c.keys, span)?),
        ConstrType::ConstrUnique => TableConstraintKind::Unique(idents(&c.keys, span)?),
        ConstrType::ConstrCheck => TableConstraintKind::Check(expr(c.raw_expr.as_deref()?, span)?),
        ConstrType::ConstrForeign => TableConstraintKind::ForeignKey {
            columns: idents(&c.fk_attrs, span)?,
            references: foreign_reference(c, span)?,
        },
        _ => return None,
    };
    Some(TableConstraint {
        name: (!c.conname.is_empty()).then(|| ident(&c.conname, span)),
        kind,
        deferrable: deferrability(c),
        span,
    })
}

/// Storage parameters (`WITH (fillfactor = 70)`) as PostgreSQL keeps them.
pub(super) fn storage(options: &[protobuf::Node], span: Span) -> Option<Vec<StorageParam>> {
    options
        .iter()
        .map(|o| {
            let Some(N::DefElem(d)) = &o.node else {
                return None;
            };
            let name = if d.defnamespace.is_empty() {
                d.defname.clone()
            } else {
                format!("{}.{}", d.defnamespace, d.defname)
            };
            // `defGetString`'s reading of each kind of value.
            let value = match d.arg.as_deref().and_then(|a| a.node.as_ref()) {
                None => "true".to_owned(),
                Some(N::String(s)) => s.sval.clone(),
                Some(N::Integer(i)) => i.ival.to_string(),
                Some(N::Float(f)) => f.fval.clone(),
                Some(N::Boolean(b)) => b.boolval.to_string(),
                Some(N::TypeName(t)) => match strings(&t.names)?.as_slice() {
                    [word] if t.typmods.is_empty() && t.array_bounds.is_empty() => {
                        (*word).to_owned()
                    }
                    _ => return None,
                },
                Some(_) => return None,
            };
            Some(StorageParam {
                name: Spanned { value: name, span },
                value: Spanned { value, span },
            })
        })
        .collect()
}

/// `CREATE TABLE`, or `CREATE TABLE ... PARTITION OF`.
pub(super) fn table(c: &protobuf::CreateStmt, span: Span) -> Option<StatementKind> {
    let relation = c.relation.as_ref()?;
    if c.if_not_exists
        || relation.relpersistence != "p"
        || !c.inh_relations.is_empty() && c.partbound.is_none()
        || c.of_typename.is_some()
        || !c.constraints.is_empty()
        || !c.nnconstraints.is_empty()
        || !c.tablespacename.is_empty()
        || !c.access_method.is_empty()
        || c.oncommit > protobuf::OnCommitAction::OncommitNoop as i32
    {
        return None;
    }
    let name = qualified(relation, span);
    let storage = storage(&c.options, span)?;
    if let Some(bound) = &c.partbound {
        // `PARTITION OF parent FOR VALUES ...` of a table with nothing of its own.
        let [parent] = c.inh_relations.as_slice() else {
            return None;
        };
        let Some(N::RangeVar(parent)) = &parent.node else {
            return None;
        };
        if !c.table_elts.is_empty() || c.partspec.is_some() || bound.is_default {
            return None;
        }
        // Every enum set: libpg_query asserts on a value it has no name for.
        let alone = protobuf::CreateStmt {
            relation: Some(relation.clone()),
            inh_relations: c.inh_relations.clone(),
            partbound: Some(bound.clone()),
            oncommit: c.oncommit,
            ..Default::default()
        };
        let text = pgsql::deparse(N::CreateStmt(alone))?;
        let (_, bound_text) = text.split_once(" FOR VALUES ")?;
        return Some(StatementKind::CreatePartition(CreatePartition {
            name,
            parent: qualified(parent, span),
            bound: SqlExpr {
                text: bound_text.to_owned(),
                span,
            },
            storage,
        }));
    }
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    for element in &c.table_elts {
        match &element.node {
            Some(N::ColumnDef(def)) => columns.push(column(def, span)?),
            Some(N::Constraint(constraint)) => {
                constraints.push(table_constraint(constraint, span)?)
            }
            _ => return None,
        }
    }
    let partition_by = match &c.partspec {
        None => None,
        Some(spec) => {
            let strategy = match PartitionStrategy::try_from(spec.strategy).ok()? {
                PartitionStrategy::Range => crate::syntax::ast::PartitionStrategy::Range,
                PartitionStrategy::List => crate::syntax::ast::PartitionStrategy::List,
                PartitionStrategy::Hash => crate::syntax::ast::PartitionStrategy::Hash,
                PartitionStrategy::Undefined => return None,
            };
            let columns = spec
                .part_params
                .iter()
                .map(|p| match &p.node {
                    Some(N::PartitionElem(e))
                        if e.expr.is_none() && e.collation.is_empty() && e.opclass.is_empty() =>
                    {
                        Some(ident(&e.name, span))
                    }
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            Some(PartitionBy {
                strategy,
                columns,
                span,
            })
        }
    };
    Some(StatementKind::CreateTable(CreateTable {
        name,
        columns,
        constraints,
        partition_by,
        storage,
    }))
}

/// `CREATE [OR REPLACE] VIEW name [(columns)] AS query`, without options or a check
/// option.
pub(super) fn view(v: &protobuf::ViewStmt, span: Span) -> Option<StatementKind> {
    let relation = v.view.as_ref()?;
    if relation.relpersistence != "p"
        || !v.options.is_empty()
        || v.with_check_option > ViewCheckOption::NoCheckOption as i32
    {
        return None;
    }
    let query = v.query.as_deref()?.node.clone()?;
    Some(StatementKind::CreateView(CreateView {
        or_replace: v.replace,
        materialized: false,
        name: qualified(relation, span),
        columns: idents(&v.aliases, span)?,
        query: SqlExpr {
            text: pgsql::deparse(query)?,
            span,
        },
        with_no_data: false,
    }))
}

/// `CREATE MATERIALIZED VIEW name [(columns)] AS query [WITH [NO] DATA]`.
pub(super) fn materialized_view(
    c: &protobuf::CreateTableAsStmt,
    span: Span,
) -> Option<StatementKind> {
    let into = c.into.as_deref()?;
    if c.objtype != ObjectType::ObjectMatview as i32
        || c.if_not_exists
        || !into.options.is_empty()
        || !into.access_method.is_empty()
        || !into.table_space_name.is_empty()
    {
        return None;
    }
    let query = c.query.as_deref()?.node.clone()?;
    Some(StatementKind::CreateView(CreateView {
        or_replace: false,
        materialized: true,
        name: qualified(into.rel.as_ref()?, span),
        columns: idents(&into.col_names, span)?,
        query: SqlExpr {
            text: pgsql::deparse(query)?,
            span,
        },
        with_no_data: into.skip_data,
    }))
}

/// `CREATE [OR REPLACE] FUNCTION|PROCEDURE` with input arguments without defaults, a
/// result (`RETURNS [SETOF] type`), and the options the language has, its body in a
/// string (`text` is the block, for how a setting's value was written).
pub(super) fn routine(
    f: &protobuf::CreateFunctionStmt,
    text: &str,
    span: Span,
) -> Option<StatementKind> {
    if f.sql_body.is_some() {
        return None;
    }
    let name = dotted_name(&f.funcname, span)?;
    let args = f
        .parameters
        .iter()
        .map(|p| match &p.node {
            Some(N::FunctionParameter(p))
                if p.defexpr.is_none()
                    && matches!(
                        FunctionParameterMode::try_from(p.mode).ok()?,
                        FunctionParameterMode::FuncParamIn
                            | FunctionParameterMode::FuncParamDefault
                    ) =>
            {
                Some(RoutineArg {
                    name: (!p.name.is_empty()).then(|| ident(&p.name, span)),
                    data_type: data_type(p.arg_type.as_ref()?, span)?,
                })
            }
            _ => None,
        })
        .collect::<Option<Vec<_>>>()?;
    let returns = match (&f.return_type, f.is_procedure) {
        (None, true) => None,
        (Some(t), false) => {
            let unset = protobuf::TypeName {
                setof: false,
                ..t.clone()
            };
            Some(Returns {
                setof: t.setof,
                data_type: data_type(&unset, span)?,
            })
        }
        _ => return None,
    };
    let mut body = None;
    let mut language = None;
    let mut volatility = None;
    let mut security_definer = None;
    let mut strict = false;
    let mut settings = Vec::new();
    for option in &f.options {
        let Some(N::DefElem(d)) = &option.node else {
            return None;
        };
        let arg = d.arg.as_deref().and_then(|a| a.node.as_ref());
        match (d.defname.as_str(), arg) {
            ("as", Some(N::List(list))) => match strings(&list.items)?.as_slice() {
                [text] => body = Some((*text).to_owned()),
                _ => return None,
            },
            ("language", Some(N::String(s))) => language = Some(ident(&s.sval, span)),
            ("volatility", Some(N::String(s))) => {
                volatility = Some(match s.sval.as_str() {
                    "immutable" => Volatility::Immutable,
                    "stable" => Volatility::Stable,
                    "volatile" => Volatility::Volatile,
                    _ => return None,
                })
            }
            ("security", Some(N::Boolean(b))) => security_definer = Some(b.boolval),
            ("strict", Some(N::Boolean(b))) => strict = b.boolval,
            ("set", Some(N::VariableSetStmt(s))) => settings.push(setting(s, text, span)?),
            _ => return None,
        }
    }
    Some(StatementKind::CreateRoutine(Box::new(CreateRoutine {
        or_replace: f.replace,
        procedure: f.is_procedure,
        name,
        args,
        returns,
        language: language?,
        volatility,
        security_definer,
        strict,
        settings,
        body: SqlExpr { text: body?, span },
    })))
}

/// A function or procedure as `DROP FUNCTION` names it: its name, and its argument
/// types when written.
pub(super) fn routine_ref(
    f: &protobuf::ObjectWithArgs,
    procedure: bool,
    span: Span,
) -> Option<RoutineRef> {
    let args = if f.args_unspecified {
        None
    } else {
        Some(
            f.objargs
                .iter()
                .map(|a| match &a.node {
                    Some(N::TypeName(t)) => Some(RoutineArg {
                        name: None,
                        data_type: data_type(t, span)?,
                    }),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?,
        )
    };
    Some(RoutineRef {
        procedure,
        name: dotted_name(&f.objname, span)?,
        args,
    })
}

/// A name PostgreSQL's parser gives as a list of strings, with its schema if written.
fn dotted_name(names: &[protobuf::Node], span: Span) -> Option<QualifiedName> {
    match strings(names)?.as_slice() {
        [name] => Some(QualifiedName {
            schema: None,
            name: ident(name, span),
        }),
        [schema, name] => Some(QualifiedName {
            schema: Some(ident(schema, span)),
            name: ident(name, span),
        }),
        _ => None,
    }
}

/// `SET name = value` of a routine: one quoted string is a string; bare words (or
/// several values) are names, as the language writes them.
fn setting(s: &protobuf::VariableSetStmt, text: &str, span: Span) -> Option<RoutineSetting> {
    if s.kind != protobuf::VariableSetKind::VarSetValue as i32 || s.is_local {
        return None;
    }
    let values: Vec<(&str, bool)> = s
        .args
        .iter()
        .map(|a| match &a.node {
            Some(N::AConst(c)) => match &c.val {
                Some(protobuf::a_const::Val::Sval(v)) => {
                    let quoted = usize::try_from(c.location)
                        .ok()
                        .and_then(|at| text.get(at..))
                        .is_some_and(|rest| rest.starts_with('\''));
                    Some((v.sval.as_str(), quoted))
                }
                _ => None,
            },
            _ => None,
        })
        .collect::<Option<_>>()?;
    let value = match values.as_slice() {
        [(value, true)] => SettingValue::String(Spanned {
            value: (*value).to_owned(),
            span,
        }),
        _ => SettingValue::Names(values.iter().map(|(v, _)| ident(v, span)).collect()),
    };
    Some(RoutineSetting {
        name: ident(&s.name, span),
        value,
    })
}
