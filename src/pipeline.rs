//! The stages run as a stream: the schema replay hands each revision's resolved
//! statements on as soon as they exist, in chunks, instead of keeping every one of them
//! for a renderer to walk afterwards. While one chunk is being rendered and written,
//! the next is being replayed, so that both cores work; and nothing of a revision
//! outlives the chunk it came in, which keeps the memory of a large build flat.

use petgraph::graph::NodeIndex;

use crate::diagnostic::{self, Diagnostic};
use crate::graph::RevisionGraph;
use crate::project::Project;
use crate::schema::replay::{Options, Replayer, RevisionSchema};
use crate::syntax::ast::Revision;

/// Revisions replayed before the chunk is handed on: large enough that the hand-over
/// costs nothing, small enough that a chunk's statements take little memory.
const CHUNK: usize = 2048;

/// A replayed revision, as a sink receives it.
pub struct Step<'r> {
    pub node: NodeIndex,
    /// The revision's whole tree.
    pub revision: &'r Revision,
    pub schema: &'r RevisionSchema,
}

/// Replays every revision of `project` in replay order and hands them to `sink` in
/// chunks, in that order. Once the replay has found an error the sink is no longer
/// called (its output could not be used); the first error the sink returns stops the
/// calls too. Needs a graph without cycles and a project loaded in full.
pub fn replay<E: Send>(
    project: &Project,
    graph: &RevisionGraph,
    options: &Options,
    mut sink: impl FnMut(&[Step<'_>]) -> Result<(), E> + Send,
) -> (Vec<Diagnostic>, Result<(), E>) {
    let mut diagnostics = Vec::new();
    let mut outcome = Ok(());
    if graph.has_cycle() {
        return (diagnostics, outcome);
    }
    let tree = |node: NodeIndex| &project.revisions[graph.node(node).revision].revision;
    let mut replayer = Replayer::new(graph, options);
    let mut handed = |done: &[(NodeIndex, RevisionSchema)], failed: bool| {
        if failed || outcome.is_err() {
            return;
        }
        let steps: Vec<Step<'_>> = done
            .iter()
            .map(|(node, schema)| Step {
                node: *node,
                revision: tree(*node),
                schema,
            })
            .collect();
        outcome = sink(&steps);
    };
    let mut done: Vec<(NodeIndex, RevisionSchema)> = Vec::new();
    let mut failed = false;
    for chunk in graph.replay_order().chunks(CHUNK) {
        let (next, ()) = rayon::join(
            || {
                chunk
                    .iter()
                    .map(|&node| (node, replayer.step(node, tree(node), &mut diagnostics)))
                    .collect::<Vec<_>>()
            },
            || handed(&done, failed),
        );
        done = next;
        failed = diagnostic::has_errors(&diagnostics);
    }
    handed(&done, failed);
    (diagnostics, outcome)
}
