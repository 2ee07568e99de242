//! Functions, procedures and triggers: created (or replaced, or assumed), renamed and
//! dropped. A function is known by its name and argument types, as in PostgreSQL
//! (overloads are different functions); a trigger by its table and name. A replaced
//! function or trigger comes back as it was in a derived downgrade.

use super::*;
use crate::diagnostic::Code;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

/// Languages every PostgreSQL has; another is an extension's (`plpython3u`).
const BUILTIN_LANGUAGES: &[&str] = &["c", "internal", "plpgsql", "sql"];
/// Types a function may take or return that are not column types.
const PSEUDO_TYPES: &[&str] = &[
    "any",
    "anyarray",
    "anyelement",
    "anyenum",
    "anynonarray",
    "anyrange",
    "cstring",
    "event_trigger",
    "internal",
    "record",
    "trigger",
    "void",
];

impl Applier<'_> {
    pub(super) fn create_routine(
        &mut self,
        r: &mut CreateRoutine,
        span: Span,
        assumed: bool,
    ) -> Reversal {
        let key = self.routine_key(&r.name, &r.args);
        if !self.schema_exists_or_error(key.name.schema(), r.name.span()) {
            return Ok(Vec::new());
        }
        let language = r.language.value.as_str();
        if !BUILTIN_LANGUAGES.contains(&language) && !self.model.extensions.contains_key(language) {
            self.error(
                Code::UnknownObject,
                r.language.span,
                format!(
                    "unknown language `{language}`: create (or assume) the extension that \
                     provides it first"
                ),
            );
            return Ok(Vec::new());
        }
        let before = self.diagnostics.len();
        for arg in &r.args {
            self.check_routine_type(&arg.data_type);
        }
        if let Some(returns) = &r.returns {
            self.check_routine_type(&returns.data_type);
        }
        if crate::diagnostic::has_errors(&self.diagnostics[before..]) {
            return Ok(Vec::new());
        }
        let kind = if r.procedure { "procedure" } else { "function" };
        let previous = self.model.routines.get(&key).cloned();
        if let Some(p) = &previous {
            let problem = if !r.or_replace {
                Some(format!("{kind} `{key}` exists already"))
            } else if p.definition.procedure != r.procedure {
                Some(format!(
                    "`{key}` is a {}: it cannot be replaced by a {kind}",
                    if p.definition.procedure {
                        "procedure"
                    } else {
                        "function"
                    }
                ))
            } else if p.definition.returns != r.returns {
                Some(format!(
                    "cannot change what function `{key}` returns: drop it and create it again"
                ))
            } else {
                None
            };
            if let Some(problem) = problem {
                self.error(Code::DuplicateObject, r.name.span(), problem);
                return Ok(Vec::new());
            }
        }
        // PostgreSQL checks an SQL body against the schema when it creates the function
        // (`check_function_bodies`): what it reads must be there, and is kept, so that a
        // later rename can say the body as written no longer reads it.
        let reads = if r.language.value == "sql" {
            let who = format!("{kind} `{key}`");
            match crate::schema::query::reads(&r.body.text) {
                Some(reads) => match self.relations_read(&reads, r.body.span, &who) {
                    Some(uses) => uses,
                    None => return Ok(Vec::new()),
                },
                None => Vec::new(),
            }
        } else {
            Vec::new()
        };
        if previous.is_none() {
            self.grant_default(&key);
        }
        if let Some(why) = previous.as_ref().and_then(|p| p.stale.clone()) {
            // Replaced all the same; its downgrade cannot write the old body again.
            self.insert_routine(key, r, assumed, reads);
            return Err(why);
        }
        self.insert_routine(key, r, assumed, reads);
        if assumed {
            return Ok(Vec::new());
        }
        Ok(vec![match previous {
            Some(p) => derived(
                S::CreateRoutine(Box::new(CreateRoutine {
                    or_replace: true,
                    ..p.definition.clone()
                })),
                span,
            ),
            None => derived(
                S::DropRoutine(DropRoutine {
                    routine: RoutineRef {
                        procedure: r.procedure,
                        name: r.name.clone(),
                        args: Some(r.args.clone()),
                    },
                }),
                span,
            ),
        }])
    }

    fn insert_routine(
        &mut self,
        key: RoutineKey,
        r: &CreateRoutine,
        assumed: bool,
        reads: Vec<(ObjName, Vec<String>)>,
    ) {
        let definition = CreateRoutine {
            or_replace: false,
            ..r.clone()
        };
        self.model.routines.insert(
            key,
            Arc::new(Routine {
                definition,
                reads,
                stale: None,
                assumed,
            }),
        );
    }

    /// Marks the SQL functions that read `relation` (or, with `column`, that column of
    /// it), renamed since (`what`), as no longer readable as written.
    pub(super) fn routines_read_renamed(
        &mut self,
        relation: &ObjName,
        column: Option<&str>,
        what: &str,
    ) {
        let readers: Vec<RoutineKey> = self
            .model
            .routines
            .iter()
            .filter(|(_, r)| {
                r.reads.iter().any(|(t, columns)| {
                    t == relation && column.is_none_or(|c| columns.iter().any(|u| u == c))
                })
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in readers {
            if let Some(r) = self.model.routines.get_mut(&key).map(Arc::make_mut) {
                let kind = if r.definition.procedure {
                    "procedure"
                } else {
                    "function"
                };
                r.stale.get_or_insert_with(|| {
                    format!("{kind} `{key}` reads {what} since: its body as written names the old name, and PostgreSQL checks it when it is created; write this downgrade")
                });
            }
        }
    }

    pub(super) fn drop_routine(&mut self, d: &mut DropRoutine, span: Span) -> Reversal {
        let Some(key) = self.routine_or_error(&d.routine) else {
            return Ok(Vec::new());
        };
        if let Some(((table, trigger), _)) =
            self.model.triggers.iter().find(|(_, t)| t.function == key)
        {
            let message = format!("cannot drop `{key}`: trigger `{trigger}` of `{table}` runs it");
            self.error(Code::InUse, d.routine.name.span(), message);
            return Ok(Vec::new());
        }
        // Its comment and privileges name it by its arguments, which the model knows
        // while it holds it.
        let mut comments = self.take_comments(&[CommentOn::Routine(key.clone())], span);
        comments.extend(self.take_grants(&Grantable::Routine(key.clone()), span));
        let Some(routine) = self.model.routines.remove(&key) else {
            return Ok(Vec::new());
        };
        if let Some(why) = &routine.stale {
            return Err(why.clone());
        }
        let mut reverse = vec![derived(
            S::CreateRoutine(Box::new(routine.definition.clone())),
            span,
        )];
        reverse.extend(comments);
        Ok(reverse)
    }

    pub(super) fn rename_routine(&mut self, r: &mut RenameRoutine, span: Span) -> Reversal {
        let Some(old) = self.routine_or_error(&r.routine) else {
            return Ok(Vec::new());
        };
        let new = RoutineKey {
            name: ObjName::new(old.name.schema(), &r.new_name.value),
            args: old.args.clone(),
        };
        if self.model.routines.contains_key(&new) {
            self.error(
                Code::DuplicateObject,
                r.new_name.span,
                format!("cannot rename to `{new}`: a function of that name and arguments already exists"),
            );
            return Ok(Vec::new());
        }
        let Some((procedure, args)) = self.move_routine(&old, &new, span) else {
            return Ok(Vec::new());
        };
        Ok(vec![self.rename_back(
            &new.name,
            &old.name,
            span,
            |name, new_name| {
                S::RenameRoutine(RenameRoutine {
                    routine: RoutineRef {
                        procedure,
                        name,
                        args: Some(args),
                    },
                    new_name,
                })
            },
        )])
    }

    /// A function under another name (or in another schema), with its comment and
    /// privileges; the triggers that run it follow it (PostgreSQL keeps them by its
    /// identity). Gives whether it is a procedure, and its arguments.
    pub(super) fn move_routine(
        &mut self,
        old: &RoutineKey,
        new: &RoutineKey,
        span: Span,
    ) -> Option<(bool, Vec<RoutineArg>)> {
        let routine = self.model.routines.remove(old)?;
        let mut routine = Arc::unwrap_or_clone(routine);
        routine.definition.name = self.qualified(&new.name, span);
        let args = routine.definition.args.clone();
        let procedure = routine.definition.procedure;
        self.model.routines.insert(new.clone(), Arc::new(routine));
        self.move_comment(
            CommentOn::Routine(old.clone()),
            CommentOn::Routine(new.clone()),
        );
        self.move_grants(
            &Grantable::Routine(old.clone()),
            &Grantable::Routine(new.clone()),
        );
        let users: Vec<(ObjName, String)> = self
            .model
            .triggers
            .iter()
            .filter(|(_, t)| t.function == *old)
            .map(|(k, _)| k.clone())
            .collect();
        let function = self.qualified(&new.name, span);
        for k in users {
            if let Some(t) = self.model.triggers.get_mut(&k).map(Arc::make_mut) {
                t.function = new.clone();
                t.definition.function = function.clone();
            }
        }
        Some((procedure, args))
    }

    pub(super) fn create_trigger(&mut self, t: &mut CreateTrigger, span: Span) -> Reversal {
        let table = self.obj(&t.table);
        let known = match self.model.relation(&table) {
            Some(RelationKind::Table) => true,
            // INSTEAD OF triggers are a view's.
            Some(RelationKind::View) => t.timing == TriggerTiming::InsteadOf,
            _ => false,
        };
        if !known {
            let message = if self.model.views.contains_key(&table) {
                format!("`{table}` is a view: only `instead of` triggers go on a view")
            } else {
                format!("unknown table `{table}`")
            };
            self.error(Code::UnknownObject, t.table.span(), message);
            return Ok(Vec::new());
        }
        if let Some(columns) = self.model.table(&table).map(|t| t.columns.clone()) {
            for event in &t.events {
                let TriggerEvent::Update(of) = event else {
                    continue;
                };
                if let Some(c) = of
                    .iter()
                    .find(|c| !columns.iter().any(|col| col.name == c.value))
                {
                    self.error(
                        Code::UnknownObject,
                        c.span,
                        format!("table `{table}` has no column `{}`", c.value),
                    );
                    return Ok(Vec::new());
                }
            }
        }
        let function = RoutineKey {
            name: self.obj(&t.function),
            args: String::new(),
        };
        let returns_trigger = self.model.routines.get(&function).is_some_and(|r| {
            r.definition
                .returns
                .as_ref()
                .is_some_and(|ret| !ret.setof && type_name(&ret.data_type) == "trigger")
        });
        if !returns_trigger {
            self.error(
                Code::UnknownObject,
                t.function.span(),
                format!("unknown trigger function `{function}`: a function without arguments that returns `trigger`"),
            );
            return Ok(Vec::new());
        }
        let key = (table.clone(), t.name.value.clone());
        let previous = self.model.triggers.get(&key).cloned();
        if previous.is_some() && !t.or_replace {
            self.error(
                Code::DuplicateObject,
                t.name.span,
                format!("table `{table}` has a trigger `{}` already", t.name.value),
            );
            return Ok(Vec::new());
        }
        self.model.triggers.insert(
            key,
            Arc::new(Trigger {
                definition: CreateTrigger {
                    or_replace: false,
                    ..t.clone()
                },
                function,
            }),
        );
        Ok(vec![match previous {
            Some(p) => derived(
                S::CreateTrigger(Box::new(CreateTrigger {
                    or_replace: true,
                    ..p.definition.clone()
                })),
                span,
            ),
            None => derived(
                S::DropTrigger(DropTrigger {
                    name: t.name.clone(),
                    table: t.table.clone(),
                }),
                span,
            ),
        }])
    }

    pub(super) fn drop_trigger(&mut self, d: &mut DropTrigger, span: Span) -> Reversal {
        let table = self.obj(&d.table);
        let Some(trigger) = self
            .model
            .triggers
            .remove(&(table.clone(), d.name.value.clone()))
        else {
            self.error(
                Code::UnknownObject,
                d.name.span,
                format!("table `{table}` has no trigger `{}`", d.name.value),
            );
            return Ok(Vec::new());
        };
        let mut reverse = vec![derived(
            S::CreateTrigger(Box::new(trigger.definition.clone())),
            span,
        )];
        reverse
            .extend(self.take_comments(&[CommentOn::Trigger(table, d.name.value.clone())], span));
        Ok(reverse)
    }

    /// The statements that make a table's triggers again, with their comments.
    pub(super) fn recreate_triggers(&self, table: &ObjName, span: Span) -> Vec<Derived> {
        let mut out = Vec::new();
        for name in self.model.triggers_of(table) {
            if let Some(t) = self.model.triggers.get(&(table.clone(), name.clone())) {
                out.push(derived(
                    S::CreateTrigger(Box::new(t.definition.clone())),
                    span,
                ));
                out.extend(
                    self.comment_statements(&[CommentOn::Trigger(table.clone(), name)], span),
                );
            }
        }
        out
    }

    /// Takes a table's triggers out of the model (with their comments): PostgreSQL drops
    /// them with it.
    pub(super) fn forget_triggers(&mut self, table: &ObjName) {
        for name in self.model.triggers_of(table) {
            self.model.triggers.remove(&(table.clone(), name.clone()));
            self.model
                .comments
                .remove(&CommentOn::Trigger(table.clone(), name));
        }
    }

    /// Follows a renamed table in its triggers.
    pub(super) fn move_triggers(&mut self, old: &ObjName, new: &ObjName, span: Span) {
        for name in self.model.triggers_of(old) {
            let Some(t) = self.model.triggers.remove(&(old.clone(), name.clone())) else {
                continue;
            };
            let mut t = Arc::unwrap_or_clone(t);
            t.definition.table = self.qualified(new, span);
            self.model
                .triggers
                .insert((new.clone(), name.clone()), Arc::new(t));
            self.move_comment(
                CommentOn::Trigger(old.clone(), name.clone()),
                CommentOn::Trigger(new.clone(), name),
            );
        }
    }

    /// Follows a renamed column in the `update of` lists of its table's triggers.
    pub(super) fn move_trigger_column(&mut self, table: &ObjName, from: &str, to: &str) {
        for name in self.model.triggers_of(table) {
            let Some(t) = self
                .model
                .triggers
                .get_mut(&(table.clone(), name))
                .map(Arc::make_mut)
            else {
                continue;
            };
            for event in &mut t.definition.events {
                if let TriggerEvent::Update(columns) = event {
                    for c in columns.iter_mut().filter(|c| c.value == from) {
                        c.value = to.to_owned();
                    }
                }
            }
        }
    }

    /// A trigger of `table` whose `update of` names `column`.
    pub(super) fn trigger_on_column(&self, table: &ObjName, column: &str) -> Option<String> {
        self.model.triggers_of(table).into_iter().find(|name| {
            self.model
                .triggers
                .get(&(table.clone(), name.clone()))
                .is_some_and(|t| {
                    t.definition.events.iter().any(|e| {
                        matches!(e, TriggerEvent::Update(of) if of.iter().any(|c| c.value == column))
                    })
                })
        })
    }

    /// The function or procedure a statement names, or an error: by its arguments when
    /// written, else the only one of its name.
    pub(super) fn routine_or_error(&mut self, r: &RoutineRef) -> Option<RoutineKey> {
        let kind = if r.procedure { "procedure" } else { "function" };
        let found = match &r.args {
            Some(args) => {
                let key = self.routine_key(&r.name, args);
                self.model.routines.contains_key(&key).then_some(key)
            }
            None => {
                let named = self.model.routines_named(&self.obj(&r.name));
                match named.as_slice() {
                    [one] => Some(one.clone()),
                    [] => None,
                    several => {
                        let list: Vec<String> = several.iter().map(|k| format!("`{k}`")).collect();
                        self.error(
                            Code::InvalidStatement,
                            r.name.span(),
                            format!(
                                "there are several {kind}s `{}`: {}; name its argument types",
                                self.obj(&r.name),
                                list.join(", ")
                            ),
                        );
                        return None;
                    }
                }
            }
        };
        let Some(key) = found else {
            let shown = match &r.args {
                Some(args) => self.routine_key(&r.name, args).to_string(),
                None => self.obj(&r.name).to_string(),
            };
            self.error(
                Code::UnknownObject,
                r.name.span(),
                format!("unknown {kind} `{shown}`"),
            );
            return None;
        };
        let is_procedure = self
            .model
            .routines
            .get(&key)
            .is_some_and(|r| r.definition.procedure);
        if is_procedure != r.procedure {
            let (is, write) = if is_procedure {
                ("a procedure", "procedure")
            } else {
                ("a function", "function")
            };
            self.error(
                Code::InvalidStatement,
                r.name.span(),
                format!("`{key}` is {is}: write `{write}`"),
            );
            return None;
        }
        Some(key)
    }

    /// The key of a function: its name and its argument types' canonical names.
    pub(super) fn routine_key(&self, name: &QualifiedName, args: &[RoutineArg]) -> RoutineKey {
        RoutineKey {
            name: self.obj(name),
            args: args
                .iter()
                .map(|a| type_name(&a.data_type))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    /// A function's argument or result type: a column type, a table's or view's row
    /// type, or one of PostgreSQL's pseudo-types.
    fn check_routine_type(&mut self, t: &DataType) {
        if let TypeKind::Named { name, .. } = &t.kind {
            let obj = self.obj(name);
            if (name.schema.is_none() && PSEUDO_TYPES.contains(&name.name.value.as_str()))
                || self.model.tables.contains_key(&obj)
                || self.model.views.contains_key(&obj)
            {
                return;
            }
        }
        self.check_type(t);
    }
}

/// A type's canonical name in a function's signature: PostgreSQL's name for an alias
/// (`int` is `integer`), without modifiers (a signature has none), with `[]` per
/// dimension.
pub(super) fn type_name(t: &DataType) -> String {
    let base = match &t.kind {
        TypeKind::Named { name, .. } => {
            let n = name.name.value.as_str();
            let canonical = match n {
                "int" | "int4" => "integer",
                "timestamp" => "timestamp without time zone",
                "time" => "time without time zone",
                "int8" => "bigint",
                "int2" => "smallint",
                "bool" => "boolean",
                "float8" => "double precision",
                "float4" => "real",
                "varchar" => "character varying",
                "char" | "bpchar" => "character",
                "decimal" => "numeric",
                "timestamptz" => "timestamp with time zone",
                "timetz" => "time with time zone",
                "varbit" => "bit varying",
                other => other,
            };
            match &name.schema {
                Some(s) if s.value != "pg_catalog" => format!("{}.{canonical}", s.value),
                _ => canonical.to_owned(),
            }
        }
        TypeKind::MultiWord { name, .. } => name.spelled(""),
        TypeKind::Raw(e) => e.text.trim().to_ascii_lowercase(),
    };
    format!("{base}{}", "[]".repeat(t.array_dimensions as usize))
}
