//! `comment on`: the comment of a schema, type, table, column, constraint, index,
//! sequence or view. A comment belongs to its object: it follows it through renames, goes when it
//! is dropped, and comes back with it in a derived downgrade.

use super::*;
use crate::diagnostic::Code;
use crate::source::Span;

impl Applier<'_> {
    pub(super) fn comment(&mut self, c: &mut Comment, span: Span) -> Reversal {
        let Some(on) = self.comment_target(&c.target) else {
            return Ok(Vec::new());
        };
        let previous = match &c.text {
            Some(text) => self
                .model
                .comments
                .insert(on, Arc::from(text.value.as_str())),
            None => self.model.comments.remove(&on),
        };
        if previous.as_deref() == c.text.as_ref().map(|t| t.value.as_str()) {
            return Ok(Vec::new());
        }
        Ok(vec![derived(
            StatementKind::Comment(Comment {
                target: c.target.clone(),
                text: previous.map(|p| spanned(span, p.to_string())),
            }),
            span,
        )])
    }

    /// The object a comment names, or an error when the model does not know it.
    fn comment_target(&mut self, target: &CommentTarget) -> Option<CommentOn> {
        Some(match target {
            CommentTarget::Schema(s) => {
                if !self.schema_or_error(s) {
                    return None;
                }
                CommentOn::Schema(s.value.clone())
            }
            CommentTarget::Type(t) => {
                let name = self.obj(t);
                if !self.model.types.contains_key(&name) {
                    self.error(
                        Code::UnknownObject,
                        t.span(),
                        format!("unknown type `{name}`"),
                    );
                    return None;
                }
                CommentOn::Type(name)
            }
            CommentTarget::Table(t) => CommentOn::Table(self.table_or_error(t)?.0),
            CommentTarget::Column { table, column } => {
                let (table, column) = self.column_of(table, column)?;
                CommentOn::Column(table, column.name)
            }
            CommentTarget::Constraint { table, name } => {
                let (table, constraint) = self.constraint_or_error(table, name)?;
                CommentOn::Constraint(table, constraint.name)
            }
            CommentTarget::Index(i) => {
                let name = self.obj(i);
                if !matches!(
                    self.model.relation(&name),
                    Some(RelationKind::Index | RelationKind::ConstraintIndex)
                ) {
                    self.error(
                        Code::UnknownObject,
                        i.span(),
                        format!("unknown index `{name}`"),
                    );
                    return None;
                }
                CommentOn::Index(name)
            }
            CommentTarget::Sequence(s) => CommentOn::Sequence(self.sequence_or_error(s)?.0),
            CommentTarget::View { name, materialized } => {
                CommentOn::View(self.view_or_error(name, Some(*materialized))?.0)
            }
            CommentTarget::Routine(r) => CommentOn::Routine(self.routine_or_error(r)?),
            CommentTarget::Trigger { name, table } => {
                let t = self.obj(table);
                if !self
                    .model
                    .triggers
                    .contains_key(&(t.clone(), name.value.clone()))
                {
                    self.error(
                        Code::UnknownObject,
                        name.span,
                        format!("table `{t}` has no trigger `{}`", name.value),
                    );
                    return None;
                }
                CommentOn::Trigger(t, name.value.clone())
            }
        })
    }

    /// The comments of a table, its columns and constraints, and its indexes (those of
    /// `create index` and those behind its keys).
    pub(super) fn comments_of_table(&self, table: &ObjName) -> Vec<CommentOn> {
        let mut ons: Vec<CommentOn> = self
            .model
            .table_comments(table)
            .into_iter()
            .map(|(on, _)| on)
            .collect();
        let keys = self.model.table(table).map_or(Vec::new(), |t| {
            t.constraints
                .iter()
                .filter(|c| c.has_index())
                .map(|c| ObjName::new(table.schema(), &c.name))
                .collect()
        });
        for index in self.model.indexes_of(table).into_iter().chain(keys) {
            let on = CommentOn::Index(index);
            if self.model.comments.contains_key(&on) {
                ons.push(on);
            }
        }
        ons
    }

    /// The comments of a constraint: its own, and its index's.
    pub(super) fn comments_of_constraint(&self, table: &ObjName, c: &Constraint) -> Vec<CommentOn> {
        let mut ons = vec![CommentOn::Constraint(table.clone(), c.name.clone())];
        if c.has_index() {
            ons.push(CommentOn::Index(ObjName::new(table.schema(), &c.name)));
        }
        ons
    }

    /// `comment on` statements that give the comments of `ons` that exist back.
    pub(super) fn comment_statements(&self, ons: &[CommentOn], span: Span) -> Vec<Derived> {
        ons.iter()
            .filter_map(|on| {
                let text = self.model.comments.get(on)?;
                Some(derived(
                    StatementKind::Comment(Comment {
                        target: self.comment_target_of(on, span),
                        text: Some(spanned(span, text.to_string())),
                    }),
                    span,
                ))
            })
            .collect()
    }

    /// Drops the comments of `ons` (what PostgreSQL does when it drops their objects),
    /// and gives the statements that bring them back.
    pub(super) fn take_comments(&mut self, ons: &[CommentOn], span: Span) -> Vec<Derived> {
        let back = self.comment_statements(ons, span);
        for on in ons {
            self.model.comments.remove(on);
        }
        back
    }

    /// Moves a comment to its object's new name.
    pub(super) fn move_comment(&mut self, from: CommentOn, to: CommentOn) {
        if let Some(text) = self.model.comments.remove(&from) {
            self.model.comments.insert(to, text);
        }
    }

    /// What a comment of the model is on, as `comment on` names it.
    fn comment_target_of(&self, on: &CommentOn, span: Span) -> CommentTarget {
        match on {
            CommentOn::Schema(s) => CommentTarget::Schema(ident(s, span)),
            CommentOn::Type(t) => CommentTarget::Type(self.qualified(t, span)),
            CommentOn::Sequence(s) => CommentTarget::Sequence(self.qualified(s, span)),
            CommentOn::Routine(k) => {
                let routine = self.model.routines.get(k);
                CommentTarget::Routine(RoutineRef {
                    procedure: routine.is_some_and(|r| r.definition.procedure),
                    name: self.qualified(&k.name, span),
                    args: Some(routine.map_or(Vec::new(), |r| r.definition.args.clone())),
                })
            }
            CommentOn::Trigger(t, n) => CommentTarget::Trigger {
                name: ident(n, span),
                table: self.qualified(t, span),
            },
            CommentOn::View(v) => CommentTarget::View {
                name: self.qualified(v, span),
                materialized: self.model.views.get(v).is_some_and(|v| v.materialized),
            },
            CommentOn::Index(i) => CommentTarget::Index(self.qualified(i, span)),
            CommentOn::Table(t) => CommentTarget::Table(self.qualified(t, span)),
            CommentOn::Column(t, c) => CommentTarget::Column {
                table: self.qualified(t, span),
                column: ident(c, span),
            },
            CommentOn::Constraint(t, c) => CommentTarget::Constraint {
                table: self.qualified(t, span),
                name: ident(c, span),
            },
        }
    }
}
