//! SQL fragments checked with PostgreSQL's own parser before they are trusted: backtick
//! expressions and types, partition bounds, and raw `sql` blocks.
//!
//! A fragment reaches the script verbatim, so it must be what it claims to be there:
//! an expression is parsed in the very context the renderer puts it in (`DEFAULT ...`,
//! `CHECK (...)`, ...) and must come out as exactly one expression in it; a raw block
//! must parse, and may not hold what would end the script's transaction, change how
//! psql or the server read the rest of the script, or make psql read the script as
//! data. psql acts on two things PostgreSQL's parser never sees, so they are refused
//! first: a backslash outside quotes (a meta-command such as `\!`, which runs a shell
//! command) and `:name` (psql's variables).

use std::cell::RefCell;

use hashbrown::HashMap;

use pg_query::protobuf::{
    self, node::Node as N, ConstrType, OnCommitAction, Token, VariableSetKind,
};

use crate::diagnostic::Code;
use crate::pgsql;

/// Where a backtick fragment goes in the SQL the renderer writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Place {
    /// `DEFAULT expr` of a column (PostgreSQL's restricted `b_expr` there).
    Default,
    /// `CHECK (expr)`.
    Check,
    /// `GENERATED ALWAYS AS (expr) STORED`.
    Generated,
    /// An index key, `(expr)`.
    IndexKey,
    /// An index's `WHERE (expr)`.
    Predicate,
    /// `ALTER COLUMN ... TYPE ... USING expr`.
    Using,
    /// `PARTITION OF parent FOR VALUES bound`.
    PartitionBound,
    /// A column's type written in backticks.
    Type,
    /// A trigger's `WHEN (expr)`.
    TriggerWhen,
    /// A policy's `USING (expr)`.
    PolicyUsing,
    /// A policy's `WITH CHECK (expr)`.
    PolicyCheck,
}

impl Place {
    /// The fragment in the statement the renderer writes it into, as (before, after).
    fn context(self) -> (&'static str, &'static str) {
        match self {
            Place::Default => ("CREATE TABLE t (c int DEFAULT ", ")"),
            Place::Check => ("CREATE TABLE t (CHECK (", "))"),
            Place::Generated => ("CREATE TABLE t (c int GENERATED ALWAYS AS (", ") STORED)"),
            Place::IndexKey => ("CREATE INDEX ON t ((", "))"),
            Place::Predicate => ("CREATE INDEX ON t (c) WHERE (", ")"),
            Place::Using => ("ALTER TABLE t ALTER COLUMN c TYPE int USING ", ""),
            Place::PartitionBound => ("CREATE TABLE t PARTITION OF p FOR VALUES ", ""),
            Place::Type => ("CREATE TABLE t (c ", ")"),
            Place::TriggerWhen => (
                "CREATE TRIGGER t BEFORE UPDATE ON x FOR EACH ROW WHEN (",
                ") EXECUTE FUNCTION f()",
            ),
            Place::PolicyUsing => ("CREATE POLICY p ON t USING (", ")"),
            Place::PolicyCheck => ("CREATE POLICY p ON t WITH CHECK (", ")"),
        }
    }

    /// What the fragment must be, in words.
    fn what(self) -> &'static str {
        match self {
            Place::Type => "a type",
            Place::PartitionBound => "a partition bound",
            Place::TriggerWhen | Place::PolicyUsing | Place::PolicyCheck => "one condition",
            _ => "one SQL expression",
        }
    }
}

/// A problem with a fragment, at a byte range of the fragment's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub code: Code,
    pub start: usize,
    pub end: usize,
    pub message: String,
}

impl Problem {
    fn new(code: Code, start: usize, end: usize, message: impl Into<String>) -> Self {
        Problem {
            code,
            start,
            end,
            message: message.into(),
        }
    }
}

/// Checks a backtick fragment written for `place`.
///
/// Projects repeat their expressions (`now()`, `0`, `gen_random_uuid()` in every table),
/// and the answer depends on nothing but the text and the place: each thread remembers
/// the answers it gave, for this process only, so that a long history is not parsed
/// again and again for the same few expressions.
pub fn expression(text: &str, place: Place) -> Option<Problem> {
    type Answers = HashMap<Place, HashMap<String, Option<Problem>>>;
    thread_local! {
        static SEEN: RefCell<Answers> = RefCell::new(HashMap::new());
    }
    /// Enough for the expressions a project repeats; past it, the memory is given back.
    const REMEMBERED: usize = 4096;
    let known = SEEN.with(|seen| {
        seen.borrow()
            .get(&place)
            .and_then(|answers| answers.get(text))
            .cloned()
    });
    if let Some(known) = known {
        return known;
    }
    let answer = check_expression(text, place);
    SEEN.with(|seen| {
        let mut seen = seen.borrow_mut();
        let answers = seen.entry(place).or_default();
        if answers.len() >= REMEMBERED {
            answers.clear();
        }
        answers.insert(text.to_owned(), answer.clone());
    });
    answer
}

fn check_expression(text: &str, place: Place) -> Option<Problem> {
    if let Some(problem) = psql_hazard(text) {
        return Some(problem);
    }
    let (before, after) = place.context();
    let wrapped = format!("{before}{text}{after}");
    match pgsql::parse(&wrapped, |tree| shape_holds(tree, place)) {
        Ok(true) => None,
        Ok(false) => Some(Problem::new(
            Code::SqlSyntax,
            0,
            text.len(),
            format!(
                "this is not {}: PostgreSQL reads more than that here",
                place.what()
            ),
        )),
        Err(error) => {
            // A cursor in the context (an incomplete fragment) points at its end.
            let at = error
                .offset
                .map_or(0, |o| o.saturating_sub(before.len()).min(text.len()));
            let message = if error.offset.is_some_and(|o| o >= before.len() + text.len()) {
                "syntax error at end of input".to_owned()
            } else {
                error.message
            };
            Some(Problem::new(
                Code::SqlSyntax,
                at,
                at,
                format!("this is not {}: {message}", place.what()),
            ))
        }
    }
}

/// Whether the parse of a fragment in its context is the context with exactly one
/// fragment in it, and nothing the fragment added around it.
fn shape_holds(tree: &protobuf::ParseResult, place: Place) -> bool {
    let [statement] = tree.stmts.as_slice() else {
        return false;
    };
    let Some(node) = statement.stmt.as_ref().and_then(|s| s.node.as_ref()) else {
        return false;
    };
    let only_constraint = |column: &protobuf::ColumnDef, kind: ConstrType| {
        column.coll_clause.is_none()
            && matches!(column.constraints.as_slice(), [c] if matches!(
                &c.node, Some(N::Constraint(k)) if k.contype == kind as i32))
    };
    match (place, node) {
        (Place::Default, N::CreateStmt(c)) => {
            one_column(c).is_some_and(|col| only_constraint(col, ConstrType::ConstrDefault))
        }
        (Place::Generated, N::CreateStmt(c)) => {
            one_column(c).is_some_and(|col| only_constraint(col, ConstrType::ConstrGenerated))
        }
        (Place::Type, N::CreateStmt(c)) => {
            one_column(c).is_some_and(|col| col.constraints.is_empty() && col.coll_clause.is_none())
        }
        (Place::Check, N::CreateStmt(c)) => {
            bare_table(c)
                && c.partbound.is_none()
                && c.inh_relations.is_empty()
                && matches!(c.table_elts.as_slice(), [e] if matches!(
                    &e.node, Some(N::Constraint(k))
                        if k.contype == ConstrType::ConstrCheck as i32 && !k.is_no_inherit))
        }
        (Place::PartitionBound, N::CreateStmt(c)) => {
            bare_table(c)
                && c.partbound.is_some()
                && c.inh_relations.len() == 1
                && c.table_elts.is_empty()
        }
        (Place::IndexKey, N::IndexStmt(i)) => {
            bare_index(i)
                && i.where_clause.is_none()
                && matches!(i.index_params.as_slice(), [p] if matches!(
                    &p.node, Some(N::IndexElem(e)) if e.expr.is_some()
                        && e.opclass.is_empty() && e.collation.is_empty()))
        }
        (Place::Predicate, N::IndexStmt(i)) => {
            bare_index(i) && i.where_clause.is_some() && i.index_params.len() == 1
        }
        (Place::Using, N::AlterTableStmt(a)) => a.cmds.len() == 1,
        (Place::PolicyUsing, N::CreatePolicyStmt(c)) => {
            c.qual.is_some() && c.with_check.is_none() && only_public(&c.roles) && c.permissive
        }
        (Place::PolicyCheck, N::CreatePolicyStmt(c)) => {
            c.with_check.is_some() && c.qual.is_none() && only_public(&c.roles) && c.permissive
        }
        (Place::TriggerWhen, N::CreateTrigStmt(t)) => {
            t.when_clause.is_some()
                && t.args.is_empty()
                && t.columns.is_empty()
                && t.row
                && !t.replace
                && t.transition_rels.is_empty()
                && matches!(t.funcname.as_slice(), [f] if matches!(
                    &f.node, Some(N::String(s)) if s.sval == "f"))
        }
        _ => false,
    }
}

/// Checks an exclusion constraint's operator: PostgreSQL's lexer must read the text as
/// one operator of that very name (`=-` is two; `--` and `/*` start comments).
pub fn operator(text: &str) -> Option<Problem> {
    let wrapped = format!("CREATE TABLE t (EXCLUDE (c WITH {text}))");
    let one = |tree: &protobuf::ParseResult| {
        let [statement] = tree.stmts.as_slice() else {
            return false;
        };
        let Some(N::CreateStmt(c)) = statement.stmt.as_ref().and_then(|s| s.node.as_ref()) else {
            return false;
        };
        let [element] = c.table_elts.as_slice() else {
            return false;
        };
        let Some(N::Constraint(k)) = &element.node else {
            return false;
        };
        let [pair] = k.exclusions.as_slice() else {
            return false;
        };
        let Some(N::List(pair)) = &pair.node else {
            return false;
        };
        let [_, names] = pair.items.as_slice() else {
            return false;
        };
        matches!(&names.node, Some(N::List(names)) if matches!(names.items.as_slice(),
            [name] if matches!(&name.node, Some(N::String(s)) if s.sval == text)))
    };
    match pgsql::parse(&wrapped, one) {
        Ok(true) => None,
        _ => Some(Problem::new(
            Code::SqlSyntax,
            0,
            text.len(),
            format!("`{text}` is not one operator to PostgreSQL"),
        )),
    }
}

/// Whether a policy's roles are PostgreSQL's default: `PUBLIC` alone.
fn only_public(roles: &[protobuf::Node]) -> bool {
    matches!(roles, [r] if matches!(&r.node, Some(N::RoleSpec(s))
        if s.roletype == protobuf::RoleSpecType::RolespecPublic as i32))
}

/// The one column of a bare `CREATE TABLE t (c ...)`.
fn one_column(create: &protobuf::CreateStmt) -> Option<&protobuf::ColumnDef> {
    if !bare_table(create) || create.partbound.is_some() || !create.inh_relations.is_empty() {
        return None;
    }
    match create.table_elts.as_slice() {
        [element] => match &element.node {
            Some(N::ColumnDef(c)) => Some(c),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a `CREATE TABLE` has no clause after its list of elements (a fragment that
/// closes the list could add `WITH (...)`, `TABLESPACE ...`); a partition's parent is
/// its one inherited relation, anything else inherits none (see its callers).
fn bare_table(c: &protobuf::CreateStmt) -> bool {
    c.constraints.is_empty()
        && c.options.is_empty()
        && c.partspec.is_none()
        && c.of_typename.is_none()
        && c.tablespacename.is_empty()
        && c.access_method.is_empty()
        && c.oncommit <= OnCommitAction::OncommitNoop as i32
}

/// Whether a `CREATE INDEX` has no clause but its keys and `WHERE`.
fn bare_index(i: &protobuf::IndexStmt) -> bool {
    i.index_including_params.is_empty() && i.options.is_empty() && i.table_space.is_empty()
}

/// PostgreSQL's syntax error in `text` (`what` it is, for the message), at its place.
fn unparsed(text: &str, error: &pgsql::SyntaxError, what: &str) -> Problem {
    let at = error.offset.unwrap_or(0).min(text.len());
    Problem::new(
        Code::SqlSyntax,
        at,
        at,
        format!("{what} does not parse: {}", error.message),
    )
}

/// Checks a raw `sql` block; `nontransactional` blocks run outside a transaction and
/// must hold exactly one statement; `data` blocks change rows only.
pub fn raw_block(text: &str, nontransactional: bool, data: bool) -> Vec<Problem> {
    let tokens = pgsql::tokens(text);
    if let Some(problem) = tokens.as_deref().and_then(|t| psql_hazard_in(text, t)) {
        return vec![problem];
    }
    // Most blocks start no statement with a word that a forbidden statement starts with:
    // PostgreSQL's parser need only say that they parse, and how many statements they
    // hold, without handing over a tree (its protobuf costs four times the parse).
    if let Some(tokens) = &tokens {
        // A data block's statements are all looked at: only the tree tells them apart.
        if !data && !may_be_forbidden(text, tokens) {
            if let Some(count) = pgsql::statement_count(text) {
                return if nontransactional && count != 1 {
                    vec![one_statement(text, count)]
                } else {
                    Vec::new()
                };
            }
        }
    }
    let looked = pgsql::parse(text, |tree| {
        statement_problems(text, tree, nontransactional, data)
    });
    match looked {
        Ok(problems) => problems,
        Err(error) => vec![unparsed(text, &error, "this raw SQL")],
    }
}

/// Checks the body of a function or procedure: read by PostgreSQL's parser when its
/// language is SQL, by PL/pgSQL's when it is PL/pgSQL (which reports no position: the
/// problem is at the body's start), in a routine of `header` (`FUNCTION f(integer)
/// RETURNS trigger`: what the body may use depends on it); a body in another language
/// is passed as written.
/// The script writes it in dollar quotes of a tag it does not hold, so psql reads it as
/// one string whatever it holds.
pub fn routine_body(language: &str, text: &str, header: &str) -> Vec<Problem> {
    match language {
        "sql" => match pgsql::parse(text, |_| ()) {
            Ok(()) => Vec::new(),
            Err(error) => vec![unparsed(text, &error, "this SQL body")],
        },
        "plpgsql" => {
            let tag = dollar_tag(text);
            let statement = format!("CREATE {header} LANGUAGE plpgsql AS ${tag}${text}${tag}$");
            match pg_query::parse_plpgsql(&statement) {
                // The parse passed; the crate's reading of libpg_query's JSON of it may
                // not (it fails on some trigger functions): that is no problem of the body.
                Ok(_) | Err(pg_query::Error::InvalidJson(_)) => Vec::new(),
                Err(error) => vec![Problem::new(
                    Code::SqlSyntax,
                    0,
                    0,
                    format!("this PL/pgSQL body does not parse: {error}"),
                )],
            }
        }
        _ => Vec::new(),
    }
}

/// A dollar-quote tag for `text`: the empty one (`$$`), else `sql`, `sql2`, ..., the
/// first whose closing quote is not in `text` (nor made by its end and the quote).
pub fn dollar_tag(text: &str) -> String {
    let closes_early = |tag: &str| {
        let close = format!("${tag}$");
        format!("{text}{close}").find(&close) != Some(text.len())
    };
    let mut tag = String::new();
    let mut n = 0;
    while closes_early(&tag) {
        n += 1;
        tag = if n == 1 {
            "sql".to_owned()
        } else {
            format!("sql{n}")
        };
    }
    tag
}

/// Checks a view's query: one SELECT (or VALUES), without INTO, and nothing psql would
/// act on. A `;` at its end is allowed (the script writes its own).
pub fn view_query(text: &str) -> Vec<Problem> {
    if let Some(problem) = pgsql::tokens(text)
        .as_deref()
        .and_then(|t| psql_hazard_in(text, t))
    {
        return vec![problem];
    }
    let looked = pgsql::parse(text, |tree| {
        fn node(s: &protobuf::RawStmt) -> Option<&N> {
            s.stmt.as_ref().and_then(|s| s.node.as_ref())
        }
        match tree.stmts.as_slice() {
            [one] if matches!(node(one), Some(N::SelectStmt(s)) if s.into_clause.is_none()) => {
                Vec::new()
            }
            [one] => {
                let range = pgsql::statement_range(text, one);
                let what = match node(one) {
                    Some(N::SelectStmt(_)) => "SELECT ... INTO",
                    Some(other) => statement_words(other),
                    None => "nothing",
                };
                vec![Problem::new(
                    Code::SqlSyntax,
                    range.start,
                    range.end,
                    format!("a view's query is one SELECT (or VALUES), and this is {what}"),
                )]
            }
            statements => vec![Problem::new(
                Code::SqlSyntax,
                0,
                text.len(),
                format!(
                    "a view's query is one SELECT (or VALUES), and this holds {} statements",
                    statements.len()
                ),
            )],
        }
    });
    match looked {
        Ok(problems) => problems,
        Err(error) => vec![unparsed(text, &error, "this query")],
    }
}

/// What is wrong with the statements of a raw block that parsed.
fn statement_problems(
    text: &str,
    tree: &protobuf::ParseResult,
    nontransactional: bool,
    data: bool,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for statement in &tree.stmts {
        let start = usize::try_from(statement.stmt_location)
            .unwrap_or(0)
            .min(text.len());
        let end = match usize::try_from(statement.stmt_len) {
            Ok(0) | Err(_) => text.len(),
            Ok(len) => (start + len).min(text.len()),
        };
        let node = statement.stmt.as_ref().and_then(|s| s.node.as_ref());
        if let Some(why) = node.and_then(forbidden) {
            problems.push(Problem::new(Code::ForbiddenSql, start, end, why));
        } else if let Some(why) = node.filter(|_| data).and_then(not_data) {
            problems.push(Problem::new(Code::ForbiddenSql, start, end, why));
        }
    }
    if nontransactional && tree.stmts.len() != 1 {
        problems.push(one_statement(text, tree.stmts.len()));
    }
    problems
}

fn one_statement(text: &str, count: usize) -> Problem {
    Problem::new(
        Code::ForbiddenSql,
        0,
        text.len(),
        format!(
            "a nontransactional block holds exactly one statement, and this one holds {count}: \
             each runs on its own between COMMIT and BEGIN, so write one block per statement"
        ),
    )
}

/// The words every statement that [`forbidden`] refuses starts with.
const FORBIDDEN_STARTS: &[&str] = &[
    "abort",
    "begin",
    "commit",
    "copy",
    "discard",
    "end",
    "prepare",
    "release",
    "reset",
    "rollback",
    "savepoint",
    "set",
    "start",
];

/// Whether a statement of the block may start with one of [`FORBIDDEN_STARTS`]: the
/// first token, or one right after a `;` (wherever it stands, so that the statements of
/// a `BEGIN ATOMIC` body count too), is such a word. A superset of the statements
/// [`forbidden`] refuses, which only the parse's tree tells apart.
fn may_be_forbidden(text: &str, tokens: &[protobuf::ScanToken]) -> bool {
    let mut starts = true;
    for token in tokens {
        if pgsql::is(token, Token::SqlComment) || pgsql::is(token, Token::CComment) {
            continue;
        }
        if starts {
            let word = usize::try_from(token.start)
                .ok()
                .zip(usize::try_from(token.end).ok())
                .and_then(|(start, end)| text.get(start..end))
                .unwrap_or("");
            if FORBIDDEN_STARTS
                .iter()
                .any(|w| w.eq_ignore_ascii_case(word))
            {
                return true;
            }
        }
        starts = pgsql::is(token, Token::Ascii59);
    }
    false
}

/// Settings that change how psql or the server read the rest of a script, or who runs it.
const GUARDED_SETTINGS: &[&str] = &[
    "standard_conforming_strings",
    "client_encoding",
    "session_authorization",
    "role",
];

/// Why a statement may not stand in a raw block, if it may not.
fn forbidden(node: &N) -> Option<String> {
    match node {
        N::TransactionStmt(_) => Some(
            "transaction control in a raw SQL block: the script opens and ends its own \
             transactions, and its bookkeeping must commit with the revision's statements"
                .to_owned(),
        ),
        N::VariableSetStmt(set) => {
            if set.kind == VariableSetKind::VarResetAll as i32 {
                return Some(format!(
                    "RESET ALL in a raw SQL block: it would reset settings the script relies on ({})",
                    GUARDED_SETTINGS.join(", ")
                ));
            }
            let name = set.name.to_ascii_lowercase();
            GUARDED_SETTINGS.contains(&name.as_str()).then(|| {
                format!(
                    "`{name}` is set by the script itself and may not be changed in a raw SQL block"
                )
            })
        }
        N::DiscardStmt(_) => Some(
            "DISCARD in a raw SQL block: it would reset settings the script relies on".to_owned(),
        ),
        N::CopyStmt(copy) if copy.is_from && copy.filename.is_empty() && !copy.is_program => Some(
            "COPY ... FROM STDIN in a raw SQL block: psql would read the rest of the script as \
             the data to copy"
                .to_owned(),
        ),
        _ => None,
    }
}

/// Why a statement may not stand in a `sql data` block, if it may not: one that can
/// change the schema, or whose effect the parser cannot tell (a function call by `DO`
/// or `CALL`, `SELECT ... INTO`, which creates a table).
fn not_data(node: &N) -> Option<String> {
    let what = match node {
        N::InsertStmt(_)
        | N::UpdateStmt(_)
        | N::DeleteStmt(_)
        | N::MergeStmt(_)
        | N::TruncateStmt(_) => return None,
        N::SelectStmt(select) if select.into_clause.is_none() => return None,
        N::SelectStmt(_) => "SELECT ... INTO (it creates a table)".to_owned(),
        N::DoStmt(_) => "a DO block (strata cannot tell what it changes)".to_owned(),
        N::CallStmt(_) => "CALL (strata cannot tell what the procedure changes)".to_owned(),
        other => format!("{} (it changes the schema)", statement_words(other)),
    };
    Some(format!(
        "a `sql data` block changes rows only (INSERT, UPDATE, DELETE, MERGE, TRUNCATE, \
         SELECT), and \
         this is {what}: write it as a statement, or in a plain `sql` block with a downgrade"
    ))
}

/// A statement's kind in SQL words, for a message.
fn statement_words(node: &N) -> &'static str {
    match node {
        N::CreateStmt(_) => "CREATE TABLE",
        N::IndexStmt(_) => "CREATE INDEX",
        N::AlterTableStmt(_) => "ALTER TABLE",
        N::DropStmt(_) => "DROP",
        N::RenameStmt(_) => "a rename",
        N::CreateSeqStmt(_) => "CREATE SEQUENCE",
        N::AlterSeqStmt(_) => "ALTER SEQUENCE",
        N::ViewStmt(_) => "CREATE VIEW",
        N::CreateFunctionStmt(_) => "CREATE FUNCTION",
        N::CreateTrigStmt(_) => "CREATE TRIGGER",
        N::CommentStmt(_) => "COMMENT",
        N::GrantStmt(_) => "GRANT or REVOKE",
        N::InsertStmt(_) => "INSERT",
        N::UpdateStmt(_) => "UPDATE",
        N::DeleteStmt(_) => "DELETE",
        N::MergeStmt(_) => "MERGE",
        _ => "a statement that is not a data change",
    }
}

/// A backslash outside quotes (psql's meta-commands) or `:name` (psql's variables):
/// psql acts on both before PostgreSQL sees the text. Text without either character
/// needs no scan; a text the scanner stops on (an unclosed quote) is the parser's to
/// report.
fn psql_hazard(text: &str) -> Option<Problem> {
    let bytes = text.as_bytes();
    if !bytes.iter().any(|&b| b == b'\\' || b == b':') {
        return None;
    }
    psql_hazard_in(text, &pgsql::tokens(text)?)
}

/// [`psql_hazard`] on the tokens of `text`.
fn psql_hazard_in(text: &str, tokens: &[protobuf::ScanToken]) -> Option<Problem> {
    let bytes = text.as_bytes();
    for token in tokens {
        let start = usize::try_from(token.start).unwrap_or(0);
        let end = usize::try_from(token.end).unwrap_or(start);
        if pgsql::is(token, Token::Ascii92) {
            return Some(Problem::new(
                Code::ForbiddenSql,
                start,
                end,
                "a backslash outside quotes: psql would read it as one of its own commands \
                 (`\\!` runs a shell command)",
            ));
        }
        if pgsql::is(token, Token::Ascii58) {
            let next = bytes.get(end).copied();
            let variable = match next {
                Some(b'\'' | b'"' | b'{') => true,
                Some(b) => b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80,
                None => false,
            };
            if variable {
                // `:name`, `:'name'`, `:"name"` or `:{?name}`, as far as psql reads it.
                let rest = &text[end..];
                let length = match next {
                    Some(q @ (b'\'' | b'"')) => {
                        rest[1..].find(q as char).map_or(rest.len(), |i| i + 2)
                    }
                    Some(b'{') => rest.find('}').map_or(rest.len(), |i| i + 1),
                    _ => rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .unwrap_or(rest.len()),
                };
                let name_end = end + length;
                let shown = text.get(start..name_end).unwrap_or(":");
                return Some(Problem::new(
                    Code::ForbiddenSql,
                    start,
                    name_end,
                    format!(
                        "psql would replace `{shown}` with one of its variables; write a space after `:`"
                    ),
                ));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str, place: Place) -> Option<(usize, String)> {
        expression(text, place).map(|p| (p.start, p.message))
    }

    #[test]
    fn expressions_pass_where_postgresql_takes_them() {
        for (text, place) in [
            ("now()", Place::Default),
            ("'{}'::jsonb", Place::Default),
            ("price >= 0 and price < 100", Place::Check),
            ("lower(name)", Place::IndexKey),
            ("deleted_at is null", Place::Predicate),
            ("a * 2", Place::Generated),
            ("amount::numeric(12,2)", Place::Using),
            (
                "from ('2024-01-01') to ('2025-01-01')",
                Place::PartitionBound,
            ),
            ("in ('a', 'b')", Place::PartitionBound),
            ("numeric(10, 2)[]", Place::Type),
            ("timestamp(3) with time zone", Place::Type),
            ("arr[1 : 2]", Place::Check),
            ("x::text = 'a:b'", Place::Check),
        ] {
            assert_eq!(message(text, place), None, "{text}");
        }
    }

    #[test]
    fn what_is_not_one_expression_is_refused_where_it_is() {
        assert_eq!(
            message("1 + * 2", Place::Default),
            Some((
                4,
                "this is not one SQL expression: syntax error at or near \"*\"".into()
            ))
        );
        assert_eq!(message("1, 2", Place::Default).map(|m| m.0), Some(3));
        assert_eq!(
            message("1 +", Place::Check),
            Some((
                3,
                "this is not one SQL expression: syntax error at end of input".into()
            ))
        );
        // Balanced, and yet more than one expression in the statement it goes into.
        assert!(message("x) NOT VALID, CHECK (y", Place::Check).is_some());
        assert!(message("0; COMMIT; DROP TABLE t; --", Place::Default).is_some());
        assert!(message("0 -- c", Place::Default).is_some());
        assert!(message("$q$", Place::Default).is_some());
        assert!(message("1 NOT NULL", Place::Default).is_some());
        assert!(message("int DEFAULT 1", Place::Type).is_some());
        assert!(message("name gin_trgm_ops", Place::IndexKey).is_some());
        // Fragments that close their context and add a clause after it.
        assert!(message("1) WITH (fillfactor = 70", Place::Default).is_some());
        assert!(message("1) INHERITS (u", Place::Default).is_some());
        assert!(message("x > 0)) TABLESPACE pg_default --", Place::Check).is_some());
        assert!(message("in (1) with (fillfactor = 70)", Place::PartitionBound).is_some());
        assert!(message("x)) WHERE ((true", Place::IndexKey).is_some());
        // An `a_expr` that is not a `b_expr`: PostgreSQL refuses it after DEFAULT.
        assert!(message("a and b", Place::Default).is_some());
    }

    #[test]
    fn psql_meta_commands_and_variables_are_refused() {
        let problem = expression("id > 0 \\! id", Place::Check).unwrap();
        assert_eq!((problem.start, problem.code), (7, Code::ForbiddenSql));
        let problem = expression("0\n\\! id", Place::Default).unwrap();
        assert_eq!(problem.start, 2);
        let problem = expression("a = :USER", Place::Check).unwrap();
        assert_eq!(
            problem.message,
            "psql would replace `:USER` with one of its variables; write a space after `:`"
        );
        assert!(expression("a = :'v'", Place::Check).is_some());
        assert!(expression("arr[1:2]", Place::Check).is_some());
        // Inside quotes and comments psql does not act.
        assert_eq!(expression("'\\! id' = x /* \\! */", Place::Check), None);
    }

    #[test]
    fn data_blocks_hold_data_changes_only() {
        let messages = |text: &str| -> Vec<String> {
            raw_block(text, false, true)
                .into_iter()
                .map(|p| format!("{}: {}", p.start, p.message))
                .collect()
        };
        assert!(messages(
            "UPDATE t SET a = 1; INSERT INTO t SELECT 1; DELETE FROM t; TRUNCATE u; \
             SELECT setval('s', 5); MERGE INTO t USING u ON t.a = u.a WHEN MATCHED THEN DELETE"
        )
        .is_empty());
        let refused = messages(
            "UPDATE t SET a = 1; CREATE TABLE u (id int); SELECT 1 INTO v; DO $$ BEGIN END $$",
        );
        assert_eq!(refused.len(), 3, "{refused:?}");
        assert!(refused[0].starts_with("20: a `sql data` block changes rows only"));
        assert!(refused[0].contains("this is CREATE TABLE (it changes the schema)"));
        assert!(refused[1].contains("SELECT ... INTO (it creates a table)"));
        assert!(refused[2].contains("a DO block"));
        // A plain block holds them all.
        assert!(raw_block("CREATE TABLE u (id int)", false, false).is_empty());
    }

    #[test]
    fn raw_blocks_refuse_what_would_break_the_script() {
        let codes = |text: &str, nontransactional| {
            raw_block(text, nontransactional, false)
                .into_iter()
                .map(|p| (p.start, p.code))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes("UPDATE t SET a = 1; SELECT 2", false), vec![]);
        assert_eq!(
            codes("CREAT TABLE u (id int)", false),
            vec![(0, Code::SqlSyntax)]
        );
        for statement in [
            "COMMIT",
            "BEGIN",
            "START TRANSACTION",
            "END",
            "ROLLBACK",
            "ABORT",
            "SAVEPOINT a",
            "RELEASE a",
            "PREPARE TRANSACTION 'x'",
            "SET standard_conforming_strings = off",
            "set local STANDARD_CONFORMING_STRINGS to off",
            "RESET standard_conforming_strings",
            "SET client_encoding = 'SJIS'",
            "SET NAMES 'SJIS'",
            "SET SESSION AUTHORIZATION postgres",
            "SET ROLE postgres",
            "RESET ROLE",
            "RESET ALL",
            "DISCARD ALL",
            "COPY t FROM STDIN",
        ] {
            let text = format!("SELECT 1; {statement}");
            assert_eq!(
                codes(&text, false),
                vec![(10, Code::ForbiddenSql)],
                "{statement}"
            );
        }
        assert_eq!(codes("SET lock_timeout = '1s'", false), vec![]);
        assert_eq!(codes("COPY t TO STDOUT", false), vec![]);
        assert_eq!(
            codes("CREATE INDEX CONCURRENTLY i ON t (a); SELECT 1", true),
            vec![(0, Code::ForbiddenSql)]
        );
        assert_eq!(
            codes("SELECT 1 \\! id", false),
            vec![(9, Code::ForbiddenSql)]
        );
        assert_eq!(codes("SELECT 1 -- \\! id is a comment", false), vec![]);
        assert_eq!(codes("SELECT $x$ \\! id $x$", false), vec![]);
    }
}
