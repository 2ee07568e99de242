//! The parser's cost per file, in-process: `parse_speed FILE` parses one revision text
//! many times; `parse_speed FOLDER` parses every `.mig` file below it (already read into
//! memory) for its header alone and in full. Prints microseconds per parse, for the
//! figures in docs/PERFORMANCE.md.
use std::path::Path;
use std::time::Instant;

use strata::source::{FileId, SourceFile};
use strata::syntax::{parse_file, Depth};

fn per_parse(sources: &[SourceFile], depth: Depth, rounds: usize) -> (f64, usize) {
    let start = Instant::now();
    let mut ok = 0;
    for _ in 0..rounds {
        for source in sources {
            ok += parse_file(source, FileId(0), depth).revision.is_some() as usize;
        }
    }
    let per = start.elapsed().as_secs_f64() / (rounds * sources.len()) as f64 * 1e6;
    (per, ok / rounds)
}

fn main() {
    let arg = std::env::args().nth(1).expect("a file or a folder");
    let path = Path::new(&arg);
    let files: Vec<_> = if path.is_dir() {
        walkdir::WalkDir::new(path)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "mig"))
            .map(|e| e.into_path())
            .collect()
    } else {
        vec![path.to_owned()]
    };
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(f).expect("read");
            let name = f.display().to_string();
            SourceFile::new(name.clone(), name, Some(text))
        })
        .collect();
    let bytes: usize = sources
        .iter()
        .filter_map(SourceFile::kept_text)
        .map(str::len)
        .sum();
    let rounds = (20_000 / sources.len()).max(1);
    println!(
        "{} files, {:.0} bytes on average",
        sources.len(),
        bytes as f64 / sources.len() as f64
    );
    for depth in [Depth::Headers, Depth::Full] {
        let (per, ok) = per_parse(&sources, depth, rounds);
        println!("{depth:?}: {per:.2} µs per file ({ok} parsed)");
    }
}
