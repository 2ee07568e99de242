//! The second stage: the revision graph (LANGUAGE.md 5 and 7.1).
//!
//! Revisions are nodes; `parents` and `depends_on` are edges from the earlier revision to
//! the later one, kept apart by [`EdgeKind`]. Building the graph checks it and computes the
//! one replay order that every later stage uses. Everything here is linear or near-linear
//! in revisions plus edges.

mod checks;
mod order;
mod refs;
pub mod text;

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use hashbrown::HashTable;

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::Direction;

use crate::diagnostic::Diagnostic;
use crate::project::Project;
use crate::source::{FileId, Span};

pub use refs::{Range, RefError};

/// Why one revision comes before another.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// The later revision names the earlier one in `parents`.
    Parent,
    /// The later revision names the earlier one in `depends_on`.
    DependsOn,
}

/// One revision in the graph.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: Box<str>,
    /// Index of the revision in [`Project::revisions`] as read ([`Node::revision`]).
    revision: u32,
    pub file: FileId,
    /// Span of the id in the header, where graph diagnostics point.
    pub span: Span,
    /// The parents, then the dependencies, then the children ([`Node::parents`],
    /// [`Node::depends_on`], [`Node::children`]): one boxed slice, not three vectors, as
    /// a node is kept for every revision of the run and its lists do not change once
    /// the graph is built.
    links: Box<[NodeIndex]>,
    /// Where the dependencies and the children start in `links`.
    depends_at: u32,
    children_at: u32,
    /// Whether the header has a `parents` clause at all (even naming unknown revisions),
    /// so that an unknown parent does not also make the revision look like a root.
    pub declares_parents: bool,
}

impl Node {
    /// Index of the revision in [`Project::revisions`] as read (and in what a stream
    /// takes out of them, [`crate::project::Project::take_for_stream`]).
    pub fn revision(&self) -> usize {
        self.revision as usize
    }

    /// Parents as declared (the first parent matters for `REV~N`), known ones only.
    pub fn parents(&self) -> &[NodeIndex] {
        &self.links[..self.depends_at as usize]
    }

    /// `depends_on` as declared, known ones only.
    pub fn depends_on(&self) -> &[NodeIndex] {
        &self.links[self.depends_at as usize..self.children_at as usize]
    }

    /// Parents, then dependencies: what must be applied before this revision. Alembic
    /// calls them its down revisions, and the version rows follow them
    /// ([`crate::render::script`]).
    pub fn down_revisions(&self) -> &[NodeIndex] {
        &self.links[..self.children_at as usize]
    }

    /// Revisions naming this one as a parent, sorted by id.
    pub fn children(&self) -> &[NodeIndex] {
        &self.links[self.children_at as usize..]
    }
}

/// How the index by id hashes an id: the same for a node added and an id looked up.
fn id_hash(hasher: &RandomState, id: &str) -> u64 {
    hasher.hash_one(id)
}

/// The checked revision graph.
#[derive(Debug)]
pub struct RevisionGraph {
    nodes: Vec<Node>,
    /// The nodes by id: node indices only, hashed and compared through the nodes' ids
    /// (a map keyed by id would keep a second copy of each id, or a shared pointer and
    /// its count, for every revision of the run).
    by_id: HashTable<NodeIndex>,
    hasher: RandomState,
    dag: DiGraph<(), EdgeKind>,
    /// The labels of the few revisions that have any ([`RevisionGraph::labels`]): kept
    /// here, a node would keep an empty list for every revision of the run.
    labels: HashMap<NodeIndex, Box<[String]>>,
    /// The replay order. Complete only when the graph has no cycle.
    order: Vec<NodeIndex>,
    /// Each node's place in `order` (`usize::MAX` for a node on a cycle).
    position: Vec<usize>,
    has_cycle: bool,
}

impl RevisionGraph {
    /// Builds the graph of a project's parsed revisions and checks it.
    pub fn build(project: &Project) -> (RevisionGraph, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        let mut graph = checks::collect_nodes(project, &mut diagnostics);
        checks::link(&mut graph, project, &mut diagnostics);
        let (order, cycles) = order::replay_order(&graph.nodes, &graph.dag);
        graph.has_cycle = !cycles.is_empty();
        for cycle in cycles {
            diagnostics.push(checks::cycle_diagnostic(&graph, project, &cycle));
        }
        for (i, &node) in order.iter().enumerate() {
            graph.position[node.index()] = i;
        }
        graph.order = order;
        checks::roots(&graph, &mut diagnostics);
        if !graph.has_cycle {
            checks::redundant_depends_on(&graph, project, &mut diagnostics);
        }
        (graph, diagnostics)
    }

    fn empty(capacity: usize) -> Self {
        RevisionGraph {
            nodes: Vec::with_capacity(capacity),
            by_id: HashTable::with_capacity(capacity),
            hasher: RandomState::new(),
            // Edges are reserved once their number is known (`checks::link`).
            dag: DiGraph::with_capacity(capacity, 0),
            labels: HashMap::new(),
            order: Vec::new(),
            position: Vec::new(),
            has_cycle: false,
        }
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The position where both `a` and `b` are applied: their revisions, once each.
    pub fn union(&self, a: &[NodeIndex], b: &[NodeIndex]) -> Vec<NodeIndex> {
        let mut nodes = a.to_vec();
        nodes.extend(b.iter().filter(|n| !a.contains(n)));
        nodes
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn node(&self, index: NodeIndex) -> &Node {
        &self.nodes[index.index()]
    }

    /// The labels of a revision, as declared.
    pub fn labels(&self, node: NodeIndex) -> &[String] {
        self.labels.get(&node).map_or(&[], |labels| labels)
    }

    /// Adds `node`, the last one pushed, to the index by id.
    fn index(&mut self, node: NodeIndex) {
        let RevisionGraph {
            nodes,
            by_id,
            hasher,
            ..
        } = self;
        let hash = id_hash(hasher, &nodes[node.index()].id);
        by_id.insert_unique(hash, node, |&n| id_hash(hasher, &nodes[n.index()].id));
    }

    pub fn find(&self, id: &str) -> Option<NodeIndex> {
        let hash = id_hash(&self.hasher, id);
        self.by_id
            .find(hash, |&node| &*self.node(node).id == id)
            .copied()
    }

    /// The replay order: topological over both kinds of edge, ties broken by id.
    pub fn replay_order(&self) -> &[NodeIndex] {
        &self.order
    }

    /// A node's place in the replay order.
    pub fn position(&self, index: NodeIndex) -> usize {
        self.position[index.index()]
    }

    pub fn has_cycle(&self) -> bool {
        self.has_cycle
    }

    /// Revisions that no revision names as a parent, in replay order.
    pub fn heads(&self) -> Vec<NodeIndex> {
        self.in_order(|n| n.children().is_empty())
    }

    /// Revisions without a `parents` clause, in replay order.
    pub fn roots(&self) -> Vec<NodeIndex> {
        self.in_order(|n| !n.declares_parents)
    }

    /// Revisions with two or more children, in replay order.
    pub fn branch_points(&self) -> Vec<NodeIndex> {
        self.in_order(|n| n.children().len() > 1)
    }

    /// Revisions with two or more parents, in replay order.
    pub fn merges(&self) -> Vec<NodeIndex> {
        self.in_order(|n| n.parents().len() > 1)
    }

    /// The nodes that satisfy `keep`, in replay order, then any on a cycle by id.
    fn in_order(&self, keep: impl Fn(&Node) -> bool) -> Vec<NodeIndex> {
        let mut found: Vec<NodeIndex> = self
            .order
            .iter()
            .copied()
            .filter(|&i| keep(self.node(i)))
            .collect();
        if self.has_cycle {
            let mut rest: Vec<NodeIndex> = (0..self.nodes.len())
                .map(NodeIndex::new)
                .filter(|&i| self.position(i) == usize::MAX && keep(self.node(i)))
                .collect();
            rest.sort_by(|&a, &b| self.node(a).id.cmp(&self.node(b).id));
            found.extend(rest);
        }
        found
    }

    /// Every revision that `start` follows, through parents and `depends_on`,
    /// `start` included, in replay order.
    pub fn ancestors(&self, start: &[NodeIndex]) -> Vec<NodeIndex> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeIndex> = start.to_vec();
        let mut found = Vec::new();
        while let Some(node) = stack.pop() {
            if std::mem::replace(&mut seen[node.index()], true) {
                continue;
            }
            found.push(node);
            stack.extend(self.dag.neighbors_directed(node, Direction::Incoming));
        }
        found.sort_by_key(|&n| self.position(n));
        found
    }

    /// Every revision that follows one of `start` through parents or `depends_on`, as a
    /// bitmap by node index; `start` itself is marked only when `inclusive`.
    pub fn descendants(&self, start: &[NodeIndex], inclusive: bool) -> Vec<bool> {
        self.reach(start, inclusive, |node, next| {
            next.extend(self.dag.neighbors_directed(node, Direction::Outgoing))
        })
    }

    /// Every revision that follows one of `start` through parents only (its children,
    /// theirs, ...), as a bitmap by node index; `start` itself when `inclusive`.
    pub fn followers(&self, start: &[NodeIndex], inclusive: bool) -> Vec<bool> {
        self.reach(start, inclusive, |node, next| {
            next.extend_from_slice(self.node(node).children())
        })
    }

    /// The revisions that continue `start` without joining anything: its children with
    /// no other parent, theirs, and so on (a merge, and a revision reached only through
    /// `depends_on`, belong to more than the branch of `start`). `start` itself is
    /// included when `inclusive`. A bitmap by node index.
    pub fn branch_after(&self, start: &[NodeIndex], inclusive: bool) -> Vec<bool> {
        self.reach(start, inclusive, |node, next| {
            next.extend(
                self.node(node)
                    .children()
                    .iter()
                    .filter(|&&c| self.node(c).parents().len() == 1),
            )
        })
    }

    /// What `next` reaches from `start`, as a bitmap by node index (`start` marked only
    /// when `inclusive`): `next` pushes the nodes one step on from a node.
    fn reach(
        &self,
        start: &[NodeIndex],
        inclusive: bool,
        next: impl Fn(NodeIndex, &mut Vec<NodeIndex>),
    ) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack: Vec<NodeIndex> = Vec::new();
        if inclusive {
            stack.extend_from_slice(start);
        } else {
            for &node in start {
                next(node, &mut stack);
            }
        }
        while let Some(node) = stack.pop() {
            if !std::mem::replace(&mut seen[node.index()], true) {
                next(node, &mut stack);
            }
        }
        seen
    }

    /// The revision that carries `label` (the first file's, when a label is wrongly
    /// given twice): the labels are kept for the few revisions that have any.
    pub fn labelled(&self, label: &str) -> Option<NodeIndex> {
        self.labels
            .iter()
            .filter(|(_, labels)| labels.iter().any(|l| l == label))
            .map(|(&node, _)| node)
            .min()
    }

    pub(crate) fn ids(&self, nodes: &[NodeIndex]) -> Vec<&str> {
        nodes.iter().map(|&n| self.node(n).id.as_ref()).collect()
    }

    /// A position of the graph in words: `base` when no revision is applied, else the
    /// ids joined by `separator`.
    pub(crate) fn position_name(&self, nodes: &[NodeIndex], separator: &str) -> String {
        if nodes.is_empty() {
            "base".to_owned()
        } else {
            self.ids(nodes).join(separator)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project;
    use crate::syntax::Depth;

    /// A node is kept for every revision of a run: what few revisions have (labels) is
    /// kept beside the nodes, not in each.
    #[test]
    fn a_node_stays_small() {
        assert!(std::mem::size_of::<Node>() <= 72);
    }

    #[test]
    fn a_node_gives_back_its_parents_dependencies_and_children_as_declared() {
        let tmp = tempfile::tempdir().expect("temporary folder");
        for (id, clauses) in [
            ("a", ""),
            ("b", " parents a"),
            ("c", " parents a depends_on b"),
            ("d", " parents c, b"),
        ] {
            let text = format!("revision {id}{clauses};\n");
            std::fs::write(tmp.path().join(format!("{id}.mig")), text).expect("write");
        }
        let project = project::load(tmp.path(), Depth::Headers).expect("loads");
        let (graph, diagnostics) = RevisionGraph::build(&project);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let node = |id: &str| graph.node(graph.find(id).expect("known id"));
        let ids = |nodes: &[NodeIndex]| graph.ids(nodes).join(" ");
        let lists = |id: &str| {
            let n = node(id);
            [ids(n.parents()), ids(n.depends_on()), ids(n.children())]
        };
        assert_eq!(lists("a"), ["", "", "b c"]);
        assert_eq!(lists("b"), ["a", "", "d"]);
        assert_eq!(lists("c"), ["a", "b", "d"]);
        assert_eq!(lists("d"), ["c b", "", ""]);
    }
}
