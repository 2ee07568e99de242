//! From text to the typed syntax tree: the pest grammar, the walk over its parse tree,
//! and the per-file checks that need no other file (LANGUAGE.md sections 2 and 3).

use pest::iterators::Pair;
use pest::Parser as _;
use pest_derive::Parser;

use super::ast::*;
use super::characters;
use super::fragment::{self, Place};
use super::messages;
use super::suppression;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, LineIndex, SourceFile, Span};

#[derive(Parser)]
#[grammar = "../grammar/strata.pest"]
pub(crate) struct MigParser;

/// The longest revision id (LANGUAGE.md 2).
pub const MAX_REVISION_ID_LEN: usize = 64;
/// PostgreSQL's NAMEDATALEN - 1: the longest name it keeps without truncating.
pub const MAX_NAME_BYTES: usize = 63;

/// What parsing one file gave.
#[derive(Debug)]
pub struct ParsedFile {
    /// The revision, when the file follows the grammar (even if other checks failed).
    pub revision: Option<Revision>,
    /// When the file does not follow the grammar but its header does: the id it
    /// declares, so that later stages do not call a reference to it unknown.
    pub unparsed_id: Option<String>,
    /// Every problem found.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one file of `sources`.
/// How much of a file to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// The header only, for commands that look at nothing but the graph, and for the
    /// stream, which parses each body later. The revision gets no body whatever the
    /// file says; a file whose header cannot be read alone is parsed in full, so its
    /// errors are the same.
    Headers,
    /// The whole file.
    Full,
}

/// Parses `source`, which is (or will be) known as `file` in its source map.
pub fn parse_file(source: &SourceFile, file: FileId, depth: Depth) -> ParsedFile {
    let Some(text) = source.kept_text() else {
        return ParsedFile {
            revision: None,
            unparsed_id: None,
            diagnostics: Vec::new(),
        };
    };
    let mut builder = Builder::new(source, text, file, 0);
    for found in characters::scan(text) {
        let span = builder.lines.span(text, file, found.start, found.end);
        let code = if found.control {
            Code::ControlCharacter
        } else {
            Code::InvisibleCharacter
        };
        builder.diagnostics.push(if found.error {
            Diagnostic::error(code, span, found.message)
        } else {
            Diagnostic::warning(code, span, found.message)
        });
    }
    if let Some(offset) = comment_too_deep(text) {
        builder.error(
            Code::Syntax,
            source.span(file, offset, offset + 2),
            format!("block comments are nested more than {MAX_COMMENT_DEPTH} deep here"),
        );
        return ParsedFile {
            revision: None,
            unparsed_id: None,
            diagnostics: builder.diagnostics,
        };
    }
    if depth == Depth::Headers {
        if let Some(header) = MigParser::parse(Rule::header_prefix, text)
            .ok()
            .and_then(|mut pairs| pairs.next())
            .and_then(|p| find(&p, Rule::header))
        {
            let header = builder.header(header);
            return ParsedFile {
                revision: Some(Revision {
                    header: Box::new(header),
                    body: None,
                }),
                unparsed_id: None,
                diagnostics: builder.diagnostics,
            };
        }
    }
    match MigParser::parse(Rule::file, text) {
        Ok(mut pairs) => {
            let revision = pairs.next().and_then(|file| builder.file(file, None));
            ParsedFile {
                revision,
                unparsed_id: None,
                diagnostics: builder.diagnostics,
            }
        }
        Err(error) => {
            // The first syntax error ends the parse; the header's own checks can still
            // run when the header itself is sound.
            let header = MigParser::parse(Rule::header_prefix, text)
                .ok()
                .and_then(|mut pairs| pairs.next())
                .and_then(|p| find(&p, Rule::header))
                .map(|header| builder.header(header));
            let mut diagnostics = builder.diagnostics;
            diagnostics.push(messages::syntax_error(source, file, text, &error));
            ParsedFile {
                revision: None,
                unparsed_id: header.map(|h| h.id.value),
                diagnostics,
            }
        }
    }
}

/// Parses what follows the header of `source`, whose text is `text` and whose header
/// (read alone, at [`Depth::Headers`]) is `header`, both given apart as a stream takes
/// them out of the project ([`crate::project::Project::take_for_stream`]): the same revision
/// and the same findings of the body as [`parse_file`] at [`Depth::Full`] gives, without
/// reading the header again. `None` when the rest does not follow the grammar (its error
/// is then [`parse_file`]'s to report).
pub fn parse_body(
    source: &SourceFile,
    text: &str,
    file: FileId,
    header: Box<Header>,
) -> Option<ParsedFile> {
    let offset = header.span.end as usize;
    let pairs = MigParser::parse(Rule::file, text.get(offset..)?).ok();
    let mut builder = Builder::new(source, text, file, offset);
    let revision = builder.file(pairs?.next()?, Some(header));
    Some(ParsedFile {
        revision,
        unparsed_id: None,
        diagnostics: builder.diagnostics,
    })
}

struct Builder<'s> {
    source: &'s SourceFile,
    /// The whole text of the file, and its lines for the spans of this parse.
    text: &'s str,
    lines: LineIndex,
    file: FileId,
    /// Where the text parsed starts in the file (after the header, for [`parse_body`]).
    offset: usize,
    diagnostics: Vec<Diagnostic>,
}

/// The first inner pair of a given rule. The grammar guarantees its presence wherever
/// this is called; a missing one means the grammar and this walk disagree.
fn child<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> Pair<'i, Rule> {
    find(pair, rule).unwrap_or_else(|| {
        panic!(
            "grammar and parser disagree: {:?} has no {rule:?}",
            pair.as_rule()
        )
    })
}

fn find<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> Option<Pair<'i, Rule>> {
    children(pair, rule).next()
}

/// The inner pairs of a given rule, in order.
fn children<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> impl Iterator<Item = Pair<'i, Rule>> + Clone {
    pair.clone()
        .into_inner()
        .filter(move |p| p.as_rule() == rule)
}

/// The inner pairs of a given rule, with an exact length: the vectors collected from
/// them are allocated at their size. (A filtered iterator would start every vector at
/// four elements, and the tree of a large project would be mostly empty slots.)
fn all<'i>(pair: &Pair<'i, Rule>, rule: Rule) -> Exact<impl Iterator<Item = Pair<'i, Rule>>> {
    let children = children(pair, rule);
    Exact {
        remaining: children.clone().count(),
        inner: children,
    }
}

/// An iterator that knows its length.
struct Exact<I> {
    inner: I,
    remaining: usize,
}

impl<I: Iterator> Iterator for Exact<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.inner.next()?;
        self.remaining -= 1;
        Some(item)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<I: Iterator> ExactSizeIterator for Exact<I> {}

/// `collect` into a vector of exactly the right capacity. (`collect` gives even a
/// one-element vector room for four, and the trees of a large project are kept whole.)
trait CollectExact: ExactSizeIterator + Sized {
    fn collect_exact(self) -> Vec<Self::Item> {
        let mut vec = Vec::with_capacity(self.len());
        vec.extend(self);
        vec
    }

    /// The same, for a list fixed once built: a boxed slice, without a vector's capacity.
    fn collect_boxed(self) -> Box<[Self::Item]> {
        self.collect_exact().into_boxed_slice()
    }
}

impl<I: ExactSizeIterator> CollectExact for I {}

fn has(pair: &Pair<'_, Rule>, rule: Rule) -> bool {
    find(pair, rule).is_some()
}

/// The first inner pair, keyword or not.
fn first<'i>(pair: &Pair<'i, Rule>) -> Pair<'i, Rule> {
    pair.clone()
        .into_inner()
        .next()
        .unwrap_or_else(|| panic!("grammar and parser disagree: {:?} is empty", pair.as_rule()))
}

/// The first inner pair that is not a keyword or punctuation: the "payload" of rules
/// such as `statement` or `alter_action` that wrap one alternative.
fn payload<'i>(pair: &Pair<'i, Rule>) -> Pair<'i, Rule> {
    pair.clone()
        .into_inner()
        .find(|p| !messages::is_token(p.as_rule()))
        .unwrap_or_else(|| panic!("grammar and parser disagree: {:?} is empty", pair.as_rule()))
}

impl<'s> Builder<'s> {
    /// A walk over a parse of `text` (the text of `source`) from byte `offset` on.
    fn new(source: &'s SourceFile, text: &'s str, file: FileId, offset: usize) -> Self {
        Builder {
            source,
            text,
            lines: LineIndex::new(text),
            file,
            offset,
            diagnostics: Vec::new(),
        }
    }

    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        self.lines.span(
            self.text,
            self.file,
            self.offset + span.start(),
            self.offset + span.end(),
        )
    }

    fn error(&mut self, code: Code, span: Span, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(code, span, message));
    }

    /// The revision of a whole file, or (given its `header`) of what follows the header.
    fn file(&mut self, file: Pair<'_, Rule>, header: Option<Box<Header>>) -> Option<Revision> {
        let mut first_item: Option<Span> = header.as_ref().map(|h| h.span);
        let mut header: Option<Box<Header>> = header;
        let mut upgrade: Option<Block> = None;
        let mut downgrade: Option<(Downgrade, Span)> = None;

        for item in all(&file, Rule::item) {
            let inner = payload(&item);
            let span = self.span(&inner);
            match inner.as_rule() {
                Rule::header => {
                    if let Some(first) = &header {
                        let diagnostic = Diagnostic::error(
                            Code::HeaderNotFirst,
                            span,
                            "a second revision header: a file is one revision",
                        )
                        .with_note(first.span, "the first header is here");
                        self.diagnostics.push(diagnostic);
                        continue;
                    }
                    if let Some(before) = first_item {
                        let diagnostic = Diagnostic::error(
                            Code::HeaderNotFirst,
                            span,
                            "the revision header must be the first statement of the file",
                        )
                        .with_note(before, "this comes before it");
                        self.diagnostics.push(diagnostic);
                    }
                    header = Some(Box::new(self.header(inner)));
                }
                Rule::upgrade_block => {
                    let block = self.block(inner);
                    if let Some(first) = &upgrade {
                        let diagnostic = Diagnostic::error(
                            Code::DuplicateBlock,
                            span,
                            "a second 'upgrade' block: a revision has at most one",
                        )
                        .with_note(first.span, "the first 'upgrade' block is here");
                        self.diagnostics.push(diagnostic);
                    } else {
                        upgrade = Some(block);
                    }
                }
                Rule::downgrade_block | Rule::downgrade_irreversible => {
                    let this = if inner.as_rule() == Rule::downgrade_block {
                        Downgrade::Explicit(self.block(inner))
                    } else {
                        Downgrade::Irreversible {
                            reason: self.string(&child(&inner, Rule::string)),
                            span,
                        }
                    };
                    if let Some((_, first)) = &downgrade {
                        let diagnostic = Diagnostic::error(
                            Code::DuplicateBlock,
                            span,
                            "a second 'downgrade': a revision has at most one",
                        )
                        .with_note(*first, "the first 'downgrade' is here");
                        self.diagnostics.push(diagnostic);
                    } else {
                        downgrade = Some((this, span));
                    }
                }
                other => unreachable!("an item cannot be {other:?}"),
            }
            first_item.get_or_insert(span);
        }

        let Some(header) = header else {
            let span = self.lines.span(self.text, self.file, 0, 0);
            self.error(
                Code::MissingHeader,
                span,
                "missing revision header: a file starts with `revision ID ...;`",
            );
            return None;
        };
        let (suppressions, problems) =
            suppression::find(self.text, self.offset, &self.lines, self.file);
        self.diagnostics.extend(problems);
        Some(Revision {
            header,
            body: Some(Box::new(Body {
                upgrade,
                downgrade: downgrade.map_or(Downgrade::Derived, |(d, _)| d),
                suppressions,
            })),
        })
    }

    fn header(&mut self, pair: Pair<'_, Rule>) -> Header {
        let span = self.span(&pair);
        let id = self.revision_id(&child(&pair, Rule::rev_id));
        // A malformed id is reported as such; that it cannot match the file name too
        // would only repeat it.
        if revision_id_problem(&id.value).is_none() {
            self.check_file_name(&id);
        }
        let mut header = Header {
            id,
            parents: Box::default(),
            message: None,
            labels: Box::default(),
            depends_on: Box::default(),
            span,
        };
        let mut seen: Vec<(Rule, Span)> = Vec::new();
        for clause in all(&pair, Rule::header_clause) {
            let clause = payload(&clause);
            let rule = clause.as_rule();
            let clause_span = self.span(&clause);
            if let Some((_, first)) = seen.iter().find(|(r, _)| *r == rule) {
                let keyword = clause.as_str().split_whitespace().next().unwrap_or("");
                let keyword = keyword.to_ascii_lowercase();
                let diagnostic = Diagnostic::error(
                    Code::DuplicateClause,
                    clause_span,
                    format!("the '{keyword}' clause is given twice"),
                )
                .with_note(*first, "it is first given here");
                self.diagnostics.push(diagnostic);
                continue;
            }
            seen.push((rule, clause_span));
            match rule {
                Rule::parents_clause => {
                    header.parents = all(&clause, Rule::rev_id)
                        .map(|p| self.revision_id(&p))
                        .collect_boxed();
                }
                Rule::depends_on_clause => {
                    header.depends_on = all(&clause, Rule::rev_id)
                        .map(|p| self.revision_id(&p))
                        .collect_boxed();
                }
                Rule::labels_clause => {
                    header.labels = all(&clause, Rule::label)
                        .map(|p| Spanned {
                            value: p.as_str().to_owned(),
                            span: self.span(&p),
                        })
                        .collect_boxed();
                }
                Rule::message_clause => {
                    // Its control characters have a check and a message of their own.
                    let message = self.unchecked_string(&child(&clause, Rule::string));
                    if let Some(c) = message_control_character(&message.value) {
                        self.error(
                            Code::MessageControlCharacter,
                            message.span,
                            format!(
                                "the message contains a control character (U+{:04X}); \
                                 a message is one line, because it is rendered into SQL comments",
                                c as u32
                            ),
                        );
                    }
                    header.message = Some(Spanned {
                        value: message.value.into_boxed_str(),
                        span: message.span,
                    });
                }
                other => unreachable!("a header clause cannot be {other:?}"),
            }
        }
        header
    }

    /// The file's stem must be its revision id: the id is the audit key, and a renamed
    /// file must not silently become another revision.
    fn check_file_name(&mut self, id: &RevisionId) {
        let path = self.source.relative_path();
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name.strip_suffix(".mig").unwrap_or(name);
        if stem != id.value {
            self.error(
                Code::IdMismatch,
                id.span,
                format!(
                    "the file `{name}` declares revision `{}`; a file's name must be its \
                     revision id, here `{}.mig`",
                    id.value, id.value
                ),
            );
        }
    }

    fn revision_id(&mut self, pair: &Pair<'_, Rule>) -> RevisionId {
        let value = pair.as_str().to_owned();
        let span = self.span(pair);
        if let Some(problem) = revision_id_problem(&value) {
            self.diagnostics.push(problem.into_diagnostic(span, &value));
        }
        Spanned { value, span }
    }

    fn block(&mut self, pair: Pair<'_, Rule>) -> Block {
        let span = self.span(&pair);
        let statements: Vec<Statement> = all(&pair, Rule::statement)
            .map(|s| self.statement(payload(&s)))
            .collect_exact();
        self.check_settings(&statements);
        Block { statements, span }
    }

    /// A block's settings come first (each applies to the whole revision, so a place
    /// among the statements would only mislead), once each.
    fn check_settings(&mut self, statements: &[Statement]) {
        let mut seen: Vec<&Ident> = Vec::new();
        let mut others = false;
        for statement in statements {
            let StatementKind::Set(setting) = &statement.kind else {
                others = true;
                continue;
            };
            if others {
                self.error(
                    Code::InvalidStatement,
                    statement.span,
                    "a setting applies to the whole revision: put `set` before the block's \
                     other statements",
                );
            }
            if let Some(first) = seen.iter().find(|s| **s == &setting.name) {
                let d = Diagnostic::error(
                    Code::InvalidStatement,
                    setting.name.span,
                    format!("`{}` is set twice in this block", setting.name.value),
                )
                .with_note(first.span, "first set here");
                self.diagnostics.push(d);
            }
            seen.push(&setting.name);
        }
    }

    fn statement(&mut self, pair: Pair<'_, Rule>) -> Statement {
        let span = self.span(&pair);
        let p = &pair;
        let kind = match pair.as_rule() {
            Rule::create_schema => StatementKind::CreateSchema(CreateSchema {
                name: self.name(&child(p, Rule::name)),
            }),
            Rule::drop_schema => StatementKind::DropSchema(DropSchema {
                name: self.name(&child(p, Rule::name)),
            }),
            Rule::create_enum => StatementKind::CreateEnum(CreateEnum {
                name: self.qname(&child(p, Rule::qname)),
                values: self.enum_values(&child(p, Rule::enum_values)),
            }),
            Rule::assume_type => StatementKind::AssumeType(AssumeType {
                name: self.qname(&child(p, Rule::qname)),
                values: self.enum_values(&child(p, Rule::enum_values)),
            }),
            Rule::drop_type => StatementKind::DropType(DropType {
                name: self.qname(&child(p, Rule::qname)),
            }),
            Rule::alter_type_add_value => {
                let strings: Vec<_> = all(p, Rule::string)
                    .map(|s| self.string(&s))
                    .collect_exact();
                let position = find(p, Rule::value_position).map(|pos| {
                    let placement = if has(&pos, Rule::k_before) {
                        ValuePlacement::Before
                    } else {
                        ValuePlacement::After
                    };
                    (placement, self.string(&child(&pos, Rule::string)))
                });
                StatementKind::AlterTypeAddValue(AlterTypeAddValue {
                    name: self.qname(&child(p, Rule::qname)),
                    value: strings.into_iter().next().expect("grammar: a value"),
                    position,
                })
            }
            Rule::alter_type_rename_value => {
                let mut strings = all(p, Rule::string).map(|s| self.string(&s));
                let from = strings.next().expect("grammar: two values");
                let to = strings.next().expect("grammar: two values");
                StatementKind::AlterTypeRenameValue(AlterTypeRenameValue {
                    name: self.qname(&child(p, Rule::qname)),
                    from,
                    to,
                })
            }
            Rule::create_extension => StatementKind::CreateExtension(CreateExtension {
                name: self.name(&child(p, Rule::name)),
            }),
            Rule::drop_extension => StatementKind::DropExtension(DropExtension {
                name: self.name(&child(p, Rule::name)),
            }),
            Rule::create_table => {
                let (columns, constraints) = self.table_elements(&child(p, Rule::table_elements));
                let partition_by = find(p, Rule::partition_by).map(|pb| {
                    let strategy = child(&pb, Rule::partition_strategy);
                    let strategy = match first(&strategy).as_rule() {
                        Rule::k_range => PartitionStrategy::Range,
                        Rule::k_list => PartitionStrategy::List,
                        _ => PartitionStrategy::Hash,
                    };
                    PartitionBy {
                        strategy,
                        columns: self.column_list(&child(&pb, Rule::column_list)),
                        span: self.span(&pb),
                    }
                });
                StatementKind::CreateTable(CreateTable {
                    name: self.qname(&child(p, Rule::qname)),
                    columns,
                    constraints,
                    partition_by,
                    storage: self.storage_params(p),
                })
            }
            Rule::assume_table => {
                let (columns, constraints) = self.table_elements(&child(p, Rule::table_elements));
                StatementKind::AssumeTable(AssumeTable {
                    name: self.qname(&child(p, Rule::qname)),
                    columns,
                    constraints,
                    storage: self.storage_params(p),
                })
            }
            Rule::create_partition => {
                let mut names = all(p, Rule::qname).map(|q| self.qname(&q));
                let name = names.next().expect("grammar: a partition name");
                let parent = names.next().expect("grammar: a parent table");
                StatementKind::CreatePartition(CreatePartition {
                    name,
                    parent,
                    bound: self.sql_expr(&child(p, Rule::sql_expr), Place::PartitionBound),
                    storage: self.storage_params(p),
                })
            }
            Rule::drop_table => StatementKind::DropTable(DropTable {
                name: self.qname(&child(p, Rule::qname)),
            }),
            Rule::alter_table => {
                let table = self.qname(&child(p, Rule::qname));
                self.alter_table(table, payload(&child(p, Rule::alter_action)))
            }
            Rule::create_index => StatementKind::CreateIndex(self.create_index(p)),
            Rule::assume_index => StatementKind::AssumeIndex(self.create_index(p)),
            Rule::assume_constraint => {
                let name = self.name(&child(p, Rule::name));
                let table = self.qname(&child(p, Rule::qname));
                let constraint = self.table_constraint(p);
                StatementKind::AssumeConstraint(AddConstraint {
                    table,
                    constraint: TableConstraint {
                        name: Some(name),
                        ..constraint
                    },
                    not_valid: false,
                })
            }
            Rule::assume_extension => StatementKind::AssumeExtension(AssumeExtension {
                name: self.name(&child(p, Rule::name)),
            }),
            Rule::drop_index => StatementKind::DropIndex(DropIndex {
                concurrently: has(p, Rule::concurrently_flag),
                if_exists: has(p, Rule::if_exists),
                name: self.qname(&child(p, Rule::qname)),
            }),
            Rule::set_setting => {
                let name = self.name(&child(p, Rule::name));
                if !SETTINGS.contains(&name.value.as_str()) {
                    self.error(
                        Code::InvalidStatement,
                        name.span,
                        format!(
                            "`{}` cannot be set for a revision; these can: {}",
                            name.value,
                            SETTINGS.join(", ")
                        ),
                    );
                }
                let value = match find(p, Rule::string) {
                    Some(s) => Literal::String(self.string(&s)),
                    None => {
                        let n = child(p, Rule::number);
                        Literal::Number(Spanned {
                            value: n.as_str().to_owned(),
                            span: self.span(&n),
                        })
                    }
                };
                StatementKind::Set(Setting { name, value })
            }
            Rule::set_schema => {
                let object = if has(p, Rule::k_table) {
                    SchemaObject::Table
                } else if has(p, Rule::k_type) {
                    SchemaObject::Type
                } else if has(p, Rule::k_sequence) {
                    SchemaObject::Sequence
                } else if has(p, Rule::k_view) {
                    SchemaObject::View {
                        materialized: has(p, Rule::materialized_flag),
                    }
                } else {
                    SchemaObject::Routine {
                        procedure: find(p, Rule::routine_kind)
                            .is_some_and(|k| has(&k, Rule::k_procedure)),
                        args: find(p, Rule::routine_args).map(|a| self.routine_args(&a)),
                    }
                };
                if let (Some(args), false) = (
                    find(p, Rule::routine_args),
                    matches!(object, SchemaObject::Routine { .. }),
                ) {
                    let span = self.span(&args);
                    self.error(
                        Code::InvalidStatement,
                        span,
                        "only a function or procedure has arguments here",
                    );
                }
                StatementKind::SetSchema(SetSchema {
                    object,
                    name: self.qname(&child(p, Rule::qname)),
                    schema: self.name(&child(p, Rule::name)),
                })
            }
            Rule::alter_type_rename => StatementKind::RenameType(RenameType {
                name: self.qname(&child(p, Rule::qname)),
                new_name: self.name(&child(p, Rule::name)),
            }),
            Rule::create_sequence => StatementKind::CreateSequence(Box::new(CreateSequence {
                name: self.qname(&child(p, Rule::qname)),
                options: self.sequence_options(p, false),
            })),
            Rule::assume_sequence => StatementKind::AssumeSequence(Box::new(CreateSequence {
                name: self.qname(&child(p, Rule::qname)),
                options: self.sequence_options(p, false),
            })),
            Rule::alter_sequence => {
                let name = self.qname(&child(p, Rule::qname));
                match find(p, Rule::rename_sequence) {
                    Some(r) => StatementKind::RenameSequence(RenameSequence {
                        name,
                        new_name: self.name(&child(&r, Rule::name)),
                    }),
                    None => StatementKind::AlterSequence(Box::new(AlterSequence {
                        name,
                        options: self.sequence_options(p, true),
                    })),
                }
            }
            Rule::comment_on => {
                let target = payload(&child(p, Rule::comment_target));
                let t = &target;
                let target = match t.as_rule() {
                    Rule::comment_column => {
                        let mut names: Vec<Ident> =
                            all(t, Rule::name).map(|n| self.name(&n)).collect();
                        let column = names.pop();
                        let name = names.pop();
                        match (name, column) {
                            (Some(name), Some(column)) => CommentTarget::Column {
                                table: QualifiedName {
                                    schema: names.pop(),
                                    name,
                                },
                                column,
                            },
                            _ => unreachable!("the grammar reads two names at least"),
                        }
                    }
                    Rule::comment_constraint => CommentTarget::Constraint {
                        name: self.name(&child(t, Rule::name)),
                        table: self.qname(&child(t, Rule::qname)),
                    },
                    Rule::comment_schema => CommentTarget::Schema(self.name(&child(t, Rule::name))),
                    Rule::comment_routine => CommentTarget::Routine(self.routine_ref(t)),
                    Rule::comment_trigger => CommentTarget::Trigger {
                        name: self.name(&child(t, Rule::name)),
                        table: self.qname(&child(t, Rule::qname)),
                    },
                    Rule::comment_view => CommentTarget::View {
                        name: self.qname(&child(t, Rule::qname)),
                        materialized: has(t, Rule::materialized_flag),
                    },
                    _ => {
                        let name = self.qname(&child(t, Rule::qname));
                        if has(t, Rule::k_table) {
                            CommentTarget::Table(name)
                        } else if has(t, Rule::k_index) {
                            CommentTarget::Index(name)
                        } else if has(t, Rule::k_type) {
                            CommentTarget::Type(name)
                        } else {
                            CommentTarget::Sequence(name)
                        }
                    }
                };
                StatementKind::Comment(Comment {
                    target,
                    text: find(p, Rule::string).map(|s| self.string(&s)),
                })
            }
            Rule::create_view | Rule::assume_view => {
                let view = self.create_view(p);
                if p.as_rule() == Rule::create_view {
                    StatementKind::CreateView(view)
                } else {
                    StatementKind::AssumeView(view)
                }
            }
            Rule::refresh_view => {
                let with_no_data = find(p, Rule::with_data).is_some_and(|w| has(&w, Rule::no_flag));
                let concurrently = has(p, Rule::concurrently_flag);
                if concurrently && with_no_data {
                    self.error(
                        Code::InvalidStatement,
                        span,
                        "`refresh materialized view concurrently` cannot be `with no data` \
                         (PostgreSQL refuses the two together)",
                    );
                }
                StatementKind::RefreshView(RefreshView {
                    concurrently,
                    name: self.qname(&child(p, Rule::qname)),
                    with_no_data,
                })
            }
            Rule::drop_view => StatementKind::DropView(DropView {
                materialized: has(p, Rule::materialized_flag),
                name: self.qname(&child(p, Rule::qname)),
            }),
            Rule::alter_view => StatementKind::RenameView(RenameView {
                materialized: has(p, Rule::materialized_flag),
                name: self.qname(&child(p, Rule::qname)),
                new_name: self.name(&child(p, Rule::name)),
            }),
            Rule::create_routine => StatementKind::CreateRoutine(Box::new(self.create_routine(p))),
            Rule::assume_routine => StatementKind::AssumeRoutine(Box::new(self.create_routine(p))),
            Rule::drop_routine => StatementKind::DropRoutine(DropRoutine {
                routine: self.routine_ref(p),
            }),
            Rule::alter_routine => StatementKind::RenameRoutine(RenameRoutine {
                routine: self.routine_ref(p),
                new_name: self.name(&child(p, Rule::name)),
            }),
            Rule::create_trigger => StatementKind::CreateTrigger(Box::new(self.create_trigger(p))),
            Rule::drop_trigger => StatementKind::DropTrigger(DropTrigger {
                name: self.name(&child(p, Rule::name)),
                table: self.qname(&child(p, Rule::qname)),
            }),
            Rule::grant_stmt => StatementKind::Grant(self.grant(p)),
            Rule::revoke_stmt => StatementKind::Revoke(self.grant(p)),
            Rule::assume_role => StatementKind::AssumeRole(AssumeRole {
                name: self.name(&child(p, Rule::name)),
            }),
            Rule::create_policy => {
                let command = find(p, Rule::policy_for).map(|f| {
                    if has(&f, Rule::k_select) {
                        PolicyCommand::Select
                    } else if has(&f, Rule::k_insert) {
                        PolicyCommand::Insert
                    } else if has(&f, Rule::k_update) {
                        PolicyCommand::Update
                    } else if has(&f, Rule::k_delete) {
                        PolicyCommand::Delete
                    } else {
                        PolicyCommand::All
                    }
                });
                StatementKind::CreatePolicy(CreatePolicy {
                    name: self.name(&child(p, Rule::name)),
                    table: self.qname(&child(p, Rule::qname)),
                    restrictive: find(p, Rule::policy_as)
                        .is_some_and(|a| has(&a, Rule::k_restrictive)),
                    command,
                    roles: find(p, Rule::policy_to)
                        .map(|t| self.names_of(&child(&t, Rule::grantee_list)))
                        .unwrap_or_default(),
                    using: find(p, Rule::policy_using)
                        .map(|u| self.sql_expr(&child(&u, Rule::sql_expr), Place::PolicyUsing)),
                    check: find(p, Rule::policy_check)
                        .map(|c| self.sql_expr(&child(&c, Rule::sql_expr), Place::PolicyCheck)),
                })
            }
            Rule::drop_policy => StatementKind::DropPolicy(DropPolicy {
                name: self.name(&child(p, Rule::name)),
                table: self.qname(&child(p, Rule::qname)),
            }),
            Rule::drop_sequence => StatementKind::DropSequence(DropSequence {
                name: self.qname(&child(p, Rule::qname)),
            }),
            Rule::alter_index => {
                let name = self.qname(&child(p, Rule::qname));
                let action = find(p, Rule::set_storage).or_else(|| find(p, Rule::reset_storage));
                match action {
                    Some(action) => StatementKind::AlterStorage(AlterStorage {
                        index: true,
                        name,
                        change: self.storage_change(&action),
                    }),
                    None => StatementKind::RenameIndex(RenameIndex {
                        name,
                        new_name: self.name(&child(p, Rule::name)),
                    }),
                }
            }
            Rule::raw_sql => {
                let quoted = child(p, Rule::dollar_quoted);
                let body = child(&quoted, Rule::dollar_body);
                let text = body.as_str().to_owned();
                let nontransactional = has(p, Rule::nontransactional_flag);
                let data = has(p, Rule::data_flag);
                if text.trim().is_empty() {
                    let span = self.span(&quoted);
                    self.error(Code::InvalidStatement, span, "empty raw SQL block");
                } else {
                    for problem in fragment::raw_block(&text, nontransactional, data) {
                        self.fragment_problem(body.as_span().start(), problem);
                    }
                }
                let body_span = self.span(&body);
                let made: Vec<Statement> = find(p, Rule::raw_made)
                    .map(|m| {
                        all(&m, Rule::raw_made_item)
                            .map(|item| self.statement(payload(&item)))
                            .collect()
                    })
                    .unwrap_or_default();
                if data && !made.is_empty() {
                    let span = self.span(&child(p, Rule::raw_made));
                    self.error(
                        Code::InvalidStatement,
                        span,
                        "a `sql data` block changes rows only: it makes nothing to assume",
                    );
                }
                StatementKind::RawSql(RawSql {
                    text,
                    data,
                    nontransactional,
                    body: body_span,
                    made,
                })
            }
            other => unreachable!("a statement cannot be {other:?}"),
        };
        Statement { kind, span }
    }

    /// `with (...)` of a statement, when written.
    fn storage_params(&mut self, p: &Pair<'_, Rule>) -> Vec<StorageParam> {
        find(p, Rule::storage_params)
            .map(|w| self.storage_list(&child(&w, Rule::storage_list)))
            .unwrap_or_default()
    }

    fn storage_list(&mut self, list: &Pair<'_, Rule>) -> Vec<StorageParam> {
        all(list, Rule::storage_param)
            .map(|param| {
                let name = self.param_name(&child(&param, Rule::param_name));
                let value = match find(&param, Rule::param_value) {
                    Some(v) => {
                        let inner = first(&v);
                        let span = self.span(&inner);
                        let value = match inner.as_rule() {
                            Rule::string => self.string(&inner).value,
                            Rule::name => self.name(&inner).value,
                            // PostgreSQL reads an integer as one (`070` is `70`), and
                            // keeps any other number as written.
                            _ => {
                                let text = inner.as_str();
                                text.parse::<i32>()
                                    .map_or_else(|_| text.to_owned(), |n| n.to_string())
                            }
                        };
                        Spanned { value, span }
                    }
                    None => Spanned {
                        value: "true".to_owned(),
                        span: name.span,
                    },
                };
                StorageParam { name, value }
            })
            .collect()
    }

    /// `toast.autovacuum_enabled`: folded, dotted.
    fn param_name(&mut self, pair: &Pair<'_, Rule>) -> Spanned<String> {
        let parts: Vec<String> = all(pair, Rule::name).map(|n| self.name(&n).value).collect();
        Spanned {
            value: parts.join("."),
            span: self.span(pair),
        }
    }

    /// `set (...)` (a `set_storage` pair) or `reset (...)` (a `reset_storage` pair) of
    /// `alter table` or `alter index`.
    fn storage_change(&mut self, action: &Pair<'_, Rule>) -> StorageChange {
        match action.as_rule() {
            Rule::set_storage => {
                StorageChange::Set(self.storage_list(&child(action, Rule::storage_list)))
            }
            _ => StorageChange::Reset(
                all(&child(action, Rule::storage_names), Rule::param_name)
                    .map(|n| self.param_name(&n))
                    .collect(),
            ),
        }
    }

    fn alter_table(&mut self, table: QualifiedName, action: Pair<'_, Rule>) -> StatementKind {
        let p = &action;
        let column = |b: &mut Self| b.name(&child(p, Rule::name));
        match action.as_rule() {
            Rule::set_storage | Rule::reset_storage => StatementKind::AlterStorage(AlterStorage {
                index: false,
                name: table,
                change: self.storage_change(p),
            }),
            Rule::add_column => StatementKind::AddColumn(AddColumn {
                table,
                column: self.column_def(&child(p, Rule::column_def)),
            }),
            Rule::drop_column => StatementKind::DropColumn(DropColumn {
                table,
                column: column(self),
            }),
            Rule::rename_table => StatementKind::RenameTable(RenameTable {
                table,
                new_name: column(self),
            }),
            Rule::rename_constraint => {
                let mut names = all(p, Rule::name).map(|n| self.name(&n));
                let name = names.next().expect("grammar: a constraint");
                let new_name = names.next().expect("grammar: a new name");
                StatementKind::RenameConstraint(RenameConstraint {
                    table,
                    name,
                    new_name,
                })
            }
            Rule::rename_column => {
                let mut names = all(p, Rule::name).map(|n| self.name(&n));
                let column = names.next().expect("grammar: a column");
                let new_name = names.next().expect("grammar: a new name");
                StatementKind::RenameColumn(RenameColumn {
                    table,
                    column,
                    new_name,
                })
            }
            Rule::alter_column_type => StatementKind::AlterColumnType(AlterColumnType {
                table,
                column: column(self),
                data_type: self.data_type(&child(p, Rule::data_type)),
                using: find(p, Rule::using_clause)
                    .map(|u| self.sql_expr(&child(&u, Rule::sql_expr), Place::Using)),
            }),
            Rule::set_not_null => StatementKind::SetNotNull(SetNotNull {
                table,
                column: column(self),
            }),
            Rule::drop_not_null => StatementKind::DropNotNull(DropNotNull {
                table,
                column: column(self),
            }),
            Rule::set_default => StatementKind::SetDefault(SetDefault {
                table,
                column: column(self),
                default: self.default_value(&child(p, Rule::default_value)),
            }),
            Rule::drop_default => StatementKind::DropDefault(DropDefault {
                table,
                column: column(self),
            }),
            Rule::add_constraint => StatementKind::AddConstraint(AddConstraint {
                table,
                constraint: self.table_constraint(&child(p, Rule::table_constraint)),
                not_valid: has(p, Rule::not_valid),
            }),
            Rule::row_security => {
                let change = child(p, Rule::row_security_change);
                StatementKind::RowSecurity(RowSecurity {
                    table,
                    change: if has(&change, Rule::k_enable) {
                        RowSecurityChange::Enable
                    } else if has(&change, Rule::k_disable) {
                        RowSecurityChange::Disable
                    } else if has(&change, Rule::k_no) {
                        RowSecurityChange::NoForce
                    } else {
                        RowSecurityChange::Force
                    },
                })
            }
            Rule::set_column_option => {
                let column = column(self);
                let inner = p
                    .clone()
                    .into_inner()
                    .find(|i| {
                        matches!(
                            i.as_rule(),
                            Rule::statistics_option
                                | Rule::storage_option
                                | Rule::compression_option
                        )
                    })
                    .expect("grammar: a column option");
                let option = match inner.as_rule() {
                    Rule::statistics_option => {
                        let n = child(&inner, Rule::signed_int);
                        let target = self.integer(&n);
                        if !(-1..=10000).contains(&target) {
                            let span = self.span(&n);
                            self.error(
                                Code::InvalidStatement,
                                span,
                                format!("statistics target {target} is out of range (-1 to 10000; -1 is the default)"),
                            );
                        }
                        ColumnOption::Statistics((target >= 0).then_some(target))
                    }
                    Rule::storage_option => ColumnOption::Storage(if has(&inner, Rule::k_plain) {
                        Some(Storage::Plain)
                    } else if has(&inner, Rule::k_external) {
                        Some(Storage::External)
                    } else if has(&inner, Rule::k_extended) {
                        Some(Storage::Extended)
                    } else if has(&inner, Rule::k_main) {
                        Some(Storage::Main)
                    } else {
                        None
                    }),
                    _ => ColumnOption::Compression(find(&inner, Rule::name).map(|n| self.name(&n))),
                };
                StatementKind::SetColumnOption(SetColumnOption {
                    table,
                    column,
                    option,
                })
            }
            Rule::add_identity => StatementKind::AddIdentity(AddIdentity {
                table,
                column: column(self),
                kind: identity_kind(&child(p, Rule::identity_c)),
            }),
            Rule::drop_identity => StatementKind::DropIdentity(DropIdentity {
                table,
                column: column(self),
                if_exists: has(p, Rule::if_exists),
            }),
            Rule::set_generated => StatementKind::SetGenerated(SetGenerated {
                table,
                column: column(self),
                kind: identity_kind(p),
            }),
            Rule::add_constraint_using_index => {
                StatementKind::AddConstraintUsingIndex(AddConstraintUsingIndex {
                    name: find(p, Rule::constraint_name).map(|n| self.name(&child(&n, Rule::name))),
                    primary_key: !has(p, Rule::unique_flag),
                    index: self.name(&child(p, Rule::name)),
                    deferrable: self.deferrability(p, true),
                    table,
                })
            }
            Rule::validate_constraint => StatementKind::ValidateConstraint(ValidateConstraint {
                table,
                name: column(self),
            }),
            Rule::drop_constraint => StatementKind::DropConstraint(DropConstraint {
                table,
                name: column(self),
            }),
            other => unreachable!("an alter table action cannot be {other:?}"),
        }
    }

    /// `create function|procedure` or `assume function|procedure`: each option at most
    /// once, a language always, `returns` for a function only; the body checked by
    /// PostgreSQL's parser (SQL) or PL/pgSQL's.
    fn create_routine(&mut self, p: &Pair<'_, Rule>) -> CreateRoutine {
        let procedure = has(&child(p, Rule::routine_kind), Rule::k_procedure);
        let span = self.span(p);
        let mut language: Option<Ident> = None;
        let mut volatility = None;
        let mut security_definer = None;
        let mut strict = false;
        let mut settings = Vec::new();
        let mut seen: Vec<&'static str> = Vec::new();
        for option in all(p, Rule::routine_option) {
            let inner = first(&option);
            let at = self.span(&inner);
            let what = match inner.as_rule() {
                Rule::language_option => {
                    language = Some(self.name(&child(&inner, Rule::name)));
                    "language"
                }
                Rule::volatility => {
                    volatility = Some(if has(&inner, Rule::k_immutable) {
                        Volatility::Immutable
                    } else if has(&inner, Rule::k_stable) {
                        Volatility::Stable
                    } else {
                        Volatility::Volatile
                    });
                    "immutable, stable or volatile"
                }
                Rule::security_option => {
                    security_definer = Some(has(&inner, Rule::k_definer));
                    "security"
                }
                Rule::strict_flag => {
                    strict = true;
                    "strict"
                }
                _ => {
                    let name = self.name(&child(&inner, Rule::name));
                    let value = match find(&inner, Rule::string) {
                        Some(s) => SettingValue::String(self.string(&s)),
                        None => SettingValue::Names(
                            all(&inner, Rule::name)
                                .skip(1)
                                .map(|n| self.name(&n))
                                .collect(),
                        ),
                    };
                    settings.push(RoutineSetting { name, value });
                    continue;
                }
            };
            if seen.contains(&what) {
                self.error(
                    Code::InvalidStatement,
                    at,
                    format!("`{what}` is given twice"),
                );
            }
            seen.push(what);
        }
        let returns = find(p, Rule::returns_clause).map(|r| Returns {
            setof: has(&r, Rule::setof_flag),
            data_type: self.data_type(&child(&r, Rule::data_type)),
        });
        if let (true, Some(r)) = (procedure, &returns) {
            self.error(
                Code::InvalidStatement,
                r.data_type.span,
                "a procedure returns nothing: write a function",
            );
        }
        if let (false, None) = (procedure, &returns) {
            self.error(
                Code::InvalidStatement,
                span,
                "a function says what it returns (`returns TYPE`, `returns void`)",
            );
        }
        let language = language.unwrap_or_else(|| {
            self.error(
                Code::InvalidStatement,
                span,
                "a function or procedure says its language (`language sql`, `language plpgsql`)",
            );
            Ident {
                value: "sql".to_owned(),
                quoted: false,
                span,
            }
        });
        let quoted = child(p, Rule::dollar_quoted);
        let body = child(&quoted, Rule::dollar_body);
        let args = self.routine_args(&child(p, Rule::routine_args));
        let types: Vec<String> = args
            .iter()
            .map(|a| crate::quote::data_type(&a.data_type))
            .collect();
        let header = match &returns {
            None => format!("PROCEDURE strata_check({})", types.join(", ")),
            Some(r) => format!(
                "FUNCTION strata_check({}) RETURNS {}{}",
                types.join(", "),
                if r.setof { "SETOF " } else { "" },
                crate::quote::data_type(&r.data_type)
            ),
        };
        for problem in fragment::routine_body(&language.value, body.as_str(), &header) {
            self.fragment_problem(body.as_span().start(), problem);
        }
        CreateRoutine {
            or_replace: has(p, Rule::or_replace),
            procedure,
            name: self.qname(&child(p, Rule::qname)),
            args,
            returns,
            language,
            volatility,
            security_definer,
            strict,
            settings,
            body: SqlExpr {
                text: body.as_str().to_owned(),
                span: self.span(&body),
            },
        }
    }

    fn routine_args(&mut self, pair: &Pair<'_, Rule>) -> Vec<RoutineArg> {
        all(pair, Rule::routine_arg)
            .map(|arg| RoutineArg {
                name: find(&arg, Rule::name).map(|n| self.name(&n)),
                data_type: self.data_type(&child(&arg, Rule::data_type)),
            })
            .collect()
    }

    /// A function or procedure named by a statement: `KIND NAME [(ARGS)]`.
    fn routine_ref(&mut self, p: &Pair<'_, Rule>) -> RoutineRef {
        RoutineRef {
            procedure: has(&child(p, Rule::routine_kind), Rule::k_procedure),
            name: self.qname(&child(p, Rule::qname)),
            args: find(p, Rule::routine_args).map(|a| self.routine_args(&a)),
        }
    }

    fn create_trigger(&mut self, p: &Pair<'_, Rule>) -> CreateTrigger {
        let timing = child(p, Rule::trigger_timing);
        let timing = if has(&timing, Rule::k_before) {
            TriggerTiming::Before
        } else if has(&timing, Rule::k_after) {
            TriggerTiming::After
        } else {
            TriggerTiming::InsteadOf
        };
        let events = all(p, Rule::trigger_event)
            .map(|e| {
                if has(&e, Rule::k_insert) {
                    TriggerEvent::Insert
                } else if has(&e, Rule::k_update) {
                    TriggerEvent::Update(all(&e, Rule::name).map(|n| self.name(&n)).collect())
                } else if has(&e, Rule::k_delete) {
                    TriggerEvent::Delete
                } else {
                    TriggerEvent::Truncate
                }
            })
            .collect();
        let mut names = all(p, Rule::qname).map(|q| self.qname(&q));
        let (Some(table), Some(function)) = (names.next(), names.next()) else {
            unreachable!("the grammar reads a table and a function")
        };
        CreateTrigger {
            or_replace: has(p, Rule::or_replace),
            name: self.name(&child(p, Rule::name)),
            timing,
            events,
            table,
            for_each_row: find(p, Rule::trigger_for).is_some_and(|f| has(&f, Rule::k_row)),
            when: find(p, Rule::trigger_when)
                .map(|w| self.sql_expr(&child(&w, Rule::sql_expr), Place::TriggerWhen)),
            procedure_keyword: has(&child(p, Rule::routine_kind), Rule::k_procedure),
            function,
            arguments: all(p, Rule::string).map(|s| self.string(&s)).collect(),
        }
    }

    /// `grant` or `revoke`.
    fn grant(&mut self, p: &Pair<'_, Rule>) -> Grant {
        let list = child(p, Rule::privilege_list);
        let privileges = all(&list, Rule::privilege)
            .map(|privilege| {
                let word = first(&privilege);
                let value = match word.as_rule() {
                    Rule::k_select => Privilege::Select,
                    Rule::k_insert => Privilege::Insert,
                    Rule::k_update => Privilege::Update,
                    Rule::k_delete => Privilege::Delete,
                    Rule::k_truncate => Privilege::Truncate,
                    Rule::k_references => Privilege::References,
                    Rule::k_trigger => Privilege::Trigger,
                    Rule::k_usage => Privilege::Usage,
                    Rule::k_create => Privilege::Create,
                    _ => Privilege::Execute,
                };
                Spanned {
                    value,
                    span: self.span(&privilege),
                }
            })
            .collect();
        let object = payload(&child(p, Rule::grant_object));
        let o = &object;
        let object = match o.as_rule() {
            Rule::grant_sequences => {
                GrantObject::Sequences(all(o, Rule::qname).map(|q| self.qname(&q)).collect())
            }
            Rule::grant_schemas => {
                GrantObject::Schemas(all(o, Rule::name).map(|n| self.name(&n)).collect())
            }
            Rule::grant_routine => GrantObject::Routine(self.routine_ref(o)),
            _ => GrantObject::Tables(all(o, Rule::qname).map(|q| self.qname(&q)).collect()),
        };
        Grant {
            privileges,
            object,
            roles: self.names_of(&child(p, Rule::grantee_list)),
            grant_option: has(p, Rule::with_grant_option) || has(p, Rule::grant_option_for),
        }
    }

    fn names_of(&mut self, pair: &Pair<'_, Rule>) -> Vec<Ident> {
        all(pair, Rule::name).map(|n| self.name(&n)).collect()
    }

    /// `create view` or `assume view`: the query is checked by PostgreSQL's parser to be
    /// one SELECT (or VALUES), with nothing psql would act on.
    fn create_view(&mut self, p: &Pair<'_, Rule>) -> CreateView {
        let materialized = has(p, Rule::materialized_flag);
        let or_replace = find(p, Rule::or_replace);
        if let (Some(o), true) = (&or_replace, materialized) {
            let span = self.span(o);
            self.error(
                Code::InvalidStatement,
                span,
                "a materialized view cannot be replaced: drop it and create it again",
            );
        }
        let with_data = find(p, Rule::with_data);
        if let (Some(w), false) = (&with_data, materialized) {
            let span = self.span(w);
            self.error(
                Code::InvalidStatement,
                span,
                "`with data` and `with no data` are for materialized views",
            );
        }
        let quoted = child(p, Rule::dollar_quoted);
        let body = child(&quoted, Rule::dollar_body);
        let text = body.as_str();
        if text.trim().is_empty() {
            let span = self.span(&quoted);
            self.error(
                Code::InvalidStatement,
                span,
                "a view's query cannot be empty",
            );
        } else {
            for problem in fragment::view_query(text) {
                self.fragment_problem(body.as_span().start(), problem);
            }
        }
        CreateView {
            or_replace: or_replace.is_some(),
            materialized,
            name: self.qname(&child(p, Rule::qname)),
            columns: find(p, Rule::column_list)
                .map(|c| self.column_list(&c))
                .unwrap_or_default(),
            query: SqlExpr {
                text: text.to_owned(),
                span: self.span(&body),
            },
            with_no_data: with_data.is_some_and(|w| has(&w, Rule::no_flag)),
        }
    }

    /// The options of a sequence statement; each may be given once (PostgreSQL:
    /// "conflicting or redundant options"), and `restart` only to `alter sequence`.
    fn sequence_options(&mut self, p: &Pair<'_, Rule>, alter: bool) -> SequenceOptions {
        fn set<T>(
            b: &mut Builder<'_>,
            slot: &mut Option<Spanned<T>>,
            value: T,
            span: Span,
            what: &str,
        ) {
            if slot.is_some() {
                b.error(
                    Code::InvalidStatement,
                    span,
                    format!("`{what}` is given twice"),
                );
            } else {
                *slot = Some(Spanned { value, span });
            }
        }
        let mut o = SequenceOptions::default();
        for option in all(p, Rule::sequence_option) {
            let inner = first(&option);
            let span = self.span(&inner);
            let number = |b: &mut Self| find(&inner, Rule::signed_int).map(|n| b.integer(&n));
            match inner.as_rule() {
                Rule::seq_as => {
                    let name = self.name(&child(&inner, Rule::name));
                    match SequenceType::named(&name.value) {
                        Some(t) => set(self, &mut o.data_type, t, span, "as"),
                        None => self.error(
                            Code::InvalidStatement,
                            name.span,
                            format!(
                                "a sequence counts in smallint, integer or bigint, not `{}`",
                                name.value
                            ),
                        ),
                    }
                }
                Rule::seq_increment => {
                    let n = number(self).unwrap_or(1);
                    set(self, &mut o.increment, n, span, "increment");
                }
                Rule::seq_minvalue => {
                    let n = number(self);
                    set(self, &mut o.min, n, span, "minvalue");
                }
                Rule::seq_maxvalue => {
                    let n = number(self);
                    set(self, &mut o.max, n, span, "maxvalue");
                }
                Rule::seq_start => {
                    let n = number(self).unwrap_or(1);
                    set(self, &mut o.start, n, span, "start");
                }
                Rule::seq_restart => {
                    if !alter {
                        self.error(
                            Code::InvalidStatement,
                            span,
                            "`restart` is for `alter sequence`; a new sequence begins at `start`",
                        );
                    }
                    let n = number(self);
                    set(self, &mut o.restart, n, span, "restart");
                }
                Rule::seq_cache => {
                    let n = number(self).unwrap_or(1);
                    set(self, &mut o.cache, n, span, "cache");
                }
                Rule::seq_cycle => {
                    let cycle = !has(&inner, Rule::k_no);
                    set(self, &mut o.cycle, cycle, span, "cycle");
                }
                Rule::seq_owned_by => {
                    let mut names: Vec<Ident> =
                        all(&inner, Rule::name).map(|n| self.name(&n)).collect();
                    let owner = names.pop().map(|column| {
                        let name = names.pop().unwrap_or_else(|| column.clone());
                        OwnedBy {
                            table: QualifiedName {
                                schema: names.pop(),
                                name,
                            },
                            column,
                        }
                    });
                    set(self, &mut o.owned_by, owner, span, "owned by");
                }
                other => unreachable!("a sequence option cannot be {other:?}"),
            }
        }
        o
    }

    /// An integer that must fit in 64 bits (a sequence's values).
    fn integer(&mut self, n: &Pair<'_, Rule>) -> i64 {
        n.as_str().parse().unwrap_or_else(|_| {
            let span = self.span(n);
            self.error(
                Code::InvalidStatement,
                span,
                format!("{} is out of range for a bigint", n.as_str()),
            );
            0
        })
    }

    fn create_index(&mut self, p: &Pair<'_, Rule>) -> CreateIndex {
        if let Some(nnd) = find(p, Rule::nulls_not_distinct) {
            if !has(p, Rule::unique_flag) {
                let span = self.span(&nnd);
                self.error(
                    Code::InvalidStatement,
                    span,
                    "`nulls not distinct` is for a unique index: only there do nulls meet",
                );
            }
        }
        let keys = all(p, Rule::index_key)
            .map(|key| self.index_key(&key))
            .collect_exact();
        CreateIndex {
            unique: has(p, Rule::unique_flag),
            concurrently: has(p, Rule::concurrently_flag),
            name: find(p, Rule::name).map(|n| self.name(&n)),
            table: self.qname(&child(p, Rule::qname)),
            method: find(p, Rule::index_method).map(|m| self.name(&child(&m, Rule::name))),
            keys,
            include: find(p, Rule::include_clause)
                .map(|i| self.column_list(&child(&i, Rule::column_list)))
                .unwrap_or_default(),
            nulls_not_distinct: has(p, Rule::nulls_not_distinct),
            storage: self.storage_params(p),
            predicate: find(p, Rule::where_clause)
                .map(|w| self.sql_expr(&child(&w, Rule::sql_expr), Place::Predicate)),
        }
    }

    fn index_key(&mut self, key: &Pair<'_, Rule>) -> IndexKey {
        let target = match payload(key).as_rule() {
            Rule::sql_expr => {
                IndexTarget::Expr(self.sql_expr(&child(key, Rule::sql_expr), Place::IndexKey))
            }
            _ => IndexTarget::Column(self.name(&child(key, Rule::name))),
        };
        let collation = find(key, Rule::index_collate).map(|c| self.qname(&child(&c, Rule::qname)));
        let opclass = find(key, Rule::index_opclass).map(|c| self.qname(&child(&c, Rule::qname)));
        let order = find(key, Rule::sort_order).map(|o| {
            if has(&o, Rule::k_asc) {
                SortOrder::Asc
            } else {
                SortOrder::Desc
            }
        });
        let nulls = find(key, Rule::nulls_order).map(|n| {
            if has(&n, Rule::k_first) {
                NullsOrder::First
            } else {
                NullsOrder::Last
            }
        });
        IndexKey {
            target,
            collation,
            opclass,
            order,
            nulls,
            span: self.span(key),
        }
    }

    fn exclude_constraint(&mut self, p: &Pair<'_, Rule>) -> ExcludeConstraint {
        let elements = all(p, Rule::exclude_element)
            .map(|element| {
                let key = self.index_key(&child(&element, Rule::index_key));
                let operator = child(&element, Rule::operator);
                let span = self.span(&operator);
                let value = operator.as_str().to_owned();
                if let Some(problem) = fragment::operator(&value) {
                    self.error(problem.code, span, problem.message);
                }
                ExcludeElement {
                    key,
                    operator: Spanned { value, span },
                }
            })
            .collect();
        ExcludeConstraint {
            method: find(p, Rule::index_method).map(|m| self.name(&child(&m, Rule::name))),
            elements,
            include: find(p, Rule::include_clause)
                .map(|i| self.column_list(&child(&i, Rule::column_list)))
                .unwrap_or_default(),
            predicate: find(p, Rule::where_clause)
                .map(|w| self.sql_expr(&child(&w, Rule::sql_expr), Place::Predicate)),
        }
    }

    fn table_elements(&mut self, pair: &Pair<'_, Rule>) -> (Vec<ColumnDef>, Vec<TableConstraint>) {
        let mut columns = Vec::new();
        let mut constraints = Vec::new();
        for element in all(pair, Rule::table_element) {
            let element = payload(&element);
            match element.as_rule() {
                Rule::column_def => columns.push(self.column_def(&element)),
                _ => constraints.push(self.table_constraint(&element)),
            }
        }
        columns.shrink_to_fit();
        constraints.shrink_to_fit();
        (columns, constraints)
    }

    fn column_def(&mut self, pair: &Pair<'_, Rule>) -> ColumnDef {
        ColumnDef {
            name: self.name(&child(pair, Rule::name)),
            data_type: self.data_type(&child(pair, Rule::data_type)),
            constraints: all(pair, Rule::column_constraint)
                .map(|c| self.column_constraint(&c))
                .collect_exact(),
            span: self.span(pair),
        }
    }

    /// A column or table constraint's optional `constraint NAME` and its body.
    fn constraint_parts<'i>(&mut self, pair: &Pair<'i, Rule>) -> (Option<Ident>, Pair<'i, Rule>) {
        let name = find(pair, Rule::constraint_name).map(|n| self.name(&child(&n, Rule::name)));
        let body = pair
            .clone()
            .into_inner()
            .find(|p| {
                !matches!(
                    p.as_rule(),
                    Rule::constraint_name | Rule::deferrability | Rule::name | Rule::qname
                ) && !messages::is_token(p.as_rule())
            })
            .expect("grammar: a constraint body");
        (name, body)
    }

    fn column_constraint(&mut self, pair: &Pair<'_, Rule>) -> ColumnConstraint {
        let (name, body) = self.constraint_parts(pair);
        let kind = match body.as_rule() {
            Rule::not_null_c => ColumnConstraintKind::NotNull,
            Rule::null_c => ColumnConstraintKind::Null,
            Rule::primary_key_c => ColumnConstraintKind::PrimaryKey,
            Rule::unique_c => ColumnConstraintKind::Unique,
            Rule::default_c => ColumnConstraintKind::Default(
                self.default_value(&child(&body, Rule::default_value)),
            ),
            Rule::check_c => ColumnConstraintKind::Check(
                self.sql_expr(&child(&body, Rule::sql_expr), Place::Check),
            ),
            Rule::references => ColumnConstraintKind::References(self.references(&body)),
            Rule::identity_c => ColumnConstraintKind::Identity(identity_kind(&body)),
            Rule::collate_c => {
                ColumnConstraintKind::Collate(self.qname(&child(&body, Rule::qname)))
            }
            Rule::generated_c => ColumnConstraintKind::Generated(
                self.sql_expr(&child(&body, Rule::sql_expr), Place::Generated),
            ),
            other => unreachable!("a column constraint cannot be {other:?}"),
        };
        let keyed = matches!(
            kind,
            ColumnConstraintKind::PrimaryKey
                | ColumnConstraintKind::Unique
                | ColumnConstraintKind::References(_)
        );
        ColumnConstraint {
            name,
            kind,
            deferrable: self.deferrability(pair, keyed),
            span: self.span(pair),
        }
    }

    /// A constraint's `deferrable` clause, when written; only keys and foreign keys
    /// (`keyed`) may have one, as in PostgreSQL.
    fn deferrability(&mut self, pair: &Pair<'_, Rule>, keyed: bool) -> Option<Deferrability> {
        let d = find(pair, Rule::deferrability)?;
        if !keyed {
            let span = self.span(&d);
            self.error(
                Code::InvalidStatement,
                span,
                "only a primary key, a unique, exclusion or foreign key constraint can be deferrable",
            );
        }
        let initially_deferred =
            find(&d, Rule::initially).is_some_and(|i| has(&i, Rule::k_deferred));
        Some(Deferrability {
            deferrable: !has(&d, Rule::not_deferrable),
            initially_deferred,
        })
    }

    fn table_constraint(&mut self, pair: &Pair<'_, Rule>) -> TableConstraint {
        let (name, body) = self.constraint_parts(pair);
        let kind = match body.as_rule() {
            Rule::pk_constraint => {
                TableConstraintKind::PrimaryKey(self.column_list(&child(&body, Rule::column_list)))
            }
            Rule::unique_constraint => {
                TableConstraintKind::Unique(self.column_list(&child(&body, Rule::column_list)))
            }
            Rule::check_constraint => TableConstraintKind::Check(
                self.sql_expr(&child(&body, Rule::sql_expr), Place::Check),
            ),
            Rule::fk_constraint => TableConstraintKind::ForeignKey {
                columns: self.column_list(&child(&body, Rule::column_list)),
                references: self.references(&child(&body, Rule::references)),
            },
            Rule::exclude_constraint => {
                TableConstraintKind::Exclude(Box::new(self.exclude_constraint(&body)))
            }
            other => unreachable!("a table constraint cannot be {other:?}"),
        };
        let keyed = !matches!(kind, TableConstraintKind::Check(_));
        TableConstraint {
            name,
            kind,
            deferrable: self.deferrability(pair, keyed),
            span: self.span(pair),
        }
    }

    fn references(&mut self, pair: &Pair<'_, Rule>) -> ForeignReference {
        let mut reference = ForeignReference {
            table: self.qname(&child(pair, Rule::qname)),
            columns: find(pair, Rule::column_list)
                .map(|c| self.column_list(&c))
                .unwrap_or_default(),
            on_delete: None,
            on_update: None,
            span: self.span(pair),
        };
        for clause in pair.clone().into_inner() {
            let (slot, what) = match clause.as_rule() {
                Rule::on_delete => (&mut reference.on_delete, "on delete"),
                Rule::on_update => (&mut reference.on_update, "on update"),
                _ => continue,
            };
            let action = referential_action(&child(&clause, Rule::fk_action));
            if slot.replace(action).is_some() {
                let span = self.span(&clause);
                self.error(
                    Code::InvalidStatement,
                    span,
                    format!("'{what}' is given twice"),
                );
            }
        }
        reference
    }

    fn data_type(&mut self, pair: &Pair<'_, Rule>) -> DataType {
        let body = payload(pair);
        let modifiers = |b: &mut Self, p: &Pair<'_, Rule>| {
            find(p, Rule::type_modifiers)
                .map(|m| b.type_modifiers(&m))
                .unwrap_or_default()
        };
        let multi_word = |name: MultiWordType, b: &mut Self| TypeKind::MultiWord {
            name,
            modifiers: modifiers(b, &body),
        };
        let with_zone = |p: &Pair<'_, Rule>| has(&child(p, Rule::time_zone), Rule::k_with);
        let kind = match body.as_rule() {
            Rule::raw_type => {
                TypeKind::Raw(self.sql_expr(&child(&body, Rule::sql_expr), Place::Type))
            }
            Rule::double_precision => multi_word(MultiWordType::DoublePrecision, self),
            Rule::character_varying => multi_word(MultiWordType::CharacterVarying, self),
            Rule::bit_varying => multi_word(MultiWordType::BitVarying, self),
            Rule::timestamp_tz if with_zone(&body) => {
                multi_word(MultiWordType::TimestampWithTimeZone, self)
            }
            Rule::timestamp_tz => multi_word(MultiWordType::TimestampWithoutTimeZone, self),
            Rule::time_tz if with_zone(&body) => multi_word(MultiWordType::TimeWithTimeZone, self),
            Rule::time_tz => multi_word(MultiWordType::TimeWithoutTimeZone, self),
            Rule::named_type => TypeKind::Named {
                name: self.qname(&child(&body, Rule::qname)),
                modifiers: modifiers(self, &body),
            },
            other => unreachable!("a type cannot be {other:?}"),
        };
        DataType {
            kind,
            array_dimensions: all(pair, Rule::array_suffix).count() as u32,
            span: self.span(pair),
        }
    }

    fn type_modifiers(&mut self, pair: &Pair<'_, Rule>) -> Vec<i64> {
        all(pair, Rule::signed_int)
            .map(|n| {
                n.as_str().parse().unwrap_or_else(|_| {
                    let span = self.span(&n);
                    self.error(Code::InvalidStatement, span, "type modifier out of range");
                    0
                })
            })
            .collect_exact()
    }

    fn default_value(&mut self, pair: &Pair<'_, Rule>) -> DefaultValue {
        let inner = payload(pair);
        match inner.as_rule() {
            Rule::sql_expr => DefaultValue::Expr(self.sql_expr(&inner, Place::Default)),
            _ => DefaultValue::Literal(self.literal(&inner)),
        }
    }

    fn literal(&mut self, pair: &Pair<'_, Rule>) -> Literal {
        let inner = first(pair);
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::string => Literal::String(self.string(&inner)),
            Rule::number => Literal::Number(Spanned {
                value: inner.as_str().to_owned(),
                span,
            }),
            Rule::k_true => Literal::Boolean(Spanned { value: true, span }),
            Rule::k_false => Literal::Boolean(Spanned { value: false, span }),
            _ => Literal::Null(span),
        }
    }

    fn enum_values(&mut self, pair: &Pair<'_, Rule>) -> Vec<Spanned<String>> {
        all(pair, Rule::string)
            .map(|s| self.string(&s))
            .collect_exact()
    }

    fn column_list(&mut self, pair: &Pair<'_, Rule>) -> Vec<Ident> {
        all(pair, Rule::name).map(|n| self.name(&n)).collect_exact()
    }

    fn qname(&mut self, pair: &Pair<'_, Rule>) -> QualifiedName {
        // One name, or a schema and a name: no vector to hold them on the way, and no
        // count of them first (`all`).
        let mut names = children(pair, Rule::name);
        let first = self.name(&names.next().expect("grammar: a name"));
        match names.next() {
            Some(name) => QualifiedName {
                schema: Some(first),
                name: self.name(&name),
            },
            None => QualifiedName {
                schema: None,
                name: first,
            },
        }
    }

    /// A name, folded as PostgreSQL folds it, and checked against its length limit.
    fn name(&mut self, pair: &Pair<'_, Rule>) -> Ident {
        let inner = payload(pair);
        let span = self.span(pair);
        let (value, quoted) = match inner.as_rule() {
            Rule::quoted_ident => {
                let text = child(&inner, Rule::quoted_ident_text);
                self.no_control_character(&text, "a quoted name");
                (unquote(text.as_str(), '"'), true)
            }
            // PostgreSQL folds only ASCII letters of unquoted names, and bare names here
            // are ASCII by the grammar.
            _ => (inner.as_str().to_ascii_lowercase(), false),
        };
        if value.is_empty() {
            self.error(Code::BadName, span, "a quoted name cannot be empty");
        } else if value.len() > MAX_NAME_BYTES {
            self.error(
                Code::BadName,
                span,
                format!(
                    "the name \"{value}\" is {} bytes long; PostgreSQL keeps only {MAX_NAME_BYTES} \
                     and would silently truncate it",
                    value.len()
                ),
            );
        }
        Ident {
            value,
            quoted,
            span,
        }
    }

    /// A string literal; a control character in it (a line break too) is an error.
    fn string(&mut self, pair: &Pair<'_, Rule>) -> Spanned<String> {
        let text = child(pair, Rule::string_text);
        self.no_control_character(&text, "a string literal");
        self.unchecked_string(pair)
    }

    fn unchecked_string(&mut self, pair: &Pair<'_, Rule>) -> Spanned<String> {
        Spanned {
            value: unquote(child(pair, Rule::string_text).as_str(), '\''),
            span: self.span(pair),
        }
    }

    /// Reports the first control character of a quoted name's or literal's text: no
    /// name or value needs one, and psql and terminals act on them.
    fn no_control_character(&mut self, text: &Pair<'_, Rule>, what: &str) {
        let Some((at, c)) = text
            .as_str()
            .char_indices()
            .find(|&(_, c)| crate::inert::hazard(c) == Some(crate::inert::Hazard::Control))
        else {
            return;
        };
        let start = self.offset + text.as_span().start() + at;
        let span = self
            .lines
            .span(self.text, self.file, start, start + c.len_utf8());
        self.error(
            Code::ControlCharacter,
            span,
            format!("control character {} in {what}", crate::inert::describe(c)),
        );
    }

    /// A backtick fragment, checked by PostgreSQL's parser in the `place` it goes to.
    fn sql_expr(&mut self, pair: &Pair<'_, Rule>, place: Place) -> SqlExpr {
        let inner = child(pair, Rule::sql_expr_text);
        let text = inner.as_str().to_owned();
        let span = self.span(pair);
        if text.trim().is_empty() {
            self.error(Code::InvalidStatement, span, "empty SQL expression");
        } else if let Some(problem) = fragment::expression(&text, place) {
            self.fragment_problem(inner.as_span().start(), problem);
        }
        SqlExpr { text, span }
    }

    /// A problem of a fragment whose text starts at `start` of the parsed text.
    fn fragment_problem(&mut self, start: usize, problem: fragment::Problem) {
        let at = self.offset + start;
        let span = self
            .lines
            .span(self.text, self.file, at + problem.start, at + problem.end);
        self.error(problem.code, span, problem.message);
    }
}

/// The text of a quoted string or name, its doubled quotes made single. Most texts have
/// none, and are copied without `replace`'s search for a two-character pattern.
fn unquote(text: &str, quote: char) -> String {
    if text.contains(quote) {
        let doubled: String = [quote, quote].iter().collect();
        text.replace(&doubled, quote.encode_utf8(&mut [0; 4]))
    } else {
        text.to_owned()
    }
}

/// `always` or `by default`, of a rule that holds one of them.
fn identity_kind(pair: &Pair<'_, Rule>) -> IdentityKind {
    if has(pair, Rule::identity_always) {
        IdentityKind::Always
    } else {
        IdentityKind::ByDefault
    }
}

fn referential_action(pair: &Pair<'_, Rule>) -> ReferentialAction {
    if has(pair, Rule::k_cascade) {
        ReferentialAction::Cascade
    } else if has(pair, Rule::k_restrict) {
        ReferentialAction::Restrict
    } else if has(pair, Rule::k_no) {
        ReferentialAction::NoAction
    } else if has(pair, Rule::k_null) {
        ReferentialAction::SetNull
    } else {
        ReferentialAction::SetDefault
    }
}

/// The first control character of a revision message, which must be one line because
/// it is rendered into SQL comments.
pub fn message_control_character(message: &str) -> Option<char> {
    message
        .chars()
        .find(|&c| crate::inert::hazard(c) == Some(crate::inert::Hazard::Control))
}

/// How deep block comments may nest. The grammar matches nested comments by recursion,
/// and the parser runs without a stack probe (it costs a quarter of the parse): this
/// bound keeps the recursion far from the end of any thread's stack.
pub const MAX_COMMENT_DEPTH: usize = 100;

/// Where block comments first nest deeper than [`MAX_COMMENT_DEPTH`], if anywhere.
///
/// The scan counts every `/*` and `*/`, even inside strings, so it can only overstate
/// the depth: a file it passes is safe, and a real file never comes near the bound.
fn comment_too_deep(text: &str) -> Option<usize> {
    if !text.contains("/*") {
        return None;
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i + 1 < bytes.len() {
        match &bytes[i..i + 2] {
            b"/*" => {
                depth += 1;
                if depth > MAX_COMMENT_DEPTH {
                    return Some(i);
                }
                i += 2;
            }
            b"*/" => {
                depth = depth.saturating_sub(1);
                i += 2;
            }
            _ => i += 1,
        }
    }
    None
}

/// What is wrong with a revision id, if anything.
#[derive(Debug, PartialEq, Eq)]
pub enum RevisionIdProblem {
    TooLong(usize),
    Malformed,
}

impl RevisionIdProblem {
    fn into_diagnostic(self, span: Span, id: &str) -> Diagnostic {
        match self {
            RevisionIdProblem::TooLong(len) => Diagnostic::error(
                Code::IdTooLong,
                span,
                format!(
                    "the revision id is {len} characters long; the limit is {MAX_REVISION_ID_LEN}"
                ),
            ),
            RevisionIdProblem::Malformed => Diagnostic::error(
                Code::MalformedId,
                span,
                format!(
                    "malformed revision id `{id}`: an id is ASCII letters, digits and '_', \
                     and starts with a letter or a digit"
                ),
            ),
        }
    }
}

/// Checks a revision id against `[A-Za-z0-9][A-Za-z0-9_]*`, at most 64 characters.
pub fn revision_id_problem(id: &str) -> Option<RevisionIdProblem> {
    let well_formed = id.as_bytes().first().is_some_and(u8::is_ascii_alphanumeric)
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !well_formed {
        Some(RevisionIdProblem::Malformed)
    } else if id.len() > MAX_REVISION_ID_LEN {
        Some(RevisionIdProblem::TooLong(id.len()))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubled_quotes_are_made_single() {
        assert_eq!(unquote("plain", '\''), "plain");
        assert_eq!(unquote("it''s", '\''), "it's");
        assert_eq!(unquote("''''", '\''), "''");
        assert_eq!(unquote("a\"\"b", '"'), "a\"b");
        // The other kind of quote is left as it is.
        assert_eq!(unquote("it''s", '"'), "it''s");
    }

    #[test]
    fn comment_depth_is_bounded() {
        let nested = |n: usize| format!("{}{}", "/*".repeat(n), "*/".repeat(n));
        assert_eq!(comment_too_deep("revision a; -- /* not nested"), None);
        assert_eq!(comment_too_deep(&nested(MAX_COMMENT_DEPTH)), None);
        assert_eq!(
            comment_too_deep(&nested(MAX_COMMENT_DEPTH + 1)),
            Some(2 * MAX_COMMENT_DEPTH)
        );
        assert_eq!(comment_too_deep(&"/* a */ ".repeat(1000)), None);
    }

    #[test]
    fn revision_ids() {
        assert_eq!(revision_id_problem("0001_initial"), None);
        assert_eq!(revision_id_problem("A"), None);
        assert_eq!(revision_id_problem(&"a".repeat(64)), None);
        assert_eq!(
            revision_id_problem(&"a".repeat(65)),
            Some(RevisionIdProblem::TooLong(65))
        );
        for bad in ["_a", "a-b", "a.b", "é", "a$"] {
            assert_eq!(
                revision_id_problem(bad),
                Some(RevisionIdProblem::Malformed),
                "{bad}"
            );
        }
    }
}
