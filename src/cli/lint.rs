//! `strata lint`: the lint's findings as text, JSON (as `check`'s), SARIF 2.1.0 or
//! GitHub workflow annotations. Every format is printed on standard output; the exit
//! status is 1 when a finding is at `deny` level (or the project has errors).

use std::fmt::Write as _;

use serde_json::{json, Value};

use super::{
    check, fail, load, print_stderr, print_stdout, stream, Checked, Cli, Outcome, Replaying,
};
use crate::diagnostic::{self, Code, Diagnostic, Severity};
use crate::inert;
use crate::lint::{self, Level, Rule};
use crate::plural;
use crate::render::script::Plan;
use crate::source::SourceMap;
use crate::syntax::Depth;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
    Sarif,
    Github,
}

pub(super) fn run(cli: &Cli, range: Option<&str>, format: LintFormat, rules: bool) -> Outcome {
    if rules {
        print_stdout(&rule_table(cli));
        return Outcome::Clean;
    }
    // A project broken before its bodies are read (a header, the graph) is reported in
    // the format asked for, as every other finding.
    let mut checked = match load(cli, Depth::Full, Replaying::Later) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let scope = match range {
        _ if checked.has_errors() => None,
        None => Some(lint::Scope::EachRevision),
        Some(range) => {
            let resolved = match checked.graph.resolve_range(range, Some("base")) {
                Ok(resolved) => resolved,
                Err(error) => return fail(&error.to_string()),
            };
            let plan = match Plan::upgrade(&checked.graph, &resolved.from, &resolved.to) {
                Ok(plan) => plan,
                Err(error) => return fail(&error.to_string()),
            };
            Some(lint::Scope::range(checked.graph.len(), &plan.steps))
        }
    };
    if let Some(scope) = scope {
        let streamed = checked.project.take_for_stream();
        let run = stream(
            cli,
            &checked,
            streamed,
            Some(cli.lint_settings(scope)),
            |_| Ok::<(), ()>(()),
        );
        checked = checked.absorb(run.broken_file, run.diagnostics);
    }
    // The lint's findings, and the errors that stop the project (which come with it in
    // every format, so that a CI report is never silently empty).
    let findings: Vec<Diagnostic> = checked
        .diagnostics
        .iter()
        .filter(|d| is_lint(d) || d.severity == Severity::Error)
        .cloned()
        .collect();
    let failed = diagnostic::has_errors(&findings);
    let report = match format {
        LintFormat::Text => text(cli, &checked, &findings),
        LintFormat::Json => check::json_report(&checked, &findings, cli.config_name()),
        LintFormat::Sarif => sarif(cli, &checked.project.sources, &findings),
        LintFormat::Github => github(&checked.project.sources, &findings),
    };
    print_stdout(&report);
    checked.release();
    if failed {
        Outcome::Findings
    } else {
        Outcome::Clean
    }
}

fn is_lint(d: &Diagnostic) -> bool {
    matches!(d.code, Code::Lint(_) | Code::Suppression)
}

/// `strata lint --rules`: every rule with its level under the configuration.
fn rule_table(cli: &Cli) -> String {
    let width = Rule::ALL.iter().map(|r| r.id().len()).max().unwrap_or(0);
    let mut out = format!(
        "rules for PostgreSQL {} (strata.toml `[lint]`):\n",
        cli.settings.lint.postgres
    );
    let mut group = None;
    for &rule in Rule::ALL {
        if group != Some(rule.group()) {
            group = Some(rule.group());
            let _ = writeln!(out, "\n{}:", rule.group().as_str());
        }
        let _ = writeln!(
            out,
            "  {:width$}  {:5}  {}",
            rule.id(),
            cli.settings.lint.level(rule).as_str(),
            rule.summary()
        );
    }
    out
}

fn text(cli: &Cli, checked: &Checked, findings: &[Diagnostic]) -> String {
    let mut out: String = diagnostic::shown(findings)
        .iter()
        .map(|d| d.render(&checked.project.sources))
        .collect();
    let errors = findings
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let _ = writeln!(
        out,
        "{}: {} linted: {} ({} denied)",
        cli.dir().display(),
        plural(checked.graph.len(), "revision"),
        plural(findings.len(), "finding"),
        errors
    );
    out
}

/// The level SARIF gives a configured level.
fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Allow => "none",
        Level::Warn => "warning",
        Level::Deny => "error",
    }
}

/// A path as a relative URI reference: every byte but the unreserved ones and `/`
/// percent-encoded (a space, a `#`, a control character).
fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// A diagnostic's place as a SARIF location: the file, and the region from its line and
/// column to the end of the span on that line.
fn location(sources: &SourceMap, span: crate::source::Span) -> Value {
    let file = sources.file(span.file);
    let mut region = json!({ "startLine": span.line, "startColumn": span.col });
    if let Ok(text) = file.text() {
        if let Some(spanned) = text.get(span.start as usize..span.end as usize) {
            let first_line = spanned.split('\n').next().unwrap_or("");
            let width = first_line.chars().count().max(1) as u32;
            region["endColumn"] = json!(span.col + width);
        }
    }
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(file.display_path()) },
            "region": region,
        }
    })
}

/// The full text of a finding for a reader: message, what PostgreSQL does, the fix.
fn full_message(d: &Diagnostic) -> String {
    let mut text = inert::terminal(&d.message);
    if let Some(explanation) = &d.explanation {
        let _ = write!(text, "\nnote: {}", inert::terminal(explanation));
    }
    if let Some(help) = &d.help {
        let _ = write!(text, "\nhelp: {}", inert::terminal(help));
    }
    text
}

/// SARIF 2.1.0: one run of strata, its rules with their help, a result per finding.
fn sarif(cli: &Cli, sources: &SourceMap, findings: &[Diagnostic]) -> String {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|&rule| {
            json!({
                "id": rule.id(),
                "shortDescription": { "text": rule.summary() },
                "help": {
                    "text": format!("{} See {} in strata's repository.", rule.fix(), rule.page()),
                },
                "defaultConfiguration": {
                    "level": sarif_level(cli.settings.lint.level(rule)),
                },
                "properties": { "group": rule.group().as_str() },
            })
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|d| {
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "level": match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Note => "note",
                },
                "message": { "text": full_message(d) },
                "locations": [location(sources, d.span)],
            });
            if let Code::Lint(rule) = d.code {
                if let Some(index) = Rule::ALL.iter().position(|&r| r == rule) {
                    result["ruleIndex"] = json!(index);
                }
            }
            if !d.notes.is_empty() {
                result["relatedLocations"] = d
                    .notes
                    .iter()
                    .enumerate()
                    .map(|(i, note)| {
                        let mut l = location(sources, note.span);
                        l["id"] = json!(i);
                        l["message"] = json!({ "text": inert::terminal(&note.message) });
                        l
                    })
                    .collect();
            }
            result
        })
        .collect();
    let log = json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "strata",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "results": results,
        }],
    });
    let mut text = serde_json::to_string_pretty(&log).expect("a SARIF log always serializes");
    text.push('\n');
    text
}

/// GitHub's escaping of a workflow command's message: `%`, CR and LF.
fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// ... and of a property's value: also `:` and `,`, which end it.
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub workflow annotations: `::warning file=...,line=...,col=...::message`, one line
/// each, which a workflow step's log turns into annotations on the pull request.
fn github(sources: &SourceMap, findings: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in findings {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let path = inert::terminal(sources.file(d.span.file).display_path());
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            github_property(&path),
            d.span.line,
            d.span.col,
            github_property(&format!("strata {}", d.code.as_str())),
            github_data(&full_message(d))
        );
    }
    if out.is_empty() {
        print_stderr("strata: no lint findings\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_cannot_be_ended_or_forged_by_their_text() {
        assert_eq!(
            github_data("50% done\n::error::forged"),
            "50%25 done%0A::error::forged"
        );
        assert_eq!(github_property("a,b:c\r"), "a%2Cb%3Ac%0D");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri("migrations/0001 first#.mig"),
            "migrations/0001%20first%23.mig"
        );
    }
}
