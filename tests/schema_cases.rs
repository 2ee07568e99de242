//! The schema model's fixtures: `tests/cases/schema/NAME/migrations/`. The golden
//! `expected.txt` shows, per revision in replay order, the upgrade with every name
//! explicit and the downgrade (derived or written), then every diagnostic. Cases named
//! `err_*` must have errors, `warn_*` warnings only, and the others no diagnostic.

use std::fmt::Write as _;

use strata::diagnostic::{self, Severity};
use strata::graph::RevisionGraph;
use strata::project;
use strata::schema::replay::{self, Downgraded, Options};
use strata::syntax::{print, Depth};

use crate::support::{assert_golden, case_dirs};

/// Options that also replay every derived downgrade, proving it gives back the schema.
fn verified() -> Options {
    Options {
        verify_derived: true,
        ..Options::default()
    }
}

fn transcript(case: &std::path::Path) -> (String, Vec<Severity>) {
    let project = project::load(&case.join("migrations"), Depth::Full).expect("loads");
    let (graph, mut diagnostics) = RevisionGraph::build(&project);
    diagnostics.extend(project.diagnostics.iter().cloned());
    let (replay, schema_diagnostics) = replay::replay(&project, &graph, &verified());
    diagnostics.extend(schema_diagnostics);
    let mut out = String::new();
    for &node in graph.replay_order() {
        let id = &graph.node(node).id;
        let Some(revision) = replay.revision(node) else {
            continue;
        };
        let _ = writeln!(out, "== {id}: upgrade");
        for statement in &revision.upgrade {
            let _ = writeln!(out, "{}", print::statement(&statement.kind));
        }
        let how = if revision.derived {
            "derived"
        } else {
            "written"
        };
        let _ = writeln!(out, "== {id}: downgrade ({how})");
        match &revision.downgrade {
            Downgraded::Statements(statements) => {
                for d in statements {
                    if let Some(note) = &d.note {
                        let _ = writeln!(out, "-- {note}");
                    }
                    let _ = writeln!(out, "{}", print::statement(&d.statement.kind));
                }
            }
            Downgraded::Irreversible(why) => {
                let _ = writeln!(out, "-- irreversible: {why}");
            }
            Downgraded::NotDerivable => {
                let _ = writeln!(out, "-- not derivable");
            }
        }
    }
    diagnostic::sort(&mut diagnostics, &project.sources);
    let prefix = format!("{}/", case.display());
    if !diagnostics.is_empty() {
        let _ = writeln!(out, "== diagnostics");
        for d in &diagnostics {
            out.push_str(&d.render(&project.sources).replace(&prefix, ""));
        }
    }
    (out, diagnostics.iter().map(|d| d.severity).collect())
}

#[test]
fn schema_cases_match_their_golden_transcripts() {
    let cases = case_dirs("schema", 25);
    for case in cases {
        let name = crate::support::case_name(&case);
        let (text, severities) = transcript(&case);
        let errors = severities.contains(&Severity::Error);
        let warnings = severities.contains(&Severity::Warning);
        match name.split('_').next() {
            Some("err") => assert!(errors, "{name} should have errors:\n{text}"),
            Some("warn") => assert!(
                warnings && !errors,
                "{name} should have warnings only:\n{text}"
            ),
            _ => assert!(severities.is_empty(), "{name} should be clean:\n{text}"),
        }
        assert_golden(&case.join("expected.txt"), &text);
    }
}

#[test]
fn the_example_project_replays_cleanly_with_every_downgrade_verified() {
    let project =
        project::load(&crate::support::repo_root().join("migrations"), Depth::Full).expect("loads");
    let (graph, diagnostics) = RevisionGraph::build(&project);
    assert!(diagnostics.is_empty());
    let (replay, diagnostics) = replay::replay(&project, &graph, &verified());
    let rendered: Vec<String> = diagnostics
        .iter()
        .map(|d| d.render(&project.sources))
        .collect();
    assert!(rendered.is_empty(), "{}", rendered.join(""));
    for &node in graph.replay_order() {
        assert!(replay.revision(node).is_some());
    }
}
