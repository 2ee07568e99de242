//! Merging branches: the model of a revision with several parents (or dependencies) is
//! a three-way merge of theirs over their latest common ancestor, object part by object
//! part (docs/TRAVERSAL.md, "Merges").
//!
//! A database applies one branch after the other, in either order, so a merge is sound
//! only when both orders give one schema and every statement of both branches still
//! runs: changes to different parts of one table merge (a column on each side); the same
//! part changed on both sides is a conflict unless both made the same change to a part
//! that both kept (a second `add column` of the same name fails in PostgreSQL, a second
//! `set not null` does not); and a part one side drops or renames while the other uses
//! it (an index on the dropped column) is a conflict too. Column and enum value order
//! after a merge depends on which branch a database applied first: models compare
//! columns as a set ([`super::replay::differences`]).

use std::sync::Arc;

use imbl::OrdMap;

use super::model::{
    Column, CommentOn, Constraint, ConstraintKind, EnumType, Grantable, Model, ObjName, Table,
};
use crate::syntax::ast::{CommentTarget, GrantObject, RoutineRef, StatementKind, TypeKind};

/// A part of the schema a statement changes, for naming the statements of a conflict.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Part {
    /// The schema, table, type, index or extension.
    pub object: ObjName,
    /// The column or constraint of a table, or the value of an enum type.
    pub member: Option<String>,
}

/// Two branches that cannot both be applied.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// What it is about, in words: "column `users.email`".
    pub what: String,
    /// Why the branches cannot both hold it.
    pub why: &'static str,
    /// The part each side's statement changed (the same on both sides, but for a part
    /// one side drops and the other uses).
    pub ours: Part,
    pub theirs: Part,
    /// For a part one side drops and the other uses: whether the user is ours.
    pub user_is_ours: Option<bool>,
}

impl Conflict {
    /// A conflict about one part that both branches changed.
    fn on(what: String, why: &'static str, part: Part) -> Self {
        Conflict {
            what,
            why,
            ours: part.clone(),
            theirs: part,
            user_is_ours: None,
        }
    }

    /// Whether both orders of the branches run, leaving the part different: the merge
    /// revision's statements may then bring both to one schema.
    pub fn reconcilable(&self) -> bool {
        self.why == DIFFERENTLY
    }
}

const BOTH_CREATE: &str = "both branches create it";
const BOTH_DROP: &str = "both branches drop it";
const DIFFERENTLY: &str = "both branches change it, differently";
const DROP_AND_CHANGE: &str = "one branch drops or renames it, the other changes it";

fn whole(object: &ObjName) -> Part {
    Part {
        object: object.clone(),
        member: None,
    }
}

fn member(object: &ObjName, member: &str) -> Part {
    Part {
        object: object.clone(),
        member: Some(member.to_owned()),
    }
}

/// Why a part that both sides changed conflicts, if it does: `None` when both made the
/// same change to a part both kept.
fn clash<V: PartialEq>(
    base: Option<&V>,
    ours: Option<&V>,
    theirs: Option<&V>,
) -> Option<&'static str> {
    match (base, ours, theirs) {
        (None, Some(_), Some(_)) => Some(BOTH_CREATE),
        (Some(_), None, None) => Some(BOTH_DROP),
        (Some(_), Some(o), Some(t)) if o == t => None,
        (Some(_), Some(_), Some(_)) => Some(DIFFERENTLY),
        _ => Some(DROP_AND_CHANGE),
    }
}

/// Merges `theirs` into `ours` over `base`; the conflicts found are appended.
pub fn merge(base: &Model, ours: &Model, theirs: &Model, conflicts: &mut Vec<Conflict>) -> Model {
    let mut merged = ours.clone();
    // What became of names on either branch: ours first, where both tell. Only what
    // their branch added to the base's is looked at: a union would walk every fate of
    // the project at every merge.
    for (fated, fate) in added_or_changed(changes(&base.fates.0, &theirs.fates.0)) {
        merged.fates.0.entry(fated).or_insert(fate);
    }
    merge_map(
        (&base.schemas, &ours.schemas, &theirs.schemas),
        &mut merged.schemas,
        clash,
        |k| (format!("schema `{k}`"), whole(&ObjName::new(k, ""))),
        conflicts,
    );
    merge_map(
        (&base.extensions, &ours.extensions, &theirs.extensions),
        &mut merged.extensions,
        clash,
        |k| (format!("extension `{k}`"), whole(&ObjName::new("", k))),
        conflicts,
    );
    for (name, value) in changes(&base.types, &theirs.types) {
        let (b, o) = (base.types.get(&name), ours.types.get(&name));
        match (o == b, b, o, value.as_ref()) {
            (true, _, _, t) => match t {
                Some(t) => {
                    merged.types.insert(name, t.clone());
                }
                None => {
                    merged.types.remove(&name);
                }
            },
            (false, Some(b), Some(o), Some(t)) => match merge_values(b, o, t) {
                Ok(values) => {
                    merged.types.insert(
                        name,
                        EnumType {
                            values,
                            assumed: o.assumed,
                        },
                    );
                }
                Err((value, why)) => conflicts.push(Conflict::on(
                    format!("value '{value}' of type `{name}`"),
                    why,
                    member(&name, &value),
                )),
            },
            (false, b, o, t) => conflicts.push(Conflict::on(
                format!("type `{name}`"),
                clash(b, o, t).unwrap_or(DIFFERENTLY),
                whole(&name),
            )),
        }
    }
    for (name, value) in changes(&base.tables, &theirs.tables) {
        let (b, o) = (base.tables.get(&name), ours.tables.get(&name));
        if o == b {
            match value {
                Some(t) if merged.tables.contains_key(&name) => {
                    merged.replace_table(&name, Arc::unwrap_or_clone(t))
                }
                Some(t) => merged.add_table(name, Arc::unwrap_or_clone(t)),
                None => {
                    merged.remove_table(&name);
                }
            }
            continue;
        }
        match (b, o, value.as_ref()) {
            (Some(b), Some(o), Some(t)) => {
                let table = merge_table(&name, b, o, t, conflicts);
                merged.replace_table(&name, table);
            }
            (b, o, t) => conflicts.push(Conflict::on(
                format!("table `{name}`"),
                clash(b, o, t).unwrap_or(DIFFERENTLY),
                whole(&name),
            )),
        }
    }
    for (name, value) in changes(&base.indexes, &theirs.indexes) {
        let (b, o) = (base.indexes.get(&name), ours.indexes.get(&name));
        if o == b {
            merged.remove_index(&name);
            if let Some(index) = value {
                merged.add_index(name, Arc::unwrap_or_clone(index));
            }
        } else if let Some(why) = clash(b, o, value.as_ref()) {
            conflicts.push(Conflict::on(format!("index `{name}`"), why, whole(&name)));
        }
    }
    merge_map(
        (&base.roles, &ours.roles, &theirs.roles),
        &mut merged.roles,
        clash,
        |k| (format!("role `{k}`"), whole(&ObjName::new("", k))),
        conflicts,
    );
    // Privileges and comments both branches set alike merge; set differently, the merge
    // revision may set them once more.
    merge_map(
        (&base.grants, &ours.grants, &theirs.grants),
        &mut merged.grants,
        differently,
        |(object, role)| {
            (
                format!("the privileges of role `{role}` on {object}"),
                grantable_part(object),
            )
        },
        conflicts,
    );
    merge_map(
        (&base.policies, &ours.policies, &theirs.policies),
        &mut merged.policies,
        clash,
        |(table, name)| (format!("policy `{name}` of `{table}`"), member(table, name)),
        conflicts,
    );
    merge_map(
        (&base.routines, &ours.routines, &theirs.routines),
        &mut merged.routines,
        clash,
        |key| (format!("function `{key}`"), whole(&key.name)),
        conflicts,
    );
    merge_map(
        (&base.triggers, &ours.triggers, &theirs.triggers),
        &mut merged.triggers,
        clash,
        |(table, name)| {
            (
                format!("trigger `{name}` of `{table}`"),
                member(table, name),
            )
        },
        conflicts,
    );
    merge_map(
        (&base.views, &ours.views, &theirs.views),
        &mut merged.views,
        clash,
        |name| (format!("view `{name}`"), whole(name)),
        conflicts,
    );
    merge_map(
        (&base.sequences, &ours.sequences, &theirs.sequences),
        &mut merged.sequences,
        clash,
        |name| (format!("sequence `{name}`"), whole(name)),
        conflicts,
    );
    merge_map(
        (&base.comments, &ours.comments, &theirs.comments),
        &mut merged.comments,
        differently,
        |on| (format!("the comment on {on}"), comment_part(on)),
        conflicts,
    );
    uses(&merged, base, ours, theirs, conflicts);
    merged
}

/// The keys whose value `theirs` changed from `base`, with their new value.
fn changes<K: Ord + Clone, V: Clone + PartialEq>(
    base: &OrdMap<K, V>,
    theirs: &OrdMap<K, V>,
) -> Vec<(K, Option<V>)> {
    base.diff(theirs)
        .map(|item| match item {
            imbl::ordmap::DiffItem::Add(k, v) => (k.clone(), Some(v.clone())),
            imbl::ordmap::DiffItem::Remove(k, _) => (k.clone(), None),
            imbl::ordmap::DiffItem::Update { new: (k, v), .. } => (k.clone(), Some(v.clone())),
        })
        .collect()
}

/// Of `changes`, the keys added or changed, with their value.
fn added_or_changed<K, V>(changes: Vec<(K, Option<V>)>) -> Vec<(K, V)> {
    changes
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
}

/// One map of the base, ours and theirs.
type Sides<'a, M> = (&'a M, &'a M, &'a M);

/// Why a part both sides changed conflicts, from its base, ours and theirs ([`clash`],
/// [`differently`]); `None` when it does not.
type Why<V> = fn(Option<&V>, Option<&V>, Option<&V>) -> Option<&'static str>;

/// Merges theirs' changes to one map of whole objects into `merged` (ours to start): a
/// key ours left as the base had it takes theirs; a key both changed is a conflict when
/// `why` says why (`conflict` names the object and its part).
fn merge_map<K: Ord + Clone, V: Clone + PartialEq>(
    (base, ours, theirs): Sides<'_, OrdMap<K, V>>,
    merged: &mut OrdMap<K, V>,
    why: Why<V>,
    conflict: impl Fn(&K) -> (String, Part),
    conflicts: &mut Vec<Conflict>,
) {
    for (key, value) in changes(base, theirs) {
        let (b, o) = (base.get(&key), ours.get(&key));
        if o == b {
            match value {
                Some(v) => merged.insert(key, v),
                None => merged.remove(&key),
            };
        } else if let Some(why) = why(b, o, value.as_ref()) {
            let (what, part) = conflict(&key);
            conflicts.push(Conflict::on(what, why, part));
        }
    }
}

/// Why a part both sides set conflicts: only when they set it differently (a comment,
/// privileges: both orders run, and the merge revision may set it once more).
fn differently<V: PartialEq>(
    _: Option<&V>,
    ours: Option<&V>,
    theirs: Option<&V>,
) -> Option<&'static str> {
    (ours != theirs).then_some(DIFFERENTLY)
}

/// The values of an enum type both sides changed: each side's additions, ours first.
/// Anything but additions on both sides (a rename, the same value added twice) is a
/// conflict, named by its value.
fn merge_values(
    base: &EnumType,
    ours: &EnumType,
    theirs: &EnumType,
) -> Result<Vec<String>, (String, &'static str)> {
    if let Some(v) = base
        .values
        .iter()
        .find(|v| !ours.values.contains(v) || !theirs.values.contains(v))
    {
        return Err((v.clone(), DROP_AND_CHANGE));
    }
    let mut values = ours.values.clone();
    for value in theirs.values.iter().filter(|v| !base.values.contains(v)) {
        if values.contains(value) {
            return Err((value.clone(), BOTH_CREATE));
        }
        values.push(value.clone());
    }
    Ok(values)
}

/// A table both sides changed: column by column, constraint by constraint.
fn merge_table(
    name: &ObjName,
    base: &Table,
    ours: &Table,
    theirs: &Table,
    conflicts: &mut Vec<Conflict>,
) -> Table {
    let mut table = ours.clone();
    merge_members(
        (&base.columns, &ours.columns, &theirs.columns),
        &mut table.columns,
        |c: &Column| &c.name,
        |column| format!("column `{name}.{column}`"),
        name,
        conflicts,
    );
    merge_members(
        (&base.constraints, &ours.constraints, &theirs.constraints),
        &mut table.constraints,
        |c: &Constraint| &c.name,
        |constraint| format!("constraint `{constraint}` of table `{name}`"),
        name,
        conflicts,
    );
    let security = |t: &Table| (t.row_security, t.force_row_security);
    if security(theirs) != security(base) {
        if security(ours) == security(base) {
            (table.row_security, table.force_row_security) = security(theirs);
        } else if security(ours) != security(theirs) {
            conflicts.push(Conflict::on(
                format!("the row level security of table `{name}`"),
                DIFFERENTLY,
                whole(name),
            ));
        }
    }
    if theirs.partitioning != base.partitioning {
        if ours.partitioning == base.partitioning {
            table.partitioning.clone_from(&theirs.partitioning);
        } else {
            conflicts.push(Conflict::on(
                format!("the partitioning of table `{name}`"),
                DIFFERENTLY,
                whole(name),
            ));
        }
    }
    if theirs.storage != base.storage {
        if ours.storage == base.storage {
            table.storage.clone_from(&theirs.storage);
        } else if ours.storage != theirs.storage {
            conflicts.push(Conflict::on(
                format!("the storage parameters of table `{name}`"),
                DIFFERENTLY,
                whole(name),
            ));
        }
    }
    table
}

/// Merges the members of a table (its columns, or its constraints), keyed by name, into
/// `merged`, which starts as ours: theirs' changes where ours kept the base's, a
/// conflict where both changed one member. A member theirs adds goes last.
fn merge_members<T: Clone + PartialEq>(
    (base, ours, theirs): (&[T], &[T], &[T]),
    merged: &mut Vec<T>,
    name_of: impl Fn(&T) -> &String,
    what: impl Fn(&str) -> String,
    table: &ObjName,
    conflicts: &mut Vec<Conflict>,
) {
    let find = |list: &[T], name: &str| list.iter().find(|m| name_of(m) == name).cloned();
    let mut names: Vec<String> = base.iter().map(|m| name_of(m).clone()).collect();
    let added: Vec<String> = theirs
        .iter()
        .map(|m| name_of(m).clone())
        .filter(|n| !names.contains(n))
        .collect();
    names.extend(added);
    for name in names {
        let (b, o, t) = (find(base, &name), find(ours, &name), find(theirs, &name));
        if t == b {
            continue;
        }
        if o == b {
            let at = merged.iter().position(|m| *name_of(m) == name);
            match (at, t) {
                (Some(i), Some(m)) => merged[i] = m,
                (Some(i), None) => {
                    merged.remove(i);
                }
                (None, Some(m)) => merged.push(m),
                (None, None) => {}
            }
        } else if let Some(why) = clash(b.as_ref(), o.as_ref(), t.as_ref()) {
            conflicts.push(Conflict::on(what(&name), why, member(table, &name)));
        }
    }
}

/// What one side uses that the merge lost, because the other side dropped or renamed it:
/// an index's table or columns, a constraint's columns, a foreign key's table and
/// columns, a column's enum type, a partition's parent. Each side's own model is sound,
/// so whatever is missing in the merged one is the merge's doing.
fn uses(merged: &Model, base: &Model, ours: &Model, theirs: &Model, conflicts: &mut Vec<Conflict>) {
    // The side whose change uses the part (the one that has the user and not the part).
    let users_side = |used: &dyn Fn(&Model) -> bool| -> bool { used(ours) && !used(theirs) };
    let mut lost = |what: String, user: Part, used: Part, user_is_ours: bool| {
        let (ours, theirs) = if user_is_ours {
            (user, used)
        } else {
            (used, user)
        };
        if !conflicts.iter().any(|c| c.what == what) {
            conflicts.push(Conflict {
                what,
                why: "one branch drops or renames it, the other uses it",
                ours,
                theirs,
                user_is_ours: Some(user_is_ours),
            });
        }
    };
    // Only what a branch added or changed can use what the other dropped: each branch's
    // own model is sound. The maps share what neither changed, which `diff` skips.
    let changed_indexes = added_or_changed(changes(&base.indexes, &merged.indexes));
    let changed_tables = added_or_changed(changes(&base.tables, &merged.tables));
    for ((table, name), trigger) in added_or_changed(changes(&base.triggers, &merged.triggers)) {
        let has = |m: &Model| m.triggers.contains_key(&(table.clone(), name.clone()));
        let part = member(&table, &name);
        if !merged.tables.contains_key(&table) && !merged.views.contains_key(&table) {
            lost(
                format!("table `{table}`"),
                part.clone(),
                whole(&table),
                users_side(&has),
            );
        }
        if !merged.routines.contains_key(&trigger.function) {
            lost(
                format!("function `{}`", trigger.function),
                part,
                whole(&trigger.function.name),
                users_side(&has),
            );
        }
    }
    for (name, view) in added_or_changed(changes(&base.views, &merged.views)) {
        for (relation, columns) in &view.uses {
            let has = |m: &Model| m.views.contains_key(&name);
            if let Some(t) = merged.tables.get(relation) {
                for column in columns.iter().filter(|c| t.column(c).is_none()) {
                    lost(
                        format!("column `{relation}.{column}`"),
                        whole(&name),
                        member(relation, column),
                        users_side(&has),
                    );
                }
            } else if !merged.views.contains_key(relation) {
                lost(
                    format!("`{relation}`"),
                    whole(&name),
                    whole(relation),
                    users_side(&has),
                );
            }
        }
    }
    for (name, index) in &changed_indexes {
        if merged.views.contains_key(&index.table) {
            continue;
        }
        match merged.tables.get(&index.table) {
            None => lost(
                format!("table `{}`", index.table),
                whole(name),
                whole(&index.table),
                users_side(&|m: &Model| m.indexes.contains_key(name)),
            ),
            Some(table) => {
                for column in index.columns.iter().filter(|c| table.column(c).is_none()) {
                    lost(
                        format!("column `{}.{column}`", index.table),
                        whole(name),
                        member(&index.table, column),
                        users_side(&|m: &Model| m.indexes.contains_key(name)),
                    );
                }
            }
        }
    }
    for ((object, role), _) in added_or_changed(changes(&base.grants, &merged.grants)) {
        let exists = match &object {
            Grantable::Schema(s) => merged.schemas.contains_key(s),
            Grantable::Relation(n) => merged.tables.contains_key(n) || merged.views.contains_key(n),
            Grantable::Sequence(n) => merged.sequences.contains_key(n),
            Grantable::Routine(k) => merged.routines.contains_key(k),
        };
        if !exists {
            let part = grantable_part(&object);
            lost(
                object.to_string(),
                part.clone(),
                part,
                users_side(&|m: &Model| m.grants.contains_key(&(object.clone(), role.clone()))),
            );
        }
    }
    for ((table, name), _) in added_or_changed(changes(&base.policies, &merged.policies)) {
        if !merged.tables.contains_key(&table) {
            lost(
                format!("table `{table}`"),
                member(&table, &name),
                whole(&table),
                users_side(&|m: &Model| m.policies.contains_key(&(table.clone(), name.clone()))),
            );
        }
    }
    for (on, _) in added_or_changed(changes(&base.comments, &merged.comments)) {
        if !commented_exists(merged, &on) {
            let part = comment_part(&on);
            lost(
                on.to_string(),
                part.clone(),
                part,
                users_side(&|m: &Model| m.comments.contains_key(&on)),
            );
        }
    }
    for (name, sequence) in added_or_changed(changes(&base.sequences, &merged.sequences)) {
        let Some((table, column)) = &sequence.owned_by else {
            continue;
        };
        if merged
            .tables
            .get(table)
            .and_then(|t| t.column(column))
            .is_none()
        {
            lost(
                format!("column `{table}.{column}`"),
                whole(&name),
                member(table, column),
                users_side(&|m: &Model| m.sequences.contains_key(&name)),
            );
        }
    }
    for (name, table) in &changed_tables {
        for constraint in &table.constraints {
            let has = |m: &Model| {
                m.tables
                    .get(name)
                    .and_then(|t| t.constraint(&constraint.name))
                    .is_some()
            };
            for column in constraint
                .columns()
                .iter()
                .filter(|c| table.column(c).is_none())
            {
                lost(
                    format!("column `{name}.{column}`"),
                    member(name, &constraint.name),
                    member(name, column),
                    users_side(&has),
                );
            }
            if let ConstraintKind::ForeignKey {
                table: target,
                referenced,
                ..
            } = &constraint.kind
            {
                match merged.tables.get(target) {
                    None => lost(
                        format!("table `{target}`"),
                        member(name, &constraint.name),
                        whole(target),
                        users_side(&has),
                    ),
                    Some(t) => {
                        for column in referenced.iter().filter(|c| t.column(c).is_none()) {
                            lost(
                                format!("column `{target}.{column}`"),
                                member(name, &constraint.name),
                                member(target, column),
                                users_side(&has),
                            );
                        }
                    }
                }
            }
        }
        for column in &table.columns {
            let TypeKind::Named {
                name: type_name, ..
            } = &column.data_type.kind
            else {
                continue;
            };
            let schema = type_name
                .schema
                .as_ref()
                .map_or(name.schema(), |s| s.value.as_str());
            let key = ObjName::new(schema, &type_name.name.value);
            let known = |m: &Model| m.types.contains_key(&key);
            if !known(merged) && (known(ours) || known(theirs)) {
                let has = |m: &Model| {
                    m.tables
                        .get(name)
                        .and_then(|t| t.column(&column.name))
                        .is_some_and(|c| c.data_type == column.data_type)
                };
                lost(
                    format!("type `{key}`"),
                    member(name, &column.name),
                    whole(&key),
                    users_side(&has),
                );
            }
        }
        if let Some((parent, _)) = table.partition_of() {
            if !merged.tables.contains_key(parent) {
                lost(
                    format!("table `{parent}`"),
                    whole(name),
                    whole(parent),
                    users_side(&|m: &Model| m.tables.contains_key(name)),
                );
            }
        }
    }
}

/// The part of the schema privileges are on.
fn grantable_part(object: &Grantable) -> Part {
    match object {
        Grantable::Schema(s) => whole(&ObjName::new(s, "")),
        Grantable::Relation(n) | Grantable::Sequence(n) => whole(n),
        Grantable::Routine(k) => whole(&k.name),
    }
}

/// The part of the schema a comment belongs to.
fn comment_part(on: &CommentOn) -> Part {
    match on {
        CommentOn::Schema(s) => whole(&ObjName::new(s, "")),
        CommentOn::Type(n)
        | CommentOn::Sequence(n)
        | CommentOn::View(n)
        | CommentOn::Index(n)
        | CommentOn::Table(n) => whole(n),
        CommentOn::Routine(k) => whole(&k.name),
        CommentOn::Column(t, m) | CommentOn::Constraint(t, m) | CommentOn::Trigger(t, m) => {
            member(t, m)
        }
    }
}

/// Whether the object a comment is on is in the model.
fn commented_exists(model: &Model, on: &CommentOn) -> bool {
    match on {
        CommentOn::Schema(s) => model.schemas.contains_key(s),
        CommentOn::Type(n) => model.types.contains_key(n),
        CommentOn::Sequence(n) => model.sequences.contains_key(n),
        CommentOn::View(n) => model.views.contains_key(n),
        CommentOn::Routine(k) => model.routines.contains_key(k),
        CommentOn::Trigger(t, n) => model.triggers.contains_key(&(t.clone(), n.clone())),
        CommentOn::Index(n) => model.relation(n).is_some(),
        CommentOn::Table(n) => model.tables.contains_key(n),
        CommentOn::Column(t, c) => model.table(t).and_then(|t| t.column(c)).is_some(),
        CommentOn::Constraint(t, c) => model.table(t).and_then(|t| t.constraint(c)).is_some(),
    }
}

/// The parts a resolved statement changes.
pub fn parts(kind: &StatementKind, default_schema: &str) -> Vec<Part> {
    let obj = |q: &crate::syntax::ast::QualifiedName| {
        let schema = q
            .schema
            .as_ref()
            .map_or(default_schema, |s| s.value.as_str());
        ObjName::new(schema, &q.name.value)
    };
    use StatementKind as S;
    match kind {
        S::CreateSchema(s) => vec![whole(&ObjName::new(&s.name.value, ""))],
        S::DropSchema(s) => vec![whole(&ObjName::new(&s.name.value, ""))],
        S::CreateExtension(e) => vec![whole(&ObjName::new("", &e.name.value))],
        S::DropExtension(e) => vec![whole(&ObjName::new("", &e.name.value))],
        S::CreateEnum(t) => vec![whole(&obj(&t.name))],
        S::DropType(t) => vec![whole(&obj(&t.name))],
        S::AssumeType(t) => vec![whole(&obj(&t.name))],
        S::AssumeExtension(e) => vec![whole(&ObjName::new("", &e.name.value))],
        S::AssumeConstraint(c) => c
            .constraint
            .name
            .iter()
            .map(|n| member(&obj(&c.table), &n.value))
            .collect(),
        S::AssumeIndex(i) => {
            let table = obj(&i.table);
            i.name
                .iter()
                .map(|n| whole(&ObjName::new(table.schema(), &n.value)))
                .collect()
        }
        S::AlterTypeAddValue(t) => {
            vec![whole(&obj(&t.name)), member(&obj(&t.name), &t.value.value)]
        }
        S::AlterTypeRenameValue(t) => vec![
            whole(&obj(&t.name)),
            member(&obj(&t.name), &t.from.value),
            member(&obj(&t.name), &t.to.value),
        ],
        S::CreateTable(t) => vec![whole(&obj(&t.name))],
        S::AssumeTable(t) => vec![whole(&obj(&t.name))],
        S::CreatePartition(t) => vec![whole(&obj(&t.name))],
        S::DropTable(t) => vec![whole(&obj(&t.name))],
        S::RenameTable(r) => {
            let old = obj(&r.table);
            vec![
                whole(&ObjName::new(old.schema(), &r.new_name.value)),
                whole(&old),
            ]
        }
        S::AddColumn(c) => vec![member(&obj(&c.table), &c.column.name.value)],
        S::DropColumn(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::RenameColumn(c) => vec![
            member(&obj(&c.table), &c.column.value),
            member(&obj(&c.table), &c.new_name.value),
        ],
        S::AlterColumnType(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::SetNotNull(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::DropNotNull(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::SetDefault(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::SetColumnOption(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::DropDefault(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::AddConstraint(c) => c
            .constraint
            .name
            .iter()
            .map(|n| member(&obj(&c.table), &n.value))
            .collect(),
        S::ValidateConstraint(c) => vec![member(&obj(&c.table), &c.name.value)],
        S::AddConstraintUsingIndex(a) => {
            let table = obj(&a.table);
            let index = ObjName::new(table.schema(), &a.index.value);
            let constraint = a.name.as_ref().unwrap_or(&a.index);
            vec![whole(&index), member(&table, &constraint.value)]
        }
        S::DropConstraint(c) => vec![member(&obj(&c.table), &c.name.value)],
        S::CreateIndex(i) => {
            let table = obj(&i.table);
            i.name
                .iter()
                .map(|n| whole(&ObjName::new(table.schema(), &n.value)))
                .collect()
        }
        S::DropIndex(i) => vec![whole(&obj(&i.name))],
        S::RenameType(r) => {
            let old = obj(&r.name);
            vec![
                whole(&ObjName::new(old.schema(), &r.new_name.value)),
                whole(&old),
            ]
        }
        S::RenameIndex(r) => {
            let old = obj(&r.name);
            vec![
                whole(&ObjName::new(old.schema(), &r.new_name.value)),
                whole(&old),
            ]
        }
        S::RenameConstraint(r) => vec![
            member(&obj(&r.table), &r.name.value),
            member(&obj(&r.table), &r.new_name.value),
        ],
        S::CreateSequence(c) | S::AssumeSequence(c) => vec![whole(&obj(&c.name))],
        S::AlterSequence(a) => vec![whole(&obj(&a.name))],
        S::DropSequence(d) => vec![whole(&obj(&d.name))],
        S::RenameSequence(r) => {
            let old = obj(&r.name);
            vec![
                whole(&ObjName::new(old.schema(), &r.new_name.value)),
                whole(&old),
            ]
        }
        S::AddIdentity(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::DropIdentity(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::SetGenerated(c) => vec![member(&obj(&c.table), &c.column.value)],
        S::Comment(c) => vec![match &c.target {
            CommentTarget::Schema(s) => whole(&ObjName::new(&s.value, "")),
            CommentTarget::Type(n)
            | CommentTarget::Table(n)
            | CommentTarget::Index(n)
            | CommentTarget::Sequence(n)
            | CommentTarget::View { name: n, .. }
            | CommentTarget::Routine(RoutineRef { name: n, .. }) => whole(&obj(n)),
            CommentTarget::Trigger { name, table } => member(&obj(table), &name.value),
            CommentTarget::Column { table, column } => member(&obj(table), &column.value),
            CommentTarget::Constraint { table, name } => member(&obj(table), &name.value),
        }],
        S::CreateView(v) | S::AssumeView(v) => vec![whole(&obj(&v.name))],
        S::RefreshView(r) => vec![whole(&obj(&r.name))],
        S::DropView(d) => vec![whole(&obj(&d.name))],
        S::RenameView(r) => {
            let old = obj(&r.name);
            vec![
                whole(&ObjName::new(old.schema(), &r.new_name.value)),
                whole(&old),
            ]
        }
        S::CreateRoutine(r) | S::AssumeRoutine(r) => vec![whole(&obj(&r.name))],
        S::DropRoutine(d) => vec![whole(&obj(&d.routine.name))],
        S::RenameRoutine(r) => {
            let old = obj(&r.routine.name);
            vec![
                whole(&ObjName::new(old.schema(), &r.new_name.value)),
                whole(&old),
            ]
        }
        S::CreateTrigger(t) => vec![member(&obj(&t.table), &t.name.value)],
        S::DropTrigger(d) => vec![member(&obj(&d.table), &d.name.value)],
        S::Grant(g) | S::Revoke(g) => match &g.object {
            GrantObject::Tables(t) | GrantObject::Sequences(t) => {
                t.iter().map(|n| whole(&obj(n))).collect()
            }
            GrantObject::Schemas(s) => s
                .iter()
                .map(|s| whole(&ObjName::new(&s.value, "")))
                .collect(),
            GrantObject::Routine(r) => vec![whole(&obj(&r.name))],
        },
        S::AssumeRole(_) => Vec::new(),
        S::SetSchema(s) => {
            let old = obj(&s.name);
            vec![
                whole(&old),
                whole(&ObjName::new(&s.schema.value, old.name())),
            ]
        }
        S::RowSecurity(r) => vec![whole(&obj(&r.table))],
        S::AlterStorage(a) => vec![whole(&obj(&a.name))],
        S::CreatePolicy(c) => vec![member(&obj(&c.table), &c.name.value)],
        S::DropPolicy(d) => vec![member(&obj(&d.table), &d.name.value)],
        S::RawSql(r) => r
            .made
            .iter()
            .flat_map(|m| parts(&m.kind, default_schema))
            .collect(),
        S::Set(_) => Vec::new(),
    }
}

/// Whether a statement that changed `changed` is one a conflict about `part` names: the
/// part itself, or the object the part belongs to.
pub fn touches(changed: &Part, part: &Part) -> bool {
    changed.object == part.object
        && (changed.member.is_none() || part.member.is_none() || changed.member == part.member)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(values: &[&str]) -> EnumType {
        EnumType {
            values: values.iter().map(|v| v.to_string()).collect(),
            assumed: false,
        }
    }

    #[test]
    fn enum_values_added_on_both_sides_merge_and_the_same_value_twice_conflicts() {
        let base = values(&["new", "done"]);
        assert_eq!(
            merge_values(
                &base,
                &values(&["new", "done", "failed"]),
                &values(&["new", "done", "cancelled"])
            ),
            Ok(vec![
                "new".into(),
                "done".into(),
                "failed".into(),
                "cancelled".into()
            ])
        );
        assert_eq!(
            merge_values(
                &base,
                &values(&["new", "done", "failed"]),
                &values(&["new", "done", "failed"])
            ),
            Err(("failed".to_owned(), BOTH_CREATE))
        );
        // A value renamed on one side, kept on the other.
        assert_eq!(
            merge_values(
                &base,
                &values(&["new", "finished"]),
                &values(&["new", "done", "x"])
            ),
            Err(("done".to_owned(), DROP_AND_CHANGE))
        );
    }

    #[test]
    fn a_part_changed_on_both_sides_conflicts_unless_both_kept_it_the_same() {
        assert_eq!(clash(None, Some(&1), Some(&1)), Some(BOTH_CREATE));
        assert_eq!(clash(Some(&1), None, None), Some(BOTH_DROP));
        assert_eq!(clash(Some(&1), Some(&2), Some(&2)), None);
        assert_eq!(clash(Some(&1), Some(&2), Some(&3)), Some(DIFFERENTLY));
        assert_eq!(clash(Some(&1), None, Some(&3)), Some(DROP_AND_CHANGE));
    }
}
