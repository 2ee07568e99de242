//! Schemas: `create schema`, `drop schema`.

use super::*;
use crate::diagnostic::Code;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn create_schema(&mut self, s: &mut CreateSchema, span: Span) -> Reversal {
        let name = s.name.value.clone();
        if self.model.schemas.contains_key(&name) {
            self.error(
                Code::DuplicateObject,
                s.name.span,
                format!("schema `{name}` exists already"),
            );
            return Ok(Vec::new());
        }
        self.model.schemas.insert(name, ());
        Ok(vec![derived(
            S::DropSchema(DropSchema {
                name: s.name.clone(),
            }),
            span,
        )])
    }

    pub(super) fn drop_schema(&mut self, s: &mut DropSchema, span: Span) -> Reversal {
        let name = s.name.value.clone();
        if !self.schema_or_error(&s.name) {
            return Ok(Vec::new());
        }
        let holds = self
            .model
            .tables
            .keys()
            .map(|t| ("table", t))
            .chain(self.model.types.keys().map(|t| ("type", t)))
            .chain(self.model.sequences.keys().map(|t| ("sequence", t)))
            .chain(self.model.views.keys().map(|t| ("view", t)))
            .find(|(_, t)| *t.schema() == *name)
            .map(|(what, t)| format!("{what} `{t}`"));
        if let Some(holds) = holds {
            self.error(
                Code::InUse,
                s.name.span,
                format!("schema `{name}` is not empty: it holds {holds}"),
            );
            return Ok(Vec::new());
        }
        self.model.schemas.remove(&name);
        let mut comments = self.take_comments(&[CommentOn::Schema(name.clone())], span);
        comments.extend(self.take_grants(&Grantable::Schema(name), span));
        Ok(std::iter::once(derived(
            S::CreateSchema(CreateSchema {
                name: s.name.clone(),
            }),
            span,
        ))
        .chain(comments)
        .collect())
    }
}

impl Applier<'_> {
    /// Whether a schema the statement names exists; an error when it does not.
    pub(super) fn schema_or_error(&mut self, name: &Ident) -> bool {
        self.schema_exists_or_error(&name.value, name.span)
    }

    /// Whether `schema` exists; an error at `span` when it does not.
    pub(super) fn schema_exists_or_error(&mut self, schema: &str, span: Span) -> bool {
        if self.model.schemas.contains_key(schema) {
            return true;
        }
        self.error(
            Code::UnknownObject,
            span,
            format!("unknown schema `{schema}`"),
        );
        false
    }

    /// `alter ... set schema`: the object moves, keeping its name, with what belongs to
    /// it (a table's indexes, the indexes of its keys, its identity and owned sequences;
    /// a materialized view's indexes), which PostgreSQL moves too. Every one of those
    /// names must be free in the new schema.
    pub(super) fn set_schema(&mut self, s: &mut SetSchema, span: Span) -> Reversal {
        let target = s.schema.value.clone();
        if !self.schema_or_error(&s.schema) {
            return Ok(Vec::new());
        }
        let back = |name: QualifiedName, old_schema: &str| {
            Ok(vec![derived(
                S::SetSchema(SetSchema {
                    object: s.object.clone(),
                    name,
                    schema: ident(old_schema, span),
                }),
                span,
            )])
        };
        match &s.object {
            SchemaObject::Routine { procedure, args } => {
                let r = RoutineRef {
                    procedure: *procedure,
                    name: s.name.clone(),
                    args: args.clone(),
                };
                let Some(old) = self.routine_or_error(&r) else {
                    return Ok(Vec::new());
                };
                let new = RoutineKey {
                    name: ObjName::new(&target, old.name.name()),
                    args: old.args.clone(),
                };
                if !self.check_schema_change(&old.name, &new.name, s.schema.span) {
                    return Ok(Vec::new());
                }
                if self.model.routines.contains_key(&new) {
                    self.error(
                        Code::DuplicateObject,
                        s.schema.span,
                        format!("cannot move to `{new}`: a function of that name and arguments already exists"),
                    );
                    return Ok(Vec::new());
                }
                let Some((procedure, args)) = self.move_routine(&old, &new, span) else {
                    return Ok(Vec::new());
                };
                let name = self.qualified(&new.name, span);
                Ok(vec![derived(
                    S::SetSchema(SetSchema {
                        object: SchemaObject::Routine {
                            procedure,
                            args: Some(args),
                        },
                        name,
                        schema: ident(old.name.schema(), span),
                    }),
                    span,
                )])
            }
            SchemaObject::Type => {
                let Some(old) = self.type_or_error(&s.name) else {
                    return Ok(Vec::new());
                };
                let new = ObjName::new(&target, old.name());
                if !self.check_schema_change(&old, &new, s.schema.span)
                    || !self.check_free_relation(&new, s.schema.span, "type", "move type to")
                {
                    return Ok(Vec::new());
                }
                self.move_type(&old, &new);
                back(self.qualified(&new, span), old.schema())
            }
            SchemaObject::Sequence => {
                let Some((old, sequence)) = self.sequence_or_error(&s.name) else {
                    return Ok(Vec::new());
                };
                if let Some((table, column)) = &sequence.owned_by {
                    self.error(
                        Code::InvalidStatement,
                        s.name.span(),
                        format!("sequence `{old}` is owned by `{table}.{column}`: it moves with its table"),
                    );
                    return Ok(Vec::new());
                }
                let new = ObjName::new(&target, old.name());
                if !self.check_schema_change(&old, &new, s.schema.span)
                    || !self.check_free_relation(
                        &new,
                        s.schema.span,
                        "sequence",
                        "move sequence to",
                    )
                {
                    return Ok(Vec::new());
                }
                self.move_sequence(&old, &new);
                back(self.qualified(&new, span), old.schema())
            }
            SchemaObject::View { materialized } => {
                let Some((old, _)) = self.view_or_error(&s.name, Some(*materialized)) else {
                    return Ok(Vec::new());
                };
                let new = ObjName::new(&target, old.name());
                let indexes = self.model.indexes_of(&old);
                if !self.check_schema_change(&old, &new, s.schema.span)
                    || !self.check_free_relation(&new, s.schema.span, "view", "move view to")
                    || !self.check_moved_names(&indexes, &target, s.schema.span)
                {
                    return Ok(Vec::new());
                }
                self.move_view(&old, &new);
                self.move_indexes(&indexes, &target);
                back(self.qualified(&new, span), old.schema())
            }
            SchemaObject::Table => {
                let Some((old, t)) = self.table_or_error(&s.name) else {
                    return Ok(Vec::new());
                };
                // The indexes of its keys, whose comments move by name.
                let keys: Vec<ObjName> = t
                    .constraints
                    .iter()
                    .filter(|c| c.has_index())
                    .map(|c| ObjName::new(old.schema(), &c.name))
                    .collect();
                let mut moved: Vec<ObjName> = keys
                    .iter()
                    .cloned()
                    .chain(
                        t.columns
                            .iter()
                            .filter_map(|c| c.sequence().map(|n| ObjName::new(old.schema(), n))),
                    )
                    .collect();
                release(t);
                let indexes = self.model.indexes_of(&old);
                let owned: Vec<ObjName> = self.model.sequences_owned_by(&old);
                moved.extend(indexes.iter().cloned());
                moved.extend(owned.iter().cloned());
                let new = ObjName::new(&target, old.name());
                if !self.check_schema_change(&old, &new, s.schema.span)
                    || !self.check_free_relation(&new, s.schema.span, "table", "move table to")
                    || !self.check_moved_names(&moved, &target, s.schema.span)
                {
                    return Ok(Vec::new());
                }
                // The keys' indexes and the identity sequences move with the table's
                // constraints and columns; its own indexes and owned sequences here.
                self.move_table(&old, &new, span);
                self.move_indexes(&indexes, &target);
                for key in keys {
                    self.move_comment(
                        CommentOn::Index(key.clone()),
                        CommentOn::Index(ObjName::new(&target, key.name())),
                    );
                }
                for sequence in owned {
                    self.move_sequence(&sequence, &ObjName::new(&target, sequence.name()));
                }
                back(self.qualified(&new, span), old.schema())
            }
        }
    }

    /// Whether a `set schema` moves the object anywhere.
    fn check_schema_change(&mut self, old: &ObjName, new: &ObjName, at: Span) -> bool {
        if old.schema() == new.schema() {
            self.error(
                Code::InvalidStatement,
                at,
                format!("`{old}` is in schema `{}` already", old.schema()),
            );
            return false;
        }
        true
    }

    /// Whether the relations that move with an object are free in `schema`.
    fn check_moved_names(&mut self, names: &[ObjName], schema: &str, at: Span) -> bool {
        for name in names {
            let moved = ObjName::new(schema, name.name());
            if self.model.relation(&moved).is_some() || self.model.types.contains_key(&moved) {
                self.error(
                    Code::DuplicateObject,
                    at,
                    format!("cannot move `{name}` to schema `{schema}`: `{moved}` exists already"),
                );
                return false;
            }
        }
        true
    }

    /// Indexes (made by `create index`) into `schema`, with their comments.
    fn move_indexes(&mut self, indexes: &[ObjName], schema: &str) {
        for index in indexes {
            let moved = ObjName::new(schema, index.name());
            self.model.rename_index(index, moved.clone());
            self.move_comment(CommentOn::Index(index.clone()), CommentOn::Index(moved));
        }
    }
}
