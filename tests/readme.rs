//! The README's code blocks, run as a newcomer would run them, so that the README stays
//! true. By the block's language:
//! - `sh`: each line is a command (after `  #`, a comment), run in a temporary copy of
//!   the example project with its Makefile, against the throwaway PostgreSQL (whose
//!   `mydb` is a fresh database); `make test` is left out, being the command that runs
//!   this test;
//! - `console`: the `$ ` lines are commands, run in a fresh project whose only revision
//!   is `0001_create_users` (where the story starts); the other lines are their output;
//! - `text`: output of the block run before it: each line is printed by it (`...` ends
//!   a line the README shortens);
//! - `yaml`: the `strata` commands of a CI job, run in the copy;
//! - `mig`: a revision file, named by its first line (`-- migrations/NAME.mig`), which
//!   must parse without an error.
//!
//! A block without a language (the synopsis) is not run. `strata` is the binary under
//! test, `psql` PostgreSQL 15's, and `less` prints (there is no terminal).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::pg::server;
use crate::support::{code_blocks, copy_dir, repo_root, CodeBlock as Block};

/// A command line without its comment (`  # ...`).
fn command(line: &str) -> String {
    line.split("  #").next().unwrap_or("").trim().to_owned()
}

/// Where the commands run, and with what.
struct Shell {
    /// `strata`, `psql` and `less` for the commands.
    bin: tempfile::TempDir,
}

impl Shell {
    fn new() -> Self {
        let bin = tempfile::tempdir().expect("temp dir");
        let link = |target: &Path, name: &str| {
            std::os::unix::fs::symlink(target, bin.path().join(name)).expect("link");
        };
        link(Path::new(env!("CARGO_BIN_EXE_strata")), "strata");
        link(&server().psql_path(), "psql");
        let less = bin.path().join("less");
        std::fs::write(&less, "#!/bin/sh\nexec cat \"$@\"\n").expect("less");
        std::fs::set_permissions(&less, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        Shell { bin }
    }

    /// Runs `line` with bash in `dir`; its standard output and error, in order.
    fn run(&self, dir: &Path, line: &str, at: usize) -> String {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let output = Command::new("bash")
            .args(["-o", "pipefail", "-c", &format!("{line} 2>&1")])
            .current_dir(dir)
            .env("PATH", path)
            .envs(server().client_environment())
            // The Makefile builds with cargo; here the binary is built already.
            .env(
                "MAKEFLAGS",
                format!("CARGO=true STRATA={}", env!("CARGO_BIN_EXE_strata")),
            )
            .output()
            .expect("bash runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "README.md:{at}: `{line}` failed ({}):\n{text}",
            output.status
        );
        text
    }
}

/// A copy of the example project and what its Makefile needs.
fn example_copy() -> tempfile::TempDir {
    let copy = tempfile::tempdir().expect("temp dir");
    for dir in ["migrations", "out", ".ci"] {
        copy_dir(&repo_root().join(dir), &copy.path().join(dir));
    }
    for file in ["Makefile", "strata.toml", "strata.lock"] {
        std::fs::copy(repo_root().join(file), copy.path().join(file)).expect("copy");
    }
    copy
}

/// Checks that each line of a `text` block was printed.
fn assert_printed(block: &Block, output: &str) {
    for line in &block.lines {
        let found = match line.split_once("...") {
            Some(("", _)) => continue,
            Some((start, _)) => output.lines().any(|o| o.starts_with(start)),
            None => output.lines().any(|o| o.trim_end() == line.trim_end()),
        };
        assert!(
            found,
            "README.md:{}: `{line}` is not what the block before prints:\n{output}",
            block.line
        );
    }
}

fn files_below(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.expect("entry"))
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let relative = e.path().strip_prefix(dir).expect("below").to_owned();
            (relative, std::fs::read(e.path()).expect("read"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn the_readme_code_blocks_run_as_written() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).expect("README");
    let shell = Shell::new();
    let copy = example_copy();
    server().query("postgres", "CREATE DATABASE mydb");
    let mut last_output = String::new();
    let mut ran = 0;
    for block in code_blocks(&readme) {
        match block.language.as_str() {
            "sh" => {
                last_output.clear();
                for (i, line) in block.lines.iter().enumerate() {
                    let line = command(line);
                    if line.is_empty() || line == "make test" {
                        continue;
                    }
                    last_output += &shell.run(copy.path(), &line, block.line + 1 + i);
                    ran += 1;
                }
            }
            "console" => {
                let project = tempfile::tempdir().expect("temp dir");
                std::fs::create_dir(project.path().join("migrations")).expect("folder");
                std::fs::write(
                    project.path().join("migrations/0001_create_users.mig"),
                    "revision 0001_create_users;\n\nupgrade {\n  create table users (\n    id bigint primary key\n  );\n}\n",
                )
                .expect("first revision");
                last_output.clear();
                for (i, line) in block.lines.iter().enumerate() {
                    if let Some(line) = line.strip_prefix("$ ") {
                        last_output +=
                            &shell.run(project.path(), &command(line), block.line + 1 + i);
                        ran += 1;
                    }
                }
                let printed = Block {
                    line: block.line,
                    language: "text".to_owned(),
                    lines: block
                        .lines
                        .iter()
                        .filter(|l| !l.starts_with("$ "))
                        .cloned()
                        .collect(),
                };
                assert_printed(&printed, &last_output);
            }
            "text" => assert_printed(&block, &last_output),
            "yaml" => {
                for (i, line) in block.lines.iter().enumerate() {
                    let item = line.trim_start().trim_start_matches("- ");
                    let item = item.strip_prefix("run: ").unwrap_or(item);
                    if item.starts_with("strata ") {
                        shell.run(copy.path(), &command(item), block.line + 1 + i);
                        ran += 1;
                    }
                }
            }
            "mig" => {
                // Named by its first line, `-- migrations/NAME.mig`.
                let name = block
                    .lines
                    .first()
                    .and_then(|l| l.strip_prefix("-- migrations/"))
                    .unwrap_or_else(|| panic!("README.md:{}: name the file", block.line));
                let mut sources = strata::source::SourceMap::new();
                let loaded = strata::project::load_bytes(
                    &mut sources,
                    block.lines.join("\n").into_bytes(),
                    name.into(),
                    name.into(),
                );
                assert!(
                    loaded.revision.is_some() && loaded.diagnostics.is_empty(),
                    "README.md:{}: the example revision does not parse: {:?}",
                    block.line,
                    loaded.diagnostics
                );
            }
            "" => {}
            other => panic!(
                "README.md:{}: a `{other}` block: say how to run it",
                block.line
            ),
        }
    }
    assert!(ran >= 14, "only {ran} commands of the README ran");
    // `make run` rebuilt the committed bundle as it is.
    assert_eq!(
        files_below(&copy.path().join("out")),
        files_below(&repo_root().join("out")),
        "make run in a copy changed out/"
    );
}
