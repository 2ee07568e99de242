//! Integration tests, built as one binary.
//!
//! Fixture folders live in `tests/cases/`; goldens beside them are rewritten with
//! `UPDATE_GOLDEN=1 cargo test` (or `make update-golden`) and reviewed like code.

mod authoring;
mod bundle;
mod cli;
mod config;
mod coverage;
mod docs;
mod fmt_cases;

mod graph_api;
mod graph_cases;
mod hostile;
mod lint_cases;
mod lint_cli;
mod lock;
mod parse_cases;
mod pg;
mod pg_apply;
mod pg_branches;
mod pg_lint;
mod pg_names;
mod pg_resume;
mod pg_scripts;
mod pg_sessions;
mod pg_stairway;
mod pg_stamp;
mod pg_status;
mod print_roundtrip;
mod readme;
mod robustness;
mod schema_cases;
mod stream;
mod support;
mod traversal_cases;
