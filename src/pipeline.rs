//! The stages run as a stream. A project is first read for its headers only, which is
//! all the graph needs; then, in replay order and a chunk at a time, each revision's
//! body is parsed, replayed against the schema model, and handed to a sink (the bundle
//! writer) with its resolved statements. The steps overlap: chunks are parsed by jobs
//! on the thread pool two chunks ahead of the replay, one thread replays them in order,
//! and a job hands the replayed chunks to the sink in order while the replay goes on;
//! a thread that waits takes part in the pool's other work. Nothing of a revision
//! outlives its chunk, which keeps a large build's memory small: not even its text and
//! header, which the stream takes out of the project ([`Project::take_for_stream`]); the
//! graph stands for the revisions meanwhile.
//!
//! The stream gives the same diagnostics as parsing everything first: a body that does
//! not parse (or breaks a per-file rule) stops it, and the caller then parses every file
//! in full ([`crate::project::Project::reparse`]) for exactly the findings a whole load
//! reports; the schema's findings are dropped, as they are whenever a file is broken.

use std::any::Any;
use std::collections::VecDeque;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};
use std::thread;

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
/// Chunks a project is cut into, at least, down to [`MIN_CHUNK`] revisions each: the
/// replay waits for the first chunk's parse and the last chunk's replay has nothing to
/// overlap with, so a project of two or three chunks would run the steps mostly one
/// after the other.
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
/// The sink gets a chunk only if the replay found no error in it or before it (its output
/// could not be used then). Needs a graph without cycles.
pub fn run<E: Send>(
    project: &Project,
    mut streamed: Streamed,
    graph: &RevisionGraph,
    options: &Options,
    sink: impl FnMut(&[Step<'_>]) -> Result<(), E> + Send,
) -> Run<E> {
    let mut run = Run {
        diagnostics: Vec::new(),
        broken_file: false,
        sink: Ok(()),
    };
    if graph.has_cycle() {
        return run;
    }
    let order = graph.replay_order();
    let chunks: Vec<&[NodeIndex]> = order.chunks(chunk_size(order.len())).collect();
    let slots: Vec<Slot> = chunks.iter().map(|_| Slot::default()).collect();
    let handing = Handing {
        queue: Mutex::new(Queue::default()),
        sink: Mutex::new((sink, Ok(()))),
    };
    // The whole stream is one job on the thread pool, so that the thread that replays
    // can take part in the pool's work while it waits (a thread outside the pool could
    // only sleep).
    rayon::scope(|scope| {
        let mut replayer = Replayer::new(graph, options);
        let mut spawn_parse = |index: usize| {
            let Some(chunk) = chunks.get(index) else {
                return;
            };
            let nodes: Vec<Unparsed> = chunk
                .iter()
                .map(|&node| {
                    let n = graph.node(node);
                    (node, streamed.take(n.file, n.revision()))
                })
                .collect();
            let slot = &slots[index];
            scope.spawn(move |_| {
                // A panic is carried to the replaying thread, which would otherwise
                // wait for this chunk for ever.
                let parsed = panic::catch_unwind(AssertUnwindSafe(|| parse(project, graph, nodes)));
                *lock(slot) = Some(parsed);
            });
        };
        for index in 0..AHEAD {
            spawn_parse(index);
        }
        let mut schema_errors = false;
        for (index, slot) in slots.iter().enumerate() {
            spawn_parse(index + AHEAD);
            let (parsed, parse_diagnostics) = wait_until(|| lock(slot).take())
                .unwrap_or_else(|payload| panic::resume_unwind(payload));
            run.diagnostics.extend(parse_diagnostics);
            let Some(parsed) = parsed else {
                run.broken_file = true;
                return;
            };
            let schemas: Vec<RevisionSchema> = parsed
                .iter()
                .map(|p| replayer.step(p.node, &p.tree, &mut run.diagnostics))
                .collect();
            schema_errors = schema_errors || diagnostic::has_errors(&run.diagnostics);
            if !schema_errors {
                handing.hand(scope, (parsed, schemas));
            }
        }
    });
    if let Some(payload) = lock(&handing.queue).panic.take() {
        panic::resume_unwind(payload);
    }
    run.sink = handing
        .sink
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .1;
    run
}

/// Chunks parsed ahead of the one replayed: enough that the other threads always have
/// a chunk to parse, few enough that the trees in flight stay small.
const AHEAD: usize = 2;

/// Replayed chunks that may wait for the sink: the replay waits (helping the pool) when
/// the sink is that far behind, so that a slow sink does not let the trees pile up.
const QUEUED: usize = 2;

/// A chunk's trees (`None` when one of its files does not parse) and its findings.
type ParsedChunk = (Option<Vec<Parsed>>, Vec<Diagnostic>);

/// Where a chunk's parse leaves it (or the panic that ended the parse) for the replay,
/// which takes it out, so that its trees go with the chunk, not with the stream.
type Slot = Mutex<Option<thread::Result<ParsedChunk>>>;

/// A replayed chunk: its trees and what the replay made of each.
type Replayed = (Vec<Parsed>, Vec<RevisionSchema>);

/// Replayed chunks on their way to the sink, which takes them in order on a job of its
/// own, so that the replay of the next chunk goes on meanwhile.
struct Handing<S, E> {
    queue: Mutex<Queue>,
    /// The sink and what it last returned; it is not called again after an error.
    sink: Mutex<(S, Result<(), E>)>,
}

#[derive(Default)]
struct Queue {
    chunks: VecDeque<Replayed>,
    /// Whether a job is handing chunks to the sink: there is at most one, so that they
    /// reach it one at a time and in order.
    handing: bool,
    /// The panic that ended the job, for the replaying thread to carry on: it would
    /// otherwise wait for ever for the queue to shrink.
    panic: Option<Box<dyn Any + Send>>,
}

impl<S, E> Handing<S, E>
where
    S: FnMut(&[Step<'_>]) -> Result<(), E> + Send,
    E: Send,
{
    /// Queues `chunk` for the sink, and starts a job to hand it on if none is running.
    fn hand<'s>(&'s self, scope: &rayon::Scope<'s>, chunk: Replayed) {
        wait_until(|| {
            let mut queue = lock(&self.queue);
            if let Some(payload) = queue.panic.take() {
                panic::resume_unwind(payload);
            }
            (queue.chunks.len() < QUEUED).then_some(())
        });
        let mut queue = lock(&self.queue);
        queue.chunks.push_back(chunk);
        if !queue.handing {
            queue.handing = true;
            scope.spawn(move |_| self.drain());
        }
    }

    /// Hands the queued chunks to the sink in order until the queue is empty.
    fn drain(&self) {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| self.drain_queue())) {
            let mut queue = lock(&self.queue);
            queue.panic = Some(payload);
            queue.handing = false;
        }
    }

    fn drain_queue(&self) {
        loop {
            let Some((parsed, schemas)) = ({
                let mut queue = lock(&self.queue);
                let next = queue.chunks.pop_front();
                // Said under the same lock as the queue was found empty, so that a chunk
                // queued after this never waits for a job that has ended.
                queue.handing = next.is_some();
                next
            }) else {
                return;
            };
            let mut sink = lock(&self.sink);
            let (sink, result) = &mut *sink;
            if result.is_ok() {
                let steps: Vec<Step<'_>> = parsed
                    .iter()
                    .zip(&schemas)
                    .map(|(p, schema)| Step {
                        node: p.node,
                        revision: &p.tree,
                        schema,
                    })
                    .collect();
                *result = sink(&steps);
            }
        }
    }
}

/// `mutex` locked. Every panic in the stream reaches the caller anyway (the jobs' through
/// [`Slot`] and [`Queue::panic`], the replaying thread's through the scope), so a lock
/// poisoned by one says nothing more.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What `ready` gives once it gives something. The thread helps the pool meanwhile (a
/// part of a parse, or of a rendering), and only spins when there is nothing to take.
fn wait_until<T>(mut ready: impl FnMut() -> Option<T>) -> T {
    loop {
        if let Some(value) = ready() {
            return value;
        }
        match rayon::yield_now() {
            Some(rayon::Yield::Executed) => {}
            Some(rayon::Yield::Idle) | None => thread::yield_now(),
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Depth;

    /// A chain of `n` revisions, each creating a table (revision `broken`'s body with a
    /// syntax error), read for its headers as a stream reads it, with its graph; and the
    /// folder, which must outlive the stream.
    fn chain(n: usize, broken: Option<usize>) -> (tempfile::TempDir, Project, RevisionGraph) {
        let dir = tempfile::tempdir().expect("temporary folder");
        for i in 0..n {
            let parents = match i {
                0 => String::new(),
                _ => format!("\n  parents r{:04}", i - 1),
            };
            let close = if broken == Some(i) { "" } else { ")" };
            let text = format!(
                "revision r{i:04}{parents};\nupgrade {{\n  create table t{i} (id int{close};\n}}\n"
            );
            std::fs::write(dir.path().join(format!("r{i:04}.mig")), text).expect("write");
        }
        let project = crate::project::load(dir.path(), Depth::Headers).expect("loads");
        let (graph, diagnostics) = RevisionGraph::build(&project);
        assert!(!diagnostic::has_errors(&diagnostics), "{diagnostics:?}");
        (dir, project, graph)
    }

    /// Streams `project` into `sink`, on a pool of `threads`.
    fn stream<E: Send>(
        project: &mut Project,
        graph: &RevisionGraph,
        threads: usize,
        sink: impl FnMut(&[Step<'_>]) -> Result<(), E> + Send,
    ) -> Run<E> {
        let streamed = project.take_for_stream();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("thread pool");
        pool.install(|| run(project, streamed, graph, &Options::default(), sink))
    }

    #[test]
    fn every_revision_reaches_the_sink_once_in_replay_order() {
        // Enough revisions for many chunks, and so for every step at once.
        let revisions = 40 * MIN_CHUNK;
        assert!(revisions / chunk_size(revisions) >= MIN_CHUNKS);
        for threads in [1, 2, 4] {
            let (_dir, mut project, graph) = chain(revisions, None);
            let mut seen = Vec::new();
            let run = stream(&mut project, &graph, threads, |steps| {
                for step in steps {
                    assert_eq!(*step.revision.header.id.value, *graph.node(step.node).id);
                    assert_eq!(step.schema.upgrade.len(), 1);
                    seen.push(step.node);
                }
                Ok::<(), ()>(())
            });
            assert!(!run.broken_file && run.sink.is_ok(), "{threads} threads");
            assert_eq!(run.diagnostics.len(), 0);
            assert_eq!(seen, graph.replay_order(), "{threads} threads");
        }
    }

    #[test]
    fn a_sink_that_fails_is_not_called_again_and_its_error_is_returned() {
        let (_dir, mut project, graph) = chain(10 * MIN_CHUNK, None);
        let mut calls = 0;
        let run = stream(&mut project, &graph, 2, |_| {
            calls += 1;
            if calls == 3 {
                Err("disk full")
            } else {
                Ok(())
            }
        });
        assert_eq!(calls, 3);
        assert_eq!(run.sink, Err("disk full"));
    }

    #[test]
    fn a_panic_in_the_sink_reaches_the_caller_instead_of_a_wait_for_ever() {
        for threads in [1, 2] {
            // On a thread of its own, so that a stream that waits for ever fails the
            // test instead of hanging it.
            let (sender, receiver) = std::sync::mpsc::channel();
            thread::spawn(move || {
                let (_dir, mut project, graph) = chain(10 * MIN_CHUNK, None);
                let mut calls = 0;
                let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                    stream(&mut project, &graph, threads, |_| {
                        calls += 1;
                        if calls == 2 {
                            panic!("the sink broke");
                        }
                        Ok::<(), ()>(())
                    })
                }));
                let message = caught
                    .err()
                    .and_then(|payload| payload.downcast_ref::<&str>().map(|m| m.to_string()));
                let _ = sender.send(message);
            });
            let message = receiver
                .recv_timeout(std::time::Duration::from_secs(60))
                .expect("the stream ends");
            assert_eq!(
                message.as_deref(),
                Some("the sink broke"),
                "{threads} threads"
            );
        }
    }

    #[test]
    fn a_body_that_does_not_parse_stops_the_stream() {
        // The header is sound, so the load and the graph find nothing: the stream does.
        let (_dir, mut project, graph) = chain(10 * MIN_CHUNK, Some(5 * MIN_CHUNK));
        let mut handed = 0;
        let run = stream(&mut project, &graph, 2, |steps| {
            handed += steps.len();
            Ok::<(), ()>(())
        });
        assert!(run.broken_file);
        // Nothing from the broken revision's chunk on (chunks of MIN_CHUNK here).
        assert!(handed <= 5 * MIN_CHUNK, "{handed}");
    }
}
