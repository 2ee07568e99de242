//! The floor under `strata build`'s time: the part of a build that does not depend on
//! how strata replays, renders or writes, timed as a process of its own.
//!
//! - `floor read DIR` finds every `.mig` file below DIR and reads it (open, read,
//!   close), in parallel on one thread per core, and nothing else: the kernel's share.
//! - `floor pest DIR` reads them as `read` does and parses each with pest and strata's
//!   grammar (the `file` rule, the pest parser derived here from `grammar/strata.pest`),
//!   and nothing else: no syntax tree, no hashing, no code of strata's. What pest and
//!   the kernel take.
//! - `floor parse DIR` runs strata's own load with every file parsed in full
//!   (`project::load` with `Depth::Full`): discovery, reading, each source's SHA-256 and
//!   one pest parse of each file into its syntax tree, in parallel as a build does
//!   them, and nothing after.
//!   A build does no less: it parses every header and every body (apart, which costs
//!   a little more), and hashes every source for the manifest.
//!
//! `make bench` times the three beside `strata build` (docs/PERFORMANCE.md, Measuring
//! and "The floor"). The process ends without freeing what it read, as strata's does.
// pest_derive, built without its `std` feature, names `alloc` in the code it writes.
extern crate alloc;

use std::path::Path;
use std::process::ExitCode;

use pest::Parser as _;
use rayon::prelude::*;
use strata::project;
use strata::syntax::Depth;

// The binary's allocator, so that the floor allocates as strata does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The pest parser of strata's grammar, derived apart from strata's (which the library
/// keeps to itself) from the same file.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/strata.pest"]
struct Grammar;

/// Reads every `.mig` file below `dir` in parallel and gives each one's bytes to `each`,
/// which says whether the file is as expected. The number of files, and of those that
/// were not.
fn read_all(dir: &Path, each: impl Fn(Vec<u8>) -> bool + Sync) -> std::io::Result<(usize, usize)> {
    // A folder that cannot be walked is an error, not fewer files: a floor that skipped
    // some would be low for no reason.
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry?;
        if entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "mig") {
            files.push(entry.into_path());
        }
    }
    let unexpected = files
        .par_iter()
        .map(|path| std::fs::read(path).map(|bytes| usize::from(!each(bytes))))
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    Ok((files.len(), unexpected))
}

/// Parses a file's text with pest alone: the text must be UTF-8 and follow the grammar.
fn pest_parses(bytes: Vec<u8>) -> bool {
    String::from_utf8(bytes).is_ok_and(|text| Grammar::parse(Rule::file, &text).is_ok())
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: floor read|pest|parse DIR");
        return ExitCode::from(2);
    };
    let dir = Path::new(&dir);
    match mode.as_str() {
        "read" | "pest" => {
            let parse = mode == "pest";
            match read_all(dir, |bytes| !parse || pest_parses(bytes)) {
                Ok((files, failed)) => {
                    println!("{files} files read, {failed} failed to parse");
                    if failed > 0 {
                        return ExitCode::FAILURE;
                    }
                }
                Err(error) => {
                    eprintln!("floor: {error}");
                    return ExitCode::FAILURE;
                }
            }
        }
        "parse" => match project::load(dir, Depth::Full) {
            Ok(loaded) => {
                let problems = loaded.diagnostics.len();
                println!(
                    "{} files, {} revisions parsed, {problems} diagnostics",
                    loaded.sources.len(),
                    loaded.revisions.len()
                );
                // As strata's process does, leave the memory to the system at exit.
                std::mem::forget(loaded);
                if problems > 0 {
                    return ExitCode::FAILURE;
                }
            }
            Err(error) => {
                eprintln!("floor: {error}");
                return ExitCode::FAILURE;
            }
        },
        _ => {
            eprintln!("usage: floor read|pest|parse DIR");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
