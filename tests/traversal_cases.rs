//! Alembic's traversal cases, rebuilt: `tests/cases/traversal/NAME/` holds a `graph`
//! (one revision a line: `ID [: PARENT...] [depends DEP...] [labels LABEL...]`) and a
//! `cases` file whose expectations come from Alembic's own tests
//! (`tests/test_version_traversal.py`, `tests/test_revision.py`), not from strata:
//!
//! ```text
//! # a comment (the Alembic test it comes from)
//! upgrade b:d1 => +c1 +d1 ; d1
//! downgrade d1,d2:a => -d1 -c1 -d2 -c2 -b ; a
//! upgrade a:b3 => +b1 [b1] +b2 [b1 b2] ; b2
//! upgrade c1,c2:+1 ! is relative to `c1,c2`, which names several revisions
//! ```
//!
//! After `=>`: the revisions applied (`+`) or reverted (`-`), in order, each optionally
//! followed by the version rows after it in brackets; after `;`, the version rows at the
//! end (`base` for none). After `!`: the command fails (exit 2) with a message that holds
//! the text. Each command runs the real binary on a project written from the graph, and
//! the script it prints is read back: its sections, the rows each step's check expects,
//! and its last line.

use std::fmt::Write as _;
use std::path::Path;

use crate::support::{case_dirs, strata};

/// Writes the `.mig` files of a `graph` spec into `dir`.
fn write_graph(spec: &str, dir: &Path) {
    std::fs::create_dir_all(dir).expect("migrations folder");
    for line in spec.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, rest) = match line.split_once(':') {
            Some(split) => split,
            None => line.split_once(' ').unwrap_or((line, "")),
        };
        let id = id.trim();
        let mut clauses: Vec<(&str, Vec<&str>)> = vec![("parents", Vec::new())];
        for word in rest.split_whitespace() {
            match word {
                "depends" => clauses.push(("depends_on", Vec::new())),
                "labels" => clauses.push(("labels", Vec::new())),
                word => clauses.last_mut().expect("a clause").1.push(word),
            }
        }
        let mut text = format!("revision {id}");
        for (clause, words) in clauses {
            if !words.is_empty() {
                let _ = write!(text, "\n  {clause} {}", words.join(", "));
            }
        }
        text.push_str(";\n");
        std::fs::write(dir.join(format!("{id}.mig")), text).expect("write a revision");
    }
}

/// What a script does, read back from it: `+ID`/`-ID` per section with the rows after
/// it, and the rows at the end.
fn read_script(sql: &str) -> (Vec<(String, String)>, String) {
    let mut steps: Vec<(String, String)> = Vec::new();
    // The rows each section's first step expects: the rows after the section before.
    let mut expected_rows: Vec<String> = Vec::new();
    let mut end = String::new();
    for line in sql.lines() {
        if let Some(rest) = line.strip_prefix("\\echo 'strata: ") {
            let rest = rest.trim_end_matches('\'');
            for (verb, sign) in [("applying ", '+'), ("reverting ", '-')] {
                if let Some(id) = rest.strip_prefix(verb) {
                    let id = id.split(':').next().unwrap_or(id);
                    steps.push((format!("{sign}{id}"), String::new()));
                }
            }
            if let Some(rows) = rest.strip_prefix("done; the database is now at ") {
                end = rows.replace(", ", " ");
            }
        } else if line.starts_with("SELECT (SELECT coalesce(string_agg(")
            && line.contains(" AND step >= 1)")
        {
            let rows = line
                .split_once(") = '")
                .and_then(|(_, rest)| rest.split_once("' AND NOT EXISTS"))
                .map_or("", |(rows, _)| rows);
            expected_rows.push(if rows.is_empty() {
                "base".to_owned()
            } else {
                rows.replace(", ", " ")
            });
        }
    }
    for (i, step) in steps.iter_mut().enumerate() {
        step.1 = expected_rows
            .get(i + 1)
            .cloned()
            .unwrap_or_else(|| end.clone());
    }
    (steps, end)
}

/// Runs one case line in `project`; `Err` says how it differs from its expectation.
fn run_case(project: &Path, line: &str) -> Result<(), String> {
    let (command, expectation) = match (line.split_once("=>"), line.split_once('!')) {
        (Some((command, expected)), _) => (command, Ok(expected)),
        (None, Some((command, message))) => (command, Err(message.trim())),
        (None, None) => return Err("a case needs `=>` or `!`".to_owned()),
    };
    let args: Vec<&str> = command.split_whitespace().collect();
    let out = strata(project, &args);
    match expectation {
        Err(message) => {
            if out.code == 2 && out.stdout.is_empty() && out.stderr.contains(message) {
                Ok(())
            } else {
                Err(format!(
                    "expected a failure saying `{message}`, got exit {}: {}",
                    out.code, out.stderr
                ))
            }
        }
        Ok(expected) => {
            if out.code != 0 {
                return Err(format!("exit {}: {}", out.code, out.stderr));
            }
            let (steps, end) = read_script(&out.stdout);
            let (expected_steps, expected_end) = expected.split_once(';').unwrap_or((expected, ""));
            // The steps, with rows where the case gives them.
            let mut shown = Vec::new();
            let mut wanted = Vec::new();
            let mut words = expected_steps.split_whitespace().peekable();
            let mut index = 0;
            while let Some(word) = words.next() {
                let actual = steps.get(index);
                shown.push(actual.map_or("?".to_owned(), |s| s.0.clone()));
                wanted.push(word.to_owned());
                if words.peek().is_some_and(|w| w.starts_with('[')) {
                    let mut rows = Vec::new();
                    for w in words.by_ref() {
                        rows.push(w.trim_matches(['[', ']']).to_owned());
                        if w.ends_with(']') {
                            break;
                        }
                    }
                    let rows = rows.join(" ");
                    wanted.push(format!("[{rows}]"));
                    shown.push(format!("[{}]", actual.map_or("", |s| s.1.as_str())));
                }
                index += 1;
            }
            for extra in steps.iter().skip(index) {
                shown.push(extra.0.clone());
            }
            let expected_end = expected_end.trim();
            if shown != wanted || end != expected_end {
                return Err(format!(
                    "expected {} ; {expected_end}\n     got {} ; {end}",
                    wanted.join(" "),
                    shown.join(" ")
                ));
            }
            Ok(())
        }
    }
}

#[test]
fn alembic_traversal_cases_give_alembic_revisions_order_and_version_rows() {
    let cases = case_dirs("traversal", 10);
    let mut failures = String::new();
    let mut count = 0;
    for case in cases {
        let name = crate::support::case_name(&case);
        let tmp = tempfile::tempdir().expect("temporary folder");
        let spec = std::fs::read_to_string(case.join("graph")).expect("a graph file");
        write_graph(&spec, &tmp.path().join("migrations"));
        let lines = std::fs::read_to_string(case.join("cases")).expect("a cases file");
        for line in lines.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            count += 1;
            if let Err(why) = run_case(tmp.path(), line) {
                let _ = writeln!(failures, "{name}: {line}\n     {why}");
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
    assert!(count >= 60, "only {count} traversal cases");
}

#[test]
fn a_graph_spec_becomes_revision_files() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    write_graph("a labels lib\nb: a depends x\nx\n", tmp.path());
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("b.mig")).expect("b"),
        "revision b\n  parents a\n  depends_on x;\n"
    );
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("a.mig")).expect("a"),
        "revision a\n  labels lib;\n"
    );
}
