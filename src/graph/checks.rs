//! Building the nodes and edges, and the checks of LANGUAGE.md 7.1.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use super::{EdgeKind, Node, RevisionGraph};
use crate::diagnostic::{Code, Diagnostic};
use crate::project::Project;
use crate::source::Span;
use crate::syntax::ast::RevisionId;

/// One node per revision id; a second file with the same id is reported and left out.
pub(super) fn collect_nodes(project: &Project, diagnostics: &mut Vec<Diagnostic>) -> RevisionGraph {
    let mut graph = RevisionGraph::empty(project.revisions.len());
    let mut label_owner: HashMap<&str, (NodeIndex, Span)> = HashMap::new();
    for (index, loaded) in project.revisions.iter().enumerate() {
        let header = &loaded.revision.header;
        let id = &header.id.value;
        if let Some(first) = graph.find(id) {
            let first = graph.node(first);
            let first_path = project.sources.file(first.file).display_path();
            let this_path = project.sources.file(loaded.file).display_path();
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateRevision,
                    header.id.span,
                    format!(
                        "revision `{id}` is declared twice: in {first_path} and in {this_path}"
                    ),
                )
                .with_note(first.span, "first declared here"),
            );
            continue;
        }
        let node = graph.dag.add_node(());
        for label in &header.labels {
            if let Some((owner, first_span)) = label_owner.get(label.value.as_str()) {
                let owner = &graph.nodes[owner.index()].id;
                diagnostics.push(
                    Diagnostic::error(
                        Code::DuplicateLabel,
                        label.span,
                        format!(
                            "label `{}` is already used by revision `{owner}`; a label names one branch",
                            label.value
                        ),
                    )
                    .with_note(*first_span, "first used here"),
                );
            } else {
                label_owner.insert(&label.value, (node, label.span));
            }
        }
        graph.nodes.push(Node {
            id: id.as_str().into(),
            revision: index as u32,
            file: loaded.file,
            span: header.id.span,
            links: Box::default(),
            depends_at: 0,
            children_at: 0,
            declares_parents: !header.parents.is_empty(),
        });
        if !header.labels.is_empty() {
            let labels = header.labels.iter().map(|l| l.value.clone()).collect();
            graph.labels.insert(node, labels);
        }
        graph.index(node);
    }
    graph.position = vec![usize::MAX; graph.nodes.len()];
    graph
}

/// Resolves `parents` and `depends_on` into edges, reporting unknown and repeated ones.
pub(super) fn link(
    graph: &mut RevisionGraph,
    project: &Project,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let count = graph.nodes.len();
    // Every node's parents and dependencies, one node after another in one vector, and
    // how many of each; then every node's children, grouped by parent the same way. A
    // vector per node and clause, all alive until the last node was linked, was the
    // largest part of a large project's memory at the graph's peak.
    let mut declared: Vec<NodeIndex> = Vec::new();
    let mut clauses: Vec<(u32, u32)> = Vec::with_capacity(count);
    let mut child_counts = vec![0u32; count];
    for index in 0..count {
        let header = &project.revisions[graph.nodes[index].revision()]
            .revision
            .header;
        let start = declared.len();
        resolve_clause(
            graph,
            project,
            &header.parents,
            EdgeKind::Parent,
            &mut declared,
            diagnostics,
        );
        let parents_end = declared.len();
        resolve_clause(
            graph,
            project,
            &header.depends_on,
            EdgeKind::DependsOn,
            &mut declared,
            diagnostics,
        );
        for &parent in &declared[start..parents_end] {
            child_counts[parent.index()] += 1;
        }
        clauses.push((
            (parents_end - start) as u32,
            (declared.len() - parents_end) as u32,
        ));
    }
    // Where each node's children start in `children`; each count becomes the place the
    // node's next child goes.
    let mut child_starts = Vec::with_capacity(count + 1);
    let mut total = 0u32;
    for slot in &mut child_counts {
        let start = total;
        total += *slot;
        child_starts.push(start);
        *slot = start;
    }
    child_starts.push(total);
    // The edges, now that their number is known: exactly the room they need (a
    // doubling vector would keep up to twice that for the whole run).
    graph.dag.reserve_exact_edges(declared.len());
    let mut children = vec![NodeIndex::end(); total as usize];
    let mut offset = 0;
    for (index, &(parents, depends_on)) in clauses.iter().enumerate() {
        let node = NodeIndex::new(index);
        let (own_parents, own_depends_on) =
            declared[offset..offset + (parents + depends_on) as usize].split_at(parents as usize);
        for &parent in own_parents {
            graph.dag.add_edge(parent, node, EdgeKind::Parent);
            let next = &mut child_counts[parent.index()];
            children[*next as usize] = node;
            *next += 1;
        }
        for &dependency in own_depends_on {
            graph.dag.add_edge(dependency, node, EdgeKind::DependsOn);
        }
        offset += (parents + depends_on) as usize;
    }
    let mut offset = 0;
    for (index, &(parents, depends_on)) in clauses.iter().enumerate() {
        let own = &declared[offset..offset + (parents + depends_on) as usize];
        offset += own.len();
        let kids = &mut children[child_starts[index] as usize..child_starts[index + 1] as usize];
        kids.sort_by(|&a, &b| graph.nodes[a.index()].id.cmp(&graph.nodes[b.index()].id));
        let node = &mut graph.nodes[index];
        node.depends_at = parents;
        node.children_at = parents + depends_on;
        node.links = own.iter().chain(kids.iter()).copied().collect();
    }
}

/// Resolves one clause of a header into `resolved`, in the order written.
fn resolve_clause(
    graph: &RevisionGraph,
    project: &Project,
    references: &[RevisionId],
    kind: EdgeKind,
    resolved: &mut Vec<NodeIndex>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let clause = match kind {
        EdgeKind::Parent => "parents",
        EdgeKind::DependsOn => "depends_on",
    };
    // A clause lists one or two revisions; a long one (generated, or hostile) is checked
    // with a map, so that it costs linear time.
    let mut first_of: HashMap<&str, Span> = HashMap::new();
    for (i, reference) in references.iter().enumerate() {
        let first = if references.len() <= 8 {
            references[..i]
                .iter()
                .find(|r| r.value == reference.value)
                .map(|r| r.span)
        } else {
            match first_of.entry(&reference.value) {
                Entry::Occupied(seen) => Some(*seen.get()),
                Entry::Vacant(place) => {
                    place.insert(reference.span);
                    None
                }
            }
        };
        if let Some(first) = first {
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateReference,
                    reference.span,
                    format!("`{}` is listed twice in `{clause}`", reference.value),
                )
                .with_note(first, "first listed here"),
            );
            continue;
        }
        // A branch label in `depends_on` names the revision that carries it, as in
        // Alembic (an id wins over a label of the same spelling).
        let found = graph.find(&reference.value).or_else(|| match kind {
            EdgeKind::DependsOn => graph.labelled(&reference.value),
            EdgeKind::Parent => None,
        });
        match found {
            Some(target) => resolved.push(target),
            // Its file is broken and reported; calling it unknown would mislead.
            None if project.unparsed_ids.binary_search(&reference.value).is_ok() => {}
            None => {
                let (code, what) = match kind {
                    EdgeKind::Parent => (Code::UnknownParent, "parent"),
                    EdgeKind::DependsOn => (Code::UnknownDependency, "depends_on"),
                };
                diagnostics.push(Diagnostic::error(
                    code,
                    reference.span,
                    format!(
                        "unknown {what} revision `{}`: no file declares it{}",
                        reference.value,
                        match kind {
                            EdgeKind::DependsOn => " and no revision carries it as a label",
                            EdgeKind::Parent => "",
                        }
                    ),
                ));
            }
        }
    }
}

/// Where `node`'s header names `target` in `depends_on` or `parents` (the header's id
/// when it does not).
fn reference_span(
    graph: &RevisionGraph,
    project: &Project,
    node: NodeIndex,
    target: NodeIndex,
) -> Span {
    let n = graph.node(node);
    let header = &project.revisions[n.revision()].revision.header;
    let target = &graph.node(target).id;
    header
        .depends_on
        .iter()
        .chain(&header.parents)
        .find(|r| *r.value == **target)
        .map_or(n.span, |r| r.span)
}

/// A cycle, printed as the whole chain in upgrade order, pointing at the reference of
/// each revision on it to the one before it.
pub(super) fn cycle_diagnostic(
    graph: &RevisionGraph,
    project: &Project,
    cycle: &[NodeIndex],
) -> Diagnostic {
    let mut chain: Vec<&str> = graph.ids(cycle);
    chain.push(chain[0]);
    let before = |i: usize| cycle[(i + cycle.len() - 1) % cycle.len()];
    let mut diagnostic = Diagnostic::error(
        Code::Cycle,
        reference_span(graph, project, cycle[0], before(0)),
        format!("revisions form a cycle: {}", chain.join(" -> ")),
    );
    for (i, &node) in cycle.iter().enumerate().skip(1) {
        diagnostic = diagnostic.with_note(
            reference_span(graph, project, node, before(i)),
            format!(
                "`{}` follows `{}` here",
                graph.node(node).id,
                graph.node(before(i)).id
            ),
        );
    }
    diagnostic
}

/// Several roots are allowed only when each one carries a label.
pub(super) fn roots(graph: &RevisionGraph, diagnostics: &mut Vec<Diagnostic>) {
    let mut roots = graph.roots();
    if roots.len() < 2 {
        return;
    }
    roots.sort_by(|&a, &b| graph.node(a).id.cmp(&graph.node(b).id));
    let Some(&unlabelled) = roots.iter().find(|&&r| graph.labels(r).is_empty()) else {
        return;
    };
    let names = graph.ids(&roots).join(", ");
    let mut diagnostic = Diagnostic::error(
        Code::SeveralRoots,
        graph.node(unlabelled).span,
        format!(
            "{} roots ({names}), and `{}` has no label: a project has one root, unless every \
             root carries a label to make independent branches",
            roots.len(),
            graph.node(unlabelled).id
        ),
    );
    for &root in roots.iter().filter(|&&r| r != unlabelled) {
        diagnostic = diagnostic.with_note(graph.node(root).span, "another root");
    }
    diagnostics
        .push(diagnostic.with_help("give the revision a `parents` clause, or label every root"));
}

/// Warns about a `depends_on` on a revision that is already an ancestor through parents.
///
/// The search walks parents backwards from the revision and never below the dependency's
/// place in the replay order: nothing earlier can lead to it. Each check therefore costs
/// at most the revisions between the two, and nothing when `depends_on` is unused.
pub(super) fn redundant_depends_on(
    graph: &RevisionGraph,
    project: &Project,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut seen: Vec<u32> = vec![0; graph.nodes.len()];
    let mut generation = 0u32;
    for (index, node) in graph.nodes.iter().enumerate() {
        for &dependency in node.depends_on() {
            generation += 1;
            let floor = graph.position(dependency);
            let mut stack: Vec<NodeIndex> = node.parents().to_vec();
            let mut redundant = false;
            while let Some(current) = stack.pop() {
                if current == dependency {
                    redundant = true;
                    break;
                }
                let slot = &mut seen[current.index()];
                if *slot == generation || graph.position(current) < floor {
                    continue;
                }
                *slot = generation;
                stack.extend(graph.node(current).parents().iter().copied());
            }
            if redundant {
                let id = &graph.node(dependency).id;
                let span = reference_span(graph, project, NodeIndex::new(index), dependency);
                diagnostics.push(Diagnostic::warning(
                    Code::RedundantDependsOn,
                    span,
                    format!(
                        "`{}` depends on `{id}`, which it already follows through its parents; \
                         the depends_on is redundant",
                        graph.nodes[index].id
                    ),
                ));
            }
        }
    }
}
