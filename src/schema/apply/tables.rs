//! Tables: created (with their columns and constraints), assumed, partitions, dropped,
//! renamed; a table written back as the statements that recreate it.

use std::collections::HashSet;

use super::*;
use crate::diagnostic::Code;
use crate::schema::{names, reloptions};
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn create_table(&mut self, t: &mut CreateTable, span: Span) -> Reversal {
        let name = self.obj(&t.name);
        if !self.check_new_relation(&name, t.name.span(), "table") {
            return Ok(Vec::new());
        }
        if self.add_table(
            &name,
            &mut t.columns,
            &mut t.constraints,
            t.partition_by.clone(),
            &t.storage,
            false,
        ) {
            Ok(vec![self.drop_of(&name, span)])
        } else {
            Ok(Vec::new())
        }
    }

    pub(super) fn assume_table(&mut self, t: &mut AssumeTable, _span: Span) -> Reversal {
        let name = self.obj(&t.name);
        if self.check_new_relation(&name, t.name.span(), "table") {
            self.add_table(
                &name,
                &mut t.columns,
                &mut t.constraints,
                None,
                &t.storage,
                true,
            );
        }
        Ok(Vec::new())
    }

    pub(super) fn create_partition(&mut self, p: &mut CreatePartition, span: Span) -> Reversal {
        let name = self.obj(&p.name);
        let Some((parent, table)) = self.table_or_error(&p.parent) else {
            return Ok(Vec::new());
        };
        if table.partition_by().is_none() {
            self.error(
                Code::InvalidReference,
                p.parent.span(),
                format!("table `{parent}` is not partitioned"),
            );
            return Ok(Vec::new());
        }
        if !self.check_new_relation(&name, p.name.span(), "table") {
            return Ok(Vec::new());
        }
        let holder = reloptions::Holder::Table { partitioned: false };
        let Some(storage) = self.check_storage(holder, &p.storage) else {
            return Ok(Vec::new());
        };
        let storage = StorageOptions(storage);
        let partition = Table {
            columns: table
                .columns
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    c.set_sequence(None);
                    c
                })
                .collect(),
            constraints: Default::default(),
            partitioning: Some(Box::new(Partitioning::Of(parent, p.bound.clone()))),
            storage: storage.boxed(),
            assumed: false,
            row_security: false,
            force_row_security: false,
        };
        self.model.add_table(name.clone(), partition);
        Ok(vec![self.drop_of(&name, span)])
    }

    pub(super) fn drop_table(&mut self, d: &mut DropTable, span: Span) -> Reversal {
        let name = self.obj(&d.name);
        if self.model.table(&name).is_none() {
            self.unknown_table(&name, d.name.span());
            return Ok(Vec::new());
        }
        let partitions: Vec<ObjName> = self
            .model
            .tables
            .iter()
            .filter(|(_, t)| t.partition_of().is_some_and(|(p, _)| p == &name))
            .map(|(n, _)| n.clone())
            .collect();
        let outside: Vec<String> = self
            .model
            .referencing(&name)
            .into_iter()
            .filter(|(t, _)| !partitions.contains(t))
            .map(|(t, c)| format!("`{c}` of `{t}`"))
            .collect();
        if !outside.is_empty() {
            self.error(
                Code::InUse,
                d.name.span(),
                format!(
                    "table `{name}` is still referenced by foreign key {}",
                    outside.join(", ")
                ),
            );
            return Ok(Vec::new());
        }
        for relation in std::iter::once(&name).chain(&partitions) {
            if !self.check_unused_by_views(relation, None, d.name.span(), "drop table") {
                return Ok(Vec::new());
            }
        }
        let mut reverse = self.recreate_table(&name, span);
        for partition in &partitions {
            reverse.extend(self.recreate_table(partition, span));
            self.forget_table(partition, span);
        }
        self.forget_table(&name, span);
        Ok(reverse)
    }

    pub(super) fn rename_table(&mut self, r: &mut RenameTable, span: Span) -> Reversal {
        let Some((old, _)) = self.table_or_error(&r.table) else {
            return Ok(Vec::new());
        };
        let new = ObjName::new(old.schema(), &r.new_name.value);
        if !self.check_rename_target(&new, r.new_name.span, "table") {
            return Ok(Vec::new());
        }
        self.move_table(&old, &new, span);
        Ok(vec![self.rename_back(
            &new,
            &old,
            span,
            |table, new_name| S::RenameTable(RenameTable { table, new_name }),
        )])
    }

    /// The columns of a new table, and its constraints in the order PostgreSQL names
    /// them.
    pub(super) fn table_parts(
        &mut self,
        name: &ObjName,
        columns: &[ColumnDef],
        constraints: &[TableConstraint],
    ) -> (Vec<Column>, Vec<Pending>) {
        let mut out: Vec<Column> = Vec::new();
        let mut pending = Vec::new();
        if columns.len() > MAX_COLUMNS {
            self.error(
                Code::InvalidStatement,
                columns[MAX_COLUMNS].name.span,
                format!(
                    "table `{name}` would have {} columns; PostgreSQL allows at most {MAX_COLUMNS}",
                    columns.len()
                ),
            );
        }
        // A set, so that a table of many columns costs linear time.
        let mut declared: HashSet<&str> = HashSet::with_capacity(columns.len());
        for (i, def) in columns.iter().enumerate() {
            if !declared.insert(&def.name.value) {
                self.error(
                    Code::DuplicateObject,
                    def.name.span,
                    format!("column `{}` is declared twice", def.name.value),
                );
                continue;
            }
            let (column, mut more) = self.column(def, i);
            out.push(column);
            pending.append(&mut more);
        }
        for (i, c) in constraints.iter().enumerate() {
            let kind = self.constraint_kind(&c.kind, &out);
            pending.push(Pending {
                name: c.name.as_ref().map(|n| n.value.clone()),
                kind,
                deferrable: c.deferrable.unwrap_or_default(),
                span: c.span,
                origin: Origin::Table(i),
            });
        }
        for p in &pending {
            for column in p.kind_columns() {
                if !declared.contains(column.as_str()) {
                    self.unknown(
                        p.span,
                        format!("table `{name}` has no column `{column}`"),
                        None,
                        column,
                        out.iter().map(|c| c.name.as_str()),
                    );
                }
            }
        }
        // Primary key columns are NOT NULL.
        for p in &pending {
            if let ConstraintKind::PrimaryKey(cols) = &p.kind {
                for c in out.iter_mut().filter(|c| cols.contains(&c.name)) {
                    c.not_null = true;
                }
            }
        }
        (out, pending)
    }

    /// Creates a checked table; false (with diagnostics) when a check failed.
    pub(super) fn add_table(
        &mut self,
        name: &ObjName,
        columns: &mut [ColumnDef],
        constraints: &mut [TableConstraint],
        partition_by: Option<PartitionBy>,
        storage: &[StorageParam],
        assumed: bool,
    ) -> bool {
        let before = self.diagnostics.len();
        let holder = reloptions::Holder::Table {
            partitioned: partition_by.is_some(),
        };
        let storage = StorageOptions(self.check_storage(holder, storage).unwrap_or_default());
        let (mut cols, pending) = self.table_parts(name, columns, constraints);
        if let Some(p) = &partition_by {
            for c in &p.columns {
                if !cols.iter().any(|col| col.name == c.value) {
                    self.unknown(
                        c.span,
                        format!("table `{name}` has no column `{}`", c.value),
                        None,
                        &c.value,
                        cols.iter().map(|col| col.name.as_str()),
                    );
                }
            }
        }
        // PostgreSQL names identity sequences before anything else of the table.
        let mut sequences: Vec<String> = Vec::new();
        for column in cols.iter_mut().filter(|c| c.identity.is_some()) {
            let model = &self.model;
            let chosen = names::choose_name(name.name(), Some(&column.name), "seq", |n| {
                model.relation(&ObjName::new(name.schema(), n)).is_some()
                    || sequences.iter().any(|s| s == n)
            });
            column.set_sequence(Some(chosen.clone()));
            sequences.push(chosen);
        }
        let named = self.name_constraints(name, &cols, &[], pending);
        if crate::diagnostic::has_errors(&self.diagnostics[before..]) {
            return false;
        }
        write_names(columns, constraints, &named);
        let table = Table {
            columns: cols.into_iter().collect(),
            constraints: named.into_iter().map(|(c, _)| c).collect(),
            partitioning: partition_by.map(|p| Box::new(Partitioning::By(p))),
            storage: storage.boxed(),
            assumed,
            row_security: false,
            force_row_security: false,
        };
        self.model.add_table(name.clone(), table);
        true
    }

    pub(super) fn name_sequence(&self, table: &ObjName, column: &mut Column) {
        if column.identity.is_some() {
            let model = &self.model;
            let chosen = names::choose_name(table.name(), Some(&column.name), "seq", |n| {
                model.relation(&ObjName::new(table.schema(), n)).is_some()
            });
            column.set_sequence(Some(chosen));
        }
    }

    /// The statements that create a table of the model again, as it is: the table with
    /// every column and constraint, then its indexes and the sequences it owns.
    pub fn recreate_table(&self, name: &ObjName, span: Span) -> Vec<Derived> {
        let Some(t) = self.model.table(name) else {
            return Vec::new();
        };
        let qualified = self.qualified(name, span);
        let mut out = Vec::new();
        let note = Some(format!("the rows of `{name}` are not restored"));
        if let Some((parent, bound)) = t.partition_of() {
            out.push(Derived {
                note,
                ..derived(
                    StatementKind::CreatePartition(CreatePartition {
                        name: qualified,
                        parent: self.qualified(parent, span),
                        bound: bound.clone(),
                        storage: self.storage_params(t.storage(), span),
                    }),
                    span,
                )
            });
            // A partition's constraints are those added to it after it was made.
            for c in &t.constraints {
                out.push(self.add_constraint_statement(name, c, span));
            }
        } else {
            let columns = t.columns.iter().map(|c| self.column_def(c, span)).collect();
            let constraints = t
                .constraints
                .iter()
                .map(|c| self.table_constraint(c, span))
                .collect();
            out.push(Derived {
                note,
                ..derived(
                    StatementKind::CreateTable(CreateTable {
                        name: qualified,
                        columns,
                        constraints,
                        partition_by: t.partition_by().cloned(),
                        storage: self.storage_params(t.storage(), span),
                    }),
                    span,
                )
            });
            // NOT VALID constraints come back as they were: added after, not valid.
            let not_valid: Vec<&Constraint> =
                t.constraints.iter().filter(|c| c.not_valid).collect();
            if let Some(Derived {
                statement:
                    Statement {
                        kind: StatementKind::CreateTable(ct),
                        ..
                    },
                ..
            }) = out.last_mut()
            {
                ct.constraints.retain(|tc| {
                    !not_valid
                        .iter()
                        .any(|c| tc.name.as_ref().is_some_and(|n| n.value == c.name))
                });
            }
            for c in not_valid {
                out.push(self.add_constraint_statement(name, c, span));
            }
        }
        for column in &t.columns {
            out.extend(self.column_options(name, column, span));
        }
        for index in self.model.indexes_of(name) {
            if let Some(i) = self.model.indexes.get(&index) {
                out.push(self.create_index_statement(&index, i, false, span));
            }
        }
        let (before, after) = self.recreate_owned(&self.owned_sequences(name, None), span);
        out.splice(0..0, before);
        out.extend(after);
        out.extend(self.comment_statements(&self.comments_of_table(name), span));
        out.extend(self.recreate_triggers(name, span));
        out.extend(self.recreate_row_security(name, span));
        out.extend(self.grant_statements(&Grantable::Relation(name.clone()), span));
        out
    }

    /// Takes a table out of the model with what goes with it: the sequences it owns and
    /// the comments of all of it ([`Self::recreate_table`] gives them back).
    fn forget_table(&mut self, name: &ObjName, span: Span) {
        let comments = self.comments_of_table(name);
        self.take_comments(&comments, span);
        let owned = self.owned_sequences(name, None);
        self.forget_sequences(&owned, span);
        self.forget_triggers(name);
        self.forget_policies(name);
        self.take_grants(&Grantable::Relation(name.clone()), span);
        self.model.remove_table(name);
    }

    /// Renames a table, keeping constraint and index names, as PostgreSQL does, and
    /// following it in every foreign key, index and partition that names it.
    pub(super) fn move_table(&mut self, old: &ObjName, new: &ObjName, span: Span) {
        let indexes: Vec<(ObjName, Index)> = self
            .model
            .indexes_of(old)
            .into_iter()
            .filter_map(|n| self.model.indexes.get(&n).map(|i| (n, (**i).clone())))
            .collect();
        let sources = self.model.tables_referencing(old);
        let partitions: Vec<ObjName> = self
            .model
            .tables
            .iter()
            .filter(|(_, t)| t.partition_of().is_some_and(|(p, _)| p == old))
            .map(|(n, _)| n.clone())
            .collect();
        let Some(table) = self.model.remove_table(old) else {
            return;
        };
        let mut table = std::sync::Arc::unwrap_or_clone(table);
        // A table that references itself follows its own renaming.
        for c in table.constraints.iter_mut() {
            if let ConstraintKind::ForeignKey { table: target, .. } = &mut c.kind {
                if target == old {
                    *target = new.clone();
                }
            }
        }
        self.model.add_table(new.clone(), table);
        self.move_owner(old, new, None);
        self.follow_renamed_relation(old, new);
        self.move_triggers(old, new, span);
        self.move_policies(old, new, span);
        let retarget = |on: &CommentOn| match on {
            CommentOn::Table(_) => CommentOn::Table(new.clone()),
            CommentOn::Column(_, c) => CommentOn::Column(new.clone(), c.clone()),
            CommentOn::Constraint(_, c) => CommentOn::Constraint(new.clone(), c.clone()),
            other => other.clone(),
        };
        for (on, _) in self.model.table_comments(old) {
            self.move_comment(on.clone(), retarget(&on));
        }
        for (n, mut i) in indexes {
            i.table = new.clone();
            self.model.add_index(n, i);
        }
        for source in sources.into_iter().chain(partitions).filter(|s| s != old) {
            let Some(mut t) = self.model.table(&source).cloned() else {
                continue;
            };
            for c in t.constraints.iter_mut() {
                if let ConstraintKind::ForeignKey { table: target, .. } = &mut c.kind {
                    if target == old {
                        *target = new.clone();
                    }
                }
            }
            if let Some(Partitioning::Of(parent, _)) = t.partitioning.as_deref_mut() {
                if parent == old {
                    *parent = new.clone();
                }
            }
            self.model.replace_table(&source, t);
        }
    }
}
