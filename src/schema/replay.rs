//! Replaying the graph: the model before and after every revision, the resolved upgrade
//! statements, and every downgrade, derived or checked.

use std::collections::{BinaryHeap, HashMap};

use petgraph::graph::NodeIndex;

use super::apply::{Applier, Derived};
use super::merge::{self, Part};
use super::model::{Model, Shared};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::RevisionGraph;
use crate::lint;
use crate::project::Project;
use crate::source::Span;
use crate::syntax::ast::{Downgrade, Revision, Statement, StatementKind};

/// Settings of the model.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where unqualified names live.
    pub default_schema: String,
    /// Revisions whose model after the upgrade the caller wants (`show --schema`).
    /// Others are dropped as soon as no later revision needs them.
    pub keep: Vec<NodeIndex>,
    /// Also replay every derived downgrade and check that it gives back the model
    /// before its revision. Derived downgrades are right by construction; the tests turn
    /// this on to prove it, on every fixture and on `migrations/`. (Written downgrades
    /// are always checked.) Off, a revision's model is changed in place instead of
    /// copied, which is what keeps a replay of 100,000 revisions fast.
    pub verify_derived: bool,
    /// Keep each revision's resolved upgrade and downgrade statements (for rendering).
    /// `check` only needs the diagnostics.
    pub record: bool,
    /// Lint the upgrades as they are replayed ([`crate::lint`]).
    pub lint: Option<lint::Settings>,
    /// Report, as notes, the statements of raw blocks the model does not follow.
    pub verbose: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_schema: "public".to_owned(),
            keep: Vec::new(),
            verify_derived: false,
            record: true,
            lint: None,
            verbose: false,
        }
    }
}

/// How a revision is undone.
#[derive(Clone, Debug, PartialEq)]
pub enum Downgraded {
    /// These statements, in order: the explicit block with names resolved, or the
    /// derived reversal of the upgrade.
    Statements(Vec<Derived>),
    /// `downgrade irreversible 'why'`.
    Irreversible(String),
    /// A derivation was needed and impossible; an error says where.
    NotDerivable,
}

/// One revision's schema work.
#[derive(Clone, Debug)]
pub struct RevisionSchema {
    /// The upgrade with every constraint and index name explicit.
    pub upgrade: Vec<Statement>,
    pub downgrade: Downgraded,
    /// Whether the downgrade was derived (not written).
    pub derived: bool,
    /// For a merge that reconciles parts both branches changed: the pairs of revisions
    /// that changed each. Reverting one of a pair while the other stays applied would
    /// not give back the part (its downgrade was derived without the other branch), so
    /// scripts refuse it.
    pub reconciled: Vec<Reconciled>,
}

/// Two revisions on different branches that changed one part, which a merge reconciles.
#[derive(Clone, Debug, PartialEq)]
pub struct Reconciled {
    pub revisions: [NodeIndex; 2],
    /// The part, in words: "column `t.note`".
    pub what: String,
}

/// The replayed project.
#[derive(Debug, Default)]
pub struct Replay {
    revisions: Vec<Option<RevisionSchema>>,
    /// The models after the revisions of [`Options::keep`].
    kept: HashMap<NodeIndex, Model>,
}

impl Replay {
    pub fn revision(&self, node: NodeIndex) -> Option<&RevisionSchema> {
        self.revisions.get(node.index()).and_then(Option::as_ref)
    }

    /// The model after a revision named in [`Options::keep`].
    pub fn model_after(&self, node: NodeIndex) -> Option<&Model> {
        self.kept.get(&node)
    }
}

/// The models a replay still needs: a revision's model lives until its last follower
/// has taken it, and forever at a revision with several followers, which a later merge
/// may need as the common ancestor of its parents. Keeping every model would cost memory
/// for every change of every revision (each change copies a path of the trees).
struct Live {
    models: HashMap<NodeIndex, Model>,
    /// Followers (through parents or `depends_on`) not yet replayed.
    waiting: Vec<u32>,
    /// Merges not yet replayed whose common ancestor is this revision.
    ancestor_of: Vec<u32>,
    /// The common ancestor of each merge.
    ancestors: HashMap<NodeIndex, Option<NodeIndex>>,
    /// Revisions the caller asked for.
    keep: Vec<bool>,
}

impl Live {
    fn new(graph: &RevisionGraph, options: &Options) -> Self {
        let mut waiting = vec![0u32; graph.len()];
        for &node in graph.replay_order() {
            for s in sources(graph, node) {
                waiting[s.index()] += 1;
            }
        }
        let mut ancestor_of = vec![0u32; graph.len()];
        let mut ancestors = HashMap::new();
        for &node in graph.replay_order() {
            let sources = sources(graph, node);
            if sources.len() > 1 {
                let ancestor = common_ancestor(graph, &sources);
                if let Some(a) = ancestor {
                    ancestor_of[a.index()] += 1;
                }
                ancestors.insert(node, ancestor);
            }
        }
        let mut keep = vec![false; graph.len()];
        for node in &options.keep {
            if let Some(k) = keep.get_mut(node.index()) {
                *k = true;
            }
        }
        Live {
            models: HashMap::new(),
            waiting,
            ancestor_of,
            ancestors,
            keep,
        }
    }

    /// A source's model for a follower: moved out when nothing else needs it, so that
    /// changes to it are made in place.
    fn needed(&self, node: NodeIndex) -> bool {
        self.waiting[node.index()] > 0
            || self.ancestor_of[node.index()] > 0
            || self.keep[node.index()]
    }

    fn take(&mut self, source: NodeIndex) -> Model {
        let waiting = &mut self.waiting[source.index()];
        *waiting = waiting.saturating_sub(1);
        if self.needed(source) {
            self.models.get(&source).cloned().unwrap_or_default()
        } else {
            self.models.remove(&source).unwrap_or_default()
        }
    }

    /// The common ancestor's model for a merge, released when no other merge needs it.
    fn ancestor(&mut self, merge: NodeIndex) -> Option<Model> {
        let ancestor = (*self.ancestors.get(&merge)?)?;
        let uses = &mut self.ancestor_of[ancestor.index()];
        *uses = uses.saturating_sub(1);
        let model = self.models.get(&ancestor).cloned();
        if !self.needed(ancestor) {
            self.models.remove(&ancestor);
        }
        model
    }

    fn get(&self, node: NodeIndex) -> Model {
        self.models.get(&node).cloned().unwrap_or_default()
    }

    fn put(&mut self, node: NodeIndex, model: Model) {
        if self.needed(node) {
            self.models.insert(node, model);
        }
    }
}

/// Replays every revision in replay order. Needs a graph without cycles.
pub fn replay(
    project: &Project,
    graph: &RevisionGraph,
    options: &Options,
) -> (Replay, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let mut replay = Replay {
        revisions: vec![None; graph.len()],
        kept: HashMap::new(),
    };
    if graph.has_cycle() {
        return (replay, diagnostics);
    }
    let mut replayer = Replayer::new(graph, options);
    for &node in graph.replay_order() {
        let revision = &project.revisions[graph.node(node).revision()].revision;
        let schema = replayer.step(node, revision, &mut diagnostics);
        if options.record {
            replay.revisions[node.index()] = Some(schema);
        }
    }
    replay.kept = replayer.into_kept();
    (replay, diagnostics)
}

/// The replay one revision at a time, for callers that hand each revision's tree over
/// as they read it and do not keep it: [`Replayer::step`] must see every revision, in
/// [`RevisionGraph::replay_order`].
pub struct Replayer<'g> {
    graph: &'g RevisionGraph,
    options: &'g Options,
    live: Live,
    kept: HashMap<NodeIndex, Model>,
    shared: Shared,
    /// What the revisions on the branches of a merge changed, to name the statements of
    /// a merge conflict.
    changed: Changes,
    linter: Option<lint::Linter<'g>>,
}

/// The parts each revision's statements changed, with where, kept for the revisions
/// between a merge and its common ancestor until the last such merge is replayed: a
/// conflict names the statement of each side that changed the part. A project without
/// merges keeps nothing.
#[derive(Default)]
struct Changes {
    parts: HashMap<NodeIndex, Vec<(Part, Span)>>,
    /// For each revision, how many merges not yet replayed have it on a branch.
    uses: Vec<u32>,
    /// For each merge, the revisions on its branches.
    zones: HashMap<NodeIndex, Vec<NodeIndex>>,
}

impl Changes {
    /// The branches of every merge: from its sources back to (not past) the replay
    /// position of its common ancestor. A revision of a branch that started before the
    /// common ancestor, in replay order, is left out: a conflict then names one side's
    /// statement only.
    fn new(graph: &RevisionGraph, ancestors: &HashMap<NodeIndex, Option<NodeIndex>>) -> Self {
        let mut changes = Changes {
            uses: vec![0; if ancestors.is_empty() { 0 } else { graph.len() }],
            ..Changes::default()
        };
        let mut seen = vec![u32::MAX; changes.uses.len()];
        for (generation, (&merge, &ancestor)) in ancestors.iter().enumerate() {
            let floor = ancestor.map_or(0, |a| graph.position(a) + 1);
            let mut zone = Vec::new();
            let mut stack: Vec<NodeIndex> = graph.node(merge).down_revisions().to_vec();
            while let Some(node) = stack.pop() {
                if graph.position(node) < floor || seen[node.index()] == generation as u32 {
                    continue;
                }
                seen[node.index()] = generation as u32;
                changes.uses[node.index()] += 1;
                zone.push(node);
                stack.extend(graph.node(node).down_revisions().iter().copied());
            }
            changes.zones.insert(merge, zone);
        }
        changes
    }

    /// Whether `node`'s changes are to be kept.
    fn wanted(&self, node: NodeIndex) -> bool {
        self.uses.get(node.index()).is_some_and(|&u| u > 0)
    }

    /// Lets go of what only `merge` needed, once it is replayed.
    fn merged(&mut self, merge: NodeIndex) {
        for node in self.zones.remove(&merge).unwrap_or_default() {
            let uses = &mut self.uses[node.index()];
            *uses = uses.saturating_sub(1);
            if *uses == 0 {
                self.parts.remove(&node);
            }
        }
    }
}

impl<'g> Replayer<'g> {
    /// Needs a graph without cycles.
    pub fn new(graph: &'g RevisionGraph, options: &'g Options) -> Self {
        let live = Live::new(graph, options);
        let changed = Changes::new(graph, &live.ancestors);
        Replayer {
            graph,
            options,
            live,
            kept: HashMap::new(),
            shared: Shared::default(),
            changed,
            linter: options.lint.as_ref().map(lint::Linter::new),
        }
    }

    /// The models after the revisions of [`Options::keep`], once every revision is
    /// replayed.
    pub fn into_kept(self) -> HashMap<NodeIndex, Model> {
        self.kept
    }

    /// Replays `revision`, the tree of `node`: checks its statements against the model,
    /// resolves their names, and derives or checks its downgrade.
    pub fn step(
        &mut self,
        node: NodeIndex,
        revision: &Revision,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> RevisionSchema {
        let (graph, options, live) = (self.graph, self.options, &mut self.live);
        let shared = &mut self.shared;
        let sources = sources(graph, node);
        let mut conflicts: Option<(Vec<Diagnostic>, Option<Model>, Vec<Reconciled>)> = None;
        let before = match sources.as_slice() {
            [] => Model::empty(&options.default_schema),
            [one] => live.take(*one),
            many => {
                let base = live
                    .ancestor(node)
                    .unwrap_or_else(|| Model::empty(&options.default_schema));
                let merged = merge(live, &base, graph, node, many, Some(&self.changed.parts));
                self.changed.merged(node);
                for &s in many {
                    live.take(s);
                }
                if !merged.conflicts.is_empty() {
                    conflicts = Some((merged.conflicts, merged.alternative, merged.pairs));
                }
                merged.model
            }
        };
        let found_before = diagnostics.len();

        // The model before the revision is kept only when a downgrade is to be compared
        // with it; otherwise the upgrade changes it in place.
        let compare = match revision.downgrade() {
            Downgrade::Explicit(block) => !block
                .statements
                .iter()
                .any(|s| matches!(&s.kind, StatementKind::RawSql(raw) if !raw.data)),
            Downgrade::Derived => options.verify_derived,
            Downgrade::Irreversible { .. } => false,
        };
        let before_copy = compare.then(|| before.clone());
        let mut applier = Applier {
            model: before,
            default_schema: &options.default_schema,
            diagnostics,
            shared,
            verbose: options.verbose,
        };
        let mut upgrade = Vec::new();
        let mut reversals: Vec<(Span, Result<Vec<Derived>, String>)> = Vec::new();
        let mut changed_parts = Vec::new();
        let mut lint = self
            .linter
            .as_mut()
            .and_then(|linter| linter.revision(node, revision));
        let schema = options.default_schema.as_str();
        for statement in revision.upgrade().iter().flat_map(|b| &b.statements) {
            let before = lint
                .as_ref()
                .map(|l| l.before(&applier.model, statement, schema));
            let applied = applier.apply(statement);
            if let (Some(lint), Some(before)) = (&mut lint, before) {
                lint.statement(&applier.model, &applied.resolved, before, schema);
            }
            if self.changed.wanted(node) {
                for part in merge::parts(&applied.resolved.kind, &options.default_schema) {
                    changed_parts.push((part, statement.span));
                }
            }
            upgrade.push(applied.resolved);
            reversals.push((statement.span, applied.reverse));
        }
        let after = applier.model;
        // What the revision assumes was there before it, on every database it runs on:
        // a downgrade leaves it, and gives back the schema before with it.
        let before_copy = before_copy.map(|b| with_assumptions(options, shared, b, revision));
        if let Some(lint) = lint {
            lint.finish(&after, schema, diagnostics);
        }
        let mut reconciled = Vec::new();
        if let Some((mut found, alternative, pairs)) = conflicts {
            let difference = reconciles(
                options,
                shared,
                revision,
                alternative,
                &after,
                &diagnostics[found_before..],
            );
            match difference {
                Some(difference) => {
                    for conflict in &mut found {
                        if let (Some(help), Some(difference)) = (&mut conflict.help, &difference) {
                            help.push_str(&format!(
                                " (this merge's statements leave a difference: {difference})"
                            ));
                        }
                    }
                    diagnostics.extend(found);
                }
                None => reconciled = pairs,
            }
        }
        if !changed_parts.is_empty() {
            self.changed.parts.insert(node, changed_parts);
        }
        let statements: Vec<&Statement> = revision
            .upgrade()
            .iter()
            .flat_map(|b| &b.statements)
            .collect();
        let outside = statements
            .iter()
            .filter(|s| s.kind.is_nontransactional())
            .count();
        if outside > 0 && outside < statements.len() {
            if let Some(first) = statements.iter().find(|s| s.kind.is_nontransactional()) {
                diagnostics.push(Diagnostic::warning(
                    Code::MixedTransactions,
                    first.span,
                    "this statement runs outside a transaction, among statements that run inside \
                     one: a failure between them leaves the revision half applied"
                        .to_owned(),
                ));
            }
        }

        let (downgrade, derived) = match revision.downgrade() {
            Downgrade::Irreversible { reason, .. } => {
                (Downgraded::Irreversible(reason.value.clone()), false)
            }
            Downgrade::Explicit(block) => {
                let mut applier = Applier {
                    model: after.clone(),
                    default_schema: &options.default_schema,
                    diagnostics,
                    shared,
                    verbose: options.verbose,
                };
                let mut statements = Vec::new();
                for statement in &block.statements {
                    let applied = applier.apply(statement);
                    statements.push(Derived {
                        statement: applied.resolved,
                        note: None,
                    });
                }
                if let Some(before) = &before_copy {
                    let differences = differences(before, &applier.model);
                    if !differences.is_empty() {
                        diagnostics.push(Diagnostic::warning(
                            Code::DowngradeMismatch,
                            block.span,
                            format!(
                                "this downgrade does not give back the schema before the \
                                 revision: {}",
                                differences.join("; ")
                            ),
                        ));
                    }
                }
                (Downgraded::Statements(statements), false)
            }
            Downgrade::Derived => {
                let mut statements = Vec::new();
                let mut derivable = true;
                for (span, reversal) in reversals.into_iter().rev() {
                    match reversal {
                        Ok(list) => statements.extend(list),
                        Err(why) => {
                            derivable = false;
                            diagnostics.push(Diagnostic::error(
                                Code::NotReversible,
                                span,
                                format!(
                                    "cannot derive a downgrade for this statement ({why}): \
                                     write a `downgrade` block, or mark the revision \
                                     `downgrade irreversible '...'`"
                                ),
                            ));
                        }
                    }
                }
                if !derivable {
                    (Downgraded::NotDerivable, true)
                } else if let Some(before) = &before_copy {
                    // The self-check: the derived downgrade must give back the schema
                    // before the revision. A failure here is a bug in strata.
                    let mut scratch = Vec::new();
                    let mut applier = Applier {
                        model: after.clone(),
                        default_schema: &options.default_schema,
                        diagnostics: &mut scratch,
                        shared,
                        verbose: false,
                    };
                    for d in &statements {
                        applier.apply(&d.statement);
                    }
                    let mut differences = differences(before, &applier.model);
                    differences.extend(scratch.iter().map(|d| d.message.clone()));
                    if !differences.is_empty() {
                        diagnostics.push(Diagnostic::warning(
                            Code::DowngradeMismatch,
                            graph.node(node).span,
                            format!(
                                "strata's derived downgrade does not give back the schema before \
                                 this revision (please report this): {}",
                                differences.join("; ")
                            ),
                        ));
                    }
                    (Downgraded::Statements(statements), true)
                } else {
                    (Downgraded::Statements(statements), true)
                }
            }
        };
        if options.keep.contains(&node) {
            self.kept.insert(node, after.clone());
        }
        live.put(node, after);
        RevisionSchema {
            upgrade,
            downgrade,
            derived,
            reconciled,
        }
    }
}

/// The revisions a revision's model is built from: its parents, then its dependencies.
fn sources(graph: &RevisionGraph, node: NodeIndex) -> Vec<NodeIndex> {
    let n = graph.node(node);
    let mut sources: Vec<NodeIndex> = n.parents().to_vec();
    sources.extend(n.depends_on().iter().filter(|d| !n.parents().contains(d)));
    sources
}

/// The latest revision that every one of `sources` follows (through parents and
/// `depends_on`), found by walking back from all of them at once, latest first.
fn common_ancestor(graph: &RevisionGraph, sources: &[NodeIndex]) -> Option<NodeIndex> {
    let all: u64 = if sources.len() >= 64 {
        u64::MAX
    } else {
        (1u64 << sources.len()) - 1
    };
    let mut reached: std::collections::HashMap<NodeIndex, u64> = std::collections::HashMap::new();
    let mut queue: BinaryHeap<(usize, NodeIndex)> = BinaryHeap::new();
    for (i, &s) in sources.iter().enumerate() {
        *reached.entry(s).or_insert(0) |= 1 << i.min(63);
        queue.push((graph.position(s), s));
    }
    let mut done: std::collections::HashSet<NodeIndex> = std::collections::HashSet::new();
    while let Some((_, node)) = queue.pop() {
        if !done.insert(node) {
            continue;
        }
        let mask = reached[&node];
        if mask == all {
            return Some(node);
        }
        let n = graph.node(node);
        for &up in n.parents().iter().chain(n.depends_on()) {
            *reached.entry(up).or_insert(0) |= mask;
            queue.push((graph.position(up), up));
        }
    }
    None
}

/// Whether a merge's own statements reconcile its conflicts: they ran without error
/// on the first parent's version of the conflicting parts (`after`, with `found`
/// its findings) and run without error on the second's, to the same schema. `None`
/// when they do; otherwise the first difference they leave, if they ran.
fn reconciles(
    options: &Options,
    shared: &mut Shared,
    revision: &Revision,
    alternative: Option<Model>,
    after: &Model,
    found: &[Diagnostic],
) -> Option<Option<String>> {
    let statements: Vec<&Statement> = revision
        .upgrade()
        .iter()
        .flat_map(|b| &b.statements)
        .collect();
    let alternative = match alternative {
        Some(model) if !statements.is_empty() && !crate::diagnostic::has_errors(found) => model,
        _ => return Some(None),
    };
    let mut scratch = Vec::new();
    let mut applier = Applier {
        model: alternative,
        default_schema: &options.default_schema,
        diagnostics: &mut scratch,
        shared,
        verbose: false,
    };
    for statement in statements {
        applier.apply(statement);
    }
    let model = applier.model;
    if crate::diagnostic::has_errors(&scratch) {
        return Some(scratch.first().map(|d| d.message.clone()));
    }
    differences(after, &model).into_iter().next().map(Some)
}

/// The model of a revision with several parents (or dependencies): a three-way merge of
/// their models over their latest common ancestor, part by part ([`merge`]). A part
/// that the branches cannot both hold is an error naming the statement of each side.
fn merge(
    live: &Live,
    base: &Model,
    graph: &RevisionGraph,
    node: NodeIndex,
    sources: &[NodeIndex],
    changed: Option<&HashMap<NodeIndex, Vec<(Part, Span)>>>,
) -> Merged {
    merge_models(
        &|n| live.get(n),
        base,
        graph,
        graph.node(node).span,
        sources,
        changed,
    )
}

/// The parents' schemas merged.
struct Merged {
    /// With the first parent's version of every conflicting part.
    model: Model,
    /// The conflicts, as errors at the merge.
    conflicts: Vec<Diagnostic>,
    /// When every conflict is a part both branches changed differently (which both
    /// orders can run), the model with the second parent's version of each: the merge
    /// revision's own statements reconcile them when they leave both models alike.
    alternative: Option<Model>,
    /// The revisions of each side that changed each conflicting part, when both were
    /// found.
    pairs: Vec<Reconciled>,
}

/// What a merge of `parents` would report, before its file exists (`strata merge`):
/// the project replayed, and the parents' models merged as a merge revision's would be,
/// its findings at the first parent's header.
pub fn merge_preview(
    project: &Project,
    graph: &RevisionGraph,
    parents: &[NodeIndex],
    default_schema: &str,
) -> Vec<Diagnostic> {
    let common = common_ancestor(graph, parents);
    let options = Options {
        default_schema: default_schema.to_owned(),
        keep: parents.iter().copied().chain(common).collect(),
        verify_derived: false,
        record: false,
        lint: None,
        verbose: false,
    };
    let mut replayer = Replayer::new(graph, &options);
    // The would-be merge's branches: every revision after the common ancestor that
    // leads to a parent.
    let floor = common.map_or(0, |a| graph.position(a) + 1);
    replayer.changed.uses.resize(graph.len(), 0);
    for node in graph.ancestors(parents) {
        if graph.position(node) >= floor {
            replayer.changed.uses[node.index()] += 1;
        }
    }
    let mut ignored = Vec::new();
    for &node in graph.replay_order() {
        let revision = &project.revisions[graph.node(node).revision()].revision;
        replayer.step(node, revision, &mut ignored);
    }
    let changed = std::mem::take(&mut replayer.changed.parts);
    let kept = replayer.into_kept();
    let model = |n: NodeIndex| {
        kept.get(&n)
            .cloned()
            .unwrap_or_else(|| Model::empty(default_schema))
    };
    let base = common.map_or_else(|| Model::empty(default_schema), model);
    merge_models(
        &model,
        &base,
        graph,
        graph.node(parents[0]).span,
        parents,
        Some(&changed),
    )
    .conflicts
}

fn merge_models(
    model_of: &dyn Fn(NodeIndex) -> Model,
    base: &Model,
    graph: &RevisionGraph,
    at: Span,
    sources: &[NodeIndex],
    changed: Option<&HashMap<NodeIndex, Vec<(Part, Span)>>>,
) -> Merged {
    let mut merged = model_of(sources[0]);
    let mut diagnostics = Vec::new();
    let mut alternative = None;
    let mut pairs = Vec::new();
    for (i, &other) in sources.iter().enumerate().skip(1) {
        let theirs = model_of(other);
        let mut conflicts = Vec::new();
        let ours = merged;
        merged = merge::merge(base, &ours, &theirs, &mut conflicts);
        if conflicts.is_empty() {
            continue;
        }
        let reconcilable = conflicts.iter().all(|c| c.reconcilable());
        if reconcilable && sources.len() == 2 {
            alternative = Some(merge::merge(base, &theirs, &ours, &mut Vec::new()));
        }
        // Each side: what its sources applied since the common ancestor.
        let common = common_ancestor(graph, &[sources[..i].to_vec(), vec![other]].concat());
        let mut below = vec![false; graph.len()];
        for n in common.map(|c| graph.ancestors(&[c])).unwrap_or_default() {
            below[n.index()] = true;
        }
        let side = |heads: &[NodeIndex]| -> Vec<NodeIndex> {
            graph
                .ancestors(heads)
                .into_iter()
                .filter(|n| !below[n.index()])
                .collect()
        };
        let (ours_side, theirs_side) = (side(&sources[..i]), side(&[other]));
        // The last statement of a side that changed the part.
        let locate = |side: &[NodeIndex], part: &Part| -> Option<(NodeIndex, Span)> {
            side.iter().rev().find_map(|&n| {
                changed?
                    .get(&n)?
                    .iter()
                    .rev()
                    .find_map(|(p, span)| merge::touches(p, part).then_some((n, *span)))
            })
        };
        let ours_name = graph.ids(&sources[..i]).join(", ");
        let their_id = &graph.node(other).id;
        for conflict in conflicts {
            let mut diagnostic = Diagnostic::error(
                Code::MergeConflict,
                at,
                format!(
                    "`{ours_name}` and `{their_id}` cannot both be applied: {}: {}",
                    conflict.what, conflict.why
                ),
            );
            let mut found = Vec::new();
            for (side, part, is_ours) in [
                (&ours_side, &conflict.ours, true),
                (&theirs_side, &conflict.theirs, false),
            ] {
                if let Some((n, span)) = locate(side, part) {
                    let verb = match conflict.user_is_ours {
                        Some(user_is_ours) if user_is_ours == is_ours => "uses",
                        _ => "changes",
                    };
                    diagnostic = diagnostic
                        .with_note(span, format!("`{}` {verb} it here", graph.node(n).id));
                    found.push(n);
                }
            }
            let mut help = match found.as_slice() {
                [a, b] => format!(
                    "re-parent one branch onto the other (give `{b}` the parent `{a}`, or the \
                     other way round), so that its statements run after the other's and see \
                     them; or take the change out of one branch",
                    a = graph.node(*a).id,
                    b = graph.node(*b).id
                ),
                _ => "re-parent one branch onto the other, so that its statements run after \
                      the other's and see them; or take the change out of one branch"
                    .to_owned(),
            };
            match found.as_slice() {
                [a, b] => pairs.push(Reconciled {
                    revisions: [*a, *b],
                    what: conflict.what.clone(),
                }),
                // A reconciliation needs to know which revisions it orders.
                _ => alternative = None,
            }
            if conflict.reconcilable() {
                help.push_str(
                    "; or reconcile it in the merge revision, with statements that leave it \
                     the same whichever branch a database applied first",
                );
            }
            diagnostics.push(diagnostic.with_help(help));
        }
    }
    Merged {
        model: merged,
        conflicts: diagnostics,
        alternative,
        pairs,
    }
}

/// `before` with the objects `revision` assumes (`assume table`, `type`, `extension`,
/// `index`).
fn with_assumptions(
    options: &Options,
    shared: &mut Shared,
    before: Model,
    revision: &Revision,
) -> Model {
    let assumptions: Vec<&Statement> = revision
        .upgrade()
        .iter()
        .flat_map(|b| &b.statements)
        .filter(|s| s.kind.is_assumption())
        .collect();
    if assumptions.is_empty() {
        return before;
    }
    let mut scratch = Vec::new();
    let mut applier = Applier {
        model: before,
        default_schema: &options.default_schema,
        diagnostics: &mut scratch,
        shared,
        verbose: false,
    };
    for statement in assumptions {
        applier.apply(statement);
    }
    applier.model
}

/// How two models differ, in words (empty when they hold the same schema). Column order
/// is ignored: PostgreSQL cannot put a re-added column back in its place.
pub fn differences(expected: &Model, actual: &Model) -> Vec<String> {
    let mut out = Vec::new();
    for item in expected.schemas.diff(&actual.schemas) {
        out.push(describe("schema", &item));
    }
    for item in expected.extensions.diff(&actual.extensions) {
        out.push(describe("extension", &item));
    }
    for item in expected.types.diff(&actual.types) {
        out.push(describe("type", &item));
    }
    for item in expected.tables.diff(&actual.tables) {
        match item {
            imbl::ordmap::DiffItem::Update {
                old: (name, a),
                new: (_, b),
            } => {
                let same_columns = a.columns.len() == b.columns.len()
                    && a.columns.iter().all(|c| b.columns.iter().any(|d| d == c));
                let same_constraints = a.constraints.len() == b.constraints.len()
                    && a.constraints
                        .iter()
                        .all(|c| b.constraints.iter().any(|d| d == c));
                let same_rest = a.partitioning == b.partitioning && a.storage == b.storage;
                if !(same_columns && same_constraints && same_rest) {
                    out.push(format!("table `{name}` differs{}", table_detail(a, b)));
                }
            }
            other => out.push(describe("table", &other)),
        }
    }
    for item in expected.indexes.diff(&actual.indexes) {
        out.push(describe("index", &item));
    }
    for item in expected.grants.diff(&actual.grants) {
        out.push(match item {
            imbl::ordmap::DiffItem::Add((o, r), _) => {
                format!("the privileges of `{r}` on {o} are left over")
            }
            imbl::ordmap::DiffItem::Remove((o, r), _) => {
                format!("the privileges of `{r}` on {o} are missing")
            }
            imbl::ordmap::DiffItem::Update {
                new: ((o, r), _), ..
            } => {
                format!("the privileges of `{r}` on {o} are not as they were")
            }
        });
    }
    for item in expected.policies.diff(&actual.policies) {
        out.push(match item {
            imbl::ordmap::DiffItem::Add((t, n), _) => format!("policy `{n}` of `{t}` is left over"),
            imbl::ordmap::DiffItem::Remove((t, n), _) => {
                format!("policy `{n}` of `{t}` is missing")
            }
            imbl::ordmap::DiffItem::Update {
                new: ((t, n), _), ..
            } => {
                format!("policy `{n}` of `{t}` is not as it was")
            }
        });
    }
    for item in expected.routines.diff(&actual.routines) {
        out.push(describe("function", &item));
    }
    for item in expected.triggers.diff(&actual.triggers) {
        out.push(match item {
            imbl::ordmap::DiffItem::Add((t, n), _) => {
                format!("trigger `{n}` of `{t}` is left over")
            }
            imbl::ordmap::DiffItem::Remove((t, n), _) => {
                format!("trigger `{n}` of `{t}` is missing")
            }
            imbl::ordmap::DiffItem::Update {
                new: ((t, n), _), ..
            } => {
                format!("trigger `{n}` of `{t}` is not as it was")
            }
        });
    }
    for item in expected.views.diff(&actual.views) {
        out.push(describe("view", &item));
    }
    for item in expected.sequences.diff(&actual.sequences) {
        out.push(describe("sequence", &item));
    }
    for item in expected.comments.diff(&actual.comments) {
        out.push(match item {
            imbl::ordmap::DiffItem::Add(on, _) => format!("the comment on {on} is left over"),
            imbl::ordmap::DiffItem::Remove(on, _) => format!("the comment on {on} is missing"),
            imbl::ordmap::DiffItem::Update { new: (on, _), .. } => {
                format!("the comment on {on} is not as it was")
            }
        });
    }
    out
}

fn table_detail(a: &super::model::Table, b: &super::model::Table) -> String {
    for c in &a.columns {
        match b.column(&c.name) {
            None => return format!(" (column `{}` is missing)", c.name),
            Some(d) if d != c => return format!(" (column `{}` is not as it was)", c.name),
            _ => {}
        }
    }
    if let Some(c) = b.columns.iter().find(|c| a.column(&c.name).is_none()) {
        return format!(" (column `{}` is left over)", c.name);
    }
    for c in &a.constraints {
        match b.constraint(&c.name) {
            None => return format!(" (constraint `{}` is missing)", c.name),
            Some(d) if d != c => return format!(" (constraint `{}` is not as it was)", c.name),
            _ => {}
        }
    }
    if let Some(c) = b
        .constraints
        .iter()
        .find(|c| a.constraint(&c.name).is_none())
    {
        return format!(" (constraint `{}` is left over)", c.name);
    }
    String::new()
}

fn describe<K: std::fmt::Display, V>(
    what: &str,
    item: &imbl::ordmap::DiffItem<'_, '_, K, V>,
) -> String {
    match item {
        imbl::ordmap::DiffItem::Add(k, _) => format!("{what} `{k}` is left over"),
        imbl::ordmap::DiffItem::Remove(k, _) => format!("{what} `{k}` is missing"),
        imbl::ordmap::DiffItem::Update { new: (k, _), .. } => {
            format!("{what} `{k}` is not as it was")
        }
    }
}
