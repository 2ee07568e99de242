//! Constraints: added (with PostgreSQL's names for unnamed ones), validated, dropped;
//! foreign keys checked as PostgreSQL checks them.

use super::*;
use crate::diagnostic::Code;
use crate::schema::{expr, names};
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn add_constraint(&mut self, a: &mut AddConstraint, span: Span) -> Reversal {
        let Some((table, t)) = self.table_or_error(&a.table) else {
            return Ok(Vec::new());
        };
        if t.constraints.len() >= MAX_CONSTRAINTS {
            self.error(
                Code::InvalidStatement,
                a.constraint.span,
                format!(
                    "table `{table}` has {} constraints already; strata checks at most \
                     {MAX_CONSTRAINTS} on one table",
                    t.constraints.len()
                ),
            );
            return Ok(Vec::new());
        }
        let all: Vec<Column> = t.columns.to_vec();
        let kind = self.constraint_kind(&a.constraint.kind, &all);
        let pending = Pending {
            name: a.constraint.name.as_ref().map(|n| n.value.clone()),
            kind,
            deferrable: a.constraint.deferrable.unwrap_or_default(),
            span: a.constraint.span,
            origin: Origin::Table(0),
        };
        if let Some(column) = pending
            .kind_columns()
            .into_iter()
            .find(|c| t.column(c).is_none())
        {
            self.unknown_column(&table, &t, column, pending.span);
            return Ok(Vec::new());
        }
        if a.not_valid && pending.kind.has_index() {
            self.error(
                Code::InvalidStatement,
                span,
                "only check and foreign key constraints can be added `not valid`".to_owned(),
            );
            return Ok(Vec::new());
        }
        let existing: Vec<Constraint> = t.constraints.to_vec();
        release(t);
        let named = self.name_constraints(&table, &all, &existing, vec![pending]);
        let Some((mut constraint, _)) = named.into_iter().next() else {
            return Ok(Vec::new());
        };
        constraint.not_valid = a.not_valid;
        a.constraint.name = Some(ident(&constraint.name, a.constraint.span));
        if let ConstraintKind::PrimaryKey(cols) = &constraint.kind {
            for c in cols.clone() {
                self.update_column(&table, &c, |col| col.not_null = true);
            }
        }
        let name = constraint.name.clone();
        self.model.add_constraint(&table, constraint);
        Ok(vec![derived(
            S::DropConstraint(DropConstraint {
                table: a.table.clone(),
                name: ident(&name, span),
            }),
            span,
        )])
    }

    /// `add ... using index`: PostgreSQL checks the index can be the constraint's
    /// (`index_check_primary_key` and `ATExecAddIndexConstraint`), renames it to the
    /// constraint's name, and for a primary key sets its columns `not null`.
    pub(super) fn add_constraint_using_index(
        &mut self,
        a: &mut AddConstraintUsingIndex,
        span: Span,
    ) -> Reversal {
        let Some((table, t)) = self.table_or_error(&a.table) else {
            return Ok(Vec::new());
        };
        let index_name = ObjName::new(table.schema(), &a.index.value);
        let Some(index) = self.model.indexes.get(&index_name).cloned() else {
            let message = match self.model.relation(&index_name) {
                Some(RelationKind::ConstraintIndex) => {
                    format!("index `{index_name}` belongs to a constraint already")
                }
                _ => format!("unknown index `{index_name}`"),
            };
            self.error(Code::UnknownObject, a.index.span, message);
            return Ok(Vec::new());
        };
        let plain_keys: Option<Vec<String>> = index
            .keys
            .iter()
            .map(|k| match &k.target {
                IndexTarget::Column(c)
                    if k.collation.is_none()
                        && k.opclass.is_none()
                        && k.order.is_none()
                        && k.nulls.is_none() =>
                {
                    Some(c.value.clone())
                }
                _ => None,
            })
            .collect();
        let problem = if index.table != table {
            Some(format!("index `{index_name}` is not on table `{table}`"))
        } else if !index.unique {
            Some(format!("index `{index_name}` is not unique"))
        } else if index.predicate.is_some() {
            Some(format!("index `{index_name}` is partial (`where`)"))
        } else if index.method.as_deref().is_some_and(|m| m != "btree") {
            Some(format!("index `{index_name}` is not a btree index"))
        } else if !index.include.is_empty() {
            Some(format!("index `{index_name}` has `include` columns, which strata's model of a key does not hold"))
        } else if index.nulls_not_distinct && a.primary_key {
            Some(format!(
                "index `{index_name}` is `nulls not distinct`, which a primary key cannot be"
            ))
        } else if plain_keys.is_none() {
            Some(format!(
                "index `{index_name}` has an expression, a collation, an operator class or a sort order of its own"
            ))
        } else if a.primary_key && t.primary_key().is_some() {
            Some(format!("table `{table}` has a primary key already"))
        } else {
            None
        };
        let columns = plain_keys.unwrap_or_default();
        let nullable: Vec<String> = columns
            .iter()
            .filter(|c| a.primary_key && t.column(c).is_some_and(|col| !col.not_null))
            .cloned()
            .collect();
        release(t);
        if let Some(problem) = problem {
            self.error(
                Code::InvalidStatement,
                a.index.span,
                format!("cannot add the constraint using index `{index_name}`: {problem}"),
            );
            return Ok(Vec::new());
        }
        let name = a.name.clone().unwrap_or_else(|| a.index.clone());
        if name.value != a.index.value {
            // PostgreSQL renames the index to the constraint's name.
            let renamed = ObjName::new(table.schema(), &name.value);
            if !self.check_rename_target(&renamed, name.span, "index") {
                return Ok(Vec::new());
            }
        }
        if !self.check_new_constraint_name(&table, &name) {
            return Ok(Vec::new());
        }
        let recreate = self.create_index_statement(&index_name, &index, false, span);
        // The index keeps its comment under the constraint's name.
        let comments = self.comment_statements(&[CommentOn::Index(index_name.clone())], span);
        self.move_comment(
            CommentOn::Index(index_name.clone()),
            CommentOn::Index(ObjName::new(table.schema(), &name.value)),
        );
        self.model.remove_index(&index_name);
        let kind = if a.primary_key {
            ConstraintKind::PrimaryKey(columns)
        } else {
            ConstraintKind::Unique(columns)
        };
        self.model.add_constraint(
            &table,
            Constraint {
                name: name.value.clone(),
                kind,
                not_valid: false,
                deferrable: a.deferrable.unwrap_or_default(),
            },
        );
        for column in &nullable {
            self.update_column(&table, column, |c| c.not_null = true);
        }
        // Back: the constraint goes with its index, which is made again as it was (not
        // concurrently: a downgrade runs in a transaction), and the columns a primary
        // key made `not null` are nullable again.
        let mut reverse = vec![derived(
            S::DropConstraint(DropConstraint {
                table: a.table.clone(),
                name,
            }),
            span,
        )];
        reverse.push(Derived {
            note: Some(format!(
                "`{index_name}` is built again under a lock on `{table}` (a downgrade runs in a transaction, where `concurrently` cannot)"
            )),
            ..recreate
        });
        reverse.extend(comments);
        for column in nullable {
            reverse.push(derived(
                S::DropNotNull(DropNotNull {
                    table: a.table.clone(),
                    column: ident(&column, span),
                }),
                span,
            ));
        }
        Ok(reverse)
    }

    pub(super) fn validate_constraint(
        &mut self,
        v: &mut ValidateConstraint,
        span: Span,
    ) -> Reversal {
        let Some((table, c)) = self.constraint_or_error(&v.table, &v.name) else {
            return Ok(Vec::new());
        };
        self.model.remove_constraint(&table, &c.name);
        self.model.add_constraint(
            &table,
            Constraint {
                not_valid: false,
                ..c.clone()
            },
        );
        // Back to NOT VALID: PostgreSQL has no statement for it but re-adding.
        Ok(vec![
            derived(
                S::DropConstraint(DropConstraint {
                    table: v.table.clone(),
                    name: v.name.clone(),
                }),
                span,
            ),
            self.add_constraint_statement(&table, &c, span),
        ])
    }

    pub(super) fn drop_constraint(&mut self, d: &mut DropConstraint, span: Span) -> Reversal {
        let Some((table, c)) = self.constraint_or_error(&d.table, &d.name) else {
            return Ok(Vec::new());
        };
        if c.is_key() {
            if let Some((other, fk)) = self.foreign_key_on(&table, &c) {
                self.error(
                    Code::InUse,
                    d.name.span,
                    format!(
                        "constraint `{}` is referenced by foreign key `{fk}` of `{other}`",
                        c.name
                    ),
                );
                return Ok(Vec::new());
            }
        }
        let mut reverse = vec![self.add_constraint_statement(&table, &c, span)];
        let comments = self.comments_of_constraint(&table, &c);
        reverse.extend(self.take_comments(&comments, span));
        self.model.remove_constraint(&table, &c.name);
        Ok(reverse)
    }

    pub(super) fn rename_constraint(&mut self, r: &mut RenameConstraint, span: Span) -> Reversal {
        let Some((table, c)) = self.constraint_or_error(&r.table, &r.name) else {
            return Ok(Vec::new());
        };
        let indexed = c.has_index();
        if !self.check_new_constraint_name(&table, &r.new_name) {
            return Ok(Vec::new());
        }
        // The index behind a key takes the new name too: it must be free as a relation.
        let relation = ObjName::new(table.schema(), &r.new_name.value);
        if indexed && !self.check_rename_target(&relation, r.new_name.span, "index") {
            return Ok(Vec::new());
        }
        self.model
            .rename_constraint(&table, &r.name.value, &r.new_name.value);
        self.move_constraint_comments(&table, &r.name.value, &r.new_name.value, indexed);
        Ok(vec![derived(
            S::RenameConstraint(RenameConstraint {
                table: self.qualified(&table, span),
                name: ident(&r.new_name.value, span),
                new_name: ident(&r.name.value, span),
            }),
            span,
        )])
    }

    /// Follows a renamed constraint in its comments, and its index's when it has one.
    pub(super) fn move_constraint_comments(
        &mut self,
        table: &ObjName,
        from: &str,
        to: &str,
        indexed: bool,
    ) {
        self.move_comment(
            CommentOn::Constraint(table.clone(), from.to_owned()),
            CommentOn::Constraint(table.clone(), to.to_owned()),
        );
        if indexed {
            self.move_comment(
                CommentOn::Index(ObjName::new(table.schema(), from)),
                CommentOn::Index(ObjName::new(table.schema(), to)),
            );
        }
    }

    /// A table's constraint, or an error naming what is unknown.
    pub(super) fn constraint_or_error(
        &mut self,
        table: &QualifiedName,
        name: &Ident,
    ) -> Option<(ObjName, Constraint)> {
        let (table, t) = self.table_or_error(table)?;
        let found = t.constraint(&name.value).cloned();
        if found.is_none() {
            self.unknown(
                name.span,
                format!("table `{table}` has no constraint `{}`", name.value),
                Some(&Fated::Constraint(
                    table.clone(),
                    name.value.as_str().into(),
                )),
                &name.value,
                t.constraints.iter().map(|c| c.name.as_str()),
            );
        }
        release(t);
        Some((table, found?))
    }

    /// A constraint name `table` does not have yet (names are unique per table).
    pub(super) fn check_new_constraint_name(&mut self, table: &ObjName, name: &Ident) -> bool {
        let taken = self
            .model
            .table(table)
            .is_some_and(|t| t.constraint(&name.value).is_some());
        if taken {
            self.error(
                Code::DuplicateObject,
                name.span,
                format!("table `{table}` has a constraint `{}` already", name.value),
            );
        }
        !taken
    }

    pub(super) fn constraint_kind(
        &self,
        kind: &TableConstraintKind,
        columns: &[Column],
    ) -> ConstraintKind {
        let names = |list: &[Ident]| list.iter().map(|i| i.value.clone()).collect::<Vec<_>>();
        match kind {
            TableConstraintKind::PrimaryKey(c) => ConstraintKind::PrimaryKey(names(c)),
            TableConstraintKind::Unique(c) => ConstraintKind::Unique(names(c)),
            TableConstraintKind::Check(e) => ConstraintKind::Check {
                expr: e.clone(),
                columns: expr::columns_used(&e.text, columns.iter().map(|c| c.name.as_str())),
            },
            TableConstraintKind::ForeignKey {
                columns: c,
                references,
            } => ConstraintKind::ForeignKey {
                columns: names(c),
                table: self.obj(&references.table),
                referenced: names(&references.columns),
                on_delete: references.on_delete,
                on_update: references.on_update,
            },
            TableConstraintKind::Exclude(e) => {
                let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
                ConstraintKind::Exclude(Box::new(Exclusion {
                    method: e
                        .method
                        .as_ref()
                        .map_or_else(|| "btree".to_owned(), |m| m.value.clone()),
                    elements: e.elements.as_slice().into(),
                    include: e.include.iter().map(|c| c.value.clone()).collect(),
                    predicate: e.predicate.clone(),
                    columns: indexes::columns_used(
                        e.elements.iter().map(|x| &x.key),
                        &e.include,
                        e.predicate.as_ref(),
                        &names,
                    ),
                }))
            }
        }
    }

    /// What PostgreSQL checks of an exclusion constraint that the model can: an access
    /// method that supports one, and an operator class for each key.
    fn check_exclusion(&mut self, e: &Exclusion, columns: &[Column], span: Span) -> bool {
        if matches!(e.method.as_str(), "gin" | "brin") {
            self.error(
                Code::InvalidStatement,
                span,
                format!(
                    "access method \"{}\" does not support exclusion constraints",
                    e.method
                ),
            );
            return false;
        }
        e.elements
            .iter()
            .all(|x| self.check_default_opclass(&e.method, &x.key, columns))
    }

    /// Names and checks the constraints of a table in PostgreSQL's order: checks,
    /// then the primary key, then unique constraints, then foreign keys. Returns them
    /// with their names, in that order.
    /// Whether a key or index of `count` columns is within PostgreSQL's limit; an error
    /// when it is not.
    pub(super) fn key_fits(&mut self, count: usize, span: Span) -> bool {
        if count <= MAX_KEY_COLUMNS {
            return true;
        }
        self.error(
            Code::InvalidStatement,
            span,
            format!(
                "this key or index has {count} columns; PostgreSQL allows at most {MAX_KEY_COLUMNS}"
            ),
        );
        false
    }

    pub(super) fn name_constraints(
        &mut self,
        table: &ObjName,
        columns: &[Column],
        existing: &[Constraint],
        mut pending: Vec<Pending>,
    ) -> Vec<(Constraint, Origin)> {
        pending.retain(|p| self.key_fits(p.width(), p.span));
        if existing.len() + pending.len() > MAX_CONSTRAINTS {
            let first_over = pending[MAX_CONSTRAINTS.saturating_sub(existing.len())].span;
            self.error(
                Code::InvalidStatement,
                first_over,
                format!(
                    "table `{table}` would have {} constraints; strata checks at most \
                     {MAX_CONSTRAINTS} on one table",
                    existing.len() + pending.len()
                ),
            );
            return Vec::new();
        }
        // Check expressions mention columns of the whole table.
        for p in &mut pending {
            if let ConstraintKind::Check {
                expr: e,
                columns: used,
            } = &mut p.kind
            {
                *used = expr::columns_used(&e.text, columns.iter().map(|c| c.name.as_str()));
            }
        }
        let rank = |k: &ConstraintKind| match k {
            ConstraintKind::Check { .. } => 0,
            ConstraintKind::PrimaryKey(_) => 1,
            // PostgreSQL builds the indexes of keys and exclusions in the order written,
            // the primary key's first.
            ConstraintKind::Unique(_) | ConstraintKind::Exclude(_) => 2,
            ConstraintKind::ForeignKey { .. } => 3,
        };
        pending.sort_by_key(|p| rank(&p.kind));
        let pending = self.merge_repeated_keys(pending);
        let mut named: Vec<(Constraint, Origin)> = Vec::new();
        // The names of the table's constraints and of those named here, and the names of
        // the indexes named here: sets, so that a table of many constraints is named in
        // time proportional to them and the passes PostgreSQL's naming takes.
        let mut taken_here: Names = existing.iter().map(|c| c.name.clone()).collect();
        let mut indexes_here = Names::new();
        let mut has_pk = existing
            .iter()
            .any(|c| matches!(c.kind, ConstraintKind::PrimaryKey(_)));
        for p in pending {
            if let ConstraintKind::PrimaryKey(_) = p.kind {
                if has_pk {
                    self.error(
                        Code::DuplicateObject,
                        p.span,
                        format!("table `{table}` has a primary key already"),
                    );
                    continue;
                }
            }
            // Added to a table that has such a key already, PostgreSQL would build a
            // second index of the same columns: strata refuses it.
            if let ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) = &p.kind {
                let same = existing
                    .iter()
                    .find(|c| c.is_key() && same_set(c.columns(), cols));
                if let Some(same) = same {
                    self.error(
                        Code::DuplicateObject,
                        p.span,
                        format!(
                            "this duplicates constraint `{}` on the same columns; PostgreSQL \
                             would build a second index for it",
                            same.name
                        ),
                    );
                    continue;
                }
            }
            if let ConstraintKind::ForeignKey { .. } = p.kind {
                if !self.check_foreign_key(table, columns, &named, &p) {
                    continue;
                }
            }
            if let ConstraintKind::Exclude(e) = &p.kind {
                if !self.check_exclusion(e, columns, p.span) {
                    continue;
                }
            }
            let name = match p.name {
                Some(name) => {
                    if taken_here.contains(&name) {
                        self.error(
                            Code::DuplicateObject,
                            p.span,
                            format!("table `{table}` has a constraint `{name}` already"),
                        );
                        continue;
                    }
                    let as_relation = ObjName::new(table.schema(), &name);
                    if p.kind.has_index()
                        && !self.check_new_relation(&as_relation, p.span, "constraint index")
                    {
                        continue;
                    }
                    name
                }
                None => self.default_constraint_name(table, &p.kind, &taken_here, &indexes_here),
            };
            taken_here.insert(name.clone());
            has_pk |= matches!(p.kind, ConstraintKind::PrimaryKey(_));
            if p.kind.has_index() {
                indexes_here.insert(name.clone());
            }
            let kind = match p.kind {
                ConstraintKind::ForeignKey {
                    columns,
                    table: target,
                    referenced,
                    on_delete,
                    on_update,
                } => {
                    let referenced = if referenced.is_empty() {
                        self.primary_key_of(&target, table, &named)
                    } else {
                        referenced
                    };
                    ConstraintKind::ForeignKey {
                        columns,
                        table: target,
                        referenced,
                        on_delete,
                        on_update,
                    }
                }
                other => other,
            };
            named.push((
                Constraint {
                    name,
                    kind,
                    not_valid: false,
                    deferrable: p.deferrable,
                },
                p.origin,
            ));
        }
        named
    }

    /// The key constraints one statement declares twice on the same columns (in the same
    /// order), kept once as PostgreSQL keeps them (`transformIndexConstraints`): the
    /// primary key over a unique constraint, else the first; the one kept takes the
    /// other's name when it has none. A warning says which was dropped. `pending` is
    /// sorted: primary keys before unique constraints, each in the order written.
    fn merge_repeated_keys(&mut self, pending: Vec<Pending>) -> Vec<Pending> {
        let mut kept: Vec<Pending> = Vec::with_capacity(pending.len());
        for p in pending {
            let ConstraintKind::Unique(columns) = &p.kind else {
                kept.push(p);
                continue;
            };
            let prior = kept.iter_mut().find(|k| {
                matches!(&k.kind, ConstraintKind::PrimaryKey(c) | ConstraintKind::Unique(c)
                    if c == columns)
            });
            let Some(prior) = prior else {
                kept.push(p);
                continue;
            };
            let what = match prior.kind {
                ConstraintKind::PrimaryKey(_) => "the primary key",
                _ => "a unique constraint",
            };
            self.diagnostics.push(
                Diagnostic::warning(
                    Code::DuplicateObject,
                    p.span,
                    format!(
                        "this unique constraint repeats {what} on the same columns: PostgreSQL \
                         keeps one constraint for both"
                    ),
                )
                .with_note(prior.span, "the one kept")
                .with_help("remove one of the two"),
            );
            if prior.name.is_none() {
                prior.name = p.name;
            }
        }
        kept
    }

    pub(super) fn primary_key_of(
        &self,
        target: &ObjName,
        table: &ObjName,
        named: &[(Constraint, Origin)],
    ) -> Vec<String> {
        let key = if target == table {
            named
                .iter()
                .map(|(c, _)| c)
                .find(|c| matches!(c.kind, ConstraintKind::PrimaryKey(_)))
                .cloned()
        } else {
            None
        }
        .or_else(|| {
            self.model
                .table(target)
                .and_then(|t| t.primary_key().cloned())
        });
        key.map(|k| k.columns().to_vec()).unwrap_or_default()
    }

    /// PostgreSQL's name for an unnamed constraint. `taken_here` holds the names of the
    /// table's constraints and of those named earlier in this statement, `indexes_here`
    /// the indexes of those.
    pub(super) fn default_constraint_name(
        &self,
        table: &ObjName,
        kind: &ConstraintKind,
        taken_here: &Names,
        indexes_here: &Names,
    ) -> String {
        let model = &self.model;
        let schema = &table.schema();
        // Relations include the indexes of constraints named earlier in this statement.
        let relation_taken = |n: &str| {
            model.relation(&ObjName::new(schema, n)).is_some() || indexes_here.contains(n)
        };
        let constraint_taken = |n: &str| {
            model.constraint_name_exists(&ObjName::new(schema, n)) || taken_here.contains(n)
        };
        match kind {
            ConstraintKind::PrimaryKey(_) => names::choose_name(table.name(), None, "pkey", |n| {
                relation_taken(n) || constraint_taken(n)
            }),
            ConstraintKind::Unique(cols) => {
                let addition = names::name_addition(&names::index_column_names(
                    cols.iter().map(|c| Some(c.as_str())),
                ));
                names::choose_name(table.name(), Some(&addition), "key", |n| {
                    relation_taken(n) || constraint_taken(n)
                })
            }
            ConstraintKind::Check { columns, .. } => {
                let column = (columns.len() == 1).then(|| columns[0].as_str());
                names::choose_name(table.name(), column, "check", constraint_taken)
            }
            ConstraintKind::ForeignKey { columns, .. } => {
                let addition = names::name_addition(columns);
                names::choose_name(table.name(), Some(&addition), "fkey", constraint_taken)
            }
            ConstraintKind::Exclude(e) => {
                let addition = indexes::name_addition(
                    e.elements.iter().map(|x| &x.key),
                    e.include.iter().map(String::as_str),
                );
                names::choose_name(table.name(), Some(&addition), "excl", |n| {
                    relation_taken(n) || constraint_taken(n)
                })
            }
        }
    }

    /// A foreign key's target exists, and its columns are a primary key or unique
    /// constraint of it (PostgreSQL refuses anything else).
    pub(super) fn check_foreign_key(
        &mut self,
        table: &ObjName,
        columns: &[Column],
        named: &[(Constraint, Origin)],
        p: &Pending,
    ) -> bool {
        let ConstraintKind::ForeignKey {
            columns: own,
            table: target,
            referenced,
            ..
        } = &p.kind
        else {
            return true;
        };
        // Each key with whether it is deferrable.
        let (target_columns, keys): (Vec<String>, Vec<(Vec<String>, bool)>) = if target == table {
            (
                columns.iter().map(|c| c.name.clone()).collect(),
                named
                    .iter()
                    .map(|(c, _)| c)
                    .chain(
                        self.model
                            .table(table)
                            .map(|t| t.constraints.iter())
                            .into_iter()
                            .flatten(),
                    )
                    .filter(|c| c.is_key())
                    .map(|c| (c.columns().to_vec(), c.deferrable.deferrable))
                    .collect(),
            )
        } else if let Some(t) = self.model.table(target) {
            (
                t.columns.iter().map(|c| c.name.clone()).collect(),
                t.constraints
                    .iter()
                    .filter(|c| c.is_key())
                    .map(|c| (c.columns().to_vec(), c.deferrable.deferrable))
                    .collect(),
            )
        } else {
            self.error(
                Code::UnknownObject,
                p.span,
                format!("foreign key to unknown table `{target}`"),
            );
            return false;
        };
        let referenced: Vec<String> = if referenced.is_empty() {
            match self.primary_key_of(target, table, named).as_slice() {
                [] => {
                    self.error(
                        Code::InvalidReference,
                        p.span,
                        format!(
                            "table `{target}` has no primary key for this foreign key to reference"
                        ),
                    );
                    return false;
                }
                key => key.to_vec(),
            }
        } else {
            referenced.clone()
        };
        for column in &referenced {
            if !target_columns.contains(column) {
                self.error(
                    Code::UnknownObject,
                    p.span,
                    format!("foreign key to unknown column `{column}` of table `{target}`"),
                );
                return false;
            }
        }
        if referenced.len() != own.len() {
            self.error(
                Code::InvalidReference,
                p.span,
                format!(
                    "the foreign key has {} columns but references {}",
                    own.len(),
                    referenced.len()
                ),
            );
            return false;
        }
        let covering: Vec<bool> = keys
            .iter()
            .filter(|(k, _)| same_set(k, &referenced))
            .map(|(_, deferrable)| *deferrable)
            .collect();
        if !covering.is_empty() && covering.iter().all(|d| *d) {
            self.error(
                Code::InvalidReference,
                p.span,
                format!(
                    "the key of `{target}` on ({}) is deferrable; PostgreSQL needs a key \
                     checked at once for a foreign key",
                    referenced.join(", ")
                ),
            );
            return false;
        }
        if covering.is_empty() {
            self.error(
                Code::InvalidReference,
                p.span,
                format!(
                    "no primary key or unique constraint of `{target}` covers exactly ({}); \
                     PostgreSQL requires one for a foreign key",
                    referenced.join(", ")
                ),
            );
            return false;
        }
        true
    }

    pub fn table_constraint(&self, c: &Constraint, span: Span) -> TableConstraint {
        let idents = |list: &[String]| list.iter().map(|n| ident(n, span)).collect::<Vec<_>>();
        let kind = match &c.kind {
            ConstraintKind::PrimaryKey(cols) => TableConstraintKind::PrimaryKey(idents(cols)),
            ConstraintKind::Unique(cols) => TableConstraintKind::Unique(idents(cols)),
            ConstraintKind::Check { expr, .. } => TableConstraintKind::Check(expr.clone()),
            ConstraintKind::ForeignKey {
                columns,
                table,
                referenced,
                on_delete,
                on_update,
            } => TableConstraintKind::ForeignKey {
                columns: idents(columns),
                references: ForeignReference {
                    table: self.qualified(table, span),
                    columns: idents(referenced),
                    on_delete: *on_delete,
                    on_update: *on_update,
                    span,
                },
            },
            ConstraintKind::Exclude(e) => {
                TableConstraintKind::Exclude(Box::new(ExcludeConstraint {
                    method: Some(ident(&e.method, span)),
                    elements: e.elements.to_vec(),
                    include: idents(&e.include),
                    predicate: e.predicate.clone(),
                }))
            }
        };
        TableConstraint {
            name: Some(ident(&c.name, span)),
            kind,
            deferrable: (c.deferrable != Deferrability::default()).then_some(c.deferrable),
            span,
        }
    }

    pub fn add_constraint_statement(&self, table: &ObjName, c: &Constraint, span: Span) -> Derived {
        derived(
            StatementKind::AddConstraint(AddConstraint {
                table: self.qualified(table, span),
                constraint: self.table_constraint(c, span),
                not_valid: c.not_valid,
            }),
            span,
        )
    }

    /// A foreign key of another table that references `key` of `table`.
    pub(super) fn foreign_key_on(
        &self,
        table: &ObjName,
        key: &Constraint,
    ) -> Option<(ObjName, String)> {
        self.model.tables.iter().find_map(|(other, t)| {
            t.constraints.iter().find_map(|c| match &c.kind {
                ConstraintKind::ForeignKey {
                    table: target,
                    referenced,
                    ..
                } if target == table
                    && !(other == table && c.name == key.name)
                    && same_set(referenced, key.columns()) =>
                {
                    Some((other.clone(), c.name.clone()))
                }
                _ => None,
            })
        })
    }
}

/// A constraint being declared, before it gets its name.
pub(super) struct Pending {
    pub(super) name: Option<String>,
    pub(super) kind: ConstraintKind,
    pub(super) deferrable: Deferrability,
    pub(super) span: Span,
    /// Where the declaration is in the statement, to write the chosen name back.
    pub(super) origin: Origin,
}

#[derive(Clone, Copy)]
pub(super) enum Origin {
    /// Column `i`, its constraint `j`.
    Column(usize, usize),
    /// Table constraint `i`.
    Table(usize),
}

pub(super) fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

impl Pending {
    pub(super) fn kind_columns(&self) -> Vec<&String> {
        match &self.kind {
            ConstraintKind::PrimaryKey(c) | ConstraintKind::Unique(c) => c.iter().collect(),
            ConstraintKind::ForeignKey { columns, .. } => columns.iter().collect(),
            ConstraintKind::Check { .. } => Vec::new(),
            // The columns it names: plain keys, then included columns.
            ConstraintKind::Exclude(e) => e
                .elements
                .iter()
                .filter_map(|x| match &x.key.target {
                    IndexTarget::Column(c) => Some(&c.value),
                    IndexTarget::Expr(_) => None,
                })
                .chain(e.include.iter())
                .collect(),
        }
    }

    /// How many columns its index has, for PostgreSQL's limit.
    pub(super) fn width(&self) -> usize {
        match &self.kind {
            ConstraintKind::Exclude(e) => e.elements.len() + e.include.len(),
            _ => self.kind_columns().len(),
        }
    }
}

/// Writes the chosen constraint names back into a table's syntax.
pub(super) fn write_names(
    columns: &mut [ColumnDef],
    constraints: &mut [TableConstraint],
    named: &[(Constraint, Origin)],
) {
    for (c, origin) in named {
        match *origin {
            Origin::Column(i, j) => {
                let slot = &mut columns[i].constraints[j];
                slot.name = Some(ident(&c.name, slot.span));
            }
            Origin::Table(i) => {
                let slot = &mut constraints[i];
                slot.name = Some(ident(&c.name, slot.span));
            }
        }
    }
}
