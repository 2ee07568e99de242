//! `strata.lock`: an integrity lock over the revision graph (docs/LOCK.md).
//!
//! One line per revision, sorted by id: its id, the SHA-256 of its source, its parents,
//! its `depends_on`, and a chained hash over all of these and the chained hashes of its
//! parents and dependencies (a Merkle DAG: a change anywhere below a revision changes
//! its chained hash). No line sums the whole: the root hash over the heads is computed,
//! never stored, so that two branches that each add revisions add disjoint lines, which
//! git's `merge=union` joins without a conflict.

use std::collections::HashMap;
use std::fmt::Write as _;

use petgraph::graph::NodeIndex;
use sha2::{Digest, Sha256};

use crate::graph::RevisionGraph;
use crate::project::Project;
use crate::source::HexDigest;

/// The lock file's name, beside the migrations folder.
pub const FILE: &str = "strata.lock";

/// The first lines of every lock: the same on every branch, so that a union merge keeps
/// them once.
const HEADER: &str = "# strata.lock: one line per revision: id, source sha256, parents, depends_on, chained sha256\n\
                      # written by `strata lock`, checked by `strata check --locked`; \
                      in .gitattributes: strata.lock merge=union\n";

/// One revision's line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub source: String,
    pub parents: Vec<String>,
    pub depends_on: Vec<String>,
    pub chain: String,
}

/// A chained hash: the revision's id, source, and its parents' and dependencies' chained
/// hashes, each field on a line of its own so that no two inputs read alike.
fn chain<'a>(
    id: &str,
    source: &str,
    parents: impl IntoIterator<Item = &'a str>,
    depends_on: impl IntoIterator<Item = &'a str>,
) -> HexDigest {
    let mut hasher = Sha256::new();
    hasher.update(b"strata-lock-v1\n");
    hasher.update(id.as_bytes());
    hasher.update(b"\n");
    hasher.update(source.as_bytes());
    for list in [
        parents.into_iter().collect::<Vec<_>>(),
        depends_on.into_iter().collect::<Vec<_>>(),
    ] {
        hasher.update(b"\n");
        hasher.update(list.join(",").as_bytes());
    }
    hasher.update(b"\n");
    HexDigest::of(&hasher.finalize().into())
}

/// Every revision's chained hash, by node index, computed in replay order. Needs a graph
/// without cycles.
fn chains(project: &Project, graph: &RevisionGraph) -> Vec<HexDigest> {
    let mut chains: Vec<HexDigest> = vec![HexDigest::of(&[0; 32]); graph.len()];
    for &node in graph.replay_order() {
        let n = graph.node(node);
        let source = project.sources.file(n.file).sha256_hex();
        let hash = chain(
            &n.id,
            source.as_str(),
            n.parents().iter().map(|p| chains[p.index()].as_str()),
            n.depends_on().iter().map(|d| chains[d.index()].as_str()),
        );
        chains[node.index()] = hash;
    }
    chains
}

/// The lock of a project's revisions as they are now, sorted by id. Needs a graph
/// without cycles.
pub fn entries(project: &Project, graph: &RevisionGraph) -> Vec<Entry> {
    let chains = chains(project, graph);
    let mut entries: Vec<Entry> = (0..graph.len())
        .map(NodeIndex::new)
        .map(|node| {
            let n = graph.node(node);
            Entry {
                id: n.id.to_string(),
                source: project
                    .sources
                    .file(n.file)
                    .sha256_hex()
                    .as_str()
                    .to_owned(),
                parents: graph
                    .ids(n.parents())
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                depends_on: graph
                    .ids(n.depends_on())
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                chain: chains[node.index()].as_str().to_owned(),
            }
        })
        .collect();
    entries.sort_by(|a, b| a.id.cmp(&b.id));
    entries
}

/// The root hash of a position of the project as it is now (a bundle's end), without
/// writing the lock's lines.
pub fn root_of(project: &Project, graph: &RevisionGraph, position: &[NodeIndex]) -> String {
    let chains = chains(project, graph);
    root_over(
        position
            .iter()
            .map(|n| chains[n.index()].as_str())
            .collect(),
    )
}

fn root_over(mut chains: Vec<&str>) -> String {
    chains.sort_unstable();
    let mut hasher = Sha256::new();
    hasher.update(format!("strata-lock-root-v1\n{}\n", chains.join("\n")));
    HexDigest::of(&hasher.finalize().into()).as_str().to_owned()
}

/// The root hash of a position: over the chained hashes of its revisions, sorted.
pub fn root(entries: &[Entry], position: &[&str]) -> String {
    let by_id: HashMap<&str, &str> = entries
        .iter()
        .map(|e| (e.id.as_str(), e.chain.as_str()))
        .collect();
    root_over(
        position
            .iter()
            .filter_map(|id| by_id.get(id).copied())
            .collect(),
    )
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "-".to_owned()
    } else {
        items.join(",")
    }
}

/// The lock file's text.
pub fn render(entries: &[Entry]) -> String {
    let mut out = String::from(HEADER);
    for e in entries {
        let _ = writeln!(
            out,
            "{} {} {} {} {}",
            e.id,
            e.source,
            list(&e.parents),
            list(&e.depends_on),
            e.chain
        );
    }
    out
}

/// A lock line as read, with its 1-based line number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    pub entry: Entry,
}

/// A problem with the lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The revision it is about, when the project has it.
    pub revision: Option<String>,
    /// The lock line it is about, when there is one.
    pub line: Option<usize>,
    pub message: String,
}

/// Reads a lock's lines; a line that is not one is a problem of its own.
pub fn parse(text: &str) -> (Vec<Line>, Vec<Problem>) {
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i + 1;
        if raw.trim().is_empty() || raw.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = raw.split(' ').collect();
        let hex = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        let ids = |s: &str| -> Vec<String> {
            if s == "-" {
                Vec::new()
            } else {
                s.split(',').map(str::to_owned).collect()
            }
        };
        match fields.as_slice() {
            [id, source, parents, depends_on, chain] if hex(source) && hex(chain) => {
                lines.push(Line {
                    number,
                    entry: Entry {
                        id: (*id).to_owned(),
                        source: (*source).to_owned(),
                        parents: ids(parents),
                        depends_on: ids(depends_on),
                        chain: (*chain).to_owned(),
                    },
                })
            }
            _ => problems.push(Problem {
                revision: None,
                line: Some(number),
                message:
                    "not a lock line: expected `ID SOURCE_SHA256 PARENTS DEPENDS_ON CHAIN_SHA256`"
                        .to_owned(),
            }),
        }
    }
    (lines, problems)
}

/// Everything that differs between the lock as read and the project as it is: lines
/// whose chained hash does not follow from the lock's own lines, revisions locked
/// twice, edited, re-parented, removed, or not locked.
pub fn compare(locked: &[Line], current: &[Entry]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut by_id: HashMap<&str, &Line> = HashMap::new();
    for line in locked {
        if let Some(first) = by_id.insert(&line.entry.id, line) {
            problems.push(Problem {
                revision: Some(line.entry.id.clone()),
                line: Some(line.number),
                message: format!(
                    "revision `{}` is locked twice (lines {} and {}): run `strata lock` to write the lock anew",
                    line.entry.id, first.number, line.number
                ),
            });
        }
    }
    // Each line's chained hash, from the lock's own lines.
    for line in locked {
        let e = &line.entry;
        let of = |ids: &[String]| -> Option<Vec<&str>> {
            ids.iter()
                .map(|id| by_id.get(id.as_str()).map(|l| l.entry.chain.as_str()))
                .collect()
        };
        match (of(&e.parents), of(&e.depends_on)) {
            (Some(parents), Some(depends_on)) => {
                if chain(&e.id, &e.source, parents, depends_on).as_str() != e.chain {
                    problems.push(Problem {
                        revision: Some(e.id.clone()),
                        line: Some(line.number),
                        message: format!(
                            "the chained hash of `{}` does not follow from its line and its parents' lines",
                            e.id
                        ),
                    });
                }
            }
            _ => problems.push(Problem {
                revision: Some(e.id.clone()),
                line: Some(line.number),
                message: format!("`{}` names a parent or dependency that is not locked", e.id),
            }),
        }
    }
    let current_ids: HashMap<&str, &Entry> = current.iter().map(|e| (e.id.as_str(), e)).collect();
    for e in current {
        let Some(line) = by_id.get(e.id.as_str()) else {
            problems.push(Problem {
                revision: Some(e.id.clone()),
                line: None,
                message: format!("revision `{}` is not locked: run `strata lock`", e.id),
            });
            continue;
        };
        if line.entry.source != e.source {
            problems.push(Problem {
                revision: Some(e.id.clone()),
                line: Some(line.number),
                message: format!(
                    "revision `{}` was edited since it was locked (its source's SHA-256 differs)",
                    e.id
                ),
            });
        }
        if line.entry.parents != e.parents || line.entry.depends_on != e.depends_on {
            problems.push(Problem {
                revision: Some(e.id.clone()),
                line: Some(line.number),
                message: format!(
                    "the parents of `{}` changed since it was locked: locked {} and depends_on {}, now {} and {}",
                    e.id,
                    list(&line.entry.parents),
                    list(&line.entry.depends_on),
                    list(&e.parents),
                    list(&e.depends_on)
                ),
            });
        }
    }
    for line in locked {
        if !current_ids.contains_key(line.entry.id.as_str()) {
            problems.push(Problem {
                revision: None,
                line: Some(line.number),
                message: format!(
                    "revision `{}` is locked, but no file declares it any more",
                    line.entry.id
                ),
            });
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, source: char, parents: &[&str], chains: &[&str]) -> Entry {
        let source: String = std::iter::repeat_n(source, 64).collect();
        Entry {
            id: id.into(),
            source: source.clone(),
            parents: parents.iter().map(|p| p.to_string()).collect(),
            depends_on: Vec::new(),
            chain: chain(id, &source, chains.iter().copied(), [])
                .as_str()
                .to_owned(),
        }
    }

    #[test]
    fn a_lock_reads_back_and_agrees_with_itself() {
        let a = entry("a", '1', &[], &[]);
        let b = entry("b", '2', &["a"], &[&a.chain]);
        let text = render(&[a.clone(), b.clone()]);
        let (lines, problems) = parse(&text);
        assert!(problems.is_empty());
        assert_eq!(
            lines.iter().map(|l| l.entry.clone()).collect::<Vec<_>>(),
            [a.clone(), b.clone()]
        );
        assert!(compare(&lines, &[a, b]).is_empty());
    }

    #[test]
    fn a_change_below_changes_every_chained_hash_above() {
        let a = entry("a", '1', &[], &[]);
        let b = entry("b", '2', &["a"], &[&a.chain]);
        let edited = entry("a", '3', &[], &[]);
        let b_after = entry("b", '2', &["a"], &[&edited.chain]);
        assert_ne!(b.chain, b_after.chain);
        // A lock line whose chained hash was forged to match an edit is found out.
        let mut text = render(&[a, b]);
        text = text.replacen(&"1".repeat(64), &"3".repeat(64), 1);
        let (lines, _) = parse(&text);
        let problems = compare(&lines, &[edited, b_after]);
        assert!(problems.iter().any(|p| p
            .message
            .contains("the chained hash of `a` does not follow")));
    }

    #[test]
    fn what_differs_from_the_lock_is_named() {
        let a = entry("a", '1', &[], &[]);
        let b = entry("b", '2', &["a"], &[&a.chain]);
        let (lines, _) = parse(&render(&[a.clone(), b]));
        let c = entry("c", '4', &["a"], &[&a.chain]);
        let messages: Vec<String> = compare(&lines, &[a, c])
            .into_iter()
            .map(|p| p.message)
            .collect();
        assert_eq!(
            messages,
            [
                "revision `c` is not locked: run `strata lock`",
                "revision `b` is locked, but no file declares it any more"
            ]
        );
        let (_, problems) = parse("garbage line\n");
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn the_root_depends_on_the_position_not_its_order() {
        let a = entry("a", '1', &[], &[]);
        let b = entry("b", '2', &[], &[]);
        let entries = [a, b];
        assert_eq!(root(&entries, &["a", "b"]), root(&entries, &["b", "a"]));
        assert_ne!(root(&entries, &["a"]), root(&entries, &["a", "b"]));
    }
}
