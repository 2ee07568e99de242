//! The third stage: the schema model (LANGUAGE.md 4, 6 and 7.2).
//!
//! Work in progress: so far, PostgreSQL's own names for unnamed constraints and indexes.

pub mod apply;
pub mod expr;
pub mod model;
pub mod names;
pub mod replay;
