//! The graph's fixtures: `tests/cases/graph/NAME/` holds a `migrations/` folder and a
//! `commands` file, one `strata` command line per line. The golden `expected.txt` is the
//! exit code, standard output and standard error of each command, run by the real
//! binary in the case folder. Cases named `err_*` must fail `check`.

use std::fmt::Write as _;

use crate::support::{assert_golden, case_dirs, strata};

/// Splits a command line at spaces; single quotes group words (`-m 'two words'`).
fn split(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            ' ' if !quoted => words.extend(word.take()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

#[test]
fn graph_cases_match_their_golden_output() {
    let cases = case_dirs("graph", 15);
    for case in cases {
        let commands = std::fs::read_to_string(case.join("commands")).expect("a commands file");
        let mut transcript = String::new();
        for line in commands
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        {
            let args = split(line);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = strata(&case, &args);
            let _ = write!(
                transcript,
                "$ strata {line}\nexit: {}\n--- stdout\n{}--- stderr\n{}\n",
                out.code, out.stdout, out.stderr
            );
            if args == ["check"] {
                let name = case.file_name().expect("a name").to_string_lossy();
                assert_eq!(
                    out.code != 0,
                    name.starts_with("err_"),
                    "{name}: `check` exited {}",
                    out.code
                );
            }
        }
        assert_golden(&case.join("expected.txt"), &transcript);
    }
}

#[test]
fn command_lines_split_like_a_shell() {
    assert_eq!(split("show  head"), ["show", "head"]);
    assert_eq!(split("new -m 'Add billing'"), ["new", "-m", "Add billing"]);
    assert_eq!(split("show ''"), ["show", ""]);
}
