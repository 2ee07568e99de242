//! Views and materialized views: created (or replaced, or assumed), refreshed, renamed
//! and dropped. The model keeps each view's query and what it reads (tables, views and
//! their columns, by PostgreSQL's parser: [`crate::schema::query`]), so that a table,
//! column or view a view uses cannot be dropped or retyped under it, and a derived
//! downgrade can write a replaced or dropped view's query again.

use super::*;
use crate::diagnostic::Code;
use crate::schema::query;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

impl Applier<'_> {
    pub(super) fn create_view(
        &mut self,
        v: &mut CreateView,
        span: Span,
        assumed: bool,
    ) -> Reversal {
        let name = self.obj(&v.name);
        let previous = self.model.views.get(&name).cloned();
        let replacing = v.or_replace && previous.is_some();
        if let Some(p) = previous.as_ref().filter(|_| replacing) {
            if p.materialized {
                self.error(
                    Code::InvalidStatement,
                    v.name.span(),
                    format!("`{name}` is a materialized view, which cannot be replaced"),
                );
                return Ok(Vec::new());
            }
        } else if !self.check_new_relation(&name, v.name.span(), "view") {
            return Ok(Vec::new());
        }
        let Some(view) = self.view_of(&name, v) else {
            return Ok(Vec::new());
        };
        let view = View { assumed, ..view };
        self.model.views.insert(name.clone(), Arc::new(view));
        if assumed {
            return Ok(Vec::new());
        }
        let Some(previous) = previous.filter(|_| replacing) else {
            return Ok(vec![derived(
                S::DropView(DropView {
                    materialized: v.materialized,
                    name: v.name.clone(),
                }),
                span,
            )]);
        };
        if let Some(why) = &previous.stale {
            return Err(why.clone());
        }
        // Back to the previous query by dropping the view and making it again as it was
        // (PostgreSQL cannot take columns out of a view in place), with the views that
        // read it, which go first and come back after.
        let readers = self.readers_of(&name);
        let mut reverse = Vec::new();
        for reader in readers.iter().rev() {
            reverse.push(derived(
                S::DropView(DropView {
                    materialized: self.model.views.get(reader).is_some_and(|v| v.materialized),
                    name: self.qualified(reader, span),
                }),
                span,
            ));
        }
        reverse.push(derived(
            S::DropView(DropView {
                materialized: false,
                name: v.name.clone(),
            }),
            span,
        ));
        reverse.push(derived(
            S::CreateView(CreateView {
                or_replace: false,
                materialized: false,
                name: v.name.clone(),
                columns: previous.columns.iter().map(|c| ident(c, span)).collect(),
                query: previous.query.clone(),
                with_no_data: false,
            }),
            span,
        ));
        reverse.extend(self.comment_statements(&[CommentOn::View(name)], span));
        for reader in &readers {
            if let Some(view) = self.model.views.get(reader) {
                reverse.extend(self.recreate_view(reader, view, span)?);
            }
        }
        Ok(reverse)
    }

    /// The views that read `name`, directly or through others, each after every view
    /// it reads among them (the order to make them in).
    fn readers_of(&self, name: &ObjName) -> Vec<ObjName> {
        let mut found: Vec<ObjName> = Vec::new();
        let mut queue = vec![name.clone()];
        while let Some(next) = queue.pop() {
            for reader in self.model.views_using(&next) {
                if !found.contains(&reader) && reader != *name {
                    found.push(reader.clone());
                    queue.push(reader);
                }
            }
        }
        let mut ordered: Vec<ObjName> = Vec::new();
        while ordered.len() < found.len() {
            let before = ordered.len();
            for view in &found {
                let ready = self.model.views.get(view).is_some_and(|v| {
                    v.uses
                        .iter()
                        .all(|(r, _)| !found.contains(r) || ordered.contains(r))
                });
                if ready && !ordered.contains(view) {
                    ordered.push(view.clone());
                }
            }
            if ordered.len() == before {
                break;
            }
        }
        ordered
    }

    pub(super) fn refresh_view(&mut self, r: &mut RefreshView, _span: Span) -> Reversal {
        let Some((name, view)) = self.view_or_error(&r.name, None) else {
            return Ok(Vec::new());
        };
        if !view.materialized {
            self.error(
                Code::InvalidStatement,
                r.name.span(),
                format!("`{name}` is a view: only a materialized view has rows to refresh"),
            );
            return Ok(Vec::new());
        }
        if r.concurrently {
            let problem = if !view.populated {
                Some("it has no rows yet (it was made `with no data`): refresh it once without `concurrently`")
            } else if !self.model.indexes_of(&name).iter().any(|i| {
                self.model
                    .indexes
                    .get(i)
                    .is_some_and(|i| i.unique && i.predicate.is_none())
            }) {
                Some("it needs a unique index on some of its columns, without a `where`")
            } else {
                None
            };
            if let Some(problem) = problem {
                self.error(
                    Code::InvalidStatement,
                    r.name.span(),
                    format!("cannot refresh `{name}` concurrently: {problem}"),
                );
                return Ok(Vec::new());
            }
        }
        let populated = !r.with_no_data;
        if let Some(v) = self.model.views.get_mut(&name).map(Arc::make_mut) {
            v.populated = populated;
        }
        // Its rows are data: a downgrade leaves them as they are.
        Ok(Vec::new())
    }

    pub(super) fn drop_view(&mut self, d: &mut DropView, span: Span) -> Reversal {
        let Some((name, view)) = self.view_or_error(&d.name, Some(d.materialized)) else {
            return Ok(Vec::new());
        };
        if !self.check_unused_by_views(&name, None, d.name.span(), "drop view") {
            return Ok(Vec::new());
        }
        let reverse = self.recreate_view(&name, &view, span);
        self.take_grants(&Grantable::Relation(name.clone()), span);
        let indexes = self.model.indexes_of(&name);
        let mut comments = vec![CommentOn::View(name.clone())];
        comments.extend(indexes.iter().map(|i| CommentOn::Index(i.clone())));
        self.take_comments(&comments, span);
        for index in indexes {
            self.model.remove_index(&index);
        }
        self.model.views.remove(&name);
        reverse
    }

    pub(super) fn rename_view(&mut self, r: &mut RenameView, span: Span) -> Reversal {
        let Some((old, _)) = self.view_or_error(&r.name, Some(r.materialized)) else {
            return Ok(Vec::new());
        };
        let new = ObjName::new(old.schema(), &r.new_name.value);
        if !self.check_rename_target(&new, r.new_name.span, "view") {
            return Ok(Vec::new());
        }
        self.move_view(&old, &new);
        let materialized = r.materialized;
        Ok(vec![self.rename_back(
            &new,
            &old,
            span,
            |name, new_name| {
                S::RenameView(RenameView {
                    materialized,
                    name,
                    new_name,
                })
            },
        )])
    }

    /// A view under another name (or in another schema), with its indexes, comment and
    /// privileges; the views that read it follow.
    pub(super) fn move_view(&mut self, old: &ObjName, new: &ObjName) {
        if let Some(view) = self.model.views.remove(old) {
            self.model.views.insert(new.clone(), view);
        }
        for index in self.model.indexes_of(old) {
            if let Some(mut i) = self.model.remove_index(&index).map(Arc::unwrap_or_clone) {
                i.table = new.clone();
                self.model.add_index(index, i);
            }
        }
        self.move_comment(CommentOn::View(old.clone()), CommentOn::View(new.clone()));
        self.move_grants(
            &Grantable::Relation(old.clone()),
            &Grantable::Relation(new.clone()),
        );
        self.follow_renamed_relation(old, new);
    }

    /// The statements that make a view of the model again, with its indexes and
    /// comments; an error when its query no longer reads what it did.
    pub(super) fn recreate_view(&self, name: &ObjName, view: &View, span: Span) -> Reversal {
        if let Some(why) = &view.stale {
            return Err(why.clone());
        }
        let mut out = vec![derived(
            S::CreateView(self.view_statement(name, view, span)),
            span,
        )];
        let indexes = self.model.indexes_of(name);
        for index in &indexes {
            if let Some(i) = self.model.indexes.get(index) {
                out.push(self.create_index_statement(index, i, false, span));
            }
        }
        let mut comments = vec![CommentOn::View(name.clone())];
        comments.extend(indexes.into_iter().map(CommentOn::Index));
        out.extend(self.comment_statements(&comments, span));
        out.extend(self.grant_statements(&Grantable::Relation(name.clone()), span));
        Ok(out)
    }

    /// `create view` of a view of the model, its query as written.
    pub(super) fn view_statement(&self, name: &ObjName, view: &View, span: Span) -> CreateView {
        CreateView {
            or_replace: false,
            materialized: view.materialized,
            name: self.qualified(name, span),
            columns: view.columns.iter().map(|c| ident(c, span)).collect(),
            query: view.query.clone(),
            with_no_data: view.materialized && !view.populated,
        }
    }

    /// Whether no view reads `relation` (or, with `column`, that column of it); an
    /// error saying which does when one does. `doing` is the statement, for the error.
    pub(super) fn check_unused_by_views(
        &mut self,
        relation: &ObjName,
        column: Option<&str>,
        at: Span,
        doing: &str,
    ) -> bool {
        let user = self.model.views.iter().find_map(|(v, view)| {
            view.uses
                .iter()
                .any(|(r, columns)| {
                    r == relation && column.is_none_or(|c| columns.iter().any(|u| u == c))
                })
                .then(|| v.clone())
        });
        let Some(user) = user else {
            return true;
        };
        let what = match column {
            Some(c) => format!("`{relation}.{c}`"),
            None => format!("`{relation}`"),
        };
        self.error(
            Code::InUse,
            at,
            format!(
                "cannot {doing} {what}: view `{user}` reads it (drop or replace the view first)"
            ),
        );
        false
    }

    /// Follows a renamed table or view in the views and SQL functions that read it;
    /// their queries, as written, still name the old one.
    pub(super) fn follow_renamed_relation(&mut self, old: &ObjName, new: &ObjName) {
        self.routines_read_renamed(old, None, &format!("`{old}`, renamed to `{new}`"));
        for user in self.model.views_using(old) {
            if let Some(v) = self.model.views.get_mut(&user).map(Arc::make_mut) {
                for (r, _) in v.uses.iter_mut().filter(|(r, _)| r == old) {
                    *r = new.clone();
                }
                v.stale.get_or_insert_with(|| {
                    format!("view `{user}` reads `{old}`, renamed to `{new}` since: its query as written names the old name; write this downgrade")
                });
            }
        }
    }

    /// Follows a renamed column in the views and SQL functions that read it.
    pub(super) fn follow_renamed_column(&mut self, table: &ObjName, from: &str, to: &str) {
        self.routines_read_renamed(
            table,
            Some(from),
            &format!("`{table}.{from}`, renamed to `{to}`"),
        );
        for user in self.model.views_using(table) {
            if let Some(v) = self.model.views.get_mut(&user).map(Arc::make_mut) {
                let mut read = false;
                for (_, columns) in v.uses.iter_mut().filter(|(r, _)| r == table) {
                    for c in columns.iter_mut().filter(|c| c.as_str() == from) {
                        *c = to.to_owned();
                        read = true;
                    }
                }
                if read {
                    v.stale.get_or_insert_with(|| {
                        format!("view `{user}` reads `{table}.{from}`, renamed to `{to}` since: its query as written names the old name; write this downgrade")
                    });
                }
            }
        }
    }

    /// A view of the model, or an error; `materialized`, when given, is the kind the
    /// statement names (PostgreSQL refuses `drop view` of a materialized view).
    pub(super) fn view_or_error(
        &mut self,
        q: &QualifiedName,
        materialized: Option<bool>,
    ) -> Option<(ObjName, View)> {
        let name = self.obj(q);
        let Some(view) = self.model.views.get(&name).map(|v| View::clone(v)) else {
            let what = if materialized == Some(true) {
                "materialized view"
            } else {
                "view"
            };
            self.error(
                Code::UnknownObject,
                q.span(),
                format!("unknown {what} `{name}`"),
            );
            return None;
        };
        if let Some(m) = materialized.filter(|m| *m != view.materialized) {
            let (is, write) = if m {
                ("a view, not a materialized one", "view")
            } else {
                ("a materialized view", "materialized view")
            };
            self.error(
                Code::InvalidStatement,
                q.span(),
                format!("`{name}` is {is}: write `{write}`"),
            );
            return None;
        }
        Some((name, view))
    }

    /// The view a `create view` makes: its query's relations must be tables or views
    /// the model knows (or PostgreSQL's own catalogs).
    fn view_of(&mut self, name: &ObjName, v: &CreateView) -> Option<View> {
        // The syntax stage checked that the query parses.
        let reads = query::reads(&v.query.text)?;
        if v.or_replace && reads_itself(&reads, name, self.default_schema) {
            self.error(
                Code::InvalidStatement,
                v.query.span,
                format!("view `{name}` cannot read itself"),
            );
            return None;
        }
        let uses = self.relations_read(&reads, v.query.span, &format!("view `{name}`"))?;
        let output = if v.columns.is_empty() {
            reads.output
        } else {
            Some(v.columns.iter().map(|c| c.value.clone()).collect())
        };
        Some(View {
            materialized: v.materialized,
            columns: v.columns.iter().map(|c| c.value.clone()).collect(),
            query: v.query.clone(),
            uses,
            output,
            populated: !v.with_no_data,
            stale: None,
            assumed: false,
        })
    }

    /// The tables and views a query reads, each with the columns of it the query uses
    /// (every column, for `*`); an error (naming `who`) when one is not in the model.
    /// PostgreSQL's own catalogs are left out.
    pub(super) fn relations_read(
        &mut self,
        reads: &query::Reads,
        at: Span,
        who: &str,
    ) -> Option<Vec<(ObjName, Vec<String>)>> {
        let mut uses = Vec::new();
        for (schema, relation) in &reads.relations {
            let system = match schema.as_deref() {
                Some(s) => s == "pg_catalog" || s == "information_schema",
                None => relation.starts_with("pg_"),
            };
            if system {
                continue;
            }
            let r = ObjName::new(schema.as_deref().unwrap_or(self.default_schema), relation);
            let columns = if let Some(t) = self.model.table(&r) {
                t.columns
                    .iter()
                    .filter(|c| reads.star || reads.columns.contains(&c.name))
                    .map(|c| c.name.clone())
                    .collect()
            } else if self.model.views.contains_key(&r) {
                Vec::new()
            } else {
                self.error(
                    Code::UnknownObject,
                    at,
                    format!("{who} reads `{r}`, which is not a table or view the model knows"),
                );
                return None;
            };
            uses.push((r, columns));
        }
        Some(uses)
    }
}

/// Whether a view's query reads the view itself.
fn reads_itself(reads: &query::Reads, name: &ObjName, default_schema: &str) -> bool {
    reads
        .relations
        .iter()
        .any(|(s, r)| ObjName::new(s.as_deref().unwrap_or(default_schema), r) == *name)
}
