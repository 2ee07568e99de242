//! Diagnostics: what every stage reports instead of stopping at the first problem.
//!
//! A diagnostic has a severity, a stable code (for `--format json` and for tests), a
//! message without a final period, and the span it is about. It renders as
//! `path:line:col: error: message`, the source line, and a caret under the span.

use std::fmt::Write as _;

use crate::inert::{terminal_width, Terminal};
use crate::lint::Rule;
use crate::source::{SourceMap, Span};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Severity {
    Error,
    Warning,
    /// Information a command prints only when asked (`check --verbose`).
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What a diagnostic is about, as a stable kebab-case code.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Code {
    /// The file could not be read.
    Io,
    /// The file starts with a UTF-8 byte-order mark.
    ByteOrderMark,
    /// The file is not valid UTF-8.
    InvalidUtf8,
    /// The file contains a NUL byte.
    NulByte,
    /// The file is larger than the 4 MiB limit.
    FileTooLarge,
    /// The text does not follow the grammar.
    Syntax,
    /// A string, quoted name, expression, dollar-quoted block or comment is not closed.
    Unterminated,
    /// The file has no `revision` header.
    MissingHeader,
    /// Something stands before the header, or a second header follows it.
    HeaderNotFirst,
    /// A header clause is given twice.
    DuplicateClause,
    /// A second `upgrade` or `downgrade` block.
    DuplicateBlock,
    /// A revision id is malformed.
    MalformedId,
    /// A revision id is longer than 64 characters.
    IdTooLong,
    /// The file stem differs from the revision id.
    IdMismatch,
    /// A name is longer than 63 bytes after folding, or empty.
    BadName,
    /// A message contains a control character.
    MessageControlCharacter,
    /// A clause of a statement is given twice, or an empty expression.
    InvalidStatement,
    /// Two files declare the same revision id.
    DuplicateRevision,
    /// A parent that no file declares.
    UnknownParent,
    /// A `depends_on` that no file declares.
    UnknownDependency,
    /// The same revision twice in one `parents` or `depends_on` clause.
    DuplicateReference,
    /// Revisions that follow each other in a circle.
    Cycle,
    /// Several roots, not all of them labelled.
    SeveralRoots,
    /// One label on two revisions.
    DuplicateLabel,
    /// A `depends_on` on a revision already reachable through parents (a warning).
    RedundantDependsOn,
    /// More than one head, under `check --single-head`.
    SeveralHeads,
    /// A branch point or merge, under `check --linear`.
    NotLinear,
    /// A statement names a schema, table, column, type, index or constraint that does
    /// not exist.
    UnknownObject,
    /// A statement creates something that exists already.
    DuplicateObject,
    /// A foreign key that PostgreSQL would refuse.
    InvalidReference,
    /// Dropping something that something else still uses.
    InUse,
    /// A statement whose downgrade cannot be derived.
    NotReversible,
    /// Two merged branches changed the same object differently.
    MergeConflict,
    /// A downgrade that does not give back the schema before the revision (a warning).
    DowngradeMismatch,
    /// A revision mixes statements inside and outside a transaction (a warning).
    MixedTransactions,
    /// A SQL fragment that PostgreSQL's parser refuses, or that is not what its place
    /// needs (one expression, a type, a partition bound).
    SqlSyntax,
    /// SQL that would end the script's transaction, change how the rest of the script
    /// is read, or that psql would act on itself (a meta-command, a variable).
    ForbiddenSql,
    /// A control character where none belongs (a name, a literal, a comment, ...).
    ControlCharacter,
    /// A character that changes the direction of text or is invisible (bidi controls,
    /// zero-width characters): an error in names and comments, a warning in literals
    /// and SQL.
    InvisibleCharacter,
    /// A symbolic link where a `.mig` file would be (a warning: links are not read).
    SymbolicLink,
    /// Too many diagnostics of one kind in one file: the rest are counted, not shown.
    TooManyDiagnostics,
    /// The project differs from `strata.lock` (an error under `check --locked`).
    Lock,
    /// A finding of a lint rule, at the level the configuration gives it.
    Lint(Rule),
    /// A `-- strata:` comment that is not a suppression strata can read, or names a rule
    /// that does not exist.
    Suppression,
    /// A statement of a raw block the schema model does not follow (a note, under
    /// `check --verbose`).
    InvisibleToModel,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Io => "io",
            Code::ByteOrderMark => "byte-order-mark",
            Code::InvalidUtf8 => "invalid-utf8",
            Code::NulByte => "nul-byte",
            Code::FileTooLarge => "file-too-large",
            Code::Syntax => "syntax",
            Code::Unterminated => "unterminated",
            Code::MissingHeader => "missing-header",
            Code::HeaderNotFirst => "header-not-first",
            Code::DuplicateClause => "duplicate-clause",
            Code::DuplicateBlock => "duplicate-block",
            Code::MalformedId => "malformed-id",
            Code::IdTooLong => "id-too-long",
            Code::IdMismatch => "id-mismatch",
            Code::BadName => "bad-name",
            Code::MessageControlCharacter => "message-control-character",
            Code::InvalidStatement => "invalid-statement",
            Code::DuplicateRevision => "duplicate-revision",
            Code::UnknownParent => "unknown-parent",
            Code::UnknownDependency => "unknown-dependency",
            Code::DuplicateReference => "duplicate-reference",
            Code::Cycle => "cycle",
            Code::SeveralRoots => "several-roots",
            Code::DuplicateLabel => "duplicate-label",
            Code::RedundantDependsOn => "redundant-depends-on",
            Code::SeveralHeads => "several-heads",
            Code::NotLinear => "not-linear",
            Code::UnknownObject => "unknown-object",
            Code::DuplicateObject => "duplicate-object",
            Code::InvalidReference => "invalid-reference",
            Code::InUse => "in-use",
            Code::NotReversible => "not-reversible",
            Code::MergeConflict => "merge-conflict",
            Code::DowngradeMismatch => "downgrade-mismatch",
            Code::MixedTransactions => "mixed-transactions",
            Code::SqlSyntax => "sql-syntax",
            Code::ForbiddenSql => "forbidden-sql",
            Code::ControlCharacter => "control-character",
            Code::InvisibleCharacter => "invisible-character",
            Code::SymbolicLink => "symbolic-link",
            Code::TooManyDiagnostics => "too-many-diagnostics",
            Code::Lock => "lock",
            Code::Lint(rule) => rule.id(),
            Code::Suppression => "suppression",
            Code::InvisibleToModel => "invisible-to-model",
        }
    }
}

/// A secondary position that a diagnostic refers to, such as the other file of a
/// duplicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub message: String,
    pub span: Span,
    pub notes: Vec<Note>,
    /// A line that explains, without a place of its own: for a lint finding, what
    /// PostgreSQL does.
    pub explanation: Option<String>,
    /// A last line saying what to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
            notes: Vec::new(),
            explanation: None,
            help: None,
        }
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn note(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            ..Diagnostic::error(code, span, message)
        }
    }

    pub fn with_note(mut self, span: Span, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_explanation(mut self, explanation: impl Into<String>) -> Self {
        self.explanation = Some(explanation.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `error`, `warning`, or for a lint finding `warning[RULE]`, as rustc and clippy
    /// name a lint.
    pub fn label(&self) -> String {
        match self.code {
            Code::Lint(rule) => format!("{}[{}]", self.severity.as_str(), rule.id()),
            _ => self.severity.as_str().to_owned(),
        }
    }

    /// The diagnostic as the user sees it: a `path:line:col: severity: message` line,
    /// the source line with a caret under the span, and the same for every note.
    pub fn render(&self, sources: &SourceMap) -> String {
        let mut out = String::new();
        render_one(&mut out, sources, self.span, &self.label(), &self.message);
        for note in &self.notes {
            render_one(&mut out, sources, note.span, "note", &note.message);
        }
        if let Some(explanation) = &self.explanation {
            let _ = writeln!(out, "note: {}", Terminal(explanation));
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "help: {}", Terminal(help));
        }
        out
    }
}

fn render_one(out: &mut String, sources: &SourceMap, span: Span, label: &str, message: &str) {
    let file = sources.file(span.file);
    let _ = writeln!(
        out,
        "{}:{}:{}: {label}: {}",
        Terminal(file.display_path()),
        span.line,
        span.col,
        Terminal(message)
    );
    // Without its text (not UTF-8, or released and changed since), a finding is still
    // located by its path, line and column.
    let Ok(text) = file.text() else {
        return;
    };
    let line = crate::source::line_at(&text, span.start as usize);
    let column = span.col as usize - 1;
    // A long line is shown as a window around the column, so that one finding prints a
    // bounded amount whatever the file holds.
    let (shown, column) = window(line, column);
    let gutter = span.line.to_string();
    let _ = writeln!(out, "{gutter} | {}", Terminal(&shown));
    // The caret goes under the escaped text: count what the characters before it
    // became, and keep tabs in the padding so that it lines up under tabbed source.
    let before: String = shown
        .chars()
        .take(column)
        .map(|c| match c {
            '\t' => "\t".to_owned(),
            c => " ".repeat(terminal_width(c)),
        })
        .collect();
    let rest: usize = shown.chars().skip(column).map(terminal_width).sum();
    let spanned = text
        .get(span.start as usize..span.end as usize)
        .map_or(1, |s| {
            s.chars()
                .take_while(|&c| c != '\n')
                .map(terminal_width)
                .sum()
        });
    let carets = spanned.min(rest).max(1);
    let _ = writeln!(
        out,
        "{} | {before}{}",
        " ".repeat(gutter.len()),
        "^".repeat(carets)
    );
}

/// How many characters of a source line a diagnostic shows at most.
pub const SOURCE_WINDOW: usize = 120;

/// At most [`SOURCE_WINDOW`] characters of `line` around `column` (0-based, in
/// characters), with `…` where it was cut, and the column within what is shown.
fn window(line: &str, column: usize) -> (String, usize) {
    let length = line.chars().count();
    if length <= SOURCE_WINDOW {
        return (line.to_owned(), column);
    }
    let column = column.min(length);
    let start = column
        .saturating_sub(SOURCE_WINDOW / 3)
        .min(length - SOURCE_WINDOW);
    let end = start + SOURCE_WINDOW;
    let mut shown = String::new();
    if start > 0 {
        shown.push('…');
    }
    shown.extend(line.chars().skip(start).take(end - start));
    if end < length {
        shown.push('…');
    }
    (shown, column - start + usize::from(start > 0))
}

/// How many diagnostics of one kind one file shows; past it, one line counts the rest.
pub const SHOWN_PER_FILE_AND_KIND: usize = 20;

/// The diagnostics to show, in the order given: at most [`SHOWN_PER_FILE_AND_KIND`] of
/// one code in one file, then, in place of the first one left out, a diagnostic that
/// counts the rest. A file written to make thousands of errors prints a page.
pub fn shown(diagnostics: &[Diagnostic]) -> Vec<std::borrow::Cow<'_, Diagnostic>> {
    use std::borrow::Cow;
    use std::collections::HashMap;
    let mut totals: HashMap<(crate::source::FileId, Code), (usize, bool)> = HashMap::new();
    for d in diagnostics {
        let entry = totals.entry((d.span.file, d.code)).or_default();
        entry.0 += 1;
        entry.1 |= d.severity == Severity::Error;
    }
    let mut seen: HashMap<(crate::source::FileId, Code), usize> = HashMap::new();
    let mut out = Vec::with_capacity(diagnostics.len().min(1024));
    for d in diagnostics {
        let key = (d.span.file, d.code);
        let count = seen.entry(key).or_default();
        *count += 1;
        if *count <= SHOWN_PER_FILE_AND_KIND {
            out.push(Cow::Borrowed(d));
        } else if *count == SHOWN_PER_FILE_AND_KIND + 1 {
            let (total, any_error) = totals[&key];
            let rest = total - SHOWN_PER_FILE_AND_KIND;
            let message = format!(
                "{} more of this kind (`{}`) in this file {} not shown",
                rest,
                d.code.as_str(),
                if rest == 1 { "is" } else { "are" }
            );
            let summary = if any_error {
                Diagnostic::error(Code::TooManyDiagnostics, d.span, message)
            } else {
                Diagnostic::warning(Code::TooManyDiagnostics, d.span, message)
            };
            out.push(Cow::Owned(summary));
        }
    }
    out
}

/// Whether any diagnostic is an error (warnings alone leave a project usable).
pub fn has_errors(diagnostics: &[Diagnostic]) -> bool {
    diagnostics.iter().any(|d| d.severity == Severity::Error)
}

/// Sorts diagnostics into the order they are reported in: by file, position, then
/// message, so that the output never depends on the order in which they were found.
pub fn sort(diagnostics: &mut [Diagnostic], sources: &SourceMap) {
    fn path<'a>(sources: &'a SourceMap, d: &Diagnostic) -> &'a str {
        sources.file(d.span.file).display_path()
    }
    diagnostics.sort_by(|a, b| {
        path(sources, a)
            .cmp(path(sources, b))
            .then(a.span.start.cmp(&b.span.start))
            .then(a.severity.cmp(&b.severity))
            .then(a.message.cmp(&b.message))
    });
}
