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
        if !self.model.schemas.contains_key(&name) {
            self.error(
                Code::UnknownObject,
                s.name.span,
                format!("unknown schema `{name}`"),
            );
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
