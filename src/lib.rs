//! strata: an offline compiler from `.mig` migration files to PostgreSQL bundles.
//!
//! The pipeline, one module per stage (see `docs/ARCHITECTURE.md`):
//! [`project`] finds and loads the files, [`syntax`] parses each into a typed tree.

pub mod cli;
pub mod diagnostic;
pub mod project;
pub mod source;
pub mod syntax;
