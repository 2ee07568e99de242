//! Indexes: created (with PostgreSQL's names), dropped.

use super::*;
use crate::diagnostic::Code;
use crate::schema::reloptions::Holder;
use crate::schema::{expr, names};
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn create_index(&mut self, i: &mut CreateIndex, span: Span) -> Reversal {
        if !self.key_fits(i.keys.len() + i.include.len(), i.table.span()) {
            return Ok(Vec::new());
        }
        let Some((table, columns)) = self.indexed_relation(&i.table) else {
            return Ok(Vec::new());
        };
        // A materialized view whose columns the model cannot name: its keys are not
        // checked (PostgreSQL will).
        let checked = columns.is_some();
        let columns = columns.unwrap_or_default();
        let column_names: Vec<&str> = columns.iter().map(String::as_str).collect();
        // The columns it names, keys first, then `include`: each must be the table's.
        let named = i
            .keys
            .iter()
            .filter_map(|k| match &k.target {
                IndexTarget::Column(c) => Some(c),
                IndexTarget::Expr(_) => None,
            })
            .chain(&i.include);
        if let Some(c) = named
            .filter(|_| checked)
            .find(|c| !column_names.contains(&c.value.as_str()))
        {
            self.unknown(
                c.span,
                format!("table `{table}` has no column `{}`", c.value),
                Some(&Fated::Column(table.clone(), c.value.as_str().into())),
                &c.value,
                column_names.iter().copied(),
            );
            return Ok(Vec::new());
        }
        let holder = Holder::Index {
            method: i.method.as_ref().map_or("btree", |m| m.value.as_str()),
        };
        let Some(storage) = self.check_storage(holder, &i.storage) else {
            return Ok(Vec::new());
        };
        if let Some(method) = &i.method {
            // The table shared, not its columns copied (a materialized view has none).
            let table_of = self.model.tables.get(&table).cloned();
            let table_columns = table_of.as_deref().map_or(&[][..], |t| &t.columns[..]);
            let keys_fine = i
                .keys
                .iter()
                .all(|k| self.check_default_opclass(&method.value, k, table_columns));
            if !keys_fine {
                return Ok(Vec::new());
            }
        }
        let used = columns_used(&i.keys, &i.include, i.predicate.as_ref(), &column_names);
        let name = match &i.name {
            Some(n) => {
                let name = ObjName::new(table.schema(), &n.value);
                if !self.check_new_relation(&name, n.span, "index") {
                    return Ok(Vec::new());
                }
                name
            }
            None => {
                let addition = name_addition(&i.keys, i.include.iter().map(|c| c.value.as_str()));
                let model = &self.model;
                let chosen = names::choose_name(table.name(), Some(&addition), "idx", |n| {
                    model.relation(&ObjName::new(table.schema(), n)).is_some()
                });
                i.name = Some(ident(&chosen, span));
                ObjName::new(table.schema(), &chosen)
            }
        };
        let index = Index {
            table: table.clone(),
            unique: i.unique,
            method: i.method.as_ref().map(|m| m.value.as_str().into()),
            keys: i.keys.as_slice().into(),
            include: i.include.iter().map(|c| c.value.clone()).collect(),
            nulls_not_distinct: i.nulls_not_distinct,
            predicate: i.predicate.clone().map(Box::new),
            storage: StorageOptions(storage).boxed(),
            columns: used.into(),
            assumed: false,
        };
        self.model.add_index(name.clone(), index);
        Ok(vec![derived(
            S::DropIndex(DropIndex {
                concurrently: i.concurrently,
                if_exists: false,
                name: self.qualified(&name, span),
            }),
            span,
        )])
    }

    /// Whether a key's column has an operator class of `method` to index it by default:
    /// GiST has none for the scalar types until `btree_gist` gives them (the usual
    /// stumble with exclusion constraints, `exclude using gist (room with =, ...)`).
    pub(super) fn check_default_opclass(
        &mut self,
        method: &str,
        key: &IndexKey,
        columns: &[Column],
    ) -> bool {
        let IndexTarget::Column(c) = &key.target else {
            return true;
        };
        if method != "gist" || key.opclass.is_some() {
            return true;
        }
        let Some(column) = columns.iter().find(|col| col.name == c.value) else {
            return true;
        };
        let t = routines::type_name(&column.data_type);
        if !NEEDS_BTREE_GIST.contains(&t.as_str())
            || self.model.extensions.contains_key("btree_gist")
        {
            return true;
        }
        self.diagnostics.push(
            Diagnostic::error(
                Code::InvalidStatement,
                key.span,
                format!("data type {t} has no default operator class for access method \"gist\""),
            )
            .with_help(
                "`create extension btree_gist` (in an earlier statement) gives the scalar \
                 types GiST operator classes; or name an operator class after the key",
            ),
        );
        false
    }

    /// An error for an index the model does not know; the near names are its indexes
    /// and its constraints' indexes.
    pub(super) fn unknown_index(&mut self, name: &ObjName, span: Span) {
        let mut known = self.names_like(name, self.model.indexes.keys());
        for (table, t) in self
            .model
            .tables
            .iter()
            .filter(|(t, _)| t.schema() == name.schema())
        {
            known.extend(
                t.constraints
                    .iter()
                    .filter(|c| c.has_index())
                    .map(|c| ObjName::new(table.schema(), &c.name).to_string()),
            );
        }
        self.unknown_object(Fated::Index(name.clone()), &known, span);
    }

    /// The table (or materialized view) an index is made on, with its columns (`None`
    /// for a materialized view whose columns cannot be told), or an error.
    fn indexed_relation(&mut self, q: &QualifiedName) -> Option<(ObjName, Option<Vec<String>>)> {
        let name = self.obj(q);
        if let Some(view) = self.model.views.get(&name) {
            if !view.materialized {
                self.error(
                    Code::InvalidStatement,
                    q.span(),
                    format!("`{name}` is a view: only a table or a materialized view has indexes"),
                );
                return None;
            }
            return Some((name, view.output.clone()));
        }
        let (name, t) = self.table_or_error(q)?;
        Some((
            name,
            Some(t.columns.iter().map(|c| c.name.clone()).collect()),
        ))
    }

    pub(super) fn drop_index(&mut self, d: &mut DropIndex, span: Span) -> Reversal {
        let name = self.obj(&d.name);
        match self.model.relation(&name) {
            Some(RelationKind::Index) => {}
            Some(RelationKind::ConstraintIndex) => {
                self.error(
                    Code::InUse,
                    d.name.span(),
                    format!("index `{name}` belongs to a constraint: drop the constraint instead"),
                );
                return Ok(Vec::new());
            }
            // Nothing the model holds: nothing to drop, nothing to give back.
            _ if d.if_exists => return Ok(Vec::new()),
            _ => {
                self.unknown_index(&name, d.name.span());
                return Ok(Vec::new());
            }
        }
        let Some(index) = self.model.remove_index(&name) else {
            return Ok(Vec::new());
        };
        let mut reverse = vec![self.create_index_statement(&name, &index, d.concurrently, span)];
        reverse.extend(self.take_comments(&[CommentOn::Index(name)], span));
        Ok(reverse)
    }

    pub fn create_index_statement(
        &self,
        name: &ObjName,
        i: &Index,
        concurrently: bool,
        span: Span,
    ) -> Derived {
        derived(
            StatementKind::CreateIndex(CreateIndex {
                unique: i.unique,
                concurrently,
                name: Some(ident(name.name(), span)),
                table: self.qualified(&i.table, span),
                method: i.method.as_ref().map(|m| ident(m, span)),
                keys: i.keys.to_vec(),
                include: i.include.iter().map(|c| ident(c, span)).collect(),
                nulls_not_distinct: i.nulls_not_distinct,
                storage: self.storage_params(i.storage(), span),
                predicate: i.predicate.as_deref().cloned(),
            }),
            span,
        )
    }

    pub(super) fn rename_index(&mut self, r: &mut RenameIndex, span: Span) -> Reversal {
        let old = self.obj(&r.name);
        let new = ObjName::new(old.schema(), &r.new_name.value);
        let owner = match self.model.relation(&old) {
            Some(RelationKind::Index) => None,
            Some(RelationKind::ConstraintIndex) => self.model.constraint_index_table(&old),
            _ => {
                self.unknown_index(&old, r.name.span());
                return Ok(Vec::new());
            }
        };
        if !self.check_rename_target(&new, r.new_name.span, "index") {
            return Ok(Vec::new());
        }
        match owner {
            // PostgreSQL renames the constraint with the index behind it.
            Some(table) => {
                if !self.check_new_constraint_name(&table, &r.new_name) {
                    return Ok(Vec::new());
                }
                self.model.rename_constraint(&table, old.name(), new.name());
                self.move_constraint_comments(&table, old.name(), new.name(), true);
            }
            None => {
                self.model.rename_index(&old, new.clone());
                self.move_comment(CommentOn::Index(old.clone()), CommentOn::Index(new.clone()));
            }
        }
        Ok(vec![self.rename_back(
            &new,
            &old,
            span,
            |name, new_name| S::RenameIndex(RenameIndex { name, new_name }),
        )])
    }

    /// `assume index`: the database has it (an adopted table's); its checks and names
    /// are `create index`'s, and no derived downgrade drops it.
    pub(super) fn assume_index(&mut self, i: &mut CreateIndex, span: Span) -> Reversal {
        let before = self.model.indexes.len();
        let _ = self.create_index(i, span);
        if self.model.indexes.len() > before {
            let table = self.obj(&i.table);
            let name = i
                .name
                .as_ref()
                .map(|n| ObjName::new(table.schema(), &n.value));
            if let Some(index) = name.and_then(|n| self.model.indexes.get_mut(&n)) {
                Arc::make_mut(index).assumed = true;
            }
        }
        Ok(Vec::new())
    }
}

/// The scalar types (as `routines::type_name` spells them) that only the `btree_gist`
/// extension gives a default GiST operator class.
const NEEDS_BTREE_GIST: &[&str] = &[
    "smallint",
    "integer",
    "bigint",
    "real",
    "double precision",
    "numeric",
    "text",
    "character varying",
    "character",
    "bytea",
    "date",
    "time without time zone",
    "time with time zone",
    "timestamp without time zone",
    "timestamp with time zone",
    "interval",
    "oid",
    "money",
    "uuid",
    "boolean",
    "inet",
    "cidr",
    "macaddr",
    "macaddr8",
    "bit",
    "bit varying",
];

/// Every column of the table an index (or an exclusion constraint) depends on: key
/// columns, columns named in expressions and the predicate, included columns; once
/// each, in that order.
pub(super) fn columns_used<'k>(
    keys: impl IntoIterator<Item = &'k IndexKey>,
    include: &[Ident],
    predicate: Option<&SqlExpr>,
    table_columns: &[&str],
) -> Vec<String> {
    let mut used: Vec<String> = Vec::new();
    for key in keys {
        match &key.target {
            IndexTarget::Column(c) => used.push(c.value.clone()),
            IndexTarget::Expr(e) => {
                used.extend(expr::columns_used(&e.text, table_columns.iter().copied()))
            }
        }
    }
    used.extend(include.iter().map(|c| c.value.clone()));
    if let Some(p) = predicate {
        used.extend(expr::columns_used(&p.text, table_columns.iter().copied()));
    }
    let mut seen = Names::new();
    used.retain(|c| seen.insert(c.clone()));
    used
}

/// The part of PostgreSQL's default name for an index that comes from its columns
/// (`ChooseIndexColumnNames`): each key's column, or the name it figures for an
/// expression, then the included columns.
pub(super) fn name_addition<'k>(
    keys: impl IntoIterator<Item = &'k IndexKey>,
    include: impl IntoIterator<Item = &'k str>,
) -> String {
    let figured: Vec<Option<String>> = keys
        .into_iter()
        .map(|k| match &k.target {
            IndexTarget::Column(c) => Some(c.value.clone()),
            IndexTarget::Expr(e) => expr::index_column_name(&e.text),
        })
        .chain(include.into_iter().map(|c| Some(c.to_owned())))
        .collect();
    names::name_addition(&names::index_column_names(
        figured.iter().map(|k| k.as_deref()),
    ))
}

/// Follows a renamed column through index keys.
pub(super) fn rename_in_keys(keys: &mut [IndexKey], from: &str, to: &str) {
    for key in keys {
        match &mut key.target {
            IndexTarget::Column(c) if c.value == from => c.value = to.to_owned(),
            IndexTarget::Expr(e) => e.text = expr::rename_column(&e.text, from, to),
            IndexTarget::Column(_) => {}
        }
    }
}
