//! Privileges and row security: `grant` and `revoke` on tables, views, sequences,
//! schemas and functions to roles the project assumes (roles belong to the cluster, not
//! to a database's migrations), row level security enabled or forced on a table, and
//! its policies. Privileges and policies belong to their object: they go when it is
//! dropped, come back with it in a derived downgrade, and follow it through renames.

use super::*;
use crate::diagnostic::Code;
use crate::schema::expr;
use crate::source::Span;
use crate::syntax::ast::StatementKind as S;

/// What each kind of object can be granted, in PostgreSQL's order.
const TABLE_PRIVILEGES: &[Privilege] = &[
    Privilege::Select,
    Privilege::Insert,
    Privilege::Update,
    Privilege::Delete,
    Privilege::Truncate,
    Privilege::References,
    Privilege::Trigger,
];
const SEQUENCE_PRIVILEGES: &[Privilege] = &[Privilege::Select, Privilege::Update, Privilege::Usage];
const SCHEMA_PRIVILEGES: &[Privilege] = &[Privilege::Usage, Privilege::Create];
const ROUTINE_PRIVILEGES: &[Privilege] = &[Privilege::Execute];

/// The role every role is a member of.
const PUBLIC: &str = "public";

impl Applier<'_> {
    pub(super) fn assume_role(&mut self, r: &mut AssumeRole, _span: Span) -> Reversal {
        if r.name.value == PUBLIC {
            self.error(
                Code::InvalidStatement,
                r.name.span,
                "`public` is every role: it needs no `assume role`".to_owned(),
            );
            return Ok(Vec::new());
        }
        self.model.roles.insert(r.name.value.clone(), ());
        Ok(Vec::new())
    }

    pub(super) fn grant(&mut self, g: &mut Grant, span: Span, revoke: bool) -> Reversal {
        let Some(objects) = self.grant_objects(&g.object) else {
            return Ok(Vec::new());
        };
        let Some((kind, allowed)) = objects.first().map(privileges_of) else {
            return Ok(Vec::new());
        };
        if let Some(p) = g.privileges.iter().find(|p| !allowed.contains(&p.value)) {
            self.error(
                Code::InvalidStatement,
                p.span,
                format!(
                    "{} is not a privilege of a {kind} (they are: {})",
                    p.value.name(),
                    allowed
                        .iter()
                        .map(|p| p.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
            return Ok(Vec::new());
        }
        for role in &g.roles {
            if role.value == PUBLIC && g.grant_option && !revoke {
                self.error(
                    Code::InvalidStatement,
                    role.span,
                    "grant options can only be granted to roles, not to `public`".to_owned(),
                );
                return Ok(Vec::new());
            }
            if role.value != PUBLIC && !self.model.roles.contains_key(&role.value) {
                self.error(
                    Code::UnknownObject,
                    role.span,
                    format!(
                        "unknown role `{}`: roles belong to the cluster, not to migrations; \
                         declare it with `assume role {}`",
                        role.value, role.value
                    ),
                );
                return Ok(Vec::new());
            }
        }
        let named: Vec<Privilege> = if g.privileges.is_empty() {
            allowed.to_vec()
        } else {
            g.privileges.iter().map(|p| p.value).collect()
        };
        // What changed, per object and role: the reversal gives back exactly that.
        let mut reverse = Vec::new();
        for object in &objects {
            for role in &g.roles {
                let key = (object.clone(), role.value.clone());
                let before = self
                    .model
                    .grants
                    .get(&key)
                    .map(|g| Granted::clone(g))
                    .unwrap_or_default();
                let mut after = before.clone();
                for p in &named {
                    match (revoke, g.grant_option) {
                        (false, option) => {
                            let held = after.entry(*p).or_insert(false);
                            *held |= option;
                        }
                        (true, false) => {
                            after.remove(p);
                        }
                        (true, true) => {
                            if let Some(held) = after.get_mut(p) {
                                *held = false;
                            }
                        }
                    }
                }
                if after == before {
                    continue;
                }
                if after.is_empty() {
                    self.model.grants.remove(&key);
                } else {
                    self.model.grants.insert(key, Arc::new(after.clone()));
                }
                reverse.extend(self.undo_grant(object, &role.value, &before, &after, span));
            }
        }
        Ok(reverse)
    }

    /// The statements that take a role's privileges on an object from `after` back to
    /// `before`.
    fn undo_grant(
        &self,
        object: &Grantable,
        role: &str,
        before: &Granted,
        after: &Granted,
        span: Span,
    ) -> Vec<Derived> {
        let statement = |privileges: Vec<Privilege>, grant_option: bool, revoke: bool| {
            let g = Grant {
                privileges: privileges.into_iter().map(|p| spanned(span, p)).collect(),
                object: self.grant_object_of(object, span),
                roles: vec![ident(role, span)],
                grant_option,
            };
            derived(if revoke { S::Revoke(g) } else { S::Grant(g) }, span)
        };
        let mut out = Vec::new();
        let gone: Vec<Privilege> = after
            .keys()
            .filter(|p| !before.contains_key(p))
            .copied()
            .collect();
        if !gone.is_empty() {
            out.push(statement(gone, false, true));
        }
        let option_gone: Vec<Privilege> = after
            .iter()
            .filter(|(p, o)| **o && before.get(p) == Some(&false))
            .map(|(p, _)| *p)
            .collect();
        if !option_gone.is_empty() {
            out.push(statement(option_gone, true, true));
        }
        for option in [false, true] {
            let back: Vec<Privilege> = before
                .iter()
                .filter(|(p, o)| **o == option && after.get(p).is_none_or(|a| *a != **o))
                .map(|(p, _)| *p)
                .collect();
            if !back.is_empty() {
                out.push(statement(back, option, false));
            }
        }
        out
    }

    /// The objects of a `grant`, each known to the model.
    fn grant_objects(&mut self, o: &GrantObject) -> Option<Vec<Grantable>> {
        Some(match o {
            GrantObject::Tables(names) => {
                let mut out = Vec::new();
                for q in names {
                    let name = self.obj(q);
                    if !self.model.tables.contains_key(&name)
                        && !self.model.views.contains_key(&name)
                    {
                        self.error(
                            Code::UnknownObject,
                            q.span(),
                            format!("unknown table or view `{name}`"),
                        );
                        return None;
                    }
                    out.push(Grantable::Relation(name));
                }
                out
            }
            GrantObject::Sequences(names) => {
                let mut out = Vec::new();
                for q in names {
                    out.push(Grantable::Sequence(self.sequence_or_error(q)?.0));
                }
                out
            }
            GrantObject::Schemas(names) => {
                let mut out = Vec::new();
                for s in names {
                    if !self.schema_or_error(s) {
                        return None;
                    }
                    out.push(Grantable::Schema(s.value.clone()));
                }
                out
            }
            GrantObject::Routine(r) => vec![Grantable::Routine(self.routine_or_error(r)?)],
        })
    }

    /// How a `grant` names an object of the model.
    fn grant_object_of(&self, object: &Grantable, span: Span) -> GrantObject {
        match object {
            Grantable::Schema(s) => GrantObject::Schemas(vec![ident(s, span)]),
            Grantable::Relation(r) => GrantObject::Tables(vec![self.qualified(r, span)]),
            Grantable::Sequence(s) => GrantObject::Sequences(vec![self.qualified(s, span)]),
            Grantable::Routine(k) => {
                let routine = self.model.routines.get(k);
                GrantObject::Routine(RoutineRef {
                    procedure: routine.is_some_and(|r| r.definition.procedure),
                    name: self.qualified(&k.name, span),
                    args: Some(routine.map_or(Vec::new(), |r| r.definition.args.clone())),
                })
            }
        }
    }

    /// The `grant` statements that give the privileges on an object back, as they are
    /// in the model, to an object just made (a function has its default then, `execute`
    /// for `public`: left out when it still holds, revoked when it does not).
    pub(super) fn grant_statements(&self, object: &Grantable, span: Span) -> Vec<Derived> {
        let mut out = Vec::new();
        if matches!(object, Grantable::Routine(_))
            && !self
                .model
                .grants
                .contains_key(&(object.clone(), PUBLIC.to_owned()))
        {
            let mut default = Granted::new();
            default.insert(Privilege::Execute, false);
            out.extend(self.undo_grant(object, PUBLIC, &Granted::new(), &default, span));
        }
        for (role, granted) in self.model.grants_on(object) {
            if is_default(object, &role, &granted) {
                continue;
            }
            out.extend(self.undo_grant(object, &role, &granted, &Granted::new(), span));
        }
        out
    }

    /// Drops the privileges on an object (PostgreSQL drops them with it) and gives the
    /// statements that grant them again.
    pub(super) fn take_grants(&mut self, object: &Grantable, span: Span) -> Vec<Derived> {
        let back = self.grant_statements(object, span);
        for (role, _) in self.model.grants_on(object) {
            self.model.grants.remove(&(object.clone(), role));
        }
        back
    }

    /// Moves the privileges on an object to its new name.
    pub(super) fn move_grants(&mut self, old: &Grantable, new: &Grantable) {
        for (role, granted) in self.model.grants_on(old) {
            self.model.grants.remove(&(old.clone(), role.clone()));
            self.model.grants.insert((new.clone(), role), granted);
        }
    }

    /// A new function's default privilege: `execute` for `public`.
    pub(super) fn grant_default(&mut self, key: &RoutineKey) {
        let mut granted = Granted::new();
        granted.insert(Privilege::Execute, false);
        self.model.grants.insert(
            (Grantable::Routine(key.clone()), PUBLIC.to_owned()),
            Arc::new(granted),
        );
    }

    pub(super) fn row_security(&mut self, r: &mut RowSecurity, span: Span) -> Reversal {
        let Some((table, t)) = self.table_or_error(&r.table) else {
            return Ok(Vec::new());
        };
        let (was_on, was_forced) = (t.row_security, t.force_row_security);
        release(t);
        let (on, forced) = match r.change {
            RowSecurityChange::Enable => (true, was_forced),
            RowSecurityChange::Disable => (false, was_forced),
            RowSecurityChange::Force => (was_on, true),
            RowSecurityChange::NoForce => (was_on, false),
        };
        if let Some(t) = self.model.table_mut(&table) {
            t.row_security = on;
            t.force_row_security = forced;
        }
        let back = match r.change {
            RowSecurityChange::Enable | RowSecurityChange::Disable if on != was_on => {
                if was_on {
                    RowSecurityChange::Enable
                } else {
                    RowSecurityChange::Disable
                }
            }
            RowSecurityChange::Force | RowSecurityChange::NoForce if forced != was_forced => {
                if was_forced {
                    RowSecurityChange::Force
                } else {
                    RowSecurityChange::NoForce
                }
            }
            _ => return Ok(Vec::new()),
        };
        Ok(vec![derived(
            S::RowSecurity(RowSecurity {
                table: r.table.clone(),
                change: back,
            }),
            span,
        )])
    }

    pub(super) fn create_policy(&mut self, c: &mut CreatePolicy, span: Span) -> Reversal {
        let Some((table, t)) = self.table_or_error(&c.table) else {
            return Ok(Vec::new());
        };
        release(t);
        let key = (table.clone(), c.name.value.clone());
        if self.model.policies.contains_key(&key) {
            self.error(
                Code::DuplicateObject,
                c.name.span,
                format!("table `{table}` has a policy `{}` already", c.name.value),
            );
            return Ok(Vec::new());
        }
        if let Some(role) = c
            .roles
            .iter()
            .find(|r| r.value != PUBLIC && !self.model.roles.contains_key(&r.value))
        {
            self.error(
                Code::UnknownObject,
                role.span,
                format!(
                    "unknown role `{}`: declare it with `assume role {}`",
                    role.value, role.value
                ),
            );
            return Ok(Vec::new());
        }
        self.model.policies.insert(
            key,
            Arc::new(Policy {
                definition: c.clone(),
            }),
        );
        Ok(vec![derived(
            S::DropPolicy(DropPolicy {
                name: c.name.clone(),
                table: c.table.clone(),
            }),
            span,
        )])
    }

    pub(super) fn drop_policy(&mut self, d: &mut DropPolicy, span: Span) -> Reversal {
        let table = self.obj(&d.table);
        let Some(policy) = self
            .model
            .policies
            .remove(&(table.clone(), d.name.value.clone()))
        else {
            self.error(
                Code::UnknownObject,
                d.name.span,
                format!("table `{table}` has no policy `{}`", d.name.value),
            );
            return Ok(Vec::new());
        };
        Ok(vec![derived(
            S::CreatePolicy(policy.definition.clone()),
            span,
        )])
    }

    /// The statements that give a table its row security and policies back.
    pub(super) fn recreate_row_security(&self, table: &ObjName, span: Span) -> Vec<Derived> {
        let mut out = Vec::new();
        let qualified = self.qualified(table, span);
        if let Some(t) = self.model.table(table) {
            for (on, change) in [
                (t.row_security, RowSecurityChange::Enable),
                (t.force_row_security, RowSecurityChange::Force),
            ] {
                if on {
                    out.push(derived(
                        S::RowSecurity(RowSecurity {
                            table: qualified.clone(),
                            change,
                        }),
                        span,
                    ));
                }
            }
        }
        for name in self.model.policies_of(table) {
            if let Some(p) = self.model.policies.get(&(table.clone(), name)) {
                out.push(derived(S::CreatePolicy(p.definition.clone()), span));
            }
        }
        out
    }

    /// Takes a table's policies out of the model: PostgreSQL drops them with it.
    pub(super) fn forget_policies(&mut self, table: &ObjName) {
        for name in self.model.policies_of(table) {
            self.model.policies.remove(&(table.clone(), name));
        }
    }

    /// Follows a renamed table in its policies, privileges and row security.
    pub(super) fn move_policies(&mut self, old: &ObjName, new: &ObjName, span: Span) {
        for name in self.model.policies_of(old) {
            let Some(p) = self.model.policies.remove(&(old.clone(), name.clone())) else {
                continue;
            };
            let mut p = Arc::unwrap_or_clone(p);
            p.definition.table = self.qualified(new, span);
            self.model.policies.insert((new.clone(), name), Arc::new(p));
        }
        self.move_grants(
            &Grantable::Relation(old.clone()),
            &Grantable::Relation(new.clone()),
        );
    }

    /// Follows a renamed column in the expressions of its table's policies.
    pub(super) fn move_policy_column(&mut self, table: &ObjName, from: &str, to: &str) {
        for name in self.model.policies_of(table) {
            if let Some(p) = self
                .model
                .policies
                .get_mut(&(table.clone(), name))
                .map(Arc::make_mut)
            {
                for e in [&mut p.definition.using, &mut p.definition.check]
                    .into_iter()
                    .flatten()
                {
                    e.text = expr::rename_column(&e.text, from, to);
                }
            }
        }
    }

    /// A policy of `table` whose expressions use `column`: PostgreSQL will not drop the
    /// column under it.
    pub(super) fn policy_on_column(&self, table: &ObjName, column: &str) -> Option<String> {
        self.model.policies_of(table).into_iter().find(|name| {
            self.model
                .policies
                .get(&(table.clone(), name.clone()))
                .is_some_and(|p| {
                    [&p.definition.using, &p.definition.check]
                        .into_iter()
                        .flatten()
                        .any(|e| !expr::columns_used(&e.text, std::iter::once(column)).is_empty())
                })
        })
    }
}

/// What kind an object is, and the privileges it can be granted.
fn privileges_of(object: &Grantable) -> (&'static str, &'static [Privilege]) {
    match object {
        Grantable::Schema(_) => ("schema", SCHEMA_PRIVILEGES),
        Grantable::Relation(_) => ("table", TABLE_PRIVILEGES),
        Grantable::Sequence(_) => ("sequence", SEQUENCE_PRIVILEGES),
        Grantable::Routine(_) => ("function", ROUTINE_PRIVILEGES),
    }
}

/// Whether privileges are what PostgreSQL gives a new object of the kind by default.
fn is_default(object: &Grantable, role: &str, granted: &Granted) -> bool {
    matches!(object, Grantable::Routine(_))
        && role == PUBLIC
        && granted.len() == 1
        && granted.get(&Privilege::Execute) == Some(&false)
}
