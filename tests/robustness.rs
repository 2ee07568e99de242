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
