//! Storage parameters of tables and indexes: `with (...)` when made, `alter table|index
//! ... set (...)` and `reset (...)`, checked as PostgreSQL checks them, their downgrade
//! restoring the list as PostgreSQL kept it.

use super::*;
use crate::diagnostic::Code;
use crate::schema::reloptions::{self, Holder};
use crate::source::Span;

impl Applier<'_> {
    /// The parameters of a `with (...)` or `set (...)` for `holder`, or `None` (with
    /// errors) when PostgreSQL would refuse one.
    pub(super) fn check_storage(
        &mut self,
        holder: Holder<'_>,
        params: &[StorageParam],
    ) -> Option<Vec<(String, String)>> {
        let before = self.diagnostics.len();
        for (i, p) in params.iter().enumerate() {
            if params[..i].iter().any(|q| q.name.value == p.name.value) {
                self.error(
                    Code::InvalidStatement,
                    p.name.span,
                    format!("parameter \"{}\" specified more than once", p.name.value),
                );
                continue;
            }
            if let Err(refusal) = reloptions::check(holder, &p.name.value, &p.value.value) {
                // An unknown name is the name's fault; a value out of range the value's.
                let span = if reloptions::known(holder, &p.name.value) {
                    p.value.span
                } else {
                    p.name.span
                };
                let mut diagnostic =
                    Diagnostic::error(Code::InvalidStatement, span, refusal.message);
                if let Some(detail) = refusal.detail {
                    diagnostic = diagnostic.with_explanation(detail);
                }
                if !reloptions::known(holder, &p.name.value) {
                    diagnostic = diagnostic.with_help(unknown_help(holder, &p.name.value));
                }
                self.diagnostics.push(diagnostic);
            }
        }
        (self.diagnostics.len() == before).then(|| {
            params
                .iter()
                .map(|p| (p.name.value.clone(), p.value.value.clone()))
                .collect()
        })
    }

    /// The syntax of a list of parameters of the model.
    pub fn storage_params(&self, options: &[(String, String)], span: Span) -> Vec<StorageParam> {
        options
            .iter()
            .map(|(name, value)| StorageParam {
                name: spanned(span, name.clone()),
                value: spanned(span, value.clone()),
            })
            .collect()
    }

    pub(super) fn alter_storage(&mut self, a: &mut AlterStorage, span: Span) -> Reversal {
        let name = self.obj(&a.name);
        let (holder_method, partitioned, before) = if a.index {
            match self.model.indexes.get(&name) {
                Some(i) => (Some(i.method().to_owned()), false, i.storage().to_vec()),
                None => {
                    let message = match self.model.relation(&name) {
                        // Its index is the constraint's; PostgreSQL takes `with` only
                        // where the constraint is declared, which strata does not write.
                        Some(RelationKind::ConstraintIndex) => format!(
                            "index `{name}` belongs to a constraint: strata does not keep \
                             storage parameters for the index of a constraint"
                        ),
                        _ => format!("unknown index `{name}`"),
                    };
                    self.error(Code::UnknownObject, a.name.span(), message);
                    return Ok(Vec::new());
                }
            }
        } else {
            let Some((_, t)) = self.table_or_error(&a.name) else {
                return Ok(Vec::new());
            };
            (None, t.partition_by().is_some(), t.storage().to_vec())
        };
        let holder = match &holder_method {
            Some(method) => Holder::Index { method },
            None => Holder::Table { partitioned },
        };
        let mut after = StorageOptions(before.clone());
        match &a.change {
            StorageChange::Set(params) => {
                let Some(params) = self.check_storage(holder, params) else {
                    return Ok(Vec::new());
                };
                after.set(&params);
            }
            StorageChange::Reset(names) => {
                // PostgreSQL resets a name it does not know without a word: a typo.
                for n in names
                    .iter()
                    .filter(|n| !reloptions::known(holder, &n.value))
                {
                    self.diagnostics.push(
                        Diagnostic::warning(
                            Code::InvalidStatement,
                            n.span,
                            format!(
                                "`{}` is not a storage parameter of {}: resetting it does nothing",
                                n.value,
                                holder.describe()
                            ),
                        )
                        .with_help(unknown_help(holder, &n.value)),
                    );
                }
                let names: Vec<String> = names.iter().map(|n| n.value.clone()).collect();
                after.reset(&names);
            }
        }
        let after = after.0;
        if a.index {
            if let Some(i) = self.model.indexes.get_mut(&name) {
                Arc::make_mut(i).storage = StorageOptions(after.clone()).boxed();
            }
        } else if let Some(t) = self.model.table_mut(&name) {
            t.storage = StorageOptions(after.clone()).boxed();
        }
        Ok(self.restore_storage(a, &after, &before, span))
    }

    /// The statements that take a relation's parameters from `after` back to `before`,
    /// in PostgreSQL's order: the changed names set back or reset when that gives the
    /// same list, else every name reset and the old list set again.
    fn restore_storage(
        &self,
        a: &AlterStorage,
        after: &[(String, String)],
        before: &[(String, String)],
        span: Span,
    ) -> Vec<Derived> {
        if after == before {
            return Vec::new();
        }
        let statement = |change| {
            derived(
                StatementKind::AlterStorage(AlterStorage {
                    index: a.index,
                    name: a.name.clone(),
                    change,
                }),
                span,
            )
        };
        let changed: Vec<&str> = a.change.names().collect();
        let set_back: Vec<(String, String)> = before
            .iter()
            .filter(|(n, _)| changed.contains(&n.as_str()))
            .cloned()
            .collect();
        let reset: Vec<String> = changed
            .iter()
            .filter(|n| !before.iter().any(|(b, _)| b == *n))
            .map(|n| (*n).to_owned())
            .collect();
        let mut simple = StorageOptions(after.to_vec());
        simple.reset(&reset);
        simple.set(&set_back);
        let (reset, set_back) = if simple.0 == before {
            (reset, set_back)
        } else {
            (
                after.iter().map(|(n, _)| n.clone()).collect(),
                before.to_vec(),
            )
        };
        let mut out = Vec::new();
        if !reset.is_empty() {
            out.push(statement(StorageChange::Reset(
                reset.into_iter().map(|n| spanned(span, n)).collect(),
            )));
        }
        if !set_back.is_empty() {
            out.push(statement(StorageChange::Set(
                self.storage_params(&set_back, span),
            )));
        }
        out
    }
}

/// The help for a name `holder` does not have: the nearest it has, if one is near.
fn unknown_help(holder: Holder<'_>, name: &str) -> String {
    match reloptions::nearest(holder, name) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("{} has no such storage parameter", holder.describe()),
    }
}
