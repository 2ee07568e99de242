//! Sequences: created (or assumed), altered, renamed and dropped; the sequences a column
//! owns, which go with it; and identity columns added, dropped and switched between
//! `always` and `by default`.

use super::*;
use crate::diagnostic::Code;
use crate::schema::expr;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn create_sequence(
        &mut self,
        c: &mut CreateSequence,
        span: Span,
        assumed: bool,
    ) -> Reversal {
        let name = self.obj(&c.name);
        if !self.check_new_relation(&name, c.name.span(), "sequence") {
            return Ok(Vec::new());
        }
        let Some(mut sequence) = self.resolve_sequence(&name, None, &c.options, c.name.span())
        else {
            return Ok(Vec::new());
        };
        sequence.assumed = assumed;
        self.model
            .sequences
            .insert(name.clone(), Arc::new(sequence));
        if assumed {
            return Ok(Vec::new());
        }
        Ok(vec![derived(
            S::DropSequence(DropSequence {
                name: c.name.clone(),
            }),
            span,
        )])
    }

    pub(super) fn alter_sequence(&mut self, a: &mut AlterSequence, span: Span) -> Reversal {
        let Some((name, before)) = self.sequence_or_error(&a.name) else {
            return Ok(Vec::new());
        };
        let Some(mut after) =
            self.resolve_sequence(&name, Some(&before), &a.options, a.name.span())
        else {
            return Ok(Vec::new());
        };
        after.assumed = before.assumed;
        // Back to every resolved option that changed: a new type also moves the bounds
        // that were the old type's, and the reversal names them rather than relying on
        // PostgreSQL moving them back. Where the sequence stood (`restart`) is data, and
        // stays.
        let mut back = SequenceOptions::default();
        if after.data_type != before.data_type {
            back.data_type = Some(spanned(span, before.data_type));
        }
        if after.increment != before.increment {
            back.increment = Some(spanned(span, before.increment));
        }
        if after.min != before.min {
            back.min = Some(spanned(span, Some(before.min)));
        }
        if after.max != before.max {
            back.max = Some(spanned(span, Some(before.max)));
        }
        if after.start != before.start {
            back.start = Some(spanned(span, before.start));
        }
        if after.cache != before.cache {
            back.cache = Some(spanned(span, before.cache));
        }
        if after.cycle != before.cycle {
            back.cycle = Some(spanned(span, before.cycle));
        }
        if after.owned_by != before.owned_by {
            back.owned_by = Some(spanned(span, self.owner(&before, span)));
        }
        self.model.sequences.insert(name, Arc::new(after));
        if back.is_empty() {
            return Ok(Vec::new());
        }
        Ok(vec![derived(
            S::AlterSequence(Box::new(AlterSequence {
                name: a.name.clone(),
                options: back,
            })),
            span,
        )])
    }

    pub(super) fn rename_sequence(&mut self, r: &mut RenameSequence, span: Span) -> Reversal {
        let Some((old, _)) = self.sequence_or_error(&r.name) else {
            return Ok(Vec::new());
        };
        let new = ObjName::new(old.schema(), &r.new_name.value);
        if !self.check_rename_target(&new, r.new_name.span, "sequence") {
            return Ok(Vec::new());
        }
        self.move_sequence(&old, &new);
        Ok(vec![self.rename_back(
            &new,
            &old,
            span,
            |name, new_name| S::RenameSequence(RenameSequence { name, new_name }),
        )])
    }

    /// A sequence under another name (or in another schema), with its comment and
    /// privileges.
    pub(super) fn move_sequence(&mut self, old: &ObjName, new: &ObjName) {
        if let Some(sequence) = self.model.sequences.remove(old) {
            self.model.sequences.insert(new.clone(), sequence);
        }
        self.move_comment(
            CommentOn::Sequence(old.clone()),
            CommentOn::Sequence(new.clone()),
        );
        self.move_grants(
            &Grantable::Sequence(old.clone()),
            &Grantable::Sequence(new.clone()),
        );
    }

    pub(super) fn drop_sequence(&mut self, d: &mut DropSequence, span: Span) -> Reversal {
        let Some((name, sequence)) = self.sequence_or_error(&d.name) else {
            return Ok(Vec::new());
        };
        if let Some((table, column)) = self.default_using(&name) {
            self.error(
                Code::InUse,
                d.name.span(),
                format!("cannot drop sequence `{name}`: the default of `{table}.{column}` uses it"),
            );
            return Ok(Vec::new());
        }
        self.model.sequences.remove(&name);
        let mut reverse = vec![self.recreate_sequence(&name, &sequence, span)];
        reverse.extend(self.take_comments(&[CommentOn::Sequence(name.clone())], span));
        reverse.extend(self.take_grants(&Grantable::Sequence(name), span));
        Ok(reverse)
    }

    /// The statement that makes a sequence of the model again, with the options that
    /// differ from PostgreSQL's defaults.
    pub fn recreate_sequence(&self, name: &ObjName, s: &Sequence, span: Span) -> Derived {
        let (min, max) = Sequence::default_bounds(s.data_type, s.increment);
        let start = if s.increment > 0 { s.min } else { s.max };
        let options = SequenceOptions {
            data_type: (s.data_type != SequenceType::Bigint).then(|| spanned(span, s.data_type)),
            increment: (s.increment != 1).then(|| spanned(span, s.increment)),
            min: (s.min != min).then(|| spanned(span, Some(s.min))),
            max: (s.max != max).then(|| spanned(span, Some(s.max))),
            start: (s.start != start).then(|| spanned(span, s.start)),
            restart: None,
            cache: (s.cache != 1).then(|| spanned(span, s.cache)),
            cycle: s.cycle.then(|| spanned(span, true)),
            owned_by: s
                .owned_by
                .as_ref()
                .map(|_| spanned(span, self.owner(s, span))),
        };
        Derived {
            note: Some(format!(
                "`{name}` starts again at {}; where it stood is not restored",
                s.start
            )),
            ..derived(
                S::CreateSequence(Box::new(CreateSequence {
                    name: self.qualified(name, span),
                    options,
                })),
                span,
            )
        }
    }

    /// The sequences a column of `table` owns (`column` alone, or all of them).
    pub(super) fn owned_sequences(
        &self,
        table: &ObjName,
        column: Option<&str>,
    ) -> Vec<(ObjName, Sequence)> {
        self.model
            .sequences_owned_by(table)
            .into_iter()
            .filter_map(|name| {
                let s = self.model.sequences.get(&name)?;
                let owner = s.owned_by.as_ref().map(|(_, c)| c.as_str());
                (column.is_none() || owner == column).then(|| (name, Sequence::clone(s)))
            })
            .collect()
    }

    /// The statements that make owned sequences again around their table or column:
    /// each sequence before it (a default of the column may take its values from it),
    /// and after it, the sequence's `owned by` and comment.
    pub(super) fn recreate_owned(
        &self,
        owned: &[(ObjName, Sequence)],
        span: Span,
    ) -> (Vec<Derived>, Vec<Derived>) {
        let mut before = Vec::new();
        let mut after = Vec::new();
        for (name, s) in owned {
            let mut create = self.recreate_sequence(name, s, span);
            if let StatementKind::CreateSequence(c) = &mut create.statement.kind {
                c.options.owned_by = None;
            }
            before.push(create);
            after.push(derived(
                StatementKind::AlterSequence(Box::new(AlterSequence {
                    name: self.qualified(name, span),
                    options: SequenceOptions {
                        owned_by: Some(spanned(span, self.owner(s, span))),
                        ..SequenceOptions::default()
                    },
                })),
                span,
            ));
            after.extend(self.comment_statements(&[CommentOn::Sequence(name.clone())], span));
            after.extend(self.grant_statements(&Grantable::Sequence(name.clone()), span));
        }
        (before, after)
    }

    /// Takes owned sequences out of the model, with their comments and privileges: PostgreSQL drops
    /// them with their column.
    pub(super) fn forget_sequences(&mut self, owned: &[(ObjName, Sequence)], span: Span) {
        for (name, _) in owned {
            self.model.sequences.remove(name);
            self.take_comments(&[CommentOn::Sequence(name.clone())], span);
            self.take_grants(&Grantable::Sequence(name.clone()), span);
        }
    }

    /// Follows a renamed table or column in the sequences it owns.
    pub(super) fn move_owner(
        &mut self,
        table: &ObjName,
        new_table: &ObjName,
        column: Option<(&str, &str)>,
    ) {
        for name in self.model.sequences_owned_by(table) {
            let Some(s) = self.model.sequences.get_mut(&name).map(Arc::make_mut) else {
                continue;
            };
            if let Some((t, c)) = &mut s.owned_by {
                *t = new_table.clone();
                if let Some((from, to)) = column {
                    if c == from {
                        *c = to.to_owned();
                    }
                }
            }
        }
    }

    /// `owned by` as written for a sequence of the model.
    pub(super) fn owner(&self, s: &Sequence, span: Span) -> Option<OwnedBy> {
        s.owned_by.as_ref().map(|(table, column)| OwnedBy {
            table: self.qualified(table, span),
            column: ident(column, span),
        })
    }

    pub(super) fn sequence_or_error(&mut self, q: &QualifiedName) -> Option<(ObjName, Sequence)> {
        let name = self.obj(q);
        if let Some(s) = self.model.sequences.get(&name) {
            return Some((name, Sequence::clone(s)));
        }
        let message = match self.identity_owner(&name) {
            Some((table, column)) => format!(
                "`{name}` is the sequence of identity column `{table}.{column}`: change it with \
                 `alter table {table} alter column {column} ...`"
            ),
            None => format!("unknown sequence `{name}`"),
        };
        self.error(Code::UnknownObject, q.span(), message);
        None
    }

    /// The identity column whose sequence `name` is. (A scan: for an error message.)
    fn identity_owner(&self, name: &ObjName) -> Option<(ObjName, String)> {
        if !self.model.is_identity_sequence(name) {
            return None;
        }
        self.model
            .tables
            .iter()
            .filter(|(t, _)| t.schema() == name.schema())
            .find_map(|(t, table)| {
                table
                    .columns
                    .iter()
                    .find(|c| c.sequence() == Some(name.name()))
                    .map(|c| (t.clone(), c.name.clone()))
            })
    }

    /// Whether the sequences a default takes values from (`nextval('name')`) exist:
    /// PostgreSQL reads the name as a `regclass` when the default is set, and refuses
    /// one it cannot find. False (with the error) when one does not.
    pub(super) fn check_default_sequences(&mut self, d: &DefaultValue) -> bool {
        let DefaultValue::Expr(e) = d else {
            return true;
        };
        // The parse only for the defaults that can name one.
        if !e.text.to_ascii_lowercase().contains("nextval") {
            return true;
        }
        for (schema, n) in expr::sequences_used(&e.text) {
            let name = ObjName::new(schema.as_deref().unwrap_or(self.default_schema), &n);
            if self.model.relation(&name) != Some(RelationKind::Sequence) {
                self.error(
                    Code::UnknownObject,
                    e.span,
                    format!("unknown sequence `{name}` in the default"),
                );
                return false;
            }
        }
        true
    }

    /// A column whose default takes its values from the sequence (`nextval('name')`):
    /// PostgreSQL will not drop a sequence a default depends on.
    fn default_using(&self, name: &ObjName) -> Option<(ObjName, String)> {
        self.model.tables.iter().find_map(|(t, table)| {
            table.columns.iter().find_map(|c| {
                let DefaultValue::Expr(e) = c.default.as_deref()? else {
                    return None;
                };
                expr::sequences_used(&e.text)
                    .iter()
                    .any(|(schema, n)| {
                        ObjName::new(schema.as_deref().unwrap_or(self.default_schema), n) == *name
                    })
                    .then(|| (t.clone(), c.name.clone()))
            })
        })
    }

    /// The sequence `options` make of `base` (a new one when `None`), with PostgreSQL's
    /// checks and defaults (`init_params` in its `sequence.c`, whose messages these are).
    fn resolve_sequence(
        &mut self,
        name: &ObjName,
        base: Option<&Sequence>,
        o: &SequenceOptions,
        fallback: Span,
    ) -> Option<Sequence> {
        let before = self.diagnostics.len();
        // Where to point when a value no option wrote (a default) is at fault.
        let name_span = |_: &SequenceOptions| fallback;
        let data_type = o
            .data_type
            .as_ref()
            .map(|t| t.value)
            .or(base.map(|b| b.data_type))
            .unwrap_or(SequenceType::Bigint);
        let increment = o
            .increment
            .as_ref()
            .map(|i| i.value)
            .or(base.map(|b| b.increment))
            .unwrap_or(1);
        // PostgreSQL stops at the first of its checks that fails; so does this.
        if let Some(i) = o.increment.as_ref().filter(|i| i.value == 0) {
            self.error(
                Code::InvalidStatement,
                i.span,
                "INCREMENT must not be zero".to_owned(),
            );
            return None;
        }
        let (least, greatest) = data_type.range();
        // A new type moves a bound that was the old type's limit to the new one's.
        let (reset_min, reset_max) = match base {
            Some(b) if b.data_type != data_type => {
                let (old_least, old_greatest) = b.data_type.range();
                (b.min == old_least, b.max == old_greatest)
            }
            _ => (false, false),
        };
        let bound =
            |given: &Option<Spanned<Option<i64>>>, kept: Option<i64>, reset: bool, default: i64| {
                match given.as_ref().map(|g| g.value) {
                    Some(Some(n)) => n,
                    Some(None) => default,
                    None if reset => default,
                    None => kept.unwrap_or(default),
                }
            };
        let max = bound(
            &o.max,
            base.map(|b| b.max),
            reset_max,
            if increment > 0 || reset_max {
                greatest
            } else {
                -1
            },
        );
        let min = bound(
            &o.min,
            base.map(|b| b.min),
            reset_min,
            if increment < 0 || reset_min { least } else { 1 },
        );
        let type_name = data_type.name();
        for (value, word, given) in [(max, "MAXVALUE", &o.max), (min, "MINVALUE", &o.min)] {
            if !(least..=greatest).contains(&value) {
                let at = given.as_ref().map_or_else(
                    || o.data_type.as_ref().map_or(name_span(o), |t| t.span),
                    |g| g.span,
                );
                self.error(
                    Code::InvalidStatement,
                    at,
                    format!("{word} ({value}) is out of range for sequence data type {type_name}"),
                );
                return None;
            }
        }
        if min >= max {
            let at = o
                .min
                .as_ref()
                .or(o.max.as_ref())
                .map_or_else(|| name_span(o), |b| b.span);
            self.error(
                Code::InvalidStatement,
                at,
                format!("MINVALUE ({min}) must be less than MAXVALUE ({max})"),
            );
            return None;
        }
        let start = o
            .start
            .as_ref()
            .map(|s| s.value)
            .or(base.map(|b| b.start))
            .unwrap_or(if increment > 0 { min } else { max });
        let starts = [
            ("START value", Some(start), o.start.as_ref().map(|s| s.span)),
            (
                "RESTART value",
                o.restart.as_ref().map(|r| r.value.unwrap_or(start)),
                o.restart.as_ref().map(|r| r.span),
            ),
        ];
        for (what, value, at) in starts {
            let Some(value) = value else { continue };
            let at = at.unwrap_or_else(|| name_span(o));
            if value < min {
                self.error(
                    Code::InvalidStatement,
                    at,
                    format!("{what} ({value}) cannot be less than MINVALUE ({min})"),
                );
            } else if value > max {
                self.error(
                    Code::InvalidStatement,
                    at,
                    format!("{what} ({value}) cannot be greater than MAXVALUE ({max})"),
                );
            }
        }
        let cache = o
            .cache
            .as_ref()
            .map(|c| c.value)
            .or(base.map(|b| b.cache))
            .unwrap_or(1);
        if let Some(c) = o.cache.as_ref().filter(|c| c.value <= 0) {
            self.error(
                Code::InvalidStatement,
                c.span,
                format!("CACHE ({}) must be greater than zero", c.value),
            );
        }
        let cycle = o
            .cycle
            .as_ref()
            .map(|c| c.value)
            .or(base.map(|b| b.cycle))
            .unwrap_or(false);
        let owned_by = match &o.owned_by {
            None => base.and_then(|b| b.owned_by.clone()),
            Some(Spanned { value: None, .. }) => None,
            Some(Spanned {
                value: Some(owner),
                span,
            }) => self.check_owner(name, owner, *span),
        };
        if crate::diagnostic::has_errors(&self.diagnostics[before..]) {
            return None;
        }
        Some(Sequence {
            data_type,
            increment,
            min,
            max,
            start,
            cache,
            cycle,
            owned_by,
            assumed: false,
        })
    }

    /// The column of `owned by`, which must be of a table in the sequence's schema.
    fn check_owner(
        &mut self,
        sequence: &ObjName,
        owner: &OwnedBy,
        span: Span,
    ) -> Option<(ObjName, String)> {
        let (table, t) = self.table_or_error(&owner.table)?;
        let column = self.column_or_error(&table, &t, &owner.column)?;
        if table.schema() != sequence.schema() {
            self.error(
                Code::InvalidStatement,
                span,
                format!(
                    "sequence `{sequence}` must be in the schema of table `{table}` to be owned by it"
                ),
            );
            return None;
        }
        Some((table, column.name))
    }

    pub(super) fn add_identity(&mut self, a: &mut AddIdentity, span: Span) -> Reversal {
        let Some((table, mut column)) = self.column_of(&a.table, &a.column) else {
            return Ok(Vec::new());
        };
        let problem = if column.identity.is_some() {
            Some("is an identity column already")
        } else if column.default.is_some() {
            Some("has a default; drop it first")
        } else if column.generated.is_some() {
            Some("is a generated column")
        } else if !column.not_null {
            Some("must be `not null` before it can be an identity column")
        } else if !is_integer(&column.data_type) {
            Some("is not of an integer type (smallint, integer or bigint)")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.error(
                Code::InvalidStatement,
                a.column.span,
                format!("column `{table}.{}` {problem}", column.name),
            );
            return Ok(Vec::new());
        }
        column.identity = Some(a.kind);
        self.name_sequence(&table, &mut column);
        if let Some(sequence) = column.sequence() {
            self.model.set_sequence(table.schema(), sequence, true);
        }
        let (identity, sequence) = (column.identity, column.sequence().map(str::to_owned));
        self.update_column(&table, &column.name, |c| {
            c.identity = identity;
            c.set_sequence(sequence);
        });
        Ok(vec![derived(
            S::DropIdentity(DropIdentity {
                table: a.table.clone(),
                column: a.column.clone(),
                if_exists: false,
            }),
            span,
        )])
    }

    pub(super) fn drop_identity(&mut self, d: &mut DropIdentity, span: Span) -> Reversal {
        let Some((table, column)) = self.column_of(&d.table, &d.column) else {
            return Ok(Vec::new());
        };
        let Some(kind) = column.identity else {
            if !d.if_exists {
                self.error(
                    Code::InvalidStatement,
                    d.column.span,
                    format!("column `{table}.{}` is not an identity column", column.name),
                );
            }
            return Ok(Vec::new());
        };
        if let Some(sequence) = column.sequence() {
            self.model.set_sequence(table.schema(), sequence, false);
        }
        let name = column.name;
        self.update_column(&table, &name, |c| {
            c.identity = None;
            c.set_sequence(None);
        });
        // The identity comes back with a new sequence, at its start: it is moved past the
        // values the column holds, so that the next row does not collide with them.
        let mut qualified = String::new();
        if table.schema() != self.default_schema {
            qualified.push_str(&crate::quote::ident(table.schema()));
            qualified.push('.');
        }
        qualified.push_str(&crate::quote::ident(table.name()));
        let column_sql = crate::quote::ident(&name);
        let catch_up = format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), max({column_sql})) FROM {qualified} HAVING max({column_sql}) IS NOT NULL;",
            crate::quote::literal(&qualified),
            crate::quote::literal(&name),
        );
        Ok(vec![
            derived(
                S::AddIdentity(AddIdentity {
                    table: d.table.clone(),
                    column: d.column.clone(),
                    kind,
                }),
                span,
            ),
            derived(
                S::RawSql(RawSql {
                    text: catch_up,
                    data: true,
                    nontransactional: false,
                    body: span,
                    made: Vec::new(),
                }),
                span,
            ),
        ])
    }

    pub(super) fn set_generated(&mut self, g: &mut SetGenerated, span: Span) -> Reversal {
        let Some((table, column)) = self.column_of(&g.table, &g.column) else {
            return Ok(Vec::new());
        };
        let Some(kind) = column.identity else {
            self.error(
                Code::InvalidStatement,
                g.column.span,
                format!("column `{table}.{}` is not an identity column", column.name),
            );
            return Ok(Vec::new());
        };
        let new = g.kind;
        self.update_column(&table, &column.name, |c| c.identity = Some(new));
        if kind == g.kind {
            return Ok(Vec::new());
        }
        Ok(vec![derived(
            S::SetGenerated(SetGenerated {
                table: g.table.clone(),
                column: g.column.clone(),
                kind,
            }),
            span,
        )])
    }
}

/// Whether a column's type is one an identity column can have.
fn is_integer(t: &DataType) -> bool {
    if t.array_dimensions > 0 {
        return false;
    }
    match &t.kind {
        TypeKind::Named { name, .. } => {
            name.schema.as_ref().is_none_or(|s| s.value == "pg_catalog")
                && SequenceType::named(&name.name.value).is_some()
        }
        _ => false,
    }
}
