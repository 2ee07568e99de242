//! The parser's fixtures: `tests/cases/parse/{ok,err}/NAME.mig`.
//!
//! An `ok` case must parse without a diagnostic; its golden `NAME.ast` is the syntax tree.
//! An `err` case must give at least one error; its golden `NAME.err` is every diagnostic
//! exactly as the command line prints it.

use std::path::Path;

use strata::diagnostic::has_errors;
use strata::project;
use strata::source::SourceMap;

use crate::support::{assert_golden, cases_dir, files_with_extension, render_all};

fn load(
    path: &Path,
) -> (
    SourceMap,
    Option<strata::syntax::ast::Revision>,
    Vec<strata::diagnostic::Diagnostic>,
) {
    let name = path
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    let mut sources = SourceMap::new();
    let loaded =
        project::load_file(&mut sources, path, name.clone(), name).expect("fixture readable");
    (
        sources,
        loaded.revision.map(|r| r.revision),
        loaded.diagnostics,
    )
}

#[test]
fn ok_cases_parse_and_match_their_syntax_tree() {
    let dir = cases_dir("parse/ok");
    let cases = files_with_extension(&dir, "mig");
    assert!(cases.len() >= 15, "the ok fixtures are missing");
    for case in cases {
        let (sources, revision, mut diagnostics) = load(&case);
        assert!(
            diagnostics.is_empty(),
            "{} should parse cleanly:\n{}",
            case.display(),
            render_all(&sources, &mut diagnostics)
        );
        let revision = revision.expect("a revision");
        assert_golden(&case.with_extension("ast"), &format!("{revision:#?}\n"));
    }
}

#[test]
fn err_cases_report_exactly_their_golden_diagnostics() {
    let dir = cases_dir("parse/err");
    let cases = files_with_extension(&dir, "mig");
    assert!(cases.len() >= 20, "the err fixtures are missing");
    for case in cases {
        let (sources, _, mut diagnostics) = load(&case);
        assert!(
            has_errors(&diagnostics),
            "{} should fail to parse",
            case.display()
        );
        assert_golden(
            &case.with_extension("err"),
            &render_all(&sources, &mut diagnostics),
        );
    }
}

#[test]
fn every_golden_has_its_fixture() {
    for (stage, golden) in [("parse/ok", "ast"), ("parse/err", "err")] {
        for path in files_with_extension(&cases_dir(stage), golden) {
            assert!(
                path.with_extension("mig").exists(),
                "{} is left over from a removed fixture",
                path.display()
            );
        }
    }
}
