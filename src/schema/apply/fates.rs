//! What became of a name: a statement that renames or drops a table, column, index,
//! type or constraint leaves its fate in the model ([`Fates`]), and a later statement
//! that names it is told, in a note at that statement, what happened to it.

use super::*;

impl Applier<'_> {
    /// The object `kind` renames or drops, and its new name.
    fn fated<'k>(&self, kind: &'k StatementKind) -> Option<(Fated, Option<&'k str>)> {
        use StatementKind as S;
        let column = |table: &QualifiedName, column: &Ident| {
            Fated::Column(self.obj(table), column.value.as_str().into())
        };
        let constraint = |table: &QualifiedName, name: &Ident| {
            Fated::Constraint(self.obj(table), name.value.as_str().into())
        };
        Some(match kind {
            S::DropTable(d) => (Fated::Table(self.obj(&d.name)), None),
            S::RenameTable(r) => (Fated::Table(self.obj(&r.table)), Some(&r.new_name.value)),
            S::DropColumn(d) => (column(&d.table, &d.column), None),
            S::RenameColumn(r) => (column(&r.table, &r.column), Some(&r.new_name.value)),
            S::DropIndex(d) => (Fated::Index(self.obj(&d.name)), None),
            S::RenameIndex(r) => (Fated::Index(self.obj(&r.name)), Some(&r.new_name.value)),
            S::DropType(d) => (Fated::Type(self.obj(&d.name)), None),
            S::RenameType(r) => (Fated::Type(self.obj(&r.name)), Some(&r.new_name.value)),
            S::DropConstraint(d) => (constraint(&d.table, &d.name), None),
            S::RenameConstraint(r) => (constraint(&r.table, &r.name), Some(&r.new_name.value)),
            _ => return None,
        })
        .map(|(fated, new)| (fated, new.map(String::as_str)))
    }

    /// Applies `kind` as `apply` does, and keeps the fate of the name it renamed or
    /// dropped: only when the model had the object before and has no longer.
    pub(super) fn apply_keeping_fates(&mut self, kind: &mut StatementKind, span: Span) -> Reversal {
        let watched = self
            .fated(kind)
            .filter(|(fated, _)| self.model.has(fated))
            .map(|(fated, new)| (fated, new.map(Box::from)));
        let reversal = self.apply_kind(kind, span);
        if let Some((fated, renamed_to)) = watched {
            if !self.model.has(&fated) {
                if let (Fated::Table(old), Some(new)) = (&fated, &renamed_to) {
                    let new = ObjName::new(old.schema(), new);
                    self.follow_table(old, &new);
                }
                self.model.fates.0.insert(fated, Fate { renamed_to, span });
            }
        }
        reversal
    }

    /// Moves the fates of a renamed table's columns and constraints to its new name,
    /// where a statement after the rename would look for them.
    fn follow_table(&mut self, old: &ObjName, new: &ObjName) {
        let fates = &mut self.model.fates.0;
        let moved: Vec<(Fated, Fate)> = [
            Fated::Column(old.clone(), "".into()),
            Fated::Constraint(old.clone(), "".into()),
        ]
        .into_iter()
        .flat_map(|from| {
            fates
                .range(from..)
                .map_while(|(fated, fate)| match fated {
                    Fated::Column(t, c) if t == old => {
                        Some((Fated::Column(new.clone(), c.clone()), fate.clone()))
                    }
                    Fated::Constraint(t, c) if t == old => {
                        Some((Fated::Constraint(new.clone(), c.clone()), fate.clone()))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect();
        for (fated, fate) in moved {
            fates.insert(fated, fate);
        }
    }

    /// A note on `diagnostic` saying what became of `fated`, when the model knows;
    /// `None` (and the diagnostic back) otherwise.
    pub(super) fn with_fate(
        &self,
        diagnostic: Diagnostic,
        fated: &Fated,
    ) -> Result<Diagnostic, Diagnostic> {
        let Some(fate) = self.model.fates.0.get(fated) else {
            return Err(diagnostic);
        };
        let what = match fated {
            Fated::Table(name) => format!("table `{name}`"),
            // The table is the error's to name: it may have had another name then.
            Fated::Column(_, column) => format!("column `{column}`"),
            Fated::Index(name) => format!("index `{name}`"),
            Fated::Type(name) => format!("type `{name}`"),
            Fated::Constraint(_, name) => format!("constraint `{name}`"),
        };
        let message = match &fate.renamed_to {
            Some(new) => format!("{what} was renamed to `{new}` here"),
            None => format!("{what} was dropped here"),
        };
        Ok(diagnostic.with_note(fate.span, message))
    }
}
