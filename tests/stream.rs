//! `check`, `build` and `verify` read the headers first and stream the bodies through
//! the replay (src/pipeline.rs). Whatever the project, they must report exactly what a
//! whole load reports: every fixture project, every parser error fixture dropped into
//! the example project, and the example with broken bodies and schema errors.

use std::path::Path;

use pretty_assertions::assert_eq;
use strata::config::LintConfig;
use strata::diagnostic;
use strata::graph::RevisionGraph;
use strata::lint;
use strata::project;
use strata::schema::replay::{self, Options};
use strata::syntax::Depth;

use crate::support::{cases_dir, copy_dir, files_with_extension, render_all, repo_root, strata};

/// What `check` prints on standard error, from a whole load in this process.
fn whole_load_report(case: &Path) -> String {
    load_report(case, false)
}

/// The same for `build` of the whole graph, which lints it as one range.
fn whole_build_report(case: &Path) -> String {
    load_report(case, true)
}

fn load_report(case: &Path, whole_range: bool) -> String {
    let project = project::load(&case.join("migrations"), Depth::Full).expect("loads");
    let (graph, mut diagnostics) = RevisionGraph::build(&project);
    diagnostics.extend(project.diagnostics.iter().cloned());
    if !diagnostic::has_errors(&diagnostics) {
        // `check` lints every revision on its own, `build` its range, under the
        // default configuration.
        let scope = if whole_range {
            lint::Scope::Range(vec![true; graph.len()])
        } else {
            lint::Scope::EachRevision
        };
        let options = Options {
            lint: Some(lint::Settings::new(&LintConfig::default(), false, scope)),
            ..Options::default()
        };
        let (_, schema) = replay::replay(&project, &graph, &options);
        diagnostics.extend(schema);
    }
    let text = render_all(&project.sources, &mut diagnostics);
    text.replace(&format!("{}/", case.display()), "")
}

/// The diagnostics `check` prints, without its closing summary line.
fn streamed_report(case: &Path) -> String {
    let out = strata(case, &["--dir", "migrations", "check"]);
    assert!(out.code <= 1, "{}: {}", case.display(), out.stderr);
    let mut text = out.stderr;
    if out.code == 1 {
        let cut = text.trim_end().rfind('\n').map_or(0, |i| i + 1);
        assert!(text[cut..].starts_with("strata: "), "{text}");
        text.truncate(cut);
    }
    text
}

fn assert_same_report(case: &Path) {
    assert_eq!(
        streamed_report(case),
        whole_load_report(case),
        "{}",
        case.display()
    );
}

#[test]
fn every_fixture_project_is_reported_as_a_whole_load_reports_it() {
    for stage in ["schema", "graph"] {
        let cases = crate::support::case_dirs(stage, 11);
        for case in cases.iter().filter(|p| p.join("migrations").is_dir()) {
            assert_same_report(case);
        }
    }
}

/// The example project with changes: `(file, text to find, replacement)`.
fn example_with(changes: &[(&str, &str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_dir(
        &repo_root().join("migrations"),
        &dir.path().join("migrations"),
    );
    for (file, find, replace) in changes {
        let path = dir.path().join("migrations").join(file);
        let text = std::fs::read_to_string(&path).expect("example file");
        assert!(text.contains(find), "{file} has no `{find}`");
        std::fs::write(&path, text.replacen(find, replace, 1)).expect("write");
    }
    dir
}

#[test]
fn broken_bodies_and_schema_errors_are_reported_as_a_whole_load_reports_them() {
    let syntax = (
        "0012_messages_created_index.mig",
        "upgrade {",
        "upgrade { create tabel x ();",
    );
    let late_syntax = ("0015_rename_token_count.mig", "upgrade {", "upgrade { ;");
    let schema = (
        "0003_sessions.mig",
        "upgrade {",
        "upgrade { drop table nowhere;",
    );
    let name = (
        "0013_user_display_name.mig",
        "upgrade {",
        "upgrade { create schema a_schema_name_longer_than_sixty_three_bytes_is_refused_by_strata;",
    );
    for changes in [
        vec![syntax],
        vec![late_syntax],
        vec![schema],
        vec![name],
        vec![schema, syntax],
        vec![schema, late_syntax, name],
    ] {
        let project = example_with(&changes);
        assert_same_report(project.path());
        // A build of a broken project says the same, exits 1, and writes nothing.
        let out = strata(project.path(), &["--dir", "migrations", "build"]);
        assert_eq!(out.code, 1, "{changes:?}: {}", out.stderr);
        assert!(out.stderr.starts_with(&whole_build_report(project.path())));
        assert!(!project.path().join("out").exists(), "{changes:?}");
    }
}

#[test]
fn every_parser_error_fixture_in_a_project_is_reported_as_a_whole_load_reports_it() {
    let fixtures = files_with_extension(&cases_dir("parse").join("err"), "mig");
    assert!(fixtures.len() > 10);
    for fixture in fixtures {
        let project = example_with(&[]);
        let name = fixture.file_name().expect("a name");
        std::fs::copy(&fixture, project.path().join("migrations").join(name)).expect("copy");
        assert_same_report(project.path());
    }
}

/// A project of `n` revisions, long enough to be streamed in several chunks: a table
/// every tenth revision and a column on it otherwise, a branch and its merge, raw SQL
/// with its downgrade, and `late` (text, downgrade) put into revision `n - 5`.
fn long_project(n: usize, late: (&str, &str)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let migrations = dir.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("folder");
    let mut table = String::new();
    for i in 1..=n {
        let parents = match i {
            1 => String::new(),
            // 41 and 42 both follow 40; 43 merges them.
            42 => "\n  parents r040".to_owned(),
            43 => "\n  parents r041, r042".to_owned(),
            _ => format!("\n  parents r{:03}", i - 1),
        };
        let (upgrade, downgrade) = if i == n - 5 {
            (late.0.to_owned(), late.1.to_owned())
        } else if i % 10 == 1 {
            table = format!("t{i:03}");
            (
                format!(
                    "create table {table} (id bigint primary key, name text not null default '');"
                ),
                String::new(),
            )
        } else if i == 42 {
            ("create table side (id integer);".to_owned(), String::new())
        } else if i % 10 == 7 {
            (
                format!("sql $$ UPDATE {table} SET name = 'x' $$;"),
                format!("\ndowngrade {{\n  sql $$ UPDATE {table} SET name = '' $$;\n}}\n"),
            )
        } else {
            (
                format!("alter table {table} add column c{i:03} integer;"),
                String::new(),
            )
        };
        let text = format!(
            "revision r{i:03}{parents}\n  message 'step {i}';\n\nupgrade {{\n  {upgrade}\n}}\n{downgrade}"
        );
        std::fs::write(migrations.join(format!("r{i:03}.mig")), text).expect("write");
    }
    dir
}

#[test]
fn a_project_streamed_in_many_chunks_gives_what_a_whole_load_gives() {
    // 150 revisions: chunks of 32 (src/pipeline.rs), five of them.
    let n = 150;
    let head = format!("r{n:03}");
    let clean = long_project(n, ("alter table t141 add column late integer;", ""));
    assert_same_report(clean.path());
    let out = strata(
        clean.path(),
        &["--dir", "migrations", "build", "--name", "b"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = clean.path().join("out/b");
    let read = |name: &str| std::fs::read_to_string(bundle.join(name)).expect("bundle file");
    // The streamed bundle's scripts are the scripts of a whole load.
    let upgrade = strata(
        clean.path(),
        &["--dir", "migrations", "upgrade", &format!("base:{head}")],
    );
    assert_eq!(upgrade.code, 0, "{}", upgrade.stderr);
    assert_eq!(read("upgrade.sql"), upgrade.stdout);
    let downgrade = strata(
        clean.path(),
        &["--dir", "migrations", "downgrade", &format!("{head}:base")],
    );
    assert_eq!(downgrade.code, 0, "{}", downgrade.stderr);
    assert_eq!(read("downgrade.sql"), downgrade.stdout);
    assert_eq!(read("manifest.json").matches("\"id\": \"r").count(), n);

    // Findings in the fourth chunk, a warning and then an error, are found and said
    // exactly as a whole load says them.
    let warned = long_project(
        n,
        (
            "alter table t141 add column late integer;",
            "\ndowngrade {\n  alter table t141 add column other integer;\n}\n",
        ),
    );
    assert_same_report(warned.path());
    assert!(whole_load_report(warned.path()).contains("r145.mig:9:1: warning"));
    let broken = long_project(n, ("drop table nowhere;", ""));
    assert_same_report(broken.path());
    assert!(whole_load_report(broken.path()).contains("r145.mig:6:14: error"));
    let out = strata(broken.path(), &["--dir", "migrations", "build"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(!broken.path().join("out").exists());
}
