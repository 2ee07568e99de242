//! Whole scripts: an upgrade or downgrade between two positions of the graph, with the
//! guard, the per-revision sections and the version bookkeeping of BUNDLES.md 2.
//!
//! Version rows follow Alembic's rule (docs/TRAVERSAL.md): after any script, the version
//! table holds exactly the applied revisions that no applied revision names as a parent
//! or in `depends_on` (its down revisions). Applying a revision removes the rows of its
//! down revisions and adds its own: the row of the first one still present is updated,
//! the rows of the others are deleted, and when none has a row (a root, or a second
//! branch from a branch point) a row is inserted. Reverting does the opposite: the
//! revision's row becomes its first down revision that is a head again, other such
//! revisions are inserted, and it is deleted when none is.

use std::collections::BTreeSet;
use std::fmt::{self, Write as _};

use petgraph::graph::NodeIndex;

use super::{session_setting, statement, statement_into};
use crate::config::{self, Config, ALEMBIC_ID_WIDTH};
use crate::graph::RevisionGraph;
use crate::inert::Comment;
use crate::project::Project;
use crate::quote;
use crate::schema::replay::{Downgraded, Replay, RevisionSchema};
use crate::syntax::ast::{Header, Ident, Setting, StatementKind};

/// Which way a script goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Upgrade,
    Downgrade,
}

/// What a script does, as its title, its rebuild command and its identity say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Upgrade,
    Downgrade,
    /// Records a position without changing the schema ([`stamp`]).
    Stamp,
}

impl From<Direction> for Kind {
    fn from(direction: Direction) -> Kind {
        match direction {
            Direction::Upgrade => Kind::Upgrade,
            Direction::Downgrade => Kind::Downgrade,
        }
    }
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Upgrade => "upgrade",
            Kind::Downgrade => "downgrade",
            Kind::Stamp => "stamp",
        }
    }
}

/// What a script is asked for.
pub struct Request<'a> {
    pub project: &'a Project,
    pub graph: &'a RevisionGraph,
    pub replay: &'a Replay,
    pub from: &'a [NodeIndex],
    pub to: &'a [NodeIndex],
    /// A downgrade to before these revisions (`LABEL@base`, `LABEL@REV`), instead of
    /// to `to`.
    pub before: Option<&'a [NodeIndex]>,
    /// A downgrade that reverts revisions beyond the branch named is an error.
    pub strict: bool,
    pub direction: Direction,
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
    /// An upgrade whose end is applied already at its start, and is not the start.
    AlreadyApplied { to: String, from: String },
    /// A downgrade whose end is not applied at its start.
    NotApplied { to: String, from: String },
    /// `downgrade --strict`, and the downgrade reverts revisions beyond the branch named.
    Beyond { revisions: String },
    /// A downgrade reverts one of two revisions that changed one part on different
    /// branches, reconciled by a merge, and keeps the other.
    OrderDependent {
        reverted: String,
        kept: String,
        what: String,
    },
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
            ScriptError::AlreadyApplied { to, from } => write!(
                f,
                "`{to}` is applied already at `{from}`: an upgrade has nothing to do; to go back, \
                 use `strata downgrade {from}:{to}`"
            ),
            ScriptError::NotApplied { to, from } => write!(
                f,
                "`{to}` is not applied at `{from}`: a downgrade goes back to a revision its start \
                 has applied; to apply it, use `strata upgrade {from}:{to}`"
            ),
            ScriptError::Beyond { revisions } => write!(
                f,
                "the downgrade reverts revisions beyond the branch it names: {revisions} \
                 (--strict refuses it; name them in the range, or drop --strict)"
            ),
            ScriptError::OrderDependent { reverted, kept, what } => write!(
                f,
                "{}",
                order_dependent_reason(reverted, kept, what)
            ),
            ScriptError::TooLongForAlembic { revision } => write!(
                f,
                "revision id `{revision}` is longer than {ALEMBIC_ID_WIDTH} characters, the width of \
                 alembic_version.version_num"
            ),
        }
    }
}

impl std::error::Error for ScriptError {}

/// The advisory lock every script holds from before its first guard to its end, so that
/// two scripts run at once cannot both pass it, nor interleave across a `COMMIT`.
const LOCK_KEY: i64 = 0x7374_7261_7461; // "strata"

/// How every transaction of a script starts: whatever the database's default isolation,
/// each statement of the guard sees the rows other sessions committed before it.
pub(crate) const BEGIN: &str = "BEGIN ISOLATION LEVEL READ COMMITTED;\n";

/// Takes the session's advisory lock, or stops at once naming the session that holds
/// it. A session lock, not a transaction's: it is held across every `COMMIT` of the
/// script, and released by [`Renderer::footer`] or when psql's session ends.
///
/// The lock is tried for up to a second: a session that psql left after a failure ends
/// a moment after psql itself, and holds the lock until it has, so that a DBA's
/// immediate rerun would otherwise find it taken.
fn session_lock(out: &mut String) {
    // pg_locks shows a bigint key as its high and low 32 bits.
    let (high, low) = (LOCK_KEY >> 32, LOCK_KEY & 0xFFFF_FFFF);
    let _ = write!(
        out,
        "-- lock: one session at a time applies a strata script to this database\n\
         DO $strata$\n\
         BEGIN\n\
         \x20   FOR attempt IN 1..10 LOOP\n\
         \x20       IF pg_try_advisory_lock({LOCK_KEY}) THEN\n\
         \x20           RETURN;\n\
         \x20       END IF;\n\
         \x20       PERFORM pg_sleep(0.1);\n\
         \x20   END LOOP;\n\
         \x20   IF NOT pg_try_advisory_lock({LOCK_KEY}) THEN\n\
         \x20       RAISE EXCEPTION 'strata: another session (pid %) is applying a strata script to this database; wait for it to end',\n\
         \x20           (SELECT coalesce(string_agg(pid::text, ', '), '?') FROM pg_locks\n\
         \x20             WHERE locktype = 'advisory' AND granted AND classid = {high} AND objid = {low}\n\
         \x20               AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()));\n\
         \x20   END IF;\n\
         END\n\
         $strata$;\n"
    );
}

/// A line psql prints as the script runs, made inert.
fn echo(out: &mut String, text: &str) {
    out.push_str("\\echo ");
    out.push_str(&crate::inert::echo_argument(text));
    out.push('\n');
}

/// The version rows as a script moves up through revisions: the applied revisions that
/// no applied revision names as a parent or dependency. Applying one takes its parents' rows and adds
/// its own, so a long script costs linear time.
pub(crate) struct Rows {
    rows: BTreeSet<String>,
}

impl Rows {
    pub(crate) fn new(graph: &RevisionGraph, applied: &[NodeIndex]) -> Self {
        let mut has_child = vec![false; graph.len()];
        for &node in applied {
            for &p in graph.node(node).down_revisions() {
                has_child[p.index()] = true;
            }
        }
        let rows = applied
            .iter()
            .filter(|n| !has_child[n.index()])
            .map(|&n| graph.node(n).id.to_string())
            .collect();
        Rows { rows }
    }

    pub fn list(&self) -> Vec<String> {
        self.rows.iter().cloned().collect()
    }

    /// The revisions of the rows.
    pub fn nodes(&self, graph: &RevisionGraph) -> Vec<NodeIndex> {
        self.rows.iter().filter_map(|id| graph.find(id)).collect()
    }

    fn apply(&mut self, graph: &RevisionGraph, node: NodeIndex) {
        for &p in graph.node(node).down_revisions() {
            self.rows.remove(&*graph.node(p).id);
        }
        self.rows.insert(graph.node(node).id.to_string());
    }

    /// Applies the next step: the rows before and after it.
    pub fn step(&mut self, graph: &RevisionGraph, node: NodeIndex) -> (Vec<String>, Vec<String>) {
        let before = self.list();
        self.apply(graph, node);
        (before, self.list())
    }
}

/// The guard: refuse unless the version rows are exactly `expected` and no script is
/// part-way on this database, or this very script (`identity`) is (then the script
/// resumes: each step runs only where the database is where the step begins). It runs
/// after the session's lock ([`session_lock`]) in a transaction that reads committed
/// rows, so it sees what every other session committed.
fn guard(
    out: &mut String,
    expected: &[String],
    (rows_sql, progress): (&str, &str),
    identity: &str,
    sources: Option<Sources<'_>>,
) {
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
    let _ = writeln!(
        out,
        "-- guard: refuse to run unless the database is at {}, or this script stopped part-way on it",
        Comment(&shown)
    );
    // The version tables exist: the header makes them, when missing, before the guard.
    let head = format!(
        "DECLARE\n    found text;\n    running text;\n    edited text;\nBEGIN\n\
         \x20   found := {rows_sql};\n\
         \x20   SELECT script INTO running FROM {progress};\n\
         \x20   IF running IS NULL THEN\n\
         \x20       IF found <> {expected} THEN\n\
         \x20           RAISE EXCEPTION {message},\n\
         \x20               CASE WHEN found = '' THEN 'base' ELSE found END;\n\
         \x20       END IF;\n",
        expected = quote::literal(&expected_text),
        message = quote::literal(&message),
    );
    let tail = format!(
        "\x20       INSERT INTO {progress} (script) VALUES ({identity});\n\
         \x20   ELSIF running <> {identity} THEN\n\
         \x20       RAISE EXCEPTION 'strata: another script stopped part-way on this database (%); run it again to finish it first', running;\n\
         \x20   ELSE\n\
         \x20       RAISE NOTICE 'strata: this script stopped part-way on this database; it resumes where it stopped (at %)',\n\
         \x20           CASE WHEN found = '' THEN 'base' ELSE found END;\n\
         \x20   END IF;\nEND\n",
        identity = quote::literal(identity),
    );
    // The list of sources holds ids and hexadecimal digests only, which no dollar-quote
    // tag can be made of: the tag is chosen from the rest, and the list, which can be
    // long, is written once, into the script.
    let history = sources.as_ref().map_or("", |s| s.history);
    let tag = dollar_tag(&[&head, &tail, history]);
    let _ = write!(out, "DO ${tag}$\n{head}");
    if let Some(sources) = sources {
        sources.write_check(out);
    }
    let _ = writeln!(out, "{tail}${tag}$;");
}

/// The sources a script relies on ([`guard`]): revisions whose source's SHA-256 is
/// compared with their last `upgrade` or `stamp` row in the history.
struct Sources<'a> {
    /// The history table, quoted.
    history: &'a str,
    graph: &'a RevisionGraph,
    project: &'a Project,
    revisions: &'a [NodeIndex],
}

impl Sources<'_> {
    /// The part of the guard that compares them (revisions without a history row, as in
    /// a database taken over from Alembic, are not compared). One pass over the
    /// history, however long it is.
    fn write_check(&self, out: &mut String) {
        if self.revisions.is_empty() {
            return;
        }
        out.push_str("        SELECT string_agg(s.revision, ', ' ORDER BY s.revision COLLATE \"C\") INTO edited\n        FROM (VALUES");
        for (i, &node) in self.revisions.iter().enumerate() {
            out.push_str(if i == 0 { "\n" } else { ",\n" });
            out.push_str("                (");
            write_source_values(out, self.graph, self.project, node);
            out.push(')');
        }
        let _ = write!(
            out,
            ") AS s(revision, sha256)\n\
             \x20       JOIN (SELECT DISTINCT ON (revision) revision, source_sha256 FROM {}\n\
             \x20             WHERE direction IN ('upgrade', 'stamp') ORDER BY revision, id DESC) AS h\n\
             \x20         ON h.revision = s.revision\n\
             \x20       WHERE h.source_sha256 <> s.sha256;\n\
             \x20       IF edited IS NOT NULL THEN\n\
             \x20           RAISE EXCEPTION 'strata: revisions this script builds on were edited after they were applied: %', edited\n\
             \x20               USING HINT = 'their sources differ from what this database applied; restore them, or set check_sources = false under [version] in strata.toml if they were edited on purpose';\n\
             \x20       END IF;\n",
            self.history
        );
    }
}

/// `'ID', 'SHA256'`: a revision and its source's SHA-256, as SQL values, for the lists
/// that compare sources with what a database applied.
pub(crate) fn write_source_values(
    out: &mut String,
    graph: &RevisionGraph,
    project: &Project,
    node: NodeIndex,
) {
    let n = graph.node(node);
    let _ = quote::write_literal(out, &n.id);
    out.push_str(", '");
    out.push_str(project.sources.file(n.file).sha256_hex().as_str());
    out.push('\'');
}

/// `DO $strata$ ... $strata$;` around `body`, with a dollar-quote tag that `body` does
/// not hold: the names of the version tables come from the configuration, and must not
/// end the block early whatever they are.
fn do_block(out: &mut String, body: &str) {
    let tag = dollar_tag(&[body]);
    let _ = write!(out, "DO ${tag}$\n{body}${tag}$;\n");
}

/// A dollar-quote tag that none of `texts` holds.
fn dollar_tag(texts: &[&str]) -> String {
    let mut tag = String::from("strata");
    let mut n = 0;
    while texts.iter().any(|t| t.contains(&format!("${tag}$"))) {
        n += 1;
        tag = format!("strata{n}");
    }
    tag
}

/// The statements that create the version tables when they do not exist: tested with
/// `to_regclass`, not `IF NOT EXISTS`, whose notice every later script would print.
fn version_tables(config: &Config) -> String {
    let (table, _) = config.version.table_and_column();
    let version = match config.version.layout {
        config::Layout::Strata => format!(
            "        CREATE TABLE {} (revision text PRIMARY KEY);\n",
            quote::ident(&config.version.table)
        ),
        config::Layout::Alembic => "        CREATE TABLE alembic_version (\n            version_num varchar(32) NOT NULL,\n            \
             CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n        );\n"
            .to_owned(),
    };
    let history = &config.version.history;
    let body = format!(
        "BEGIN\n    IF to_regclass({}) IS NULL THEN\n{version}    END IF;\n    \
         IF to_regclass({}) IS NULL THEN\n        CREATE TABLE {} (\n            \
         id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n            revision text NOT NULL,\n            \
         direction text NOT NULL CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'unstamp')),\n            \
         source_sha256 text NOT NULL,\n            applied_at timestamptz NOT NULL DEFAULT now(),\n            \
         applied_by text NOT NULL DEFAULT current_user\n        );\n    END IF;\n    \
         IF to_regclass({}) IS NULL THEN\n        CREATE TABLE {} (\n            \
         script text PRIMARY KEY,\n            revision text,\n            step int NOT NULL DEFAULT 0\n        );\n    \
         END IF;\nEND\n",
        quote::literal(&quote::ident(table)),
        quote::literal(&quote::ident(history)),
        quote::ident(history),
        quote::literal(&quote::ident(&config.version.progress)),
        quote::ident(&config.version.progress)
    );
    let mut out = String::from("-- the version tables, when the database has none yet\n");
    do_block(&mut out, &body);
    out
}

/// The settings every script fixes for itself before its first literal, and again after
/// every raw SQL block (which could have changed them, e.g. with `set_config`): how the
/// server and psql read string literals and bytes must not depend on the database's
/// defaults or on what an author wrote.
pub(crate) const FIXED_SETTINGS: &str =
    "SET standard_conforming_strings = on;\nSET client_encoding = 'UTF8';\n";

/// The session settings the configuration may give, by name, with their values.
fn configured_timeouts(config: &Config) -> [(&'static str, Option<&str>); 2] {
    [
        ("lock_timeout", config.lock_timeout.as_deref()),
        ("statement_timeout", config.statement_timeout.as_deref()),
    ]
}

/// `SET` lines for the configured session settings.
fn settings(config: &Config) -> String {
    let mut out = String::from(FIXED_SETTINGS);
    for (name, value) in configured_timeouts(config) {
        if let Some(value) = value {
            let _ = writeln!(out, "SET {name} = {};", quote::literal(value));
        }
    }
    if let Some(path) = &config.search_path {
        let schemas: Vec<String> = path.split(',').map(|s| quote::ident(s.trim())).collect();
        let _ = writeln!(out, "SET search_path = {};", schemas.join(", "));
    }
    out
}

/// The revisions between two positions of the graph, checked: the lower position must
/// be below the upper one.
pub(crate) struct Plan {
    /// The revisions a script crosses, in replay order (the upgrade's order).
    pub steps: Vec<NodeIndex>,
    /// The revisions applied at the lower position.
    pub below: Vec<NodeIndex>,
    /// The revisions applied at the upper position.
    pub above: Vec<NodeIndex>,
    /// Of the steps of a downgrade, those beyond the branch it names: reached only
    /// through a merge or a `depends_on` (empty for an upgrade).
    pub beyond: Vec<NodeIndex>,
}

/// Where a downgrade goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Back to a position: what descends from it is reverted, it stays (`base`, empty,
    /// reverts everything).
    Position(Vec<NodeIndex>),
    /// Back to before these revisions (`LABEL@base`, the first revision of a branch;
    /// `LABEL@REV`, the children of REV on that branch): they are reverted with what
    /// descends from them.
    Before(Vec<NodeIndex>),
}

impl Plan {
    /// The plan of an upgrade from `from` to `to`: what `to` needs that `from` has not
    /// applied, keeping what `from` has. An end applied already at the start (and not
    /// the start itself) is refused: it is a downgrade typed as an upgrade.
    pub fn upgrade(
        graph: &RevisionGraph,
        from: &[NodeIndex],
        to: &[NodeIndex],
    ) -> Result<Plan, ScriptError> {
        let plan = Plan::new(graph, from, &graph.union(from, to))?;
        let same = from.len() == to.len() && from.iter().all(|n| to.contains(n));
        if plan.steps.is_empty() && !same {
            return Err(ScriptError::AlreadyApplied {
                to: graph.position_name(to, ","),
                from: graph.position_name(from, ","),
            });
        }
        Ok(plan)
    }

    pub fn new(
        graph: &RevisionGraph,
        lower: &[NodeIndex],
        upper: &[NodeIndex],
    ) -> Result<Plan, ScriptError> {
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
                lower: graph.position_name(lower, ", "),
                upper: graph.position_name(upper, ", "),
            });
        }
        let steps = above
            .iter()
            .copied()
            .filter(|n| !in_below[n.index()])
            .collect();
        Ok(Plan {
            steps,
            below,
            above,
            beyond: Vec::new(),
        })
    }

    /// The plan of a downgrade with Alembic's meaning: of what `from` has applied, the
    /// target's children and what follows them (through parents or `depends_on`) are
    /// reverted, and nothing else: a revision that only depends on the target stays. A target that `from` has not applied is refused.
    pub fn downgrade(
        graph: &RevisionGraph,
        from: &[NodeIndex],
        target: &Target,
    ) -> Result<Plan, ScriptError> {
        let above = graph.ancestors(from);
        let mut applied = vec![false; graph.len()];
        for n in &above {
            applied[n.index()] = true;
        }
        let not_applied = |nodes: &[NodeIndex]| ScriptError::NotApplied {
            to: graph.position_name(nodes, ","),
            from: graph.position_name(from, ","),
        };
        let (reverted, named) = match target {
            Target::Position(to) if to.is_empty() => (vec![true; graph.len()], None),
            Target::Position(to) => {
                if to.iter().any(|n| !applied[n.index()]) {
                    return Err(not_applied(to));
                }
                // As Alembic: the target's children (through parents, not its
                // dependents), and everything that follows them, dependents included.
                let children: Vec<NodeIndex> = to
                    .iter()
                    .flat_map(|&n| graph.node(n).children().iter().copied())
                    .collect();
                let mut reverted = graph.descendants(&children, true);
                // A target of several revisions where one descends from another keeps both.
                for n in graph.ancestors(to) {
                    reverted[n.index()] = false;
                }
                (reverted, Some(graph.branch_after(to, false)))
            }
            Target::Before(starts) => (
                graph.descendants(starts, true),
                Some(graph.branch_after(starts, true)),
            ),
        };
        let steps: Vec<NodeIndex> = above
            .iter()
            .copied()
            .filter(|n| reverted[n.index()])
            .collect();
        let below = above
            .iter()
            .copied()
            .filter(|n| !reverted[n.index()])
            .collect();
        let beyond = match named {
            Some(named) => steps
                .iter()
                .copied()
                .filter(|n| !named[n.index()])
                .collect(),
            None => Vec::new(),
        };
        Ok(Plan {
            steps,
            below,
            above,
            beyond,
        })
    }

    /// The version rows at the upper position.
    pub fn upper_rows(&self, graph: &RevisionGraph) -> Vec<String> {
        Rows::new(graph, &self.above).list()
    }

    /// Each step with the version rows before and after it is applied, in replay order.
    /// A downgrade reverts the same steps in reverse, between the same rows.
    pub fn positions<'g>(
        &'g self,
        graph: &'g RevisionGraph,
    ) -> impl Iterator<Item = (NodeIndex, Vec<String>, Vec<String>)> + 'g {
        let mut rows = self.start(graph);
        self.steps.iter().map(move |&node| {
            let (before, after) = rows.step(graph, node);
            (node, before, after)
        })
    }

    /// The version rows at the lower position, to step through the plan.
    pub fn start(&self, graph: &RevisionGraph) -> Rows {
        Rows::new(graph, &self.below)
    }
}

/// Why reverting `reverted` while `kept` stays applied is refused.
pub(crate) fn order_dependent_reason(reverted: &str, kept: &str, what: &str) -> String {
    format!(
        "reverting `{reverted}` while `{kept}` stays applied would not give back {what}, which \
         two branches change and a merge reconciles: revert the merge and both branches' \
         changes together (go back to before the branches part)"
    )
}

/// The first revision a downgrade would revert without its partner, among the pairs
/// that `merges` reconcile: one of a pair reverted while the other stays `applied`, or
/// the merge reverted without both. `(reverted, kept, what)`.
///
/// The downgrades of such revisions were derived on their own branch, and the merge's
/// with the first parent's version of the part: only reverting all three together
/// gives back the part whichever branch a database applied first.
pub(crate) fn split_reconciled<'r>(
    graph: &RevisionGraph,
    merges: impl IntoIterator<Item = (NodeIndex, &'r RevisionSchema)>,
    reverted: &[bool],
    applied: &[bool],
) -> Option<(String, String, String)> {
    let id = |n: NodeIndex| graph.node(n).id.to_string();
    let kept = |n: NodeIndex| applied[n.index()] && !reverted[n.index()];
    merges.into_iter().find_map(|(merge, schema)| {
        schema.reconciled.iter().find_map(|pair| {
            let [a, b] = pair.revisions;
            [(merge, a), (merge, b), (a, b), (b, a)]
                .into_iter()
                .find(|&(gone, stays)| reverted[gone.index()] && kept(stays))
                .map(|(gone, stays)| (id(gone), id(stays), pair.what.clone()))
        })
    })
}

/// Whether a bundle of `plan` (an upgrade's) has no `downgrade.sql`: a revision of its
/// range is irreversible, or reverting the range would split a pair that a merge
/// reconciles. The bundle writer decides the same a revision at a time, as the replay
/// hands them over; this is the decision for a caller that has the whole replay.
pub(crate) fn lacks_downgrade<'r>(
    graph: &RevisionGraph,
    plan: &Plan,
    schema: impl Fn(NodeIndex) -> Option<&'r RevisionSchema>,
) -> bool {
    let irreversible = plan.steps.iter().any(|&n| {
        matches!(
            downgrade_problem(graph, n, schema(n)),
            Some(ScriptError::Irreversible { .. })
        )
    });
    irreversible || splits_reconciled(graph, plan, schema).is_some()
}

/// [`split_reconciled`] for reverting `plan`'s steps with everything it has applied
/// above them. Every merge of the project counts, applied or not: a branch revision's
/// derived downgrade is wrong whenever the other branch is applied.
fn splits_reconciled<'r>(
    graph: &RevisionGraph,
    plan: &Plan,
    schema: impl Fn(NodeIndex) -> Option<&'r RevisionSchema>,
) -> Option<(String, String, String)> {
    let bitmap = |nodes: &[NodeIndex]| {
        let mut marked = vec![false; graph.len()];
        for n in nodes {
            marked[n.index()] = true;
        }
        marked
    };
    let merges = graph.merges();
    split_reconciled(
        graph,
        merges.iter().filter_map(|&n| schema(n).map(|s| (n, s))),
        &bitmap(&plan.steps),
        &bitmap(&plan.above),
    )
}

/// Why a revision cannot be reverted, if it cannot.
pub(crate) fn downgrade_problem(
    graph: &RevisionGraph,
    node: NodeIndex,
    schema: Option<&RevisionSchema>,
) -> Option<ScriptError> {
    match schema.map(|r| &r.downgrade) {
        Some(Downgraded::Statements(_)) => None,
        Some(Downgraded::Irreversible(reason)) => Some(ScriptError::Irreversible {
            revision: graph.node(node).id.to_string(),
            reason: reason.clone(),
        }),
        _ => Some(ScriptError::NoDowngrade {
            revision: graph.node(node).id.to_string(),
        }),
    }
}

/// Refuses ids that do not fit Alembic's version table, checked in the order given.
pub(crate) fn check_ids<'n>(
    graph: &RevisionGraph,
    config: &Config,
    nodes: impl IntoIterator<Item = &'n NodeIndex>,
) -> Result<(), ScriptError> {
    if config.version.layout != config::Layout::Alembic {
        return Ok(());
    }
    match nodes
        .into_iter()
        .map(|&n| &graph.node(n).id)
        .find(|id| id.len() > ALEMBIC_ID_WIDTH)
    {
        Some(id) => Err(ScriptError::TooLongForAlembic {
            revision: id.to_string(),
        }),
        None => Ok(()),
    }
}

/// What the parts of a script share: where the version rows live.
pub(crate) struct Renderer<'a> {
    graph: &'a RevisionGraph,
    project: &'a Project,
    config: &'a Config,
    /// The version table and its column, quoted, for the bookkeeping.
    table_sql: String,
    column_sql: String,
    history: String,
    progress: String,
    /// The version rows as one text, as the guard and the steps compare them.
    rows_sql: String,
}

impl<'a> Renderer<'a> {
    pub fn new(graph: &'a RevisionGraph, project: &'a Project, config: &'a Config) -> Self {
        let (table, column) = config.version.table_and_column();
        Renderer {
            graph,
            project,
            config,
            rows_sql: format!(
                "(SELECT coalesce(string_agg({c}, ', ' ORDER BY {c} COLLATE \"C\"), '') FROM {t})",
                c = quote::ident(column),
                t = quote::ident(table)
            ),
            table_sql: quote::ident(table),
            column_sql: quote::ident(column),
            history: quote::ident(&config.version.history),
            progress: quote::ident(&config.version.progress),
        }
    }

    /// What a script is, for the progress table: its direction and its two positions.
    pub fn identity(&self, kind: impl Into<Kind>, from: &[NodeIndex], to: &[NodeIndex]) -> String {
        format!(
            "{} {} -> {}",
            kind.into().word(),
            self.graph.position_name(from, ", "),
            self.graph.position_name(to, ", ")
        )
    }

    /// The query a step starts with: whether the database is where the step begins (the
    /// revision's version rows before it, and no record of this step or a later one of
    /// it done). Its answer goes to psql's `strata_run` for the `\if` around the step.
    fn step_check(&self, out: &mut String, id: &str, before: &[String], step: usize) {
        let _ = write!(out, "SELECT {} = ", self.rows_sql);
        let _ = quote::write_literal(out, &before.join(", "));
        let _ = write!(
            out,
            " AND NOT EXISTS (SELECT FROM {} WHERE revision = ",
            self.progress
        );
        let _ = quote::write_literal(out, id);
        let _ = writeln!(
            out,
            " AND step >= {step}) AS strata_run \\gset\n\\if :strata_run"
        );
    }

    /// Records that step `step` of revision `id` is done.
    fn step_done(&self, out: &mut String, id: &str, step: usize) {
        let _ = write!(out, "UPDATE {} SET revision = ", self.progress);
        let _ = quote::write_literal(out, id);
        let _ = writeln!(out, ", step = {step};");
    }

    /// Everything before the first revision: the title, the session settings, the
    /// transaction, the version tables, and the guard that expects `rows` and compares
    /// the sources of `builds_on` with what the database applied (an upgrade builds on
    /// the revisions at its start, a downgrade on those it reverts).
    #[allow(clippy::too_many_arguments)]
    pub fn header(
        &self,
        kind: impl Into<Kind>,
        (from, to): (&[NodeIndex], &[NodeIndex]),
        steps: usize,
        range: &str,
        rows: &[String],
        builds_on: &[NodeIndex],
    ) -> String {
        let graph = self.graph;
        let kind = kind.into();
        let word = kind.word();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "-- strata {word}: {} -> {} ({} revision{})\n\
             -- generated by strata from the project's sources; do not edit; rebuild with: strata {word} {}\n\
             \\set ON_ERROR_STOP on",
            Comment(&graph.position_name(from, ", ")),
            Comment(&graph.position_name(to, ", ")),
            steps,
            if steps == 1 { "" } else { "s" },
            Comment(range)
        );
        out.push_str(&settings(self.config));
        session_lock(&mut out);
        out.push_str(BEGIN);
        out.push_str(&version_tables(self.config));
        let identity = self.identity(kind, from, to);
        // The revisions whose sources the script relies on, as the database applied them.
        let sources = if self.config.version.check_sources {
            Some(Sources {
                history: &self.history,
                graph: self.graph,
                project: self.project,
                revisions: builds_on,
            })
        } else {
            out.push_str(
                "-- the guard does not compare the sources of applied revisions \
                 (check_sources = false in strata.toml)\n",
            );
            None
        };
        guard(
            &mut out,
            rows,
            (&self.rows_sql, &self.progress),
            &identity,
            sources,
        );
        out
    }

    /// The script's own value of a setting a revision changed for one statement: the
    /// configuration's, else the session's default.
    fn restore(&self, name: &Ident) -> String {
        let configured = configured_timeouts(self.config)
            .into_iter()
            .find(|(setting, _)| *setting == name.value)
            .and_then(|(_, value)| value);
        match configured {
            Some(value) => format!(
                "SET {} = {};\n",
                quote::ident(&name.value),
                quote::literal(value)
            ),
            None => format!("RESET {};\n", quote::ident(&name.value)),
        }
    }

    /// One revision's section: applying it (upgrade) or reverting it (downgrade).
    /// `applied` is the version rows before and after the revision is applied; a
    /// downgrade goes from the second to the first.
    pub fn section(
        &self,
        node: NodeIndex,
        header: &Header,
        schema: Option<&RevisionSchema>,
        direction: Direction,
        applied: (&[String], &[String]),
    ) -> String {
        let (before, after) = match direction {
            Direction::Upgrade => applied,
            Direction::Downgrade => (applied.1, applied.0),
        };
        let graph = self.graph;
        let n = graph.node(node);
        let message = header.message.as_ref().map_or("", |m| &*m.value);
        let digest = self.project.sources.file(n.file).sha256_hex();
        let sha = digest.as_str();
        let mut out = String::with_capacity(1024);
        out.push_str("\n-- ");
        let _ = write!(out, "{}: {}", Comment(&n.id), Comment(message));
        out.push_str("   [source sha256: ");
        out.push_str(sha);
        out.push_str("]\n");
        let verb = match direction {
            Direction::Upgrade => "applying",
            Direction::Downgrade => "reverting",
        };
        // A derived downgrade reverts the schema; the rows a `sql data` block changed
        // stay as they are, which the DBA reads here.
        let keeps_rows = direction == Direction::Downgrade
            && schema.is_some_and(|r| {
                r.derived
                    && r.upgrade
                        .iter()
                        .any(|s| matches!(&s.kind, StatementKind::RawSql(raw) if raw.data))
            });
        if keeps_rows {
            out.push_str(
                "-- note: the rows changed by this revision's `sql data` blocks stay as they are\n",
            );
        }
        // The statements, each with the note a derived downgrade gives it.
        let statements: Vec<(&StatementKind, Option<&str>)> = match direction {
            Direction::Upgrade => schema
                .map(|r| r.upgrade.iter().map(|s| (&s.kind, None)).collect())
                .unwrap_or_default(),
            Direction::Downgrade => match schema.map(|r| &r.downgrade) {
                Some(Downgraded::Statements(statements)) => statements
                    .iter()
                    .map(|d| (&d.statement.kind, d.note.as_deref()))
                    .collect(),
                _ => Vec::new(),
            },
        };
        // Steps: the statements between two that run outside a transaction, and each of
        // those. Every step runs only where the database is where it begins, and every
        // step but the last records itself done, so that a rerun after a failure
        // resumes at the first step not done.
        let steps = 1 + statements
            .iter()
            .map(|(kind, _)| {
                if kind.is_nontransactional() {
                    2
                } else {
                    usize::from(kind.commits_after())
                }
            })
            .sum::<usize>();
        // The revision's settings, in every transaction of its section: the upgrade's,
        // and for a downgrade those its written block adds.
        let mut revision_settings: Vec<&Setting> = Vec::new();
        let upgrade = schema
            .into_iter()
            .flat_map(|r| r.upgrade.iter().map(|s| &s.kind));
        let written = statements
            .iter()
            .filter(|_| direction == Direction::Downgrade)
            .map(|(kind, _)| *kind);
        for kind in upgrade.chain(written) {
            if let StatementKind::Set(setting) = kind {
                revision_settings.retain(|s| s.name != setting.name);
                revision_settings.push(setting);
            }
        }
        let set_local = |out: &mut String| {
            for setting in &revision_settings {
                statement_into(out, &StatementKind::Set((*setting).clone()));
                out.push('\n');
            }
        };
        let mut step = 1;
        self.step_check(&mut out, &n.id, before, step);
        echo(&mut out, &format!("strata: {verb} {}: {message}", n.id));
        set_local(&mut out);
        for (kind, note) in statements {
            if let Some(note) = note {
                let _ = writeln!(out, "-- note: {}", Comment(note));
            }
            if matches!(kind, StatementKind::Set(_)) {
                continue;
            }
            if !kind.is_nontransactional() {
                statement_into(&mut out, kind);
                out.push('\n');
                if matches!(kind, StatementKind::RawSql(_)) {
                    out.push_str(FIXED_SETTINGS);
                }
                // The transaction commits after an enum value's addition
                // (`StatementKind::commits_after` says why).
                if kind.commits_after() {
                    self.step_done(&mut out, &n.id, step);
                    out.push_str("\\endif\nCOMMIT;\n");
                    echo(
                        &mut out,
                        "strata: committed, so that the new enum value can be used by what follows",
                    );
                    out.push_str(BEGIN);
                    step += 1;
                    self.step_check(&mut out, &n.id, before, step);
                    set_local(&mut out);
                }
                continue;
            }
            // PostgreSQL refuses these inside a transaction block: the transaction so far
            // commits with a record of its step, the statement runs on its own and
            // records itself, and a new transaction begins.
            self.step_done(&mut out, &n.id, step);
            out.push_str("\\endif\nCOMMIT;\n");
            echo(
                &mut out,
                "strata: committed; the next statement runs outside a transaction",
            );
            step += 1;
            self.step_check(&mut out, &n.id, before, step);
            let _ = writeln!(out, "-- outside a transaction");
            // Outside a transaction `SET LOCAL` does nothing: the session takes the
            // revision's settings for this statement (and the clean-up of a failed
            // attempt before it), and gets the script's back after.
            for setting in &revision_settings {
                out.push_str(&session_setting(setting));
                out.push('\n');
            }
            if let StatementKind::CreateIndex(index) = kind {
                self.before_index_concurrently(&mut out, index);
            }
            let _ = writeln!(out, "{}", statement(kind));
            if matches!(kind, StatementKind::RawSql(_)) {
                out.push_str(FIXED_SETTINGS);
            }
            for setting in &revision_settings {
                out.push_str(&self.restore(&setting.name));
            }
            self.step_done(&mut out, &n.id, step);
            out.push_str("\\endif\n");
            out.push_str(BEGIN);
            step += 1;
            self.step_check(&mut out, &n.id, before, step);
            set_local(&mut out);
        }
        debug_assert_eq!(step, steps);
        out.push_str("-- version bookkeeping for ");
        let _ = writeln!(out, "{}", Comment(&n.id));
        // One block, so that every change of a version row can be checked: a row that is
        // not where the script expects it stops the script.
        let mut body = String::with_capacity(512);
        body.push_str("BEGIN\n");
        bookkeeping(
            &mut body,
            graph,
            node,
            direction,
            (before, after),
            (&self.table_sql, &self.column_sql),
        );
        insert_history_row(&mut body, &self.history, &n.id, direction.word(), sha);
        body.push_str("END\n");
        do_block(&mut out, &body);
        out.push_str("\\endif\n");
        out
    }

    /// What a rerun needs before `CREATE INDEX CONCURRENTLY`: a failed or cancelled
    /// attempt leaves an INVALID index of the same name, which is dropped; a valid one
    /// is not this script's to replace, and stops the script.
    fn before_index_concurrently(&self, out: &mut String, index: &crate::syntax::ast::CreateIndex) {
        let Some(name) = &index.name else {
            return;
        };
        let mut qualified = String::new();
        if let Some(schema) = &index.table.schema {
            let _ = quote::write_ident(&mut qualified, &schema.value);
            qualified.push('.');
        }
        let _ = quote::write_ident(&mut qualified, &name.value);
        let regclass = quote::literal(&qualified);
        let shown = Comment(&qualified);
        let _ = write!(
            out,
            "SELECT EXISTS (SELECT FROM pg_index WHERE indexrelid = to_regclass({regclass}) \
             AND NOT indisvalid) AS strata_invalid \\gset\n\\if :strata_invalid\n"
        );
        echo(
            out,
            &format!("strata: dropping the invalid index {qualified} that a failed attempt left"),
        );
        let _ = writeln!(out, "DROP INDEX CONCURRENTLY {qualified};\n\\endif");
        let body = format!(
            "BEGIN\n    IF to_regclass({regclass}) IS NOT NULL THEN\n        \
             RAISE EXCEPTION 'strata: index % exists and is valid, but this script is about to \
             build it: it was made outside this script; drop it or rename it, then rerun', {regclass};\n    \
             END IF;\nEND\n"
        );
        let _ = writeln!(out, "-- {shown} must not exist yet");
        do_block(out, &body);
    }
}

impl Renderer<'_> {
    /// The end of every script: the last transaction committed, the lock released, and a
    /// last line saying where the database is now (`rows`, the version rows at the end).
    pub fn footer(
        &self,
        kind: impl Into<Kind>,
        (from, to): (&[NodeIndex], &[NodeIndex]),
        rows: &[String],
    ) -> String {
        let mut out =
            String::from("\n-- the script is done: its progress goes with its last transaction\n");
        let _ = write!(out, "DELETE FROM {} WHERE script = ", self.progress);
        let _ = quote::write_literal(&mut out, &self.identity(kind, from, to));
        out.push_str(";\nCOMMIT;\n");
        let _ = writeln!(
            out,
            "DO $strata$ BEGIN PERFORM pg_advisory_unlock({LOCK_KEY}); END $strata$;"
        );
        let position = if rows.is_empty() {
            "base".to_owned()
        } else {
            rows.join(", ")
        };
        echo(
            &mut out,
            &format!("strata: done; the database is now at {position}"),
        );
        out
    }
}

impl Direction {
    fn word(self) -> &'static str {
        match self {
            Direction::Upgrade => "upgrade",
            Direction::Downgrade => "downgrade",
        }
    }
}

/// The revisions a script crosses. A downgrade with `strict` that reaches beyond the
/// branch it names is refused.
pub(crate) fn plan(request: &Request<'_>) -> Result<Plan, ScriptError> {
    let graph = request.graph;
    match request.direction {
        // An upgrade keeps what its start has applied and adds what its end needs
        // (`upgrade c1:c2` applies c2 beside c1, as Alembic does).
        Direction::Upgrade => Plan::upgrade(graph, request.from, request.to),
        Direction::Downgrade => {
            let target = match request.before {
                Some(starts) => Target::Before(starts.to_vec()),
                None => Target::Position(request.to.to_vec()),
            };
            let plan = Plan::downgrade(graph, request.from, &target)?;
            if request.strict && !plan.beyond.is_empty() {
                return Err(ScriptError::Beyond {
                    revisions: graph.ids(&plan.beyond).join(", "),
                });
            }
            Ok(plan)
        }
    }
}

/// Writes the script.
pub fn script(request: &Request<'_>) -> Result<String, ScriptError> {
    render(request, &plan(request)?)
}

/// Writes the script of `plan`, the plan of `request` ([`plan`]), for a caller that
/// has it already.
pub(crate) fn render(request: &Request<'_>, plan: &Plan) -> Result<String, ScriptError> {
    let graph = request.graph;
    let schema = |node| request.replay.revision(node);
    match request.direction {
        Direction::Upgrade => {
            check_ids(graph, request.config, plan.steps.iter().chain(&plan.below))?
        }
        Direction::Downgrade => {
            if let Some(problem) = plan
                .steps
                .iter()
                .rev()
                .find_map(|&node| downgrade_problem(graph, node, schema(node)))
            {
                return Err(problem);
            }
            if let Some((reverted, kept, what)) = splits_reconciled(graph, plan, schema) {
                return Err(ScriptError::OrderDependent {
                    reverted,
                    kept,
                    what,
                });
            }
            check_ids(
                graph,
                request.config,
                plan.steps.iter().rev().chain(&plan.above),
            )?;
        }
    }
    let renderer = Renderer::new(graph, request.project, request.config);
    let (lower, upper) = (plan.start(graph), plan.upper_rows(graph));
    // A downgrade ends where its reverted revisions leave the database, which is its
    // target and whatever else stays applied.
    let end_nodes: Vec<NodeIndex> = match request.direction {
        Direction::Upgrade => request.to.to_vec(),
        Direction::Downgrade => lower.nodes(graph),
    };
    // Where the script starts, and where it ends; an upgrade builds on the revisions at
    // its start, a downgrade on those it reverts.
    let (rows, end, builds_on) = match request.direction {
        Direction::Upgrade => (lower.list(), upper, lower.nodes(graph)),
        Direction::Downgrade => (upper, lower.list(), plan.steps.clone()),
    };
    let mut out = renderer.header(
        request.direction,
        (request.from, &end_nodes),
        plan.steps.len(),
        request.range,
        &rows,
        &builds_on,
    );
    let mut sections: Vec<String> = plan
        .positions(graph)
        .map(|(node, before, after)| {
            let header = &request.project.revisions[graph.node(node).revision()]
                .revision
                .header;
            renderer.section(
                node,
                header,
                schema(node),
                request.direction,
                (&before, &after),
            )
        })
        .collect();
    if request.direction == Direction::Downgrade {
        sections.reverse();
    }
    for section in sections {
        out.push_str(&section);
    }
    out.push_str(&renderer.footer(request.direction, (request.from, &end_nodes), &end));
    Ok(out)
}

/// A stamp: the script that records a database as being at `to` without changing its
/// schema, for a database that has the schema already (adopted from elsewhere, or
/// repaired by hand). The same settings, lock and guard as any script (the database
/// must be at `from`); then the version rows become `to`'s and `strata_history` gets a
/// `stamp` row for every revision marked applied and an `unstamp` row for every one
/// marked not applied.
pub fn stamp(request: &Request<'_>) -> Result<String, ScriptError> {
    let graph = request.graph;
    let (from, to) = (graph.ancestors(request.from), graph.ancestors(request.to));
    let mut in_from = vec![false; graph.len()];
    for n in &from {
        in_from[n.index()] = true;
    }
    let mut in_to = vec![false; graph.len()];
    for n in &to {
        in_to[n.index()] = true;
    }
    let marked: Vec<NodeIndex> = to.iter().copied().filter(|n| !in_from[n.index()]).collect();
    let unmarked: Vec<NodeIndex> = from
        .iter()
        .rev()
        .copied()
        .filter(|n| !in_to[n.index()])
        .collect();
    let (from_rows, to_rows) = (Rows::new(graph, &from).list(), Rows::new(graph, &to).list());
    check_ids(graph, request.config, to.iter())?;
    let renderer = Renderer::new(graph, request.project, request.config);
    // A stamp builds on nothing: it says what the database holds, after a repair too.
    let mut out = renderer.header(
        Kind::Stamp,
        (request.from, request.to),
        marked.len() + unmarked.len(),
        request.range,
        &from_rows,
        &[],
    );
    out.push_str("\n-- a stamp changes no schema: it records which revisions this database has\n");
    widen_history_directions(&mut out, request.config);
    let mut body = String::from("BEGIN\n");
    let _ = writeln!(body, "    DELETE FROM {};", renderer.table_sql);
    for row in &to_rows {
        insert_version_row(&mut body, (&renderer.table_sql, &renderer.column_sql), row);
    }
    for (nodes, word, verb) in [
        (&unmarked, "unstamp", "marked not applied"),
        (&marked, "stamp", "marked applied"),
    ] {
        for &node in nodes {
            let n = graph.node(node);
            let header = &request.project.revisions[n.revision()].revision.header;
            let message = header.message.as_ref().map_or("", |m| &*m.value);
            let digest = request.project.sources.file(n.file).sha256_hex();
            let sha = digest.as_str();
            let _ = writeln!(
                out,
                "-- {verb}: {}: {}   [source sha256: {sha}]",
                Comment(&n.id),
                Comment(message)
            );
            insert_history_row(&mut body, &renderer.history, &n.id, word, sha);
        }
    }
    body.push_str("END\n");
    out.push_str("-- the version rows and the history\n");
    do_block(&mut out, &body);
    echo(
        &mut out,
        &format!(
            "strata: stamped: {} marked applied, {} marked not applied; no schema changed",
            marked.len(),
            unmarked.len()
        ),
    );
    out.push_str(&renderer.footer(Kind::Stamp, (request.from, request.to), &to_rows));
    Ok(out)
}

/// Lets a history table made before stamps existed take their rows: its check on
/// `direction` is replaced by one that allows `stamp` and `unstamp`.
fn widen_history_directions(out: &mut String, config: &Config) {
    let history = quote::ident(&config.version.history);
    let body = format!(
        "DECLARE\n    old text;\nBEGIN\n\
         \x20   FOR old IN SELECT conname FROM pg_constraint\n\
         \x20       WHERE conrelid = {regclass}::regclass AND contype = 'c'\n\
         \x20         AND pg_get_constraintdef(oid) LIKE '%direction%'\n\
         \x20         AND pg_get_constraintdef(oid) NOT LIKE '%unstamp%'\n\
         \x20   LOOP\n\
         \x20       EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', {regclass}, old);\n\
         \x20       ALTER TABLE {history} ADD CHECK (direction IN ('upgrade', 'downgrade', 'stamp', 'unstamp'));\n\
         \x20   END LOOP;\nEND\n",
        regclass = quote::literal(&history),
    );
    out.push_str("-- a history table older than stamps takes them\n");
    do_block(out, &body);
}

/// The statements that turn `before` rows into `after` rows, by the rule in the module
/// documentation. `table` and `column` come quoted.
fn bookkeeping(
    out: &mut String,
    graph: &RevisionGraph,
    node: NodeIndex,
    direction: Direction,
    (before, after): (&[String], &[String]),
    (table, column): (&str, &str),
) {
    let id: &str = &graph.node(node).id;
    let holds = |rows: &[String], id: &str| rows.iter().any(|r| r == id);
    let parents = graph
        .node(node)
        .down_revisions()
        .iter()
        .map(|&p| &*graph.node(p).id);
    use Piece::{Literal, Sql};
    // A row that should be there and is not: the script stops, naming the revision, the
    // row and the rows it found.
    let found =
        |out: &mut String, old: &str| {
            pieces(
            out,
            &[
                Sql("    IF NOT FOUND THEN\n        RAISE EXCEPTION 'strata: the bookkeeping of % \
                     found no version row %; the version rows are %', "),
                Literal(id),
                Sql(", "),
                Literal(old),
                Sql(",\n            (SELECT coalesce(string_agg("),
                Sql(column),
                Sql(", ', ' ORDER BY "),
                Sql(column),
                Sql(" COLLATE \"C\"), 'none') FROM "),
                Sql(table),
                Sql(");\n    END IF;"),
            ],
        )
        };
    let update = |out: &mut String, old: &str, new: &str| {
        pieces(
            out,
            &[
                Sql("    UPDATE "),
                Sql(table),
                Sql(" SET "),
                Sql(column),
                Sql(" = "),
                Literal(new),
                Sql(" WHERE "),
                Sql(column),
                Sql(" = "),
                Literal(old),
                Sql(";"),
            ],
        );
        found(out, old);
    };
    let delete = |out: &mut String, old: &str| {
        pieces(
            out,
            &[
                Sql("    DELETE FROM "),
                Sql(table),
                Sql(" WHERE "),
                Sql(column),
                Sql(" = "),
                Literal(old),
                Sql(";"),
            ],
        );
        found(out, old);
    };
    let insert = |out: &mut String, new: &str| insert_version_row(out, (table, column), new);
    // The rows that go and come, in the order of the revision's down revisions (parents,
    // then dependencies): the first one's row that goes becomes the revision's (or the revision's becomes the first
    // that comes back), the others are deleted (inserted), and with none the revision's
    // row is inserted (deleted).
    match direction {
        Direction::Upgrade => {
            let mut gone = parents.filter(|p| holds(before, p) && !holds(after, p));
            match gone.next() {
                Some(first) => {
                    update(out, first, id);
                    gone.for_each(|old| delete(out, old));
                }
                None => insert(out, id),
            }
        }
        Direction::Downgrade => {
            let mut come = parents.filter(|p| holds(after, p) && !holds(before, p));
            match come.next() {
                Some(first) => {
                    update(out, id, first);
                    come.for_each(|new| insert(out, new));
                }
                None => delete(out, id),
            }
        }
    }
}

/// `INSERT INTO table (column) VALUES ('id');`, a version row (`table` and `column`
/// quoted). An insert of a row that exists fails on the table's primary key.
fn insert_version_row(out: &mut String, (table, column): (&str, &str), id: &str) {
    pieces(
        out,
        &[
            Piece::Sql("    INSERT INTO "),
            Piece::Sql(table),
            Piece::Sql(" ("),
            Piece::Sql(column),
            Piece::Sql(") VALUES ("),
            Piece::Literal(id),
            Piece::Sql(");"),
        ],
    )
}

/// A row of the history (`history` quoted): what happened to revision `id`, and the
/// SHA-256 of the source it happened with.
fn insert_history_row(out: &mut String, history: &str, id: &str, direction: &str, sha: &str) {
    pieces(
        out,
        &[
            Piece::Sql("    INSERT INTO "),
            Piece::Sql(history),
            Piece::Sql(" (revision, direction, source_sha256) VALUES ("),
            Piece::Literal(id),
            Piece::Sql(", '"),
            Piece::Sql(direction),
            Piece::Sql("', '"),
            Piece::Sql(sha),
            Piece::Sql("');"),
        ],
    );
}

/// A piece of a line [`pieces`] writes.
enum Piece<'a> {
    /// Written as it is.
    Sql(&'a str),
    /// Written as a string literal.
    Literal(&'a str),
}

/// Appends the pieces and a line break, with literals quoted in place.
fn pieces(out: &mut String, pieces: &[Piece<'_>]) {
    for piece in pieces {
        match piece {
            Piece::Sql(sql) => out.push_str(sql),
            Piece::Literal(text) => {
                let _ = quote::write_literal(out, text);
            }
        }
    }
    out.push('\n');
}
