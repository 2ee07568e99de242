//! Extensions: `create extension`, `drop extension`.

use super::*;
use crate::diagnostic::Code;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn create_extension(&mut self, e: &mut CreateExtension, span: Span) -> Reversal {
        let name = e.name.value.clone();
        if self.model.extensions.contains_key(&name) {
            self.error(
                Code::DuplicateObject,
                e.name.span,
                format!("extension `{name}` exists already"),
            );
            return Ok(Vec::new());
        }
        self.model.extensions.insert(name, ());
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
}
