//! The replay order, and the cycles that prevent one.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use petgraph::Direction;

use super::{EdgeKind, Node};

/// A topological order over both kinds of edge, ties broken by revision id in byte
/// order (Kahn's algorithm with a min-heap: O((V + E) log V)), and the cycles that kept
/// some revisions out of it, each as the chain of its revisions from the smallest id.
pub(super) fn replay_order(
    nodes: &[Node],
    dag: &DiGraph<(), EdgeKind>,
) -> (Vec<NodeIndex>, Vec<Vec<NodeIndex>>) {
    let mut waiting: Vec<usize> = dag
        .node_indices()
        .map(|n| dag.edges_directed(n, Direction::Incoming).count())
        .collect();
    let mut ready: BinaryHeap<Reverse<(&str, NodeIndex)>> = dag
        .node_indices()
        .filter(|n| waiting[n.index()] == 0)
        .map(|n| Reverse((&*nodes[n.index()].id, n)))
        .collect();
    let mut order = Vec::with_capacity(nodes.len());
    while let Some(Reverse((_, node))) = ready.pop() {
        order.push(node);
        for edge in dag.edges_directed(node, Direction::Outgoing) {
            let next = edge.target();
            waiting[next.index()] -= 1;
            if waiting[next.index()] == 0 {
                ready.push(Reverse((&*nodes[next.index()].id, next)));
            }
        }
    }
    let cycles = if order.len() == nodes.len() {
        Vec::new()
    } else {
        cycles(nodes, dag)
    };
    (order, cycles)
}

fn cycles(nodes: &[Node], dag: &DiGraph<(), EdgeKind>) -> Vec<Vec<NodeIndex>> {
    let mut cycles: Vec<Vec<NodeIndex>> = tarjan_scc(dag)
        .into_iter()
        .filter(|scc| scc.len() > 1 || dag.contains_edge(scc[0], scc[0]))
        .map(|scc| {
            let start = *scc
                .iter()
                .min_by(|&&a, &&b| nodes[a.index()].id.cmp(&nodes[b.index()].id))
                .expect("a component is never empty");
            shortest_cycle(nodes, dag, &scc, start)
        })
        .collect();
    cycles.sort_by(|a, b| nodes[a[0].index()].id.cmp(&nodes[b[0].index()].id));
    cycles
}

/// The shortest way from `start` back to itself inside one strongly connected component,
/// without the final return to `start`.
fn shortest_cycle(
    nodes: &[Node],
    dag: &DiGraph<(), EdgeKind>,
    component: &[NodeIndex],
    start: NodeIndex,
) -> Vec<NodeIndex> {
    let component: HashSet<NodeIndex> = component.iter().copied().collect();
    let inside = |n: NodeIndex| component.contains(&n);
    let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        // Visit successors by id, so that the cycle reported depends on nothing but ids.
        let mut next: Vec<NodeIndex> = dag.neighbors_directed(node, Direction::Outgoing).collect();
        next.sort_by(|&a, &b| nodes[a.index()].id.cmp(&nodes[b.index()].id));
        next.dedup();
        for successor in next {
            if successor == start {
                let mut chain = vec![node];
                while let Some(&before) = previous.get(chain.last().expect("non-empty")) {
                    chain.push(before);
                }
                chain.reverse();
                if chain[0] != start {
                    chain.insert(0, start);
                }
                return chain;
            }
            if inside(successor) && successor != start && !previous.contains_key(&successor) {
                previous.insert(successor, node);
                queue.push_back(successor);
            }
        }
    }
    vec![start]
}
