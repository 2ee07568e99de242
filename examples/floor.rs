//! The floor under `strata build`'s time: the part of a build that does not depend on
//! how strata replays, renders or writes, timed as a process of its own.
//!
//! - `floor read DIR` finds every `.mig` file below DIR and reads it (open, read,
//!   close), in parallel on one thread per core, and nothing else: the kernel's share.
//! - `floor parse DIR` runs strata's own load with every file parsed in full
//!   (`project::load` with `Depth::Full`): discovery, reading, each source's SHA-256 and
//!   one pest parse of each file, in parallel as a build does them, and nothing after.
//!   A build does no less: it parses every header and every body (apart, which costs
//!   a little more), and hashes every source for the manifest.
//!
//! `make bench` times both beside `strata build` (docs/PERFORMANCE.md, "The floor").
//! The process ends without freeing what it read, as strata's does.
use std::path::Path;
use std::process::ExitCode;

use rayon::prelude::*;
use strata::project;
use strata::syntax::Depth;

// The binary's allocator, so that the floor allocates as strata does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn read_all(dir: &Path) -> std::io::Result<(usize, u64)> {
    let files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "mig"))
        .map(walkdir::DirEntry::into_path)
        .collect();
    let bytes = files
        .par_iter()
        .map(|path| std::fs::read(path).map(|b| b.len() as u64))
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    Ok((files.len(), bytes))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let (Some(mode), Some(dir)) = (args.next(), args.next()) else {
        eprintln!("usage: floor read|parse DIR");
        return ExitCode::from(2);
    };
    let dir = Path::new(&dir);
    match mode.as_str() {
        "read" => match read_all(dir) {
            Ok((files, bytes)) => println!("{files} files, {bytes} bytes read"),
            Err(error) => {
                eprintln!("floor: {error}");
                return ExitCode::FAILURE;
            }
        },
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
            eprintln!("usage: floor read|parse DIR");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
