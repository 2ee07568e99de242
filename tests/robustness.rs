//! The parser never panics, and every diagnostic points at a real position.
//!
//! Inputs: random bytes, random strings over the language's own characters, and
//! thousands of token-level mutations (deleted, duplicated, swapped, replaced tokens) of
//! the example project's files. Seeds are fixed, so a failure reproduces.

use std::panic::{catch_unwind, AssertUnwindSafe};

use strata::project;
use strata::source::SourceMap;
use strata::syntax::lexer;

use crate::support::{files_with_extension, repo_root};

/// Parses `bytes` as a file and checks every diagnostic's position against the bytes.
fn check_input(bytes: &[u8]) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let mut sources = SourceMap::new();
        let loaded = project::load_bytes(
            &mut sources,
            bytes.to_vec(),
            "input.mig".into(),
            "input.mig".into(),
        );
        for d in &loaded.diagnostics {
            let spans = std::iter::once(d.span).chain(d.notes.iter().map(|n| n.span));
            for span in spans {
                let (start, end) = (span.start as usize, span.end as usize);
                assert!(
                    start <= end && end <= bytes.len(),
                    "span {start}..{end} out of the input"
                );
                // An independent oracle for line and column: count in the raw bytes.
                let before =
                    std::str::from_utf8(&bytes[..start]).expect("a span starts in valid text");
                let line = before.matches('\n').count() as u32 + 1;
                let col = before.rsplit('\n').next().unwrap_or("").chars().count() as u32 + 1;
                assert_eq!(
                    (span.line, span.col),
                    (line, col),
                    "position of {:?}",
                    d.message
                );
            }
            assert!(d.render(&sources).starts_with("input.mig:"));
        }
        // `fmt` formats what parses to a fixed point, refuses the rest, and never finds
        // its own layout changing a meaning.
        if let Ok(text) = std::str::from_utf8(bytes) {
            use strata::syntax::format::{format, FormatError};
            match format(text) {
                Ok(formatted) => assert_eq!(format(&formatted), Ok(formatted.clone())),
                Err(FormatError::Invalid) => {}
                Err(FormatError::Changed(why)) => panic!("fmt changes the meaning: {why}"),
            }
        }
    }));
    if let Err(panic) = outcome {
        let input = String::from_utf8_lossy(bytes);
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        panic!("parser failed on input:\n---\n{input}\n---\n{message}");
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = fastrand::Rng::with_seed(0x5742_7441);
    let alphabet = b"revision parents message labels depends_on upgrade downgrade create table \
        ;,.(){}[]'\"`$-*/\n\t 0123456789abcXYZ_";
    for _ in 0..3000 {
        let len = rng.usize(0..160);
        let bytes: Vec<u8> = if rng.bool() {
            (0..len).map(|_| rng.u8(..)).collect()
        } else {
            (0..len)
                .map(|_| alphabet[rng.usize(..alphabet.len())])
                .collect()
        };
        check_input(&bytes);
    }
}

#[test]
fn mutated_example_files_never_panic() {
    let mut rng = fastrand::Rng::with_seed(0x6d75_7461);
    let files: Vec<String> = files_with_extension(&repo_root().join("migrations"), "mig")
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("example file"))
        .collect();
    assert!(!files.is_empty());
    let mut inputs = 0;
    for _ in 0..400 {
        for text in &files {
            let tokens = lexer::tokenize(text).expect("example files tokenize");
            let mut pieces: Vec<&str> = tokens.iter().map(|t| &text[t.start..t.end]).collect();
            for _ in 0..rng.usize(1..=3) {
                let n = pieces.len();
                if n < 2 {
                    break;
                }
                let (i, j) = (rng.usize(..n), rng.usize(..n));
                match rng.u8(0..4) {
                    0 => {
                        pieces.remove(i);
                    }
                    1 => pieces.insert(i, pieces[i]),
                    2 => pieces.swap(i, j),
                    _ => pieces[i] = pieces[j],
                }
            }
            // Token boundaries are kept apart by spaces or, now and then, glued together.
            let separator = if rng.u8(0..10) == 0 { "" } else { " " };
            check_input(pieces.join(separator).as_bytes());
            inputs += 1;
        }
    }
    assert!(inputs >= 5000, "only {inputs} mutated inputs");
}

#[test]
fn truncated_example_files_never_panic() {
    for path in files_with_extension(&repo_root().join("migrations"), "mig") {
        let text = std::fs::read(&path).expect("example file");
        for cut in 0..text.len() {
            check_input(&text[..cut]);
        }
    }
}

/// Pieces a hostile author would put into SQL: quotes and their ends, psql's meta-command
/// and variable marks, comment marks, statement ends, controls and bidi characters.
const HOSTILE_PIECES: &[&str] = &[
    "\\", "\\! id", ":", ":v", ":'v'", ";", "'", "''", "\"", "$", "$$", "$q$", "(", ")", "*", "--",
    "/*", "*/", "\n", "\r", "\t", " ", "a", "1", "E'", "COMMIT", "\u{202e}", "\u{1b}", "\u{200b}",
    "\u{85}", "`",
];

/// The example files with one backtick expression or raw block changed by a few hostile
/// pieces inserted or put in place of a character.
fn mutated_fragments(rng: &mut fastrand::Rng, rounds: usize) -> Vec<(usize, String)> {
    let files: Vec<String> = files_with_extension(&repo_root().join("migrations"), "mig")
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("example file"))
        .collect();
    let mut out = Vec::new();
    for _ in 0..rounds {
        for (index, text) in files.iter().enumerate() {
            let fragments: Vec<lexer::Token> = lexer::tokenize(text)
                .expect("example files tokenize")
                .into_iter()
                .filter(|t| {
                    matches!(
                        t.kind,
                        lexer::TokenKind::Expr | lexer::TokenKind::DollarQuoted
                    )
                })
                .collect();
            if fragments.is_empty() {
                continue;
            }
            let token = fragments[rng.usize(..fragments.len())];
            let mut inner: Vec<char> = text[token.start + 1..token.end - 1].chars().collect();
            for _ in 0..rng.usize(1..=3) {
                let at = rng.usize(..=inner.len());
                let piece: Vec<char> = HOSTILE_PIECES[rng.usize(..HOSTILE_PIECES.len())]
                    .chars()
                    .collect();
                if rng.bool() && at < inner.len() {
                    inner.splice(at..at + 1, piece);
                } else {
                    inner.splice(at..at, piece);
                }
            }
            let inner: String = inner.into_iter().collect();
            let mutated = format!(
                "{}{}{inner}{}{}",
                &text[..token.start],
                &text[token.start..token.start + 1],
                &text[token.end - 1..token.end],
                &text[token.end..]
            );
            out.push((index, mutated));
        }
    }
    out
}

#[test]
fn mutated_sql_fragments_never_panic() {
    let mut rng = fastrand::Rng::with_seed(0x7371_6c66);
    let inputs = mutated_fragments(&mut rng, 150);
    assert!(inputs.len() >= 1500, "only {} mutated inputs", inputs.len());
    for (_, text) in &inputs {
        check_input(text.as_bytes());
    }
}

#[test]
fn a_project_with_a_mutated_fragment_prints_no_sql_on_error() {
    let mut rng = fastrand::Rng::with_seed(0x6e6f_7371);
    let names: Vec<std::path::PathBuf> =
        files_with_extension(&repo_root().join("migrations"), "mig");
    for (index, text) in mutated_fragments(&mut rng, 2).into_iter().take(24) {
        let tmp = tempfile::tempdir().expect("temp dir");
        crate::support::copy_dir(
            &repo_root().join("migrations"),
            &tmp.path().join("migrations"),
        );
        let name = names[index].file_name().expect("a name");
        std::fs::write(tmp.path().join("migrations").join(name), &text).expect("write");
        for args in [&["upgrade", "head"][..], &["check"][..]] {
            let out = crate::support::strata(tmp.path(), args);
            assert!(
                matches!(out.code, 0 | 1),
                "{args:?}: exit {}\n{}",
                out.code,
                out.stderr
            );
            if out.code != 0 {
                assert_eq!(out.stdout, "", "{args:?} printed on error:\n{text}");
            }
            // Line feeds are the report's, tabs are the source line's own.
            assert!(
                !out.stderr
                    .chars()
                    .any(|c| c != '\n' && c != '\t' && strata::inert::hazard(c).is_some()),
                "raw control characters on the terminal:\n{}",
                out.stderr
            );
        }
    }
}

/// Runs `strata check` on a project of one file, with a bound on the CPU time it may
/// take (a quadratic check on these files took minutes), and gives its output.
fn check_within_bounds(text: &str) -> crate::support::Output {
    use std::os::unix::process::CommandExt as _;
    let tmp = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(tmp.path().join("migrations")).expect("migrations");
    std::fs::write(tmp.path().join("migrations/0001_a.mig"), text).expect("write");
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_strata"));
    command.arg("check").current_dir(tmp.path());
    // SAFETY: setrlimit is async-signal-safe and touches nothing of the parent.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 120,
                rlim_max: 120,
            };
            if libc::setrlimit(libc::RLIMIT_CPU, &limit) == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        });
    }
    let output = command.output().expect("strata runs");
    crate::support::Output {
        code: output.status.code().unwrap_or_else(|| {
            panic!(
                "strata was stopped by a signal (over its CPU bound?): {:?}",
                output.status
            )
        }),
        stdout: String::from_utf8(output.stdout).expect("UTF-8"),
        stderr: String::from_utf8(output.stderr).expect("UTF-8"),
    }
}

#[test]
fn worst_case_files_of_4_mib_cost_linear_work_and_a_bounded_report() {
    let columns: String = (0..320_000)
        .map(|i| format!("c{i} int"))
        .collect::<Vec<_>>()
        .join(", ");
    let parents: String = (0..300_000)
        .map(|i| format!("p{i:06}"))
        .collect::<Vec<_>>()
        .join(", ");
    let fragments: String = (0..25_000)
        .map(|i| {
            format!("  create table t{i} (c int default `{i} + 1`);\n  sql $$ SELECT {i} $$;\n")
        })
        .collect();
    let checks: String = (0..150_000).map(|i| format!(", check `c > {i}`")).collect();
    let values: String = (0..300_000)
        .map(|i| format!("'v{i}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let key = vec!["c"; 300_000].join(", ");
    let cases = [
        (
            format!("revision 0001_a;\nupgrade {{\n  create table t ({columns});\n}}\n"),
            "table `t` would have 320000 columns; PostgreSQL allows at most 1600",
        ),
        (
            format!("revision 0001_a parents {parents};\n"),
            "more of this kind (`unknown-parent`) in this file are not shown",
        ),
        (
            format!(
                "revision 0001_a;\nupgrade {{ {} }}\n",
                "create table t (id int); ".repeat(150_000)
            ),
            "more of this kind (`duplicate-object`) in this file are not shown",
        ),
        (
            format!("revision 0001_a;\nupgrade {{\n{fragments}}}\ndowngrade {{ sql $$ SELECT 1 $$; }}\n"),
            "",
        ),
        (
            format!("revision 0001_a;\nupgrade {{ create table t (c int{checks}); }}\n"),
            "table `t` would have 150000 constraints; strata checks at most 1600 on one table",
        ),
        (
            format!("revision 0001_a;\nupgrade {{ create type e as enum ({values}); }}\n"),
            "",
        ),
        (
            format!("revision 0001_a;\nupgrade {{ create table t (c int, unique ({key})); }}\n"),
            "this key or index has 300000 columns; PostgreSQL allows at most 32",
        ),
    ];
    for (text, expected) in &cases {
        assert!(text.len() < 4 << 20, "{} bytes", text.len());
        let out = check_within_bounds(text);
        assert!(
            out.stderr.contains(expected),
            "{}",
            &out.stderr[..out.stderr.len().min(2000)]
        );
        assert!(
            out.stderr.len() < 64 * 1024,
            "{} bytes of diagnostics",
            out.stderr.len()
        );
        if out.code != 0 {
            assert_eq!(out.stdout, "");
        }
    }
}
