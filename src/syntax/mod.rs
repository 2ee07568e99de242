//! The first stage: `.mig` text to a typed syntax tree, with the checks that need only
//! the one file (LANGUAGE.md sections 2 to 4).
//!
//! This stage knows nothing of other revisions or of the schema. It never panics on
//! input: every problem becomes a [`Diagnostic`](crate::diagnostic::Diagnostic).

pub mod ast;
mod characters;
pub mod format;
pub mod fragment;
pub mod lexer;
mod messages;
mod parser;
pub mod print;
mod suppression;

pub use parser::{
    message_control_character, parse_body, parse_file, revision_id_problem, Depth, ParsedFile,
    RevisionIdProblem, MAX_NAME_BYTES, MAX_REVISION_ID_LEN,
};
