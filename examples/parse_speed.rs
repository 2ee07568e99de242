//! Parses one revision text many times in-process and prints the time per parse.
use std::time::Instant;
use strata::source::{FileId, SourceFile};

fn main() {
    let text = std::fs::read_to_string(std::env::args().nth(1).expect("a file")).expect("read");
    let n = 20000;
    let source = SourceFile::new("x.mig".into(), "x.mig".into(), Some(text));
    let start = Instant::now();
    let mut ok = 0;
    for _ in 0..n {
        let parsed = strata::syntax::parse_file(&source, FileId(0), strata::syntax::Depth::Full);
        ok += parsed.revision.is_some() as usize;
    }
    let per = start.elapsed().as_secs_f64() / n as f64 * 1e6;
    println!("{per:.2} µs per parse ({ok} ok)");
}
