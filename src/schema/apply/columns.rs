//! Columns: added, dropped, renamed, retyped, `not null` and defaults set and dropped.

use super::*;
use crate::diagnostic::Code;
use crate::schema::expr;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn add_column(&mut self, a: &mut AddColumn, span: Span) -> Reversal {
        let Some((table, t)) = self.table_or_error(&a.table) else {
            return Ok(Vec::new());
        };
        if t.column(&a.column.name.value).is_some() {
            self.error(
                Code::DuplicateObject,
                a.column.name.span,
                format!(
                    "table `{table}` has a column `{}` already",
                    a.column.name.value
                ),
            );
            return Ok(Vec::new());
        }
        if t.columns.len() >= MAX_COLUMNS {
            self.error(
                Code::InvalidStatement,
                a.column.name.span,
                format!(
                    "table `{table}` has {} columns already; PostgreSQL allows at most {MAX_COLUMNS}",
                    t.columns.len()
                ),
            );
            return Ok(Vec::new());
        }
        let (mut column, pending) = self.column(&a.column, 0);
        let mut all: Vec<Column> = t.columns.to_vec();
        all.push(column.clone());
        let existing: Vec<Constraint> = t.constraints.to_vec();
        release(t);
        let named = self.name_constraints(&table, &all, &existing, pending);
        if named
            .iter()
            .any(|(c, _)| matches!(c.kind, ConstraintKind::PrimaryKey(_)))
        {
            column.not_null = true;
        }
        self.name_sequence(&table, &mut column);
        let mut columns = [a.column.clone()];
        write_names(&mut columns, &mut [], &named);
        let [def] = columns;
        a.column = def;
        if let Some(sequence) = column.sequence() {
            self.model.set_sequence(table.schema(), sequence, true);
        }
        if let Some(tm) = self.model.table_mut(&table) {
            // Exactly one more: a vector doubling here left most tables with room
            // for columns they never get, a tenth of the model at 100,000
            // revisions. Tables are small; the copy per added column is cheap.
            tm.columns.reserve_exact(1);
            tm.columns.push(column);
        }
        for (c, _) in named {
            self.model.add_constraint(&table, c);
        }
        Ok(vec![derived(
            S::DropColumn(DropColumn {
                table: a.table.clone(),
                column: a.column.name.clone(),
            }),
            span,
        )])
    }

    pub(super) fn drop_column(&mut self, d: &mut DropColumn, span: Span) -> Reversal {
        let Some((table, t)) = self.table_or_error(&d.table) else {
            return Ok(Vec::new());
        };
        let Some(column) = self.column_or_error(&table, &t, &d.column) else {
            return Ok(Vec::new());
        };
        if !self.check_unused_by_views(&table, Some(&column.name), d.column.span, "drop column") {
            return Ok(Vec::new());
        }
        if let Some(policy) = self.policy_on_column(&table, &column.name) {
            self.error(
                Code::InUse,
                d.column.span,
                format!(
                    "cannot drop column `{table}.{}`: policy `{policy}` uses it",
                    column.name
                ),
            );
            return Ok(Vec::new());
        }
        if let Some(trigger) = self.trigger_on_column(&table, &column.name) {
            self.error(
                Code::InUse,
                d.column.span,
                format!(
                    "cannot drop column `{table}.{}`: trigger `{trigger}` fires on its updates",
                    column.name
                ),
            );
            return Ok(Vec::new());
        }
        if let Some(p) = t.partition_by() {
            if p.columns.iter().any(|c| c.value == column.name) {
                self.error(
                    Code::InUse,
                    d.column.span,
                    format!(
                        "column `{}` is in the partition key of `{table}`",
                        column.name
                    ),
                );
                return Ok(Vec::new());
            }
        }
        // PostgreSQL drops the constraints and indexes that use the column, but
        // not a key that another table's foreign key references, nor an exclusion
        // constraint that uses it only in an expression or its predicate.
        let dropped: Vec<Constraint> = t
            .constraints
            .iter()
            .filter(|c| c.columns().contains(&column.name))
            .cloned()
            .collect();
        release(t);
        let held = dropped.iter().find(
            |c| matches!(&c.kind, ConstraintKind::Exclude(e) if !e.names_column(&column.name)),
        );
        if let Some(c) = held {
            self.error(
                Code::InUse,
                d.column.span,
                format!(
                    "cannot drop column `{table}.{}`: exclusion constraint `{}` uses it in an \
                     expression or its predicate (drop the constraint first)",
                    column.name, c.name
                ),
            );
            return Ok(Vec::new());
        }
        for key in dropped.iter().filter(|c| c.is_key()) {
            if let Some((other, fk)) = self.foreign_key_on(&table, key) {
                self.error(
                    Code::InUse,
                    d.column.span,
                    format!("column `{}` is in key `{}`, which foreign key `{fk}` of `{other}` references", column.name, key.name),
                );
                return Ok(Vec::new());
            }
        }
        let indexes: Vec<(ObjName, Index)> = self
            .model
            .indexes_of(&table)
            .into_iter()
            .filter_map(|n| self.model.indexes.get(&n).map(|i| (n, (**i).clone())))
            .filter(|(_, i)| i.columns.contains(&column.name))
            .collect();
        let mut reverse = vec![Derived {
            note: Some(format!(
                "the values of `{table}.{}` are not restored",
                column.name
            )),
            ..derived(
                S::AddColumn(AddColumn {
                    table: d.table.clone(),
                    column: self.column_def(&column, span),
                }),
                span,
            )
        }];
        reverse.extend(self.column_options(&table, &column, span));
        for c in &dropped {
            reverse.push(self.add_constraint_statement(&table, c, span));
            self.model.remove_constraint(&table, &c.name);
        }
        for (n, i) in &indexes {
            reverse.push(self.create_index_statement(n, i, false, span));
            self.model.remove_index(n);
        }
        let owned = self.owned_sequences(&table, Some(&column.name));
        let (before, after) = self.recreate_owned(&owned, span);
        reverse.splice(0..0, before);
        reverse.extend(after);
        self.forget_sequences(&owned, span);
        let mut comments = vec![CommentOn::Column(table.clone(), column.name.clone())];
        for c in &dropped {
            comments.extend(self.comments_of_constraint(&table, c));
        }
        comments.extend(indexes.iter().map(|(n, _)| CommentOn::Index(n.clone())));
        reverse.extend(self.take_comments(&comments, span));
        if let Some(sequence) = column.sequence() {
            self.model.set_sequence(table.schema(), sequence, false);
        }
        if let Some(tm) = self.model.table_mut(&table) {
            if let Some(i) = tm.columns.iter().position(|c| c.name == column.name) {
                tm.columns.remove(i);
            }
        }
        Ok(reverse)
    }

    pub(super) fn rename_column(&mut self, r: &mut RenameColumn, span: Span) -> Reversal {
        let Some((table, t)) = self.table_or_error(&r.table) else {
            return Ok(Vec::new());
        };
        if self.column_or_error(&table, &t, &r.column).is_none() {
            return Ok(Vec::new());
        }
        if t.column(&r.new_name.value).is_some() {
            self.error(
                Code::DuplicateObject,
                r.new_name.span,
                format!(
                    "table `{table}` has a column `{}` already",
                    r.new_name.value
                ),
            );
            return Ok(Vec::new());
        }
        release(t);
        self.move_column(&table, &r.column.value, &r.new_name.value);
        Ok(vec![derived(
            S::RenameColumn(RenameColumn {
                table: r.table.clone(),
                column: r.new_name.clone(),
                new_name: r.column.clone(),
            }),
            span,
        )])
    }

    pub(super) fn alter_column_type(&mut self, a: &mut AlterColumnType, span: Span) -> Reversal {
        let (table, column) = match self.column_of(&a.table, &a.column) {
            Some(found) => found,
            None => return Ok(Vec::new()),
        };
        // PostgreSQL: "cannot alter type of a column used by a view or rule".
        if !self.check_unused_by_views(
            &table,
            Some(&column.name),
            a.column.span,
            "change the type of",
        ) {
            return Ok(Vec::new());
        }
        self.check_type(&a.data_type);
        let previous = column.data_type.clone();
        let new = self.shared.data_type(&a.data_type);
        self.update_column(&table, &column.name, |c| c.data_type = new);
        let using = SqlExpr {
            text: format!(
                "{}::{}",
                crate::quote::ident(&column.name),
                crate::quote::data_type(&previous)
            ),
            span,
        };
        Ok(vec![derived(
            S::AlterColumnType(AlterColumnType {
                table: a.table.clone(),
                column: a.column.clone(),
                data_type: (*previous).clone(),
                using: Some(using),
            }),
            span,
        )])
    }

    pub(super) fn column(&mut self, def: &ColumnDef, index: usize) -> (Column, Vec<Pending>) {
        self.check_type(&def.data_type);
        let mut column = Column {
            name: def.name.value.clone(),
            data_type: self.shared.data_type(&def.data_type),
            not_null: false,
            default: None,
            identity: None,
            generated: None,
            attributes: None,
        };
        let mut pending = Vec::new();
        let me = vec![def.name.value.clone()];
        for (j, c) in def.constraints.iter().enumerate() {
            let kind = match &c.kind {
                ColumnConstraintKind::NotNull => {
                    column.not_null = true;
                    continue;
                }
                ColumnConstraintKind::Null => continue,
                ColumnConstraintKind::Default(d) => {
                    self.check_enum_default(&def.data_type, d);
                    self.check_default_sequences(d);
                    column.default = Some(self.shared.default_value(d));
                    continue;
                }
                ColumnConstraintKind::Identity(kind) => {
                    column.identity = Some(*kind);
                    column.not_null = true;
                    continue;
                }
                ColumnConstraintKind::Generated(e) => {
                    column.generated = Some(Box::new(e.clone()));
                    continue;
                }
                ColumnConstraintKind::Collate(q) => {
                    if let Some(t) = type_without(&def.data_type, Property::Collation) {
                        self.error(
                            Code::InvalidStatement,
                            q.span(),
                            format!("collations are not supported by type {t}"),
                        );
                    }
                    column.attributes_mut().collation = Some(q.clone());
                    continue;
                }
                ColumnConstraintKind::PrimaryKey => ConstraintKind::PrimaryKey(me.clone()),
                ColumnConstraintKind::Unique => ConstraintKind::Unique(me.clone()),
                ColumnConstraintKind::Check(e) => ConstraintKind::Check {
                    expr: e.clone(),
                    // Resolved against every column once the table is known.
                    columns: Vec::new(),
                },
                ColumnConstraintKind::References(r) => ConstraintKind::ForeignKey {
                    columns: me.clone(),
                    table: self.obj(&r.table),
                    referenced: r.columns.iter().map(|i| i.value.clone()).collect(),
                    on_delete: r.on_delete,
                    on_update: r.on_update,
                },
            };
            pending.push(Pending {
                name: c.name.as_ref().map(|n| n.value.clone()),
                kind,
                deferrable: c.deferrable.unwrap_or_default(),
                span: c.span,
                origin: Origin::Column(index, j),
            });
        }
        (column, pending)
    }

    pub fn column_def(&self, c: &Column, span: Span) -> ColumnDef {
        let mut constraints = Vec::new();
        let mut push = |kind| {
            constraints.push(ColumnConstraint {
                name: None,
                kind,
                deferrable: None,
                span,
            })
        };
        if let Some(kind) = c.identity {
            push(ColumnConstraintKind::Identity(kind));
        } else if c.not_null {
            push(ColumnConstraintKind::NotNull);
        }
        if let Some(d) = &c.default {
            push(ColumnConstraintKind::Default(DefaultValue::clone(d)));
        }
        if let Some(g) = &c.generated {
            push(ColumnConstraintKind::Generated((**g).clone()));
        }
        // PostgreSQL writes a column's collation before its constraints.
        if let Some(collation) = c.attributes.as_ref().and_then(|a| a.collation.clone()) {
            constraints.insert(
                0,
                ColumnConstraint {
                    name: None,
                    kind: ColumnConstraintKind::Collate(collation),
                    deferrable: None,
                    span,
                },
            );
        }
        ColumnDef {
            name: ident(&c.name, span),
            data_type: (*c.data_type).clone(),
            constraints,
            span,
        }
    }

    pub(super) fn column_of(
        &mut self,
        table: &QualifiedName,
        column: &Ident,
    ) -> Option<(ObjName, Column)> {
        let (name, t) = self.table_or_error(table)?;
        let c = self.column_or_error(&name, &t, column)?;
        Some((name, c))
    }

    pub(super) fn update_column(
        &mut self,
        table: &ObjName,
        column: &str,
        change: impl FnOnce(&mut Column),
    ) {
        if let Some(t) = self.model.table_mut(table) {
            if let Some(c) = t.columns.iter_mut().find(|c| c.name == column) {
                change(c);
            }
        }
    }

    pub(super) fn set_not_null(
        &mut self,
        table: &QualifiedName,
        column: &Ident,
        not_null: bool,
        span: Span,
    ) -> Result<Vec<Derived>, String> {
        let Some((name, c)) = self.column_of(table, column) else {
            return Ok(Vec::new());
        };
        if !not_null {
            let in_key = self
                .model
                .table(&name)
                .and_then(|t| t.primary_key())
                .is_some_and(|k| k.columns().contains(&c.name));
            if in_key {
                self.error(
                    Code::InUse,
                    column.span,
                    format!("column `{}` is in the primary key of `{name}`", c.name),
                );
                return Ok(Vec::new());
            }
        }
        if c.not_null == not_null {
            return Ok(Vec::new());
        }
        self.update_column(&name, &c.name, |col| col.not_null = not_null);
        let kind = if not_null {
            StatementKind::DropNotNull(DropNotNull {
                table: table.clone(),
                column: column.clone(),
            })
        } else {
            StatementKind::SetNotNull(SetNotNull {
                table: table.clone(),
                column: column.clone(),
            })
        };
        Ok(vec![derived(kind, span)])
    }

    pub(super) fn set_default(
        &mut self,
        table: &QualifiedName,
        column: &Ident,
        default: Option<DefaultValue>,
        span: Span,
    ) -> Result<Vec<Derived>, String> {
        let Some((name, c)) = self.column_of(table, column) else {
            return Ok(Vec::new());
        };
        let previous = c.default.clone();
        if let Some(d) = &default {
            let data_type = c.data_type.clone();
            if !self.check_enum_default(&data_type, d) || !self.check_default_sequences(d) {
                return Ok(Vec::new());
            }
        }
        let default = default.map(|d| self.shared.default_value(&d));
        self.update_column(&name, &c.name, |col| col.default = default);
        let kind = match previous {
            Some(d) => StatementKind::SetDefault(SetDefault {
                table: table.clone(),
                column: column.clone(),
                default: DefaultValue::clone(&d),
            }),
            None => StatementKind::DropDefault(DropDefault {
                table: table.clone(),
                column: column.clone(),
            }),
        };
        Ok(vec![derived(kind, span)])
    }

    pub(super) fn move_column(&mut self, table: &ObjName, from: &str, to: &str) {
        self.move_owner(table, table, Some((from, to)));
        self.follow_renamed_column(table, from, to);
        self.move_trigger_column(table, from, to);
        self.move_policy_column(table, from, to);
        self.move_comment(
            CommentOn::Column(table.clone(), from.to_owned()),
            CommentOn::Column(table.clone(), to.to_owned()),
        );
        let rename = |list: &mut [String]| {
            for c in list.iter_mut().filter(|c| c.as_str() == from) {
                *c = to.to_owned();
            }
        };
        if let Some(t) = self.model.table_mut(table) {
            for c in t.columns.iter_mut().filter(|c| c.name == from) {
                c.name = to.to_owned();
            }
            for c in t.constraints.iter_mut() {
                match &mut c.kind {
                    ConstraintKind::PrimaryKey(cols) | ConstraintKind::Unique(cols) => rename(cols),
                    ConstraintKind::Check { expr: e, columns } => {
                        e.text = expr::rename_column(&e.text, from, to);
                        rename(columns);
                    }
                    ConstraintKind::ForeignKey { columns, .. } => rename(columns),
                    ConstraintKind::Exclude(e) => {
                        let e = e.as_mut();
                        let mut elements = e.elements.to_vec();
                        for x in &mut elements {
                            indexes::rename_in_keys(std::slice::from_mut(&mut x.key), from, to);
                        }
                        e.elements = elements.into();
                        rename(&mut e.include);
                        rename(&mut e.columns);
                        if let Some(p) = &mut e.predicate {
                            p.text = expr::rename_column(&p.text, from, to);
                        }
                    }
                }
            }
        }
        for name in self.model.indexes_of(table) {
            if let Some(i) = self
                .model
                .indexes
                .get_mut(&name)
                .map(std::sync::Arc::make_mut)
            {
                rename(&mut i.columns);
                rename(&mut i.include);
                indexes::rename_in_keys(&mut i.keys, from, to);
                if let Some(p) = &mut i.predicate {
                    p.text = expr::rename_column(&p.text, from, to);
                }
            }
        }
        // Foreign keys of any table that reference the renamed column.
        for name in self.model.tables_referencing(table) {
            if let Some(t) = self.model.table_mut(&name) {
                for c in t.constraints.iter_mut() {
                    if let ConstraintKind::ForeignKey {
                        table: target,
                        referenced,
                        ..
                    } = &mut c.kind
                    {
                        if target == table {
                            rename(referenced);
                        }
                    }
                }
            }
        }
    }
}

impl Applier<'_> {
    pub(super) fn set_column_option(&mut self, o: &mut SetColumnOption, span: Span) -> Reversal {
        let Some((table, column)) = self.column_of(&o.table, &o.column) else {
            return Ok(Vec::new());
        };
        let needs = match &o.option {
            ColumnOption::Storage(Some(s)) if *s != Storage::Plain => {
                Some((Property::Storage, "storage"))
            }
            ColumnOption::Compression(Some(_)) => Some((Property::Storage, "compression")),
            _ => None,
        };
        if let Some((property, what)) = needs {
            if let Some(t) = type_without(&column.data_type, property) {
                let message = if what == "storage" {
                    format!("column data type {t} can only have storage plain")
                } else {
                    format!("column data type {t} does not support compression")
                };
                self.error(Code::InvalidStatement, o.column.span, message);
                return Ok(Vec::new());
            }
        }
        if let ColumnOption::Compression(Some(m)) = &o.option {
            if !matches!(m.value.as_str(), "pglz" | "lz4") {
                self.error(
                    Code::InvalidStatement,
                    m.span,
                    format!(
                        "invalid compression method `{}` (PostgreSQL has pglz and lz4)",
                        m.value
                    ),
                );
                return Ok(Vec::new());
            }
        }
        let attributes = column.attributes.as_deref().cloned().unwrap_or_default();
        let previous = match &o.option {
            ColumnOption::Statistics(_) => {
                ColumnOption::Statistics(attributes.statistics.map(i64::from))
            }
            // PostgreSQL 15 has no `set storage default`: the type's own is named.
            ColumnOption::Storage(_) => match attributes
                .storage
                .or_else(|| default_storage(&column.data_type))
            {
                Some(s) => ColumnOption::Storage(Some(s)),
                None => {
                    let option = o.option.clone();
                    self.update_column(&table, &column.name, |c| {
                        if let ColumnOption::Storage(s) = option {
                            c.attributes_mut().storage = s;
                        }
                        c.tidy();
                    });
                    return Err(format!(
                        "strata does not know which storage type {} has by default",
                        crate::syntax::print::data_type(&column.data_type)
                    ));
                }
            },
            ColumnOption::Compression(_) => {
                ColumnOption::Compression(attributes.compression.map(|m| ident(&m, span)))
            }
        };
        let option = o.option.clone();
        // The type's own storage, named, is the default.
        let type_default = default_storage(&column.data_type);
        self.update_column(&table, &column.name, |c| {
            let a = c.attributes_mut();
            match option {
                ColumnOption::Statistics(n) => a.statistics = n.and_then(|n| i32::try_from(n).ok()),
                ColumnOption::Storage(s) => a.storage = s.filter(|s| Some(*s) != type_default),
                ColumnOption::Compression(m) => a.compression = m.map(|m| m.value),
            }
            c.tidy();
        });
        if previous == o.option {
            return Ok(Vec::new());
        }
        Ok(vec![derived(
            S::SetColumnOption(SetColumnOption {
                table: o.table.clone(),
                column: o.column.clone(),
                option: previous,
            }),
            span,
        )])
    }

    /// The statements that give a column of the model its options back (storage,
    /// compression, statistics: `create table` has no portable way to say them).
    pub(super) fn column_options(
        &self,
        table: &ObjName,
        column: &Column,
        span: Span,
    ) -> Vec<Derived> {
        let Some(a) = column.attributes.as_deref() else {
            return Vec::new();
        };
        let mut options = Vec::new();
        if let Some(n) = a.statistics {
            options.push(ColumnOption::Statistics(Some(i64::from(n))));
        }
        if let Some(s) = a.storage {
            options.push(ColumnOption::Storage(Some(s)));
        }
        if let Some(m) = &a.compression {
            options.push(ColumnOption::Compression(Some(ident(m, span))));
        }
        options
            .into_iter()
            .map(|option| {
                derived(
                    S::SetColumnOption(SetColumnOption {
                        table: self.qualified(table, span),
                        column: ident(&column.name, span),
                        option,
                    }),
                    span,
                )
            })
            .collect()
    }
}

/// The storage PostgreSQL gives a type of variable length by default (`typstorage`),
/// for the types strata knows.
fn default_storage(t: &DataType) -> Option<Storage> {
    if t.array_dimensions > 0 {
        return Some(Storage::Extended);
    }
    match &t.kind {
        TypeKind::Named { name, .. } if name.schema.is_none() => match name.name.value.as_str() {
            "text" | "varchar" | "bytea" | "json" | "jsonb" | "xml" | "tsvector" | "citext"
            | "bpchar" | "char" | "character" | "varbit" => Some(Storage::Extended),
            "numeric" | "decimal" | "inet" | "cidr" => Some(Storage::Main),
            _ => None,
        },
        TypeKind::MultiWord {
            name: MultiWordType::CharacterVarying | MultiWordType::BitVarying,
            ..
        } => Some(Storage::Extended),
        _ => None,
    }
}

/// What some types do not have.
#[derive(Clone, Copy, PartialEq)]
enum Property {
    /// A collation: only text types have one.
    Collation,
    /// Storage other than plain, and compression: only types of variable length.
    Storage,
}

/// The type's name when it surely lacks `property` (a type strata cannot judge, a
/// backtick type or one of an extension, passes).
fn type_without(t: &DataType, property: Property) -> Option<String> {
    if t.array_dimensions > 0 {
        return None;
    }
    const FIXED: &[&str] = &[
        "bigint",
        "bool",
        "boolean",
        "date",
        "float4",
        "float8",
        "int",
        "int2",
        "int4",
        "int8",
        "integer",
        "money",
        "real",
        "smallint",
        "time",
        "timestamp",
        "timestamptz",
        "timetz",
        "uuid",
    ];
    const NOT_TEXT: &[&str] = &[
        "bytea", "cidr", "decimal", "inet", "interval", "json", "jsonb", "macaddr", "numeric",
    ];
    match &t.kind {
        TypeKind::Named { name, .. } if name.schema.is_none() => {
            let n = name.name.value.as_str();
            let lacks =
                FIXED.contains(&n) || (property == Property::Collation && NOT_TEXT.contains(&n));
            lacks.then(|| n.to_owned())
        }
        TypeKind::MultiWord { name, .. } => {
            let fixed = !matches!(
                name,
                MultiWordType::CharacterVarying | MultiWordType::BitVarying
            );
            let lacks =
                fixed || (property == Property::Collation && *name == MultiWordType::BitVarying);
            lacks.then(|| name.spelled(""))
        }
        _ => None,
    }
}
