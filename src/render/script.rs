//! Whole scripts: an upgrade or downgrade between two positions of the graph, with the
//! guard, the per-revision sections and the version bookkeeping of BUNDLES.md 2.
//!
//! Version rows follow one rule (BUNDLES.md 2.2): after any script, `strata_version`
//! holds exactly the applied revisions that no applied revision names as a parent.
//! Applying a revision removes the rows of its parents and adds its own: the row of its
//! first parent still present is updated, the rows of other parents are deleted, and
//! when no parent has a row (a root, or a second branch from a branch point) a row is
//! inserted. Reverting does the opposite: the revision's row becomes its first parent
//! that is a head again, other such parents are inserted, and it is deleted when none is.

use std::fmt::{self, Write as _};

use petgraph::graph::NodeIndex;
use sha2::{Digest, Sha256};

use super::statement;
use crate::graph::RevisionGraph;
use crate::project::Project;
use crate::quote;
use crate::schema::replay::{Downgraded, Replay};

/// Which way a script goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

/// What a script is asked for.
pub struct Request<'a> {
    pub project: &'a Project,
    pub graph: &'a RevisionGraph,
    pub replay: &'a Replay,
    pub from: &'a [NodeIndex],
    pub to: &'a [NodeIndex],
    pub direction: Direction,
    /// The migrations folder as the user named it, for the header.
    pub source: &'a str,
    /// The range as the user wrote it, for the header's rebuild command.
    pub range: &'a str,
}

/// Why a script cannot be written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptError {
    /// The start is not below the end (upgrade) or the end not below the start.
    NotBelow { lower: String, upper: String },
    /// A downgrade crosses a revision marked irreversible.
    Irreversible { revision: String, reason: String },
    /// A downgrade crosses a revision whose downgrade could not be derived.
    NoDowngrade { revision: String },
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScriptError::NotBelow { lower, upper } => write!(
                f,
                "`{lower}` is not below `{upper}`: the range would have to revert revisions it does not name"
            ),
            ScriptError::Irreversible { revision, reason } => {
                write!(f, "the downgrade crosses `{revision}`, which is irreversible: {reason}")
            }
            ScriptError::NoDowngrade { revision } => {
                write!(f, "the downgrade crosses `{revision}`, whose downgrade cannot be derived")
            }
        }
    }
}

impl std::error::Error for ScriptError {}

/// The advisory lock every script takes before its guard, so that two scripts run at
/// once cannot both pass it.
const LOCK_KEY: i64 = 0x7374_7261_7461; // "strata"

/// Revisions that are applied at a position and that no applied revision names as a
/// parent: the version rows of a database at that position, sorted by id.
fn version_rows(graph: &RevisionGraph, applied: &[NodeIndex]) -> Vec<String> {
    let mut is_parent = vec![false; graph.len()];
    for &node in applied {
        for &p in &graph.node(node).parents {
            is_parent[p.index()] = true;
        }
    }
    let mut rows: Vec<String> = applied
        .iter()
        .filter(|n| !is_parent[n.index()])
        .map(|&n| graph.node(n).id.clone())
        .collect();
    rows.sort();
    rows
}

fn sha256_hex(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    digest.iter().fold(String::with_capacity(64), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn ids(graph: &RevisionGraph, nodes: &[NodeIndex]) -> String {
    if nodes.is_empty() {
        "base".to_owned()
    } else {
        graph.ids(nodes).join(", ")
    }
}

/// The guard: lock, then refuse unless the version rows are exactly `expected`.
fn guard(out: &mut String, expected: &[String]) {
    let expected_text = expected.join(", ");
    let shown = if expected.is_empty() {
        "base".to_owned()
    } else {
        expected_text.clone()
    };
    // RAISE formats its message: `%` is a placeholder, and the text is a literal.
    let message = format!("strata: this database is at %, but this script expects {shown}")
        .replace('%', "%%")
        .replacen("%%", "%", 1);
    let lines = [
        format!("-- guard: refuse to run unless the database is at {shown}"),
        "DO $strata$".to_owned(),
        "DECLARE".to_owned(),
        "    found text;".to_owned(),
        "BEGIN".to_owned(),
        format!("    PERFORM pg_advisory_xact_lock({LOCK_KEY});"),
        "    IF to_regclass('strata_version') IS NULL THEN".to_owned(),
        "        found := '';".to_owned(),
        "    ELSE".to_owned(),
        "        SELECT coalesce(string_agg(revision, ', ' ORDER BY revision COLLATE \"C\"), '')"
            .to_owned(),
        "          INTO found FROM strata_version;".to_owned(),
        "    END IF;".to_owned(),
        format!("    IF found <> {} THEN", quote::literal(&expected_text)),
        format!("        RAISE EXCEPTION {},", quote::literal(&message)),
        "            CASE WHEN found = '' THEN 'base' ELSE found END;".to_owned(),
        "    END IF;".to_owned(),
        "END".to_owned(),
        "$strata$;".to_owned(),
    ];
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
}

const VERSION_TABLES: &str = "CREATE TABLE IF NOT EXISTS strata_version (revision text PRIMARY KEY);\n\
CREATE TABLE IF NOT EXISTS strata_history (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
revision text NOT NULL,\n    direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),\n    \
source_sha256 text NOT NULL,\n    applied_at timestamptz NOT NULL DEFAULT now(),\n    \
applied_by text NOT NULL DEFAULT current_user\n);\n";

/// Writes the script.
pub fn script(request: &Request<'_>) -> Result<String, ScriptError> {
    let graph = request.graph;
    let (lower, upper) = match request.direction {
        Direction::Upgrade => (request.from, request.to),
        Direction::Downgrade => (request.to, request.from),
    };
    let below = graph.ancestors(lower);
    let above = graph.ancestors(upper);
    if below.iter().any(|n| !above.contains(n)) {
        return Err(ScriptError::NotBelow {
            lower: ids(graph, lower),
            upper: ids(graph, upper),
        });
    }
    let mut steps: Vec<NodeIndex> = above
        .iter()
        .copied()
        .filter(|n| !below.contains(n))
        .collect();
    let mut applied: Vec<NodeIndex> = match request.direction {
        Direction::Upgrade => below.clone(),
        Direction::Downgrade => above.clone(),
    };
    if request.direction == Direction::Downgrade {
        steps.reverse();
        for &node in &steps {
            let revision = request.replay.revision(node);
            match revision.map(|r| &r.downgrade) {
                Some(Downgraded::Statements(_)) => {}
                Some(Downgraded::Irreversible(reason)) => {
                    return Err(ScriptError::Irreversible {
                        revision: graph.node(node).id.clone(),
                        reason: reason.clone(),
                    })
                }
                _ => {
                    return Err(ScriptError::NoDowngrade {
                        revision: graph.node(node).id.clone(),
                    })
                }
            }
        }
    }

    let word = match request.direction {
        Direction::Upgrade => "upgrade",
        Direction::Downgrade => "downgrade",
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- strata {word}: {} -> {} ({} revision{})\n\
         -- generated from {} by strata; do not edit; rebuild with: strata {word} {}\n\
         \\set ON_ERROR_STOP on\nBEGIN;",
        ids(graph, request.from),
        ids(graph, request.to),
        steps.len(),
        if steps.len() == 1 { "" } else { "s" },
        request.source,
        request.range
    );
    guard(&mut out, &version_rows(graph, &applied));
    if request.direction == Direction::Upgrade {
        out.push_str(VERSION_TABLES);
    }
    for node in steps {
        let n = graph.node(node);
        let source = request.project.sources.file(n.file);
        let text = source.text.as_deref().unwrap_or("");
        let revision = &request.project.revisions[n.revision].revision;
        let message = revision
            .header
            .message
            .as_ref()
            .map_or("", |m| m.value.as_str());
        let sha = sha256_hex(text);
        let _ = writeln!(out, "\n-- {}: {message}   [source sha256: {sha}]", n.id);
        let schema = request.replay.revision(node);
        let before_rows = version_rows(graph, &applied);
        match request.direction {
            Direction::Upgrade => {
                for s in schema.map(|r| r.upgrade.as_slice()).unwrap_or_default() {
                    write_statement(&mut out, &s.kind, None);
                }
                applied.push(node);
            }
            Direction::Downgrade => {
                if let Some(Downgraded::Statements(statements)) = schema.map(|r| &r.downgrade) {
                    for d in statements {
                        write_statement(&mut out, &d.statement.kind, d.note.as_deref());
                    }
                }
                applied.retain(|&a| a != node);
            }
        }
        let after_rows = version_rows(graph, &applied);
        let _ = writeln!(out, "-- version bookkeeping for {}", n.id);
        bookkeeping(
            &mut out,
            graph,
            node,
            request.direction,
            &before_rows,
            &after_rows,
        );
        let _ = writeln!(
            out,
            "INSERT INTO strata_history (revision, direction, source_sha256) VALUES ({}, '{word}', '{sha}');",
            quote::literal(&n.id)
        );
    }
    out.push_str("\nCOMMIT;\n");
    Ok(out)
}

fn write_statement(out: &mut String, kind: &crate::syntax::ast::StatementKind, note: Option<&str>) {
    if let Some(note) = note {
        let _ = writeln!(out, "-- note: {}", note.replace('\n', " "));
    }
    if kind.is_nontransactional() {
        // PostgreSQL refuses these inside a transaction block.
        let _ = writeln!(out, "COMMIT;\n{}\nBEGIN;", statement(kind));
    } else {
        let _ = writeln!(out, "{}", statement(kind));
    }
}

/// The statements that turn `before` rows into `after` rows, by the rule in the module
/// documentation.
fn bookkeeping(
    out: &mut String,
    graph: &RevisionGraph,
    node: NodeIndex,
    direction: Direction,
    before: &[String],
    after: &[String],
) {
    let id = &graph.node(node).id;
    // Rows that go, and rows that come, in the order of the revision's parents.
    let parents: Vec<&String> = graph
        .node(node)
        .parents
        .iter()
        .map(|&p| &graph.node(p).id)
        .collect();
    let (mut gone, mut come): (Vec<&String>, Vec<&String>) = match direction {
        Direction::Upgrade => (
            parents
                .iter()
                .copied()
                .filter(|p| before.contains(p) && !after.contains(p))
                .collect(),
            vec![id],
        ),
        Direction::Downgrade => (
            vec![id],
            parents
                .iter()
                .copied()
                .filter(|p| after.contains(p) && !before.contains(p))
                .collect(),
        ),
    };
    let lit = |s: &str| quote::literal(s);
    if !gone.is_empty() && !come.is_empty() {
        let (old, new) = (gone.remove(0), come.remove(0));
        let _ = writeln!(
            out,
            "UPDATE strata_version SET revision = {} WHERE revision = {};",
            lit(new),
            lit(old)
        );
    }
    for old in gone {
        let _ = writeln!(
            out,
            "DELETE FROM strata_version WHERE revision = {};",
            lit(old)
        );
    }
    for new in come {
        let _ = writeln!(
            out,
            "INSERT INTO strata_version (revision) VALUES ({});",
            lit(new)
        );
    }
}
