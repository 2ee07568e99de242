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

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use petgraph::graph::NodeIndex;
use sha2::{Digest, Sha256};

use super::statement;
use crate::config::{Config, Layout, ALEMBIC_ID_WIDTH};
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
    /// Session settings and the version tables.
    pub config: &'a Config,
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
    /// A revision id does not fit Alembic's `version_num varchar(32)`.
    TooLongForAlembic { revision: String },
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
            ScriptError::TooLongForAlembic { revision } => write!(
                f,
                "revision id `{revision}` is longer than {ALEMBIC_ID_WIDTH} characters, the width of \
                 alembic_version.version_num"
            ),
        }
    }
}

impl std::error::Error for ScriptError {}

/// The advisory lock every script takes before its guard, so that two scripts run at
/// once cannot both pass it.
const LOCK_KEY: i64 = 0x7374_7261_7461; // "strata"

/// The version rows as a script moves through revisions: the applied revisions that no
/// applied revision names as a parent. Kept incrementally, with a count of each
/// revision's applied children, so that a long script costs linear time.
struct Rows {
    applied: Vec<bool>,
    children: Vec<u32>,
    rows: BTreeSet<String>,
}

impl Rows {
    fn new(graph: &RevisionGraph, applied: &[NodeIndex]) -> Self {
        let mut rows = Rows {
            applied: vec![false; graph.len()],
            children: vec![0; graph.len()],
            rows: BTreeSet::new(),
        };
        for &node in applied {
            rows.applied[node.index()] = true;
            for &p in &graph.node(node).parents {
                rows.children[p.index()] += 1;
            }
        }
        for &node in applied {
            if rows.children[node.index()] == 0 {
                rows.rows.insert(graph.node(node).id.clone());
            }
        }
        rows
    }

    fn list(&self) -> Vec<String> {
        self.rows.iter().cloned().collect()
    }

    fn apply(&mut self, graph: &RevisionGraph, node: NodeIndex) {
        self.applied[node.index()] = true;
        for &p in &graph.node(node).parents {
            self.children[p.index()] += 1;
            self.rows.remove(&graph.node(p).id);
        }
        self.rows.insert(graph.node(node).id.clone());
    }

    fn revert(&mut self, graph: &RevisionGraph, node: NodeIndex) {
        self.applied[node.index()] = false;
        self.rows.remove(&graph.node(node).id);
        for &p in &graph.node(node).parents {
            self.children[p.index()] -= 1;
            if self.children[p.index()] == 0 && self.applied[p.index()] {
                self.rows.insert(graph.node(p).id.clone());
            }
        }
    }
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
fn guard(out: &mut String, expected: &[String], table: &str, column: &str) {
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
        format!(
            "    IF to_regclass({}) IS NULL THEN",
            quote::literal(&quote::ident(table))
        ),
        "        found := '';".to_owned(),
        "    ELSE".to_owned(),
        format!(
            "        SELECT coalesce(string_agg({c}, ', ' ORDER BY {c} COLLATE \"C\"), '')",
            c = quote::ident(column)
        ),
        format!("          INTO found FROM {};", quote::ident(table)),
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

/// The statements that create the version tables when they do not exist.
fn version_tables(config: &Config) -> String {
    let version = match config.version.layout {
        Layout::Strata => format!(
            "CREATE TABLE IF NOT EXISTS {} (revision text PRIMARY KEY);\n",
            quote::ident(&config.version.table)
        ),
        Layout::Alembic => "CREATE TABLE IF NOT EXISTS alembic_version (\n    version_num varchar(32) NOT NULL,\n    \
             CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n);\n"
            .to_owned(),
    };
    format!(
        "{version}CREATE TABLE IF NOT EXISTS {} (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    \
         revision text NOT NULL,\n    direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade')),\n    \
         source_sha256 text NOT NULL,\n    applied_at timestamptz NOT NULL DEFAULT now(),\n    \
         applied_by text NOT NULL DEFAULT current_user\n);\n",
        quote::ident(&config.version.history)
    )
}

/// `SET` lines for the configured session settings.
fn settings(config: &Config) -> String {
    let mut out = String::new();
    if let Some(t) = &config.lock_timeout {
        let _ = writeln!(out, "SET lock_timeout = {};", quote::literal(t));
    }
    if let Some(t) = &config.statement_timeout {
        let _ = writeln!(out, "SET statement_timeout = {};", quote::literal(t));
    }
    if let Some(path) = &config.search_path {
        let schemas: Vec<String> = path.split(',').map(|s| quote::ident(s.trim())).collect();
        let _ = writeln!(out, "SET search_path = {};", schemas.join(", "));
    }
    out
}

/// Writes the script.
pub fn script(request: &Request<'_>) -> Result<String, ScriptError> {
    let graph = request.graph;
    let (lower, upper) = match request.direction {
        Direction::Upgrade => (request.from, request.to),
        Direction::Downgrade => (request.to, request.from),
    };
    let below = graph.ancestors(lower);
    let above = graph.ancestors(upper);
    let mut in_above = vec![false; graph.len()];
    let mut in_below = vec![false; graph.len()];
    for n in &above {
        in_above[n.index()] = true;
    }
    for n in &below {
        in_below[n.index()] = true;
    }
    if below.iter().any(|n| !in_above[n.index()]) {
        return Err(ScriptError::NotBelow {
            lower: ids(graph, lower),
            upper: ids(graph, upper),
        });
    }
    let mut steps: Vec<NodeIndex> = above
        .iter()
        .copied()
        .filter(|n| !in_below[n.index()])
        .collect();
    let applied: &[NodeIndex] = match request.direction {
        Direction::Upgrade => &below,
        Direction::Downgrade => &above,
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
    let config = request.config;
    if config.version.layout == Layout::Alembic {
        let long = steps
            .iter()
            .chain(applied)
            .map(|&n| &graph.node(n).id)
            .find(|id| id.len() > ALEMBIC_ID_WIDTH);
        if let Some(id) = long {
            return Err(ScriptError::TooLongForAlembic {
                revision: id.clone(),
            });
        }
    }
    let (table, column) = config.version.table_and_column();
    let history = quote::ident(&config.version.history);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "-- strata {word}: {} -> {} ({} revision{})\n\
         -- generated from {} by strata; do not edit; rebuild with: strata {word} {}\n\
         \\set ON_ERROR_STOP on",
        ids(graph, request.from),
        ids(graph, request.to),
        steps.len(),
        if steps.len() == 1 { "" } else { "s" },
        request.source,
        request.range
    );
    out.push_str(&settings(config));
    out.push_str("BEGIN;\n");
    let mut rows = Rows::new(graph, applied);
    guard(&mut out, &rows.list(), table, column);
    if request.direction == Direction::Upgrade {
        out.push_str(&version_tables(config));
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
        let before_rows = rows.list();
        let position = Position {
            rows: &before_rows,
            table,
            column,
        };
        match request.direction {
            Direction::Upgrade => {
                for s in schema.map(|r| r.upgrade.as_slice()).unwrap_or_default() {
                    write_statement(&mut out, &s.kind, None, &position);
                }
                rows.apply(graph, node);
            }
            Direction::Downgrade => {
                if let Some(Downgraded::Statements(statements)) = schema.map(|r| &r.downgrade) {
                    for d in statements {
                        write_statement(&mut out, &d.statement.kind, d.note.as_deref(), &position);
                    }
                }
                rows.revert(graph, node);
            }
        }
        let after_rows = rows.list();
        let _ = writeln!(out, "-- version bookkeeping for {}", n.id);
        bookkeeping(
            &mut out,
            graph,
            node,
            request.direction,
            (&before_rows, &after_rows),
            (table, column),
        );
        let _ = writeln!(
            out,
            "INSERT INTO {history} (revision, direction, source_sha256) VALUES ({}, '{word}', '{sha}');",
            quote::literal(&n.id)
        );
    }
    out.push_str("\nCOMMIT;\n");
    Ok(out)
}

/// Where the version rows stand while a revision's statements run, for the re-check
/// after a statement that ran outside the transaction.
struct Position<'a> {
    rows: &'a [String],
    table: &'a str,
    column: &'a str,
}

fn write_statement(
    out: &mut String,
    kind: &crate::syntax::ast::StatementKind,
    note: Option<&str>,
    position: &Position<'_>,
) {
    if let Some(note) = note {
        let _ = writeln!(out, "-- note: {}", note.replace('\n', " "));
    }
    if kind.is_nontransactional() {
        // PostgreSQL refuses these inside a transaction block. The locks of the guard
        // end with the transaction, so the next one checks again that the database is
        // where the previous segment left it.
        let _ = writeln!(
            out,
            "COMMIT;\n-- outside a transaction\n{}\nBEGIN;",
            statement(kind)
        );
        guard(out, position.rows, position.table, position.column);
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
    (before, after): (&[String], &[String]),
    (table, column): (&str, &str),
) {
    let (table, column) = (quote::ident(table), quote::ident(column));
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
            "UPDATE {table} SET {column} = {} WHERE {column} = {};",
            lit(new),
            lit(old)
        );
    }
    for old in gone {
        let _ = writeln!(out, "DELETE FROM {table} WHERE {column} = {};", lit(old));
    }
    for new in come {
        let _ = writeln!(out, "INSERT INTO {table} ({column}) VALUES ({});", lit(new));
    }
}
