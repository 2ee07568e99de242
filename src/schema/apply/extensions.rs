//! Extensions: `create extension`, `assume extension`, `drop extension`.

use super::*;
use crate::diagnostic::Code;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn create_extension(&mut self, e: &mut CreateExtension, span: Span) -> Reversal {
        let name = e.name.value.clone();
        if let Some(existing) = self.model.extensions.get(&name) {
            let how = if existing.assumed {
                " (assumed: the database has it; PostgreSQL's `create extension if not \
                 exists` would do nothing)"
            } else {
                ""
            };
            self.error(
                Code::DuplicateObject,
                e.name.span,
                format!("extension `{name}` exists already{how}"),
            );
            return Ok(Vec::new());
        }
        self.model.extensions.insert(name, Extension::default());
        Ok(vec![derived(
            S::DropExtension(DropExtension {
                name: e.name.clone(),
            }),
            span,
        )])
    }

    pub(super) fn drop_extension(&mut self, e: &mut DropExtension, span: Span) -> Reversal {
        let name = e.name.value.clone();
        if self.model.extensions.remove(&name).is_none() {
            self.error(
                Code::UnknownObject,
                e.name.span,
                format!("unknown extension `{name}`"),
            );
            return Ok(Vec::new());
        }
        Ok(vec![derived(
            S::CreateExtension(CreateExtension {
                name: e.name.clone(),
            }),
            span,
        )])
    }

    /// `assume extension`: the database has it; the project did not create it, so no
    /// derived downgrade drops it.
    pub(super) fn assume_extension(&mut self, e: &mut AssumeExtension, _span: Span) -> Reversal {
        let name = e.name.value.clone();
        if self.model.extensions.contains_key(&name) {
            self.error(
                Code::DuplicateObject,
                e.name.span,
                format!("extension `{name}` exists already"),
            );
            return Ok(Vec::new());
        }
        self.model
            .extensions
            .insert(name, Extension { assumed: true });
        Ok(Vec::new())
    }
}
