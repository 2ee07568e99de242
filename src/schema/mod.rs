//! The third stage: the schema model (LANGUAGE.md 4, 6 and 7.2).
//!
//! [`replay::replay`] walks the graph in replay order and gives, per revision, the
//! upgrade with every name explicit and its downgrade (derived, or written and checked),
//! with a diagnostic for every statement the model refuses. See `docs/ARCHITECTURE.md`.

pub mod apply;
pub mod export;
pub mod expr;
pub mod merge;
pub mod model;
pub mod names;
pub mod query;
pub mod reloptions;
pub mod replay;
