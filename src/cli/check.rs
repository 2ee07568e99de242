//! `strata check`: every diagnostic of every stage, the CI gates `--single-head` and
//! `--linear`, as text or as one JSON document.

use serde::Serialize;

use crate::inert;

use super::{load, print_stderr, print_stdout, CheckFormat, Checked, Cli, Outcome, Replaying};
use crate::diagnostic::{self, Code, Diagnostic, Severity};
use crate::graph::RevisionGraph;
use crate::plural;
use crate::source::{SourceMap, Span};
use crate::syntax::Depth;

/// The checks CI asks for beyond the project's own.
pub(super) struct Gates {
    pub single_head: bool,
    pub linear: bool,
    /// The project must match `strata.lock`.
    pub locked: bool,
}

pub(super) fn run(cli: &Cli, gates: Gates, format: CheckFormat) -> Outcome {
    let mut checked = match load(cli, Depth::Full, Replaying::Stream) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    // The gates judge a graph that is otherwise sound; on a broken one they would only
    // add noise to the errors that matter.
    if !checked.has_errors() {
        if gates.single_head {
            checked.diagnostics.extend(several_heads(&checked));
        }
        if gates.linear {
            checked.diagnostics.extend(nonlinear(&checked.graph));
        }
        let found = against_lock(cli, &mut checked, gates.locked);
        checked.diagnostics.extend(found);
        diagnostic::sort(&mut checked.diagnostics, &checked.project.sources);
    }
    let outcome = if checked.has_errors() {
        Outcome::Findings
    } else {
        Outcome::Clean
    };
    match format {
        CheckFormat::Json => print_stdout(&json_report(
            &checked,
            &checked.diagnostics,
            cli.config_name(),
        )),
        CheckFormat::Text => {
            print_stderr(&checked.rendered());
            let errors = checked.count(Severity::Error);
            let warnings = checked.count(Severity::Warning);
            if errors > 0 {
                print_stderr(&format!(
                    "strata: {} and {} in {}\n",
                    plural(errors, "error"),
                    plural(warnings, "warning"),
                    cli.dir().display()
                ));
            } else {
                let graph = &checked.graph;
                let configuration = cli
                    .config_name()
                    .map_or_else(|| "none (the defaults)".to_owned(), |c| inert::terminal(&c));
                print_stdout(&format!(
                    "{}: {} checked, no errors, {}\ngraph: {}, {}, {}, {}\nconfiguration: {configuration}\n",
                    cli.dir().display(),
                    plural(graph.len(), "revision"),
                    plural(warnings, "warning"),
                    plural(graph.roots().len(), "root"),
                    plural(graph.heads().len(), "head"),
                    plural(graph.branch_points().len(), "branch point"),
                    plural(graph.merges().len(), "merge"),
                ));
            }
        }
    }
    checked.release();
    outcome
}

/// `strata lock`: writes the lock of the project as it is, which must be free of errors.
pub(super) fn lock(cli: &Cli) -> Outcome {
    let checked = match super::load_clean(cli, Depth::Full, Replaying::Check) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let entries = crate::lock::entries(&checked.project, &checked.graph);
    let path = cli.lock_path();
    let text = crate::lock::render(&entries);
    // Written beside and renamed over, so that a reader never sees half a lock.
    let staged = path.with_extension("lock.tmp");
    let written = std::fs::write(&staged, text).and_then(|()| std::fs::rename(&staged, &path));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&staged);
        return super::fail(&format!("cannot write `{}`: {error}", path.display()));
    }
    let mut said = format!(
        "wrote {} ({})\n",
        path.display(),
        plural(entries.len(), "revision")
    );
    let attributes = path.with_file_name(".gitattributes");
    let merges = std::fs::read_to_string(&attributes).is_ok_and(|text| {
        text.lines()
            .any(|l| l.split_whitespace().eq(["strata.lock", "merge=union"]))
    });
    if !merges {
        said.push_str(&format!(
            "strata: add `strata.lock merge=union` to {} so that git joins the locks of two \
             branches without a conflict\n",
            attributes.display()
        ));
    }
    print_stdout(&said);
    checked.release();
    Outcome::Clean
}

/// The project against `strata.lock`: errors under `--locked` (which also needs the
/// lock to exist), warnings otherwise, at the revision's header and at the lock's line.
fn against_lock(cli: &Cli, checked: &mut Checked, locked: bool) -> Vec<Diagnostic> {
    let path = cli.lock_path();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(_) if !locked => return Vec::new(),
        Err(_) => String::new(),
    };
    if checked.graph.has_cycle() {
        return Vec::new();
    }
    let display = path.display().to_string();
    let file = checked.project.sources.push(crate::source::SourceFile::new(
        display.clone(),
        display,
        Some(text.clone()),
    ));
    let severity = |code, span, message: String| {
        if locked {
            Diagnostic::error(code, span, message)
        } else {
            Diagnostic::warning(code, span, message)
        }
    };
    // One index of the lock's lines for every finding: a stale lock of a large project
    // has a finding on every line.
    let index = crate::source::LineIndex::new(&text);
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect();
    let line_span = |number: usize| -> Span {
        let start = starts.get(number - 1).copied().unwrap_or(text.len());
        let end = start + text[start..].find('\n').unwrap_or(text.len() - start);
        index.span(&text, file, start, end)
    };
    if text.is_empty() {
        return vec![severity(
            Code::Lock,
            line_span(1),
            "there is no lock beside the migrations folder: run `strata lock`".to_owned(),
        )];
    }
    let (lines, mut problems) = crate::lock::parse(&text);
    let current = crate::lock::entries(&checked.project, &checked.graph);
    problems.extend(crate::lock::compare(&lines, &current));
    problems
        .into_iter()
        .map(|problem| {
            let node = problem
                .revision
                .as_deref()
                .and_then(|id| checked.graph.find(id));
            match (node, problem.line) {
                (Some(node), line) => {
                    let d = severity(Code::Lock, checked.graph.node(node).span, problem.message);
                    match line {
                        Some(line) => d.with_note(line_span(line), "locked here"),
                        None => d,
                    }
                }
                (None, line) => severity(Code::Lock, line_span(line.unwrap_or(1)), problem.message),
            }
            .with_help("if the change is meant, run `strata lock` and commit strata.lock with it")
        })
        .collect()
}

/// `--single-head`: one error naming every head and its file, with the command that
/// would join them.
fn several_heads(checked: &Checked) -> Option<Diagnostic> {
    let graph = &checked.graph;
    let heads = graph.heads();
    let (&first, others) = heads.split_first()?;
    if others.is_empty() {
        return None;
    }
    let ids = graph.ids(&heads);
    let mut diagnostic = Diagnostic::error(
        Code::SeveralHeads,
        graph.node(first).span,
        format!(
            "the graph has {} heads ({}); one is required",
            heads.len(),
            ids.join(", ")
        ),
    );
    for &head in others {
        diagnostic = diagnostic.with_note(
            graph.node(head).span,
            format!("head `{}`", graph.node(head).id),
        );
    }
    Some(diagnostic.with_help(format!(
        "join them with: strata merge {} -m 'Merge heads'",
        ids.join(" ")
    )))
}

/// `--linear`: an error at every branch point and every merge.
fn nonlinear(graph: &RevisionGraph) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for node in graph.branch_points() {
        let n = graph.node(node);
        found.push(Diagnostic::error(
            Code::NotLinear,
            n.span,
            format!(
                "`{}` is a branch point (followed by {}); --linear allows none",
                n.id,
                graph.ids(n.children()).join(", ")
            ),
        ));
    }
    for node in graph.merges() {
        let n = graph.node(node);
        found.push(Diagnostic::error(
            Code::NotLinear,
            n.span,
            format!(
                "`{}` is a merge (of {}); --linear allows none",
                n.id,
                graph.ids(n.parents()).join(", ")
            ),
        ));
    }
    found
}

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    errors: usize,
    warnings: usize,
    findings: Vec<Finding<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Finding<'a> {
    severity: &'static str,
    code: &'static str,
    message: String,
    #[serde(flatten)]
    location: Location<'a>,
    notes: Vec<NoteJson<'a>>,
    /// What PostgreSQL does, for a lint finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    help: Option<String>,
}

#[derive(Serialize)]
struct NoteJson<'a> {
    message: String,
    #[serde(flatten)]
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    file: std::borrow::Cow<'a, str>,
    line: u32,
    column: u32,
}

impl<'a> Location<'a> {
    fn of(sources: &'a SourceMap, span: Span) -> Self {
        Location {
            file: inert::terminal_lines(sources.file(span.file).display_path()),
            line: span.line,
            column: span.col,
        }
    }
}

#[derive(Serialize)]
struct Summary {
    /// The configuration file used (`null`: the defaults).
    configuration: Option<String>,
    revisions: usize,
    roots: Vec<String>,
    heads: Vec<String>,
    branch_points: Vec<String>,
    merges: Vec<String>,
}

/// The JSON report of `findings` (all of the project's, or the lint's).
pub(super) fn json_report(
    checked: &Checked,
    findings: &[Diagnostic],
    configuration: Option<String>,
) -> String {
    let sources = &checked.project.sources;
    let graph = &checked.graph;
    // A malformed id (an error of its own) is still a node; it is written inertly.
    let ids = |nodes: &[petgraph::graph::NodeIndex]| -> Vec<String> {
        graph.ids(nodes).into_iter().map(inert::terminal).collect()
    };
    let errors = findings
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = findings
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    let findings = diagnostic::shown(findings)
        .iter()
        .map(|d| Finding {
            severity: d.severity.as_str(),
            code: d.code.as_str(),
            message: inert::terminal(&d.message),
            location: Location::of(sources, d.span),
            notes: d
                .notes
                .iter()
                .map(|n| NoteJson {
                    message: inert::terminal(&n.message),
                    location: Location::of(sources, n.span),
                })
                .collect(),
            note: d.explanation.as_deref().map(inert::terminal),
            help: d.help.as_deref().map(inert::terminal),
        })
        .collect();
    let report = Report {
        ok: errors == 0,
        errors,
        warnings,
        findings,
        summary: Summary {
            configuration: configuration.map(|c| inert::terminal(&c)),
            revisions: graph.len(),
            roots: ids(&graph.roots()),
            heads: ids(&graph.heads()),
            branch_points: ids(&graph.branch_points()),
            merges: ids(&graph.merges()),
        },
    };
    let mut text = serde_json::to_string_pretty(&report).expect("a report always serializes");
    text.push('\n');
    text
}
