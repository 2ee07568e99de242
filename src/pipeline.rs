//! The stages run as a stream. A project is first read for its headers only, which is
//! all the graph needs; then, in replay order and a chunk at a time, each revision's
//! body is parsed, replayed against the schema model, and handed to a sink (the bundle
//! writer) with its resolved statements. The three steps overlap: while one chunk is
//! handed on, the next is replayed and the one after is parsed. Nothing of a revision
//! outlives its chunk, which keeps a large build's memory small: not even its text and
//! header, which the stream takes out of the project ([`Project::take_for_stream`]); the
//! graph stands for the revisions meanwhile.
//!
//! The stream gives the same diagnostics as parsing everything first: a body that does
//! not parse (or breaks a per-file rule) stops it, and the caller then parses every file
//! in full ([`crate::project::Project::reparse`]) for exactly the findings a whole load
//! reports; the schema's findings are dropped, as they are whenever a file is broken.

use petgraph::graph::NodeIndex;
use rayon::prelude::*;

use crate::diagnostic::{self, Diagnostic};
use crate::graph::RevisionGraph;
use crate::project::{Project, Streamed};
use crate::schema::replay::{Options, Replayer, RevisionSchema};
use crate::syntax::ast::{Header, Revision};

/// Revisions per chunk, at most: large enough that handing a chunk over costs nothing,
/// small enough that a chunk's trees and statements take little memory. Measured at
/// 100,000 revisions against 512: ~4 MB less at the peak and no slower (a chunk's trees
/// stay in the cache between the steps); 128 took ~2 MB more off, 64 began to cost time.
const CHUNK: usize = 256;
/// Chunks a project is cut into, at least, down to [`MIN_CHUNK`] revisions each: the three
/// steps overlap only from the third round on, so a project of two or three chunks would
/// run them mostly one after the other.
const MIN_CHUNKS: usize = 16;
const MIN_CHUNK: usize = 32;

/// How many revisions go in a chunk of a project of `revisions`.
fn chunk_size(revisions: usize) -> usize {
    (revisions / MIN_CHUNKS).clamp(MIN_CHUNK, CHUNK)
}

/// A replayed revision, as a sink receives it.
pub struct Step<'r> {
    pub node: NodeIndex,
    /// The revision's whole tree.
    pub revision: &'r Revision,
    pub schema: &'r RevisionSchema,
}

/// What a run found.
pub struct Run<E> {
    /// The findings of every body beyond its header (when all parsed) and the schema's.
    pub diagnostics: Vec<Diagnostic>,
    /// Whether a body did not parse or broke a per-file rule; the run then stopped, and
    /// `diagnostics` is incomplete.
    pub broken_file: bool,
    /// The first error the sink returned; the sink is not called after one.
    pub sink: Result<(), E>,
}

/// A revision to parse: its node, and its text and header taken out of the project
/// (`None` when they were not there to take).
type Unparsed = (NodeIndex, Option<(String, Box<Header>)>);

struct Parsed {
    node: NodeIndex,
    tree: Revision,
}

/// Parses, replays and hands on every revision of `project` (read for its headers,
/// [`crate::syntax::Depth::Headers`], then `streamed` taken out of it) in replay order.
/// Once the replay has found an error the sink is no longer called (its output could not
/// be used). Needs a graph without cycles.
pub fn run<E: Send>(
    project: &Project,
    streamed: Streamed,
    graph: &RevisionGraph,
    options: &Options,
    sink: impl FnMut(&[Step<'_>]) -> Result<(), E> + Send,
) -> Run<E> {
    // The whole stream is one job on the thread pool. Its rounds, each a join, started
    // from the main thread (outside the pool) were each handed to the pool and waited
    // for: a sleep and a wake-up of the main thread and a worker per round.
    rayon::scope(|_| stream(project, streamed, graph, options, sink))
}

fn stream<E: Send>(
    project: &Project,
    mut streamed: Streamed,
    graph: &RevisionGraph,
    options: &Options,
    mut sink: impl FnMut(&[Step<'_>]) -> Result<(), E> + Send,
) -> Run<E> {
    let mut run = Run {
        diagnostics: Vec::new(),
        broken_file: false,
        sink: Ok(()),
    };
    if graph.has_cycle() {
        return run;
    }
    let mut replayer = Replayer::new(graph, options);
    let order = graph.replay_order();
    let chunks: Vec<&[NodeIndex]> = order.chunks(chunk_size(order.len())).collect();
    let mut parsed: Vec<Parsed> = Vec::new();
    let mut replayed: Vec<(Parsed, RevisionSchema)> = Vec::new();
    let mut schema_errors = false;
    // Round i parses chunk i, replays chunk i - 1 and hands on chunk i - 2.
    for round in 0..chunks.len() + 2 {
        let to_parse = chunks.get(round).copied().unwrap_or_default();
        let to_parse: Vec<_> = to_parse
            .iter()
            .map(|&node| {
                let n = graph.node(node);
                (node, streamed.take(n.file, n.revision()))
            })
            .collect();
        let to_replay = std::mem::take(&mut parsed);
        let to_hand = std::mem::take(&mut replayed);
        let sink_result = &mut run.sink;
        let schema_diagnostics = &mut run.diagnostics;
        let replayer = &mut replayer;
        let sink = &mut sink;
        let ((next, parse_diagnostics), next_replayed) = rayon::join(
            || parse(project, graph, to_parse),
            || {
                rayon::join(
                    || {
                        to_replay
                            .into_iter()
                            .map(|p| {
                                let schema = replayer.step(p.node, &p.tree, schema_diagnostics);
                                (p, schema)
                            })
                            .collect::<Vec<_>>()
                    },
                    || {
                        if !schema_errors && sink_result.is_ok() && !to_hand.is_empty() {
                            let steps: Vec<Step<'_>> = to_hand
                                .iter()
                                .map(|(p, schema)| Step {
                                    node: p.node,
                                    revision: &p.tree,
                                    schema,
                                })
                                .collect();
                            *sink_result = sink(&steps);
                        }
                    },
                )
                .0
            },
        );
        schema_errors = diagnostic::has_errors(&run.diagnostics);
        match next {
            Some(next) => {
                run.diagnostics.extend(parse_diagnostics);
                parsed = next;
            }
            None => {
                run.broken_file = true;
                return run;
            }
        }
        replayed = next_replayed;
    }
    run
}

/// The whole trees of `nodes`, their bodies parsed from their texts in parallel after
/// the headers read before, which move into the trees; the texts are let go. `None` when
/// one of them does not parse or breaks a per-file rule.
fn parse(
    project: &Project,
    graph: &RevisionGraph,
    nodes: Vec<Unparsed>,
) -> (Option<Vec<Parsed>>, Vec<Diagnostic>) {
    let loaded: Vec<_> = nodes
        .into_par_iter()
        .map(|(node, taken)| {
            // A revision streamed has both: its file parsed at least to its header.
            let file = taken.and_then(|(text, header)| {
                project.parse_body(graph.node(node).file, &text, header)
            });
            (node, file)
        })
        .collect();
    let mut diagnostics = Vec::new();
    let mut trees = Vec::with_capacity(loaded.len());
    let mut broken = false;
    for (node, file) in loaded {
        let Some(mut file) = file else {
            broken = true;
            continue;
        };
        broken |= diagnostic::has_errors(&file.diagnostics);
        diagnostics.append(&mut file.diagnostics);
        match file.revision {
            Some(loaded) => trees.push(Parsed {
                node,
                tree: loaded.revision,
            }),
            None => broken = true,
        }
    }
    (if broken { None } else { Some(trees) }, diagnostics)
}
