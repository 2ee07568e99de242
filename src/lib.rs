//! strata: an offline compiler from `.mig` migration files to PostgreSQL bundles.
//!
//! The pipeline, one module per stage (see `docs/ARCHITECTURE.md`):
//! [`project`] finds and loads the files, [`syntax`] parses each into a typed tree,
//! [`graph`] builds and checks the revision graph and resolves revision references,
//! [`schema`] replays the schema model, checks every statement against it, and derives
//! downgrades.

// pest_derive without its `std` feature names `alloc` in the code it generates.
extern crate alloc;

pub mod authoring;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod graph;
pub mod inert;
pub mod lint;
pub mod lock;
pub mod pgsql;
pub mod pipeline;
pub mod project;
pub mod quote;
pub mod render;
pub mod schema;
pub mod source;
pub mod suggest;
pub mod syntax;
pub mod timings;

/// `1 revision`, `2 revisions`: counts in messages read as sentences.
pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
