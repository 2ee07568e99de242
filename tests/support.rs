//! Helpers shared by the integration tests: goldens, fixtures and the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

use strata::diagnostic::{self, Diagnostic};
use strata::source::SourceMap;

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn cases_dir(stage: &str) -> PathBuf {
    repo_root().join("tests/cases").join(stage)
}

/// The fixture folders of a stage (`tests/cases/STAGE/*/`), sorted; at least `min`,
/// so that a harness never passes on fixtures gone missing.
pub fn case_dirs(stage: &str, min: usize) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(cases_dir(stage))
        .unwrap_or_else(|e| panic!("{stage} cases: {e}"))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= min, "the {stage} fixtures are missing");
    cases
}

/// A fixture folder's name.
pub fn case_name(case: &Path) -> String {
    case.file_name()
        .expect("a name")
        .to_string_lossy()
        .into_owned()
}

/// Whether goldens are to be rewritten instead of compared.
pub fn updating_goldens() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Compares `actual` with the golden file at `path`, or rewrites it under
/// `UPDATE_GOLDEN=1`. A missing golden is a failure, so that CI never passes on a
/// fixture nobody reviewed.
pub fn assert_golden(path: &Path, actual: &str) {
    if updating_goldens() {
        std::fs::write(path, actual).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "missing golden {}; create it with UPDATE_GOLDEN=1 and review it",
            path.display()
        )
    });
    pretty_assertions::assert_eq!(expected, actual, "golden {}", path.display());
}

/// The files of `dir` with extension `ext`, sorted by name.
pub fn files_with_extension(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == ext))
        .collect();
    files.sort();
    files
}

/// Diagnostics rendered as the command line prints them, in report order.
pub fn render_all(sources: &SourceMap, diagnostics: &mut [Diagnostic]) -> String {
    diagnostic::sort(diagnostics, sources);
    diagnostics.iter().map(|d| d.render(sources)).collect()
}

/// Every revision of `migrations/` and of the parser's ok fixtures: every statement form
/// of the language, for tests that must see them all.
pub fn all_revisions() -> Vec<strata::syntax::ast::Revision> {
    let mut revisions: Vec<_> =
        strata::project::load(&repo_root().join("migrations"), strata::syntax::Depth::Full)
            .expect("example project")
            .revisions
            .into_iter()
            .map(|r| r.revision)
            .collect();
    for path in files_with_extension(&cases_dir("parse/ok"), "mig") {
        let mut sources = SourceMap::new();
        let loaded = strata::project::load_file(&mut sources, &path, String::new(), String::new())
            .expect("fixture readable");
        revisions.extend(loaded.revision.map(|r| r.revision));
    }
    revisions
}

/// The schema fixtures whose SQL must apply and undo cleanly: all but `err_*` (they do
/// not compile) and `warn_*` (their downgrades are wrong on purpose), sorted.
pub fn clean_schema_cases() -> Vec<PathBuf> {
    case_dirs("schema", 0)
        .into_iter()
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            !name.starts_with("err_") && !name.starts_with("warn_")
        })
        .collect()
}

/// Copies a folder and everything in it.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create");
    for entry in std::fs::read_dir(from).expect("read") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// A project in a temporary folder: `migrations/` with the given files (name, text), and
/// `strata.toml` when given.
pub fn project(files: &[(&str, &str)], config: Option<&str>) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("migrations");
    std::fs::create_dir_all(&dir).expect("migrations");
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("folder");
        std::fs::write(path, text).expect("write");
    }
    if let Some(config) = config {
        std::fs::write(tmp.path().join("strata.toml"), config).expect("strata.toml");
    }
    tmp
}

/// The standard output of a `strata` command that must succeed without a word on
/// standard error but warnings: a script.
pub fn script(cwd: &Path, args: &[&str]) -> String {
    let out = strata(cwd, args);
    assert_eq!(out.code, 0, "strata {args:?}: {}", out.stderr);
    out.stdout
}

/// What a run of the real `strata` binary gave.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the real `strata` binary in `cwd`.
pub fn strata(cwd: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_strata"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("running strata");
    Output {
        code: output.status.code().expect("strata exited normally"),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8 stderr"),
    }
}

/// A fenced code block of a Markdown file: the line of its opening fence, its language
/// (the word after the fence, maybe empty) and its lines.
pub struct CodeBlock {
    pub line: usize,
    pub language: String,
    pub lines: Vec<String>,
}

/// The fenced code blocks of `markdown`, in order.
pub fn code_blocks(markdown: &str) -> Vec<CodeBlock> {
    let mut blocks = Vec::new();
    let mut open: Option<CodeBlock> = None;
    for (index, line) in markdown.lines().enumerate() {
        match (line.strip_prefix("```"), open.take()) {
            (Some(language), None) => {
                open = Some(CodeBlock {
                    line: index + 1,
                    language: language.trim().to_owned(),
                    lines: Vec::new(),
                })
            }
            (Some(_), Some(block)) => blocks.push(block),
            (None, Some(mut block)) => {
                block.lines.push(line.to_owned());
                open = Some(block);
            }
            (None, None) => {}
        }
    }
    assert!(open.is_none(), "a code block is not closed");
    blocks
}
