//! The lint: a reviewer that knows the schema before every statement, which statements
//! share a transaction, which tables are new to every database a script runs on, and
//! the PostgreSQL version targeted (`docs/LINT.md`, a page per rule in `docs/lint/`).
//!
//! It runs inside the schema replay ([`crate::schema::replay`]): for each revision it
//! lints, the replay hands it every upgrade statement with the model before and after
//! it. Statements become [`action::Action`]s (native ones, and the statements of raw
//! blocks through PostgreSQL's parser); the rules of each group judge them; the
//! revision's suppressions are applied when it ends; findings become diagnostics at
//! their rule's level.

mod action;
mod rule;
mod rules;
mod types;

use std::collections::HashSet;

use petgraph::graph::NodeIndex;

pub use rule::{Group, Level, Rule};

use crate::config::LintConfig;
use crate::diagnostic::{Code, Diagnostic, Severity};
use crate::schema::model::{Model, ObjName};
use crate::source::Span;
use crate::syntax::ast::{Revision, Statement, StatementKind};
use crate::syntax::print;
use action::{Action, ActionKind, Names};

/// Whether a timeout set to `value` is one (`0`, `0s`, `DEFAULT` turn it off): it holds a
/// digit other than 0.
pub fn timeout_in_force(value: &str) -> bool {
    value.chars().any(|c| matches!(c, '1'..='9'))
}

/// Which revisions are linted, and which tables count as new.
#[derive(Clone, Debug)]
pub enum Scope {
    /// Every revision, each on its own: a table is new only to the revision that
    /// creates it (`check`, and `lint` without a range).
    EachRevision,
    /// The revisions of one script, by node index: a table created by one of them is
    /// new to the ones after it (`lint FROM:TO`, `build`).
    Range(Vec<bool>),
}

impl Scope {
    /// The scope of one script over `steps`, in a graph of `len` revisions.
    pub fn range(len: usize, steps: &[NodeIndex]) -> Scope {
        let mut nodes = vec![false; len];
        for node in steps {
            nodes[node.index()] = true;
        }
        Scope::Range(nodes)
    }
}

/// What the lint needs from the configuration and the command.
#[derive(Clone, Debug)]
pub struct Settings {
    pub postgres: u32,
    levels: Vec<Level>,
    /// Whether the configuration sets a `lock_timeout`, which every script then sets.
    pub lock_timeout: bool,
    pub scope: Scope,
}

impl Settings {
    pub fn new(lint: &LintConfig, lock_timeout: bool, scope: Scope) -> Settings {
        Settings {
            postgres: lint.postgres,
            levels: Rule::ALL.iter().map(|&r| lint.level(r)).collect(),
            lock_timeout,
            scope,
        }
    }

    pub fn level(&self, rule: Rule) -> Level {
        // `levels` follows `Rule::ALL`, which lists the rules in their declaration order.
        self.levels[rule as usize]
    }
}

/// A rule's finding before its level makes it a warning or an error.
pub(crate) struct Finding {
    pub rule: Rule,
    pub diagnostic: Diagnostic,
}

impl Finding {
    fn new(
        rule: Rule,
        span: Span,
        message: String,
        explanation: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            diagnostic: Diagnostic::warning(Code::Lint(rule), span, message)
                .with_explanation(explanation)
                .with_help(help),
        }
    }

    fn with_note(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.diagnostic = self.diagnostic.with_note(span, message);
        self
    }
}

/// What the rules know when they judge an action.
pub(crate) struct Context<'a> {
    /// The model after the statement.
    pub model: &'a Model,
    /// The statement with every name explicit (an index's, a constraint's); `None` for
    /// the rules that judge a revision once it has ended.
    pub statement: Option<&'a Statement>,
    pub fresh: &'a HashSet<ObjName>,
    pub postgres: u32,
    pub default_schema: &'a str,
}

impl<'a> Context<'a> {
    fn new(
        model: &'a Model,
        statement: Option<&'a Statement>,
        fresh: &'a HashSet<ObjName>,
        settings: &Settings,
        default_schema: &'a str,
    ) -> Context<'a> {
        Context {
            model,
            statement,
            fresh,
            postgres: settings.postgres,
            default_schema,
        }
    }

    /// Whether a table (or type) is new to every database that runs the script.
    fn is_new(&self, name: &ObjName) -> bool {
        self.fresh.contains(name)
    }

    /// A name as the author writes it: schema-qualified outside the default schema.
    fn show(&self, name: &ObjName) -> String {
        if name.schema() == self.default_schema {
            print::name(name.name())
        } else {
            format!(
                "{}.{}",
                print::name(name.schema()),
                print::name(name.name())
            )
        }
    }
}

/// The lint of a whole replay.
pub struct Linter<'s> {
    settings: &'s Settings,
    fresh: HashSet<ObjName>,
}

impl<'s> Linter<'s> {
    pub fn new(settings: &'s Settings) -> Linter<'s> {
        Linter {
            settings,
            fresh: HashSet::new(),
        }
    }

    /// Counts the tables an action creates as new, and forgets those it drops.
    fn renew(&mut self, action: &ActionKind) {
        match action {
            ActionKind::Create(name) => {
                self.fresh.insert(name.clone());
            }
            ActionKind::RenameTable { table, to } if self.fresh.remove(table) => {
                self.fresh.insert(to.clone());
            }
            ActionKind::DropTable(name) => {
                self.fresh.remove(name);
            }
            _ => {}
        }
    }

    /// The lint of one revision, if it is linted.
    pub fn revision<'l>(
        &'l mut self,
        node: NodeIndex,
        revision: &'l Revision,
    ) -> Option<RevisionLint<'l, 's>> {
        match &self.settings.scope {
            Scope::EachRevision => self.fresh.clear(),
            Scope::Range(nodes) => {
                if !nodes.get(node.index()).copied().unwrap_or(false) {
                    return None;
                }
            }
        }
        Some(RevisionLint {
            linter: self,
            revision,
            findings: Vec::new(),
            statement: 0,
            transaction: rules::transaction::State::default(),
            foreign_keys: Vec::new(),
            starts: Vec::new(),
        })
    }
}

/// What a statement replaced, which the model after it no longer holds.
pub struct Before {
    actions: Vec<Action>,
}

/// The lint of one revision while the replay goes through its statements.
pub struct RevisionLint<'l, 's> {
    linter: &'l mut Linter<'s>,
    revision: &'l Revision,
    /// Each finding with the statement it is about (its index in the upgrade).
    findings: Vec<(usize, Finding)>,
    statement: usize,
    transaction: rules::transaction::State,
    foreign_keys: Vec<(usize, rules::hygiene::ForeignKey)>,
    /// Where each statement starts, for the suppressions.
    starts: Vec<u32>,
}

impl RevisionLint<'_, '_> {
    /// Reads `statement` against the model before it runs.
    pub fn before(&self, model: &Model, statement: &Statement, default_schema: &str) -> Before {
        Before {
            actions: Names { default_schema }.native(statement, model),
        }
    }

    /// Judges `statement` (resolved: `resolved`) once it has run: `model` is after it.
    pub fn statement(
        &mut self,
        model: &Model,
        resolved: &Statement,
        before: Before,
        default_schema: &str,
    ) {
        let settings = self.linter.settings;
        let mut actions = before.actions;
        // A constraint's name is the model's when the statement gave none.
        if let StatementKind::AddConstraint(added) = &resolved.kind {
            for action in &mut actions {
                if let ActionKind::AddConstraint { name, .. } = &mut action.kind {
                    if name.is_none() {
                        *name = added.constraint.name.as_ref().map(|n| n.value.clone());
                    }
                }
            }
        }
        let index = self.statement;
        let mut found = Vec::new();
        let outside = resolved.kind.is_nontransactional();
        if outside {
            self.transaction.commit();
        }
        for action in &actions {
            let cx = Context::new(
                model,
                Some(resolved),
                &self.linter.fresh,
                settings,
                default_schema,
            );
            rules::locks::check(action, &cx, &mut found);
            rules::compatibility::check(action, &cx, &mut found);
            self.transaction
                .check(action, &cx, settings.lock_timeout, &mut found);
            // What the action made new, or took away, counts for the actions after it
            // (a raw block's `CREATE TABLE` for its `CREATE INDEX`).
            self.linter.renew(&action.kind);
        }
        let cx = Context::new(
            model,
            Some(resolved),
            &self.linter.fresh,
            settings,
            default_schema,
        );
        let foreign_keys = rules::hygiene::check(&cx, &mut found);
        self.foreign_keys
            .extend(foreign_keys.into_iter().map(|fk| (index, fk)));
        if outside || resolved.kind.commits_after() {
            self.transaction.commit();
        }
        self.findings.extend(found.into_iter().map(|f| (index, f)));
        self.starts.push(resolved.span.start);
        self.statement += 1;
    }

    /// Ends the revision: the rules that judge it whole, the suppressions, the levels.
    pub fn finish(mut self, model: &Model, default_schema: &str, out: &mut Vec<Diagnostic>) {
        let settings = self.linter.settings;
        for (index, fk) in std::mem::take(&mut self.foreign_keys) {
            let cx = Context::new(model, None, &self.linter.fresh, settings, default_schema);
            if let Some(found) = rules::hygiene::unindexed(&fk, &cx) {
                self.findings.push((index, found));
            }
        }
        let suppressions = self
            .revision
            .body
            .as_ref()
            .map_or(&[][..], |b| &b.suppressions[..]);
        // The statement each suppression is for: the first one after it.
        let targets: Vec<Option<usize>> = suppressions
            .iter()
            .map(|s| self.starts.iter().position(|&start| start >= s.span.end))
            .collect();
        let mut used = vec![false; suppressions.len()];
        let mut kept = Vec::new();
        for (index, finding) in self.findings {
            let suppressed = suppressions.iter().enumerate().find(|&(i, s)| {
                targets[i] == Some(index) && s.rules.iter().any(|r| r.value == finding.rule.id())
            });
            match suppressed {
                Some((i, _)) => used[i] = true,
                None => kept.push(finding),
            }
        }
        for (suppression, used) in suppressions.iter().zip(used) {
            for id in &suppression.rules {
                match Rule::from_id(&id.value) {
                    None => {
                        let mut d = Diagnostic::error(
                            Code::Suppression,
                            id.span,
                            format!("`{}` is not a lint rule", id.value),
                        );
                        if let Some(near) = Rule::nearest(&id.value) {
                            d = d.with_help(format!("did you mean `{}`?", near.id()));
                        }
                        out.push(d);
                    }
                    // A range exempts tables it creates, so a suppression that a revision
                    // needs on its own may have nothing to do in one: it is judged only
                    // where every revision stands on its own.
                    Some(rule)
                        if !used
                            && settings.level(rule) != Level::Allow
                            && matches!(settings.scope, Scope::EachRevision) =>
                    {
                        kept.push(Finding::new(
                            Rule::UnusedSuppression,
                            suppression.span,
                            format!("this suppression of `{}` suppresses nothing", rule.id()),
                            "a suppression applies to the statement that follows it; this one \
                             has no finding of the rule there",
                            "remove it, or move it to the line before the statement it is for",
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        for finding in kept {
            let mut d = finding.diagnostic;
            match settings.level(finding.rule) {
                Level::Allow => continue,
                Level::Warn => d.severity = Severity::Warning,
                Level::Deny => d.severity = Severity::Error,
            }
            out.push(d);
        }
    }
}
