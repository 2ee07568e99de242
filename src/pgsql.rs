//! PostgreSQL's own parser (libpg_query, through the `pg_query` crate), for the SQL
//! fragments an author writes: backtick expressions and types, and raw `sql` blocks.
//!
//! `pg_query::parse` drops the position of a syntax error and walks every tree it returns
//! to list tables and functions, which strata does not need. This module calls the same
//! C function the crate calls, keeps the error's position, and decodes the tree into the
//! crate's own protobuf types, nothing more.

use std::ffi::{c_char, c_int, CStr, CString};

use pg_query::protobuf::{self, ScanToken, Token};
use prost::Message as _;

/// A syntax error as PostgreSQL reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// PostgreSQL's message (`syntax error at or near "*"`).
    pub message: String,
    /// The byte offset in the text where PostgreSQL puts its cursor, if it gives one.
    pub offset: Option<usize>,
}

/// The C side: `pg_query.h`. The structs are laid out as there; only the functions
/// below are used, and every result is freed by its own free function.
mod ffi {
    use std::ffi::{c_char, c_int};

    #[repr(C)]
    pub struct PgQueryError {
        pub message: *mut c_char,
        pub funcname: *mut c_char,
        pub filename: *mut c_char,
        pub lineno: c_int,
        pub cursorpos: c_int,
        pub context: *mut c_char,
    }

    #[repr(C)]
    pub struct PgQueryProtobuf {
        pub len: usize,
        pub data: *mut c_char,
    }

    #[repr(C)]
    pub struct PgQueryProtobufParseResult {
        pub parse_tree: PgQueryProtobuf,
        pub stderr_buffer: *mut c_char,
        pub error: *mut PgQueryError,
    }

    extern "C" {
        pub fn pg_query_parse_protobuf_opts(
            input: *const c_char,
            parser_options: c_int,
        ) -> PgQueryProtobufParseResult;
        pub fn pg_query_free_protobuf_parse_result(result: PgQueryProtobufParseResult);
    }
}

/// A tree's protobuf up to this size is decoded on the calling thread; a larger one may
/// nest deeper (each level takes at least two bytes, and libpg_query allows 10,000)
/// than a thread's usual stack holds while prost decodes it, or while it is dropped, at a
/// few kilobytes a level: it is decoded, looked at and dropped on a thread of its own
/// with [`DEEP_STACK`].
const SHALLOW_TREE_BYTES: usize = 512;
/// The stack of the thread that decodes a large tree: room for libpg_query's deepest.
const DEEP_STACK: usize = 256 << 20;

/// Parses `text` with PostgreSQL's grammar (the top-level statement grammar) and gives
/// the tree to `look`, whose answer is returned; the tree is dropped after.
pub fn parse<R: Send>(
    text: &str,
    look: impl FnOnce(&protobuf::ParseResult) -> R + Send,
) -> Result<R, SyntaxError> {
    // A NUL byte cannot reach here: the loader refuses files that hold one. Should one
    // come, it is a syntax error like any other, at its place.
    let input = CString::new(text).map_err(|e| SyntaxError {
        message: "a NUL character".to_owned(),
        offset: Some(e.nul_position()),
    })?;
    // SAFETY: `input` is a valid NUL-terminated string that outlives the call; the
    // result is read before it is freed, once, by its own free function.
    unsafe {
        let result = ffi::pg_query_parse_protobuf_opts(input.as_ptr(), 0 as c_int);
        let outcome = if result.error.is_null() {
            let data = std::slice::from_raw_parts(
                result.parse_tree.data as *const u8,
                result.parse_tree.len,
            );
            decode_and_look(data, look)
        } else {
            let error = &*result.error;
            Err(SyntaxError {
                message: c_text(error.message),
                offset: char_offset(text, error.cursorpos),
            })
        };
        ffi::pg_query_free_protobuf_parse_result(result);
        outcome
    }
}

fn decode_and_look<R: Send>(
    data: &[u8],
    look: impl FnOnce(&protobuf::ParseResult) -> R + Send,
) -> Result<R, SyntaxError> {
    let run = move || {
        protobuf::ParseResult::decode(data)
            .map(|tree| look(&tree))
            .map_err(|e| SyntaxError {
                message: format!("the parser's result could not be read: {e}"),
                offset: None,
            })
    };
    if data.len() <= SHALLOW_TREE_BYTES {
        return run();
    }
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("strata-deep-tree".to_owned())
            .stack_size(DEEP_STACK)
            .spawn_scoped(scope, run);
        match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(error) => Err(SyntaxError {
                message: format!("no thread to read the parser's result: {error}"),
                offset: None,
            }),
        }
    })
}

/// The tokens of `text` as PostgreSQL's scanner reads them, comments included; `None`
/// when the scanner stops (an unclosed quote: [`parse`] then says where).
pub fn tokens(text: &str) -> Option<Vec<ScanToken>> {
    pg_query::scan_tokens(text).ok()
}

/// How many statements `text` holds, by PostgreSQL's grammar, or `None` when it does
/// not parse ([`parse`] then says where): the parse without a tree to hand over.
pub fn statement_count(text: &str) -> Option<usize> {
    pg_query::split_with_parser(text)
        .ok()
        .map(|statements| statements.len())
}

/// Where a statement of a parsed text is: from its first character (past the white
/// space PostgreSQL counts as its start) to its end, without the `;`.
pub fn statement_range(text: &str, statement: &protobuf::RawStmt) -> std::ops::Range<usize> {
    let start = usize::try_from(statement.stmt_location)
        .unwrap_or(0)
        .min(text.len());
    let end = match usize::try_from(statement.stmt_len) {
        Ok(0) | Err(_) => text.len(),
        Ok(len) => (start + len).min(text.len()),
    };
    let lead = text[start..end].len() - text[start..end].trim_start().len();
    start + lead..end
}

/// A dotted name PostgreSQL's parser gives as a list of strings (`DROP INDEX s.i`): its
/// schema when written, and the name.
pub fn dotted(node: &protobuf::Node) -> Option<(Option<&str>, &str)> {
    let Some(protobuf::node::Node::List(list)) = &node.node else {
        return None;
    };
    let parts: Vec<&str> = list
        .items
        .iter()
        .filter_map(|i| match &i.node {
            Some(protobuf::node::Node::String(s)) => Some(s.sval.as_str()),
            _ => None,
        })
        .collect();
    match parts.as_slice() {
        [name] => Some((None, name)),
        [.., schema, name] => Some((Some(schema), name)),
        [] => None,
    }
}

/// PostgreSQL's own text for a statement of a parsed tree (libpg_query's deparser), or
/// `None` if it cannot write it. Called where a tree is looked at (inside [`parse`]'s
/// `look`), so that a deep tree is written on the thread that has the stack for it.
pub fn deparse(statement: protobuf::node::Node) -> Option<String> {
    let tree = protobuf::ParseResult {
        // The deparser reads the tree, not the version it was written for.
        version: 0,
        stmts: vec![protobuf::RawStmt {
            stmt: Some(Box::new(protobuf::Node {
                node: Some(statement),
            })),
            stmt_location: 0,
            stmt_len: 0,
        }],
    };
    pg_query::deparse(&tree, Default::default()).ok()
}

/// PostgreSQL's text for an expression of a parsed tree, as `SELECT` would write it.
pub fn expression_text(expr: &protobuf::Node) -> Option<String> {
    use protobuf::node::Node as N;
    let target = protobuf::ResTarget {
        val: Some(Box::new(expr.clone())),
        ..Default::default()
    };
    // Every enum set: libpg_query asserts on a value it has no name for.
    let select = protobuf::SelectStmt {
        target_list: vec![protobuf::Node {
            node: Some(N::ResTarget(Box::new(target))),
        }],
        limit_option: protobuf::LimitOption::Default as i32,
        op: protobuf::SetOperation::SetopNone as i32,
        ..Default::default()
    };
    let text = deparse(N::SelectStmt(Box::new(select)))?;
    text.strip_prefix("SELECT ").map(str::to_owned)
}

/// Whether `token` is the given kind.
pub fn is(token: &ScanToken, kind: Token) -> bool {
    token.token == kind as i32
}

/// # Safety
/// `text` is null or a valid NUL-terminated string.
unsafe fn c_text(text: *const c_char) -> String {
    if text.is_null() {
        return String::new();
    }
    CStr::from_ptr(text).to_string_lossy().into_owned()
}

/// PostgreSQL's cursor position (1-based, in characters; 0 for none) as a byte offset.
fn char_offset(text: &str, cursorpos: c_int) -> Option<usize> {
    let position = usize::try_from(cursorpos).ok()?.checked_sub(1)?;
    Some(
        text.char_indices()
            .nth(position)
            .map_or(text.len(), |(offset, _)| offset),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_syntax_error_keeps_its_position_in_bytes() {
        let error = parse("SELECT 'é', 1 + * 2", |_| ()).unwrap_err();
        assert_eq!(error.message, "syntax error at or near \"*\"");
        assert_eq!(error.offset, Some("SELECT 'é', 1 + ".len()));
        let error = parse("SELECT (1", |_| ()).unwrap_err();
        assert_eq!(error.message, "syntax error at end of input");
        assert_eq!(error.offset, Some(9));
    }

    #[test]
    fn statements_come_with_their_places() {
        let locations = parse("SELECT 1; COMMIT", |tree| {
            tree.stmts
                .iter()
                .map(|s| s.stmt_location)
                .collect::<Vec<_>>()
        });
        assert_eq!(locations, Ok(vec![0, 10]));
    }

    #[test]
    fn a_tree_nested_as_deep_as_postgresql_allows_is_read() {
        // Left-nested sums: a test thread's stack overflows at 400 terms while prost
        // decoded them (two levels each); past libpg_query's limits (its stack depth
        // check, 10,000 levels of protobuf: which comes first depends on the build) the
        // parse is an error.
        let sum = |n: usize| format!("SELECT {}", vec!["1"; n].join(" + "));
        assert_eq!(parse(&sum(400), |tree| tree.stmts.len()), Ok(1));
        assert!(parse(&sum(12_000), |tree| tree.stmts.len()).is_err());
    }

    #[test]
    fn a_backslash_is_a_token_of_its_own() {
        let scanned = tokens("SELECT 1 \\! id").unwrap();
        assert!(scanned.iter().any(|t| is(t, Token::Ascii92)));
        assert!(tokens("SELECT 'x").is_none());
    }
}
