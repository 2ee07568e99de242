//! `strata fmt`: a `.mig` file in the canonical layout (docs/FORMAT.md).
//!
//! The layout is made from pest's parse tree, not from the syntax tree: every token stays
//! as the author wrote it (keywords and bare names in lower case, which is how the
//! language reads them anyway), so nothing is re-spelled; the comments, which the grammar
//! skips, are taken from the gaps between tokens and put back in the same order, so a
//! `-- strata: allow(...)` comment still comes right before the statement it is for.
//! The result is parsed again and its meaning compared with the original's: a layout
//! that would change what a file does is refused, never written.

use pest::iterators::Pair;
use pest::Parser as _;

use super::ast::{Downgrade, Revision, Statement};
use super::lexer::{self, TokenKind};
use super::messages;
use super::parser::{parse_file, Depth, MigParser, Rule};
use super::print;
use crate::source::{FileId, SourceFile};

/// The indentation of one level: a block's statements, a table's columns, a header's
/// clauses.
const INDENT: usize = 2;
/// The indentation of a statement's own continuation lines (a long one wrapped, or one
/// with a comment that ends a line inside it), beyond the line it started on.
const CONTINUATION: usize = 2;
/// The width a line is wrapped to, at a clause's start, when it can be.
pub const WIDTH: usize = 100;

/// The parts of a statement before which a long line may be wrapped: its clauses.
const CLAUSES: &[Rule] = &[
    Rule::column_constraint,
    Rule::references,
    Rule::on_delete,
    Rule::on_update,
    Rule::deferrability,
    Rule::not_valid,
    Rule::include_clause,
    Rule::where_clause,
    Rule::nulls_not_distinct,
    Rule::storage_params,
    Rule::partition_by,
    Rule::using_clause,
    Rule::value_position,
    Rule::trigger_for,
    Rule::trigger_when,
    Rule::returns_clause,
    Rule::routine_option,
    Rule::with_data,
    Rule::raw_made,
    Rule::policy_as,
    Rule::policy_for,
    Rule::policy_to,
    Rule::policy_using,
    Rule::policy_check,
    Rule::with_grant_option,
];

/// The keywords before which a long line may be wrapped, in the statements they start a
/// clause of.
fn clause_keyword(rule: Rule, parent: Rule) -> bool {
    matches!(
        (rule, parent),
        (Rule::k_for, Rule::create_partition)
            | (Rule::k_on | Rule::k_execute, Rule::create_trigger)
            | (Rule::k_on, Rule::create_index | Rule::assume_index)
            | (
                Rule::k_on,
                Rule::create_policy | Rule::grant_stmt | Rule::revoke_stmt
            )
            | (Rule::k_to, Rule::grant_stmt)
            | (Rule::k_from, Rule::revoke_stmt)
            | (
                Rule::k_as,
                Rule::create_view | Rule::create_routine | Rule::assume_view | Rule::assume_routine
            )
    )
}

/// Why a file was not formatted.
#[derive(Debug, PartialEq, Eq)]
pub enum FormatError {
    /// The file does not follow the grammar: its diagnostics say where (the caller
    /// parses it and reports them; the formatter only refuses).
    Invalid,
    /// The layout would change the file's meaning: a fault of the formatter, reported
    /// as one, and the file is left as it is.
    Changed(String),
}

/// `text` in the canonical layout.
pub fn format(text: &str) -> Result<String, FormatError> {
    let revision = parsed(text).ok_or(FormatError::Invalid)?;
    format_parsed(text, &revision)
}

/// `text`, which parses to `revision` (as a project loads it), in the canonical layout:
/// the parse is not made again.
pub fn format_parsed(text: &str, revision: &Revision) -> Result<String, FormatError> {
    let before = meaning(revision);
    let tree = MigParser::parse(Rule::file, text)
        .map_err(|_| FormatError::Invalid)?
        .next()
        .ok_or(FormatError::Invalid)?;
    let mut layout = Layout::new(text);
    layout.file(tree)?;
    let formatted = layout.finish()?;
    match parsed(&formatted).map(|r| meaning(&r)) {
        Some(after) if after == before => Ok(formatted),
        Some(after) => Err(FormatError::Changed(first_difference(&before, &after))),
        None => Err(FormatError::Changed(
            "the formatted text does not parse".to_owned(),
        )),
    }
}

/// The first line where two meanings differ, for the report of a formatter fault.
fn first_difference(before: &str, after: &str) -> String {
    let mut after_lines = after.lines();
    for line in before.lines() {
        match after_lines.next() {
            Some(other) if other == line => {}
            other => return format!("`{line}` would become `{}`", other.unwrap_or("(nothing)")),
        }
    }
    "the formatted text says more".to_owned()
}

/// The revision `text` holds, `None` when it does not parse.
fn parsed(text: &str) -> Option<Revision> {
    let source = SourceFile::new(String::new(), String::new(), Some(text.to_owned()));
    parse_file(&source, FileId(0), Depth::Full).revision
}

/// What a file says, without where it says it: the header's values, each statement in
/// the printer's canonical form, the downgrade, and each suppression with the statement
/// it is for. Two texts with the same meaning compile to the same scripts and lint
/// alike.
fn meaning(revision: &Revision) -> String {
    let header = &revision.header;
    let values = |list: &[super::ast::Spanned<String>]| {
        list.iter()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut out = format!(
        "revision {:?}\nparents {:?}\nmessage {:?}\nlabels {:?}\ndepends_on {:?}\n",
        header.id.value,
        values(&header.parents),
        header.message.as_ref().map(|m| &m.value),
        values(&header.labels),
        values(&header.depends_on),
    );
    let mut statements: Vec<&Statement> = Vec::new();
    if let Some(upgrade) = revision.upgrade() {
        out.push_str("upgrade\n");
        for statement in &upgrade.statements {
            out.push_str(&print::statement(&statement.kind));
            out.push('\n');
            statements.push(statement);
        }
    }
    match revision.downgrade() {
        Downgrade::Derived => out.push_str("derived downgrade\n"),
        Downgrade::Irreversible { reason, .. } => {
            out.push_str(&format!("irreversible {:?}\n", reason.value));
        }
        Downgrade::Explicit(block) => {
            out.push_str("downgrade\n");
            for statement in &block.statements {
                out.push_str(&print::statement(&statement.kind));
                out.push('\n');
                statements.push(statement);
            }
        }
    }
    statements.sort_by_key(|s| s.span.start);
    for suppression in revision.body.iter().flat_map(|b| &b.suppressions) {
        let target = statements
            .iter()
            .position(|s| s.span.start >= suppression.span.end);
        let rules: Vec<&str> = suppression.rules.iter().map(|r| r.value.as_str()).collect();
        out.push_str(&format!(
            "allow {rules:?} {:?} before statement {target:?}\n",
            suppression.reason
        ));
    }
    out
}

/// Blank lines before a line the layout starts.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Blank {
    /// None: the first statement of a block, a header's clause, a closing brace.
    Never,
    /// One when the author left one or more there: between statements and columns.
    Kept,
    /// Always one: between the header and the blocks.
    Always,
}

/// A new line the layout starts before the next token.
#[derive(Clone, Copy)]
struct Break {
    indent: usize,
    blank: Blank,
    /// Where comments before the token go: a closing brace's are inside the block.
    comments: usize,
}

/// The output being written, and where the walk is in the input.
struct Layout<'t> {
    text: &'t str,
    out: String,
    /// The end of the last token taken from `text`.
    last_end: usize,
    /// The rule of the last token written, `None` after a comment or at a line's start.
    last: Option<Rule>,
    /// The break the next token starts with, set by the structure around it.
    pending: Option<Break>,
    /// A line comment ended the output's line: the next token starts a new one.
    must_break: bool,
    /// The indentation of the last line the structure started (not a continuation).
    indent: usize,
    /// The next token starts a clause ([`CLAUSES`]).
    clause: bool,
    /// Where the output's line may be wrapped: before the space before each clause.
    wraps: Vec<usize>,
}

impl<'t> Layout<'t> {
    fn new(text: &'t str) -> Self {
        Layout {
            text,
            out: String::with_capacity(text.len() + text.len() / 8),
            last_end: 0,
            last: None,
            pending: None,
            must_break: false,
            indent: 0,
            clause: false,
            wraps: Vec::new(),
        }
    }

    fn file(&mut self, file: Pair<'t, Rule>) -> Result<(), FormatError> {
        let mut first = true;
        for item in file.into_inner() {
            if item.as_rule() == Rule::EOI {
                continue;
            }
            // The header, then each block, with a blank line between them.
            self.pending = Some(Break {
                indent: 0,
                blank: if first { Blank::Kept } else { Blank::Always },
                comments: 0,
            });
            first = false;
            self.walk(item, 0, Rule::file)?;
        }
        Ok(())
    }

    /// Lays out `pair`, a part of something at `indent`, whose parent is `parent`.
    fn walk(
        &mut self,
        pair: Pair<'t, Rule>,
        indent: usize,
        parent: Rule,
    ) -> Result<(), FormatError> {
        let rule = pair.as_rule();
        if is_token(rule) {
            return self.token(&pair, parent);
        }
        match rule {
            Rule::header => {
                for child in pair.into_inner() {
                    if child.as_rule() == Rule::header_clause {
                        self.pending = Some(Break {
                            indent: indent + INDENT,
                            blank: Blank::Never,
                            comments: indent + INDENT,
                        });
                    }
                    self.walk(child, indent, rule)?;
                }
                Ok(())
            }
            Rule::upgrade_block | Rule::downgrade_block | Rule::raw_made => self.list(
                pair,
                indent,
                &[Rule::statement, Rule::raw_made_item],
                Rule::rbrace,
            ),
            Rule::table_elements => self.list(pair, indent, &[Rule::table_element], Rule::rparen),
            _ => {
                let inner = pair.clone().into_inner();
                if inner.peek().is_none() {
                    // A rule with no parts of its own is one token.
                    return self.token(&pair, parent);
                }
                for child in inner {
                    self.clause |= CLAUSES.contains(&child.as_rule());
                    self.walk(child, indent, rule)?;
                }
                Ok(())
            }
        }
    }

    /// A block or a table's elements: each of `items` on a line of its own, one level in,
    /// and `close` on a line at `indent`. An empty list stays on one line, unless a
    /// comment is inside it.
    fn list(
        &mut self,
        pair: Pair<'t, Rule>,
        indent: usize,
        items: &[Rule],
        close: Rule,
    ) -> Result<(), FormatError> {
        let rule = pair.as_rule();
        let mut first = true;
        let empty = !pair
            .clone()
            .into_inner()
            .any(|c| items.contains(&c.as_rule()));
        for child in pair.into_inner() {
            if items.contains(&child.as_rule()) {
                self.pending = Some(Break {
                    indent: indent + INDENT,
                    blank: if first { Blank::Never } else { Blank::Kept },
                    comments: indent + INDENT,
                });
                first = false;
                self.walk(child, indent + INDENT, rule)?;
            } else if child.as_rule() == close
                && (!empty || self.comment_before(child.as_span().start()))
            {
                self.pending = Some(Break {
                    indent,
                    blank: Blank::Never,
                    comments: indent + INDENT,
                });
                self.walk(child, indent, rule)?;
            } else {
                self.walk(child, indent, rule)?;
            }
        }
        Ok(())
    }

    /// Whether a comment stands between the last token and `end`.
    fn comment_before(&self, end: usize) -> bool {
        lexer::tokenize_with_comments(&self.text[self.last_end..end])
            .is_ok_and(|tokens| tokens.iter().any(|t| t.kind == TokenKind::Comment))
    }

    /// Writes one token, after the comments before it.
    fn token(&mut self, pair: &Pair<'t, Rule>, parent: Rule) -> Result<(), FormatError> {
        let rule = pair.as_rule();
        let span = pair.as_span();
        let pending = self.pending.take();
        self.gap(span.start(), pending)?;
        match pending {
            Some(brk) => self.newline(brk.indent, true),
            None if self.must_break => self.newline(self.indent + CONTINUATION, false),
            None => {
                if self.line_has_text() {
                    if self.clause || clause_keyword(rule, parent) {
                        self.wraps.push(self.out.len());
                    }
                    if space_before(self.last, rule, parent) {
                        self.out.push(' ');
                    }
                }
            }
        }
        self.clause = false;
        let text = span.as_str();
        if rule == Rule::bare_ident || messages::is_keyword(rule) {
            self.out.push_str(&text.to_ascii_lowercase());
        } else {
            self.out.push_str(text);
        }
        if text.contains('\n') {
            // Only the last line of a token on several lines is still open: the wrap
            // points before it are on lines already ended.
            self.wraps.clear();
        }
        self.last = Some(rule);
        self.last_end = span.end();
        self.must_break = false;
        Ok(())
    }

    /// The comments between the last token and `end`, each where it was: after the last
    /// token on its line, or on a line of its own (with one blank line before it when the
    /// author left one and `brk` allows it).
    fn gap(&mut self, end: usize, brk: Option<Break>) -> Result<(), FormatError> {
        let gap = &self.text[self.last_end..end];
        let tokens = lexer::tokenize_with_comments(gap)
            .map_err(|_| FormatError::Changed("an unclosed comment between tokens".to_owned()))?;
        let mut blank = brk.map_or(Blank::Never, |b| b.blank);
        let mut at = 0;
        for comment in &tokens {
            if comment.kind != TokenKind::Comment {
                return Err(FormatError::Changed(format!(
                    "`{}` between tokens",
                    &gap[comment.start..comment.end]
                )));
            }
            let before = &gap[at..comment.start];
            let text = gap[comment.start..comment.end].trim_end();
            at = comment.end;
            let inline = !before.contains('\n') && self.line_has_text();
            if inline {
                // A comment after a token on its line stays there.
                self.out.push(' ');
                self.out.push_str(text);
            } else {
                let indent = match brk {
                    Some(b) => b.comments,
                    None if self.out.is_empty() => 0,
                    None => self.indent + CONTINUATION,
                };
                self.blank_line(blank, before);
                self.newline(indent, false);
                self.out.push_str(text);
                // Only the first line of a gap gets the blank line `Always` asks for.
                if blank == Blank::Always {
                    blank = Blank::Kept;
                }
            }
            self.last = None;
            // Only a one-line block comment after a token leaves its line open.
            self.must_break |= !inline || text.starts_with("--") || text.contains('\n');
        }
        if brk.is_some() {
            self.blank_line(blank, &gap[at..]);
        }
        Ok(())
    }

    /// A blank line, when `blank` asks for one and, for `Kept`, the author's text
    /// `before` the next thing had one.
    fn blank_line(&mut self, blank: Blank, before: &str) {
        let wanted = match blank {
            Blank::Never => false,
            Blank::Kept => before.matches('\n').count() >= 2,
            Blank::Always => true,
        };
        if wanted && !self.out.is_empty() && !self.out.ends_with("\n\n") {
            self.end_line();
            self.out.push('\n');
        }
    }

    fn line_has_text(&self) -> bool {
        !self.out.is_empty() && !self.out.ends_with('\n')
    }

    /// Ends the output's line, if it has text, wrapped first if it is too long.
    fn end_line(&mut self) {
        if self.line_has_text() {
            self.wrap();
            self.out.push('\n');
        }
        self.wraps.clear();
    }

    /// Wraps the output's line when it is wider than [`WIDTH`]: each clause goes on the
    /// line before while it fits there, else starts a continuation line.
    fn wrap(&mut self) {
        let start = self.out.rfind('\n').map_or(0, |i| i + 1);
        let width = |s: &str| s.chars().count();
        if self.wraps.is_empty() || width(&self.out[start..]) <= WIDTH {
            return;
        }
        let line = self.out.split_off(start);
        let mut cuts = vec![0];
        cuts.extend(self.wraps.iter().map(|&w| w - start));
        cuts.push(line.len());
        let continuation = self.indent + CONTINUATION;
        let mut used = 0;
        for (i, piece) in cuts.windows(2).map(|w| &line[w[0]..w[1]]).enumerate() {
            if i > 0 && used + width(piece) > WIDTH {
                let piece = piece.trim_start_matches(' ');
                self.out.push('\n');
                self.out.extend(std::iter::repeat_n(' ', continuation));
                self.out.push_str(piece);
                used = continuation + width(piece);
            } else {
                self.out.push_str(piece);
                used += width(piece);
            }
        }
    }

    /// Starts a line at `indent`; `structural` when the structure starts it (not a
    /// continuation), which makes it the base of the next continuation.
    fn newline(&mut self, indent: usize, structural: bool) {
        if self.out.is_empty() {
            // The file's first line.
        } else {
            self.end_line();
            self.out.extend(std::iter::repeat_n(' ', indent));
        }
        if structural {
            self.indent = indent;
        }
        self.last = None;
    }

    /// The comments after the last token, and the final newline.
    fn finish(mut self) -> Result<String, FormatError> {
        let end = self.text.len();
        self.gap(
            end,
            Some(Break {
                indent: 0,
                blank: Blank::Kept,
                comments: 0,
            }),
        )?;
        self.end_line();
        Ok(self.out)
    }
}

/// The rules whose text is written as one piece: the keywords and punctuation (the
/// tokens of the error messages), and names, literals and the other atomic rules.
fn is_token(rule: Rule) -> bool {
    (messages::is_token(rule) && rule != Rule::EOI)
        || matches!(
            rule,
            Rule::bare_ident
                | Rule::quoted_ident
                | Rule::string
                | Rule::number
                | Rule::signed_int
                | Rule::sql_expr
                | Rule::dollar_quoted
                | Rule::rev_id
                | Rule::label
                | Rule::operator
        )
}

/// Whether a space goes between the token `previous` and `current` (whose parent rule
/// is `parent`) on one line: as the printer writes statements (`varchar(64)`,
/// `f(a int)`, `text[]`, `a.b`, `(a, b)`, `x = 1`).
fn space_before(previous: Option<Rule>, current: Rule, parent: Rule) -> bool {
    if matches!(
        current,
        Rule::comma
            | Rule::stmt_end
            | Rule::header_end
            | Rule::rparen
            | Rule::rbracket
            | Rule::lbracket
            | Rule::dot
    ) {
        return false;
    }
    if matches!(previous, Some(Rule::lparen | Rule::lbracket | Rule::dot)) {
        return false;
    }
    if previous == Some(Rule::lbrace) && current == Rule::rbrace {
        // An empty block: `upgrade {}`.
        return false;
    }
    !(current == Rule::lparen
        && matches!(
            parent,
            Rule::type_modifiers | Rule::routine_args | Rule::create_trigger
        ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn formatted(text: &str) -> String {
        format(text).expect("formats")
    }

    #[test]
    fn a_formatted_file_is_formatted_again_as_it_is() {
        let text = "REVISION a PARENTS b MESSAGE 'x'; UPGRADE { CREATE TABLE T (ID INT, -- the key\n\n b text); }";
        let once = formatted(text);
        assert_eq!(
            once,
            "revision a\n  parents b\n  message 'x';\n\nupgrade {\n  create table t (\n    id int, -- the key\n\n    b text\n  );\n}\n"
        );
        assert_eq!(formatted(&once), once);
    }

    #[test]
    fn a_text_that_does_not_parse_is_refused() {
        assert_eq!(format("revision a; upgrade {"), Err(FormatError::Invalid));
    }
}
