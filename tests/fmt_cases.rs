//! `strata fmt`: a fixture per layout rule (`tests/cases/fmt/NAME.mig`, its layout in
//! `NAME.formatted`), and every `.mig` file of the repository formatted twice.

use std::path::{Path, PathBuf};

use strata::syntax::format::{format, FormatError};
use strata::syntax::lexer::{tokenize_with_comments, TokenKind};

use crate::support::{assert_golden, cases_dir, files_with_extension, repo_root};

#[test]
fn each_layout_rule_formats_its_fixture() {
    let fixtures = files_with_extension(&cases_dir("fmt"), "mig");
    assert!(fixtures.len() >= 10, "the fmt fixtures are missing");
    for path in fixtures {
        let text = std::fs::read_to_string(&path).expect("fixture");
        let formatted = format(&text).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        assert_golden(&path.with_extension("formatted"), &formatted);
        assert_eq!(
            format(&formatted).as_deref(),
            Ok(formatted.as_str()),
            "{} formats to itself",
            path.display()
        );
        assert_ne!(formatted, text, "{} shows no rule", path.display());
    }
}

/// The comments of `text`, in order, as the formatter writes them (line comments
/// without trailing white space); `None` where the scanner reads the text otherwise than
/// the grammar (an exclusion operator `/*` is a comment's start to it).
fn comments(text: &str) -> Option<Vec<String>> {
    let tokens = tokenize_with_comments(text).ok()?;
    Some(
        tokens
            .into_iter()
            .filter(|t| t.kind == TokenKind::Comment)
            .map(|t| text[t.start..t.end].trim_end().to_owned())
            .collect(),
    )
}

fn mig_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("entry"))
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "mig"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

#[test]
fn every_file_of_the_repository_formats_to_a_fixed_point_with_its_comments() {
    let mut formatted_count = 0;
    let mut refused = 0;
    for dir in ["tests/cases", "migrations"] {
        for path in mig_files(&repo_root().join(dir)) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue; // the fixtures of invalid UTF-8
            };
            match format(&text) {
                Ok(formatted) => {
                    formatted_count += 1;
                    assert_eq!(
                        format(&formatted).as_deref(),
                        Ok(formatted.as_str()),
                        "{} is not a fixed point",
                        path.display()
                    );
                    assert_eq!(
                        comments(&formatted),
                        comments(&text),
                        "{} lost or moved a comment",
                        path.display()
                    );
                }
                Err(FormatError::Invalid) => refused += 1,
                Err(FormatError::Changed(why)) => {
                    panic!("{}: the layout changes its meaning: {why}", path.display())
                }
            }
        }
    }
    assert!(
        formatted_count > 500,
        "only {formatted_count} files formatted"
    );
    assert!(
        refused < 40,
        "{refused} files refused: more than the syntax-error fixtures"
    );
}

#[test]
fn the_example_project_is_formatted() {
    for path in mig_files(&repo_root().join("migrations")) {
        let text = std::fs::read_to_string(&path).expect("readable");
        pretty_assertions::assert_eq!(
            format(&text).expect("formats"),
            text,
            "{} is not formatted: run `strata fmt`",
            path.display()
        );
    }
}
