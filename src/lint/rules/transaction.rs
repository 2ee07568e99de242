//! Rules about what one transaction holds together: locks on several tables, a data
//! change under a lock, a constraint validated where it was added `not valid`, and
//! waits for a lock without a `lock_timeout`. A revision runs in one transaction, cut
//! where a statement must run outside one or the script commits after it.

use crate::lint::action::{Action, ActionKind, Added, Lock};
use crate::lint::{Context, Finding, Rule};
use crate::schema::model::ObjName;
use crate::source::Span;

/// What the revision's transaction so far holds.
#[derive(Default)]
pub(in crate::lint) struct State {
    /// ACCESS EXCLUSIVE locks on existing tables, first statement first.
    exclusive: Vec<(ObjName, Span)>,
    /// The first data change, and whether a finding named it already.
    data_change: Option<(Span, bool)>,
    /// Constraints added `not valid`: table and name.
    not_valid: Vec<(ObjName, String)>,
    /// `SET LOCAL lock_timeout` ran in this transaction.
    local_timeout: bool,
    /// `SET lock_timeout` ran earlier in the revision (it lasts for the session).
    session_timeout: bool,
    /// The revision has its `missing-lock-timeout` finding already.
    timeout_reported: bool,
    /// Tables of `several-exclusive-locks` findings already.
    reported: Vec<ObjName>,
}

impl State {
    /// The transaction ends (a statement outside one, or a commit).
    pub(in crate::lint) fn commit(&mut self) {
        self.exclusive.clear();
        self.data_change = None;
        self.not_valid.clear();
        self.local_timeout = false;
        self.reported.clear();
    }

    pub(in crate::lint) fn check(
        &mut self,
        action: &Action,
        cx: &Context<'_>,
        configured_timeout: bool,
        out: &mut Vec<Finding>,
    ) {
        use ActionKind as A;
        let span = action.span;
        match &action.kind {
            A::LockTimeout { local: true } => self.local_timeout = true,
            A::LockTimeout { local: false } => self.session_timeout = true,
            A::AddConstraint {
                table,
                name: Some(name),
                not_valid: true,
                kind: Added::ForeignKey { .. } | Added::Check,
                ..
            } => self.not_valid.push((table.clone(), name.clone())),
            A::Validate { table, name }
                if self.not_valid.iter().any(|(t, n)| t == table && n == name) =>
            {
                let shown = cx.show(table);
                let name = crate::syntax::print::name(name);
                out.push(Finding::new(
                    Rule::ValidateSameTransaction,
                    span,
                    format!("`{name}` is validated in the transaction that added it `not valid`"),
                    format!(
                        "the lock the addition took on `{shown}` is held until the transaction \
                         commits, so the scan runs under it: `not valid` then saves nothing"
                    ),
                    format!(
                        "validate it in a later revision (`alter table {shown} validate \
                         constraint {name};`): it then locks only SHARE UPDATE EXCLUSIVE, which \
                         lets reads and writes go on"
                    ),
                ));
            }
            A::DataChange { verb, table } => {
                if let Some((locked, lock_span)) = self.exclusive.first() {
                    out.push(data_change_finding(
                        cx, verb, table, locked, span, lock_span,
                    ));
                    self.data_change = Some((span, true));
                } else if self.data_change.is_none() {
                    self.data_change = Some((span, false));
                }
            }
            _ => {}
        }
        let Some((table, lock)) = action.kind.lock() else {
            return;
        };
        if cx.is_new(table) {
            return;
        }
        if !configured_timeout
            && !self.local_timeout
            && !self.session_timeout
            && !self.timeout_reported
        {
            self.timeout_reported = true;
            out.push(Finding::new(
                Rule::MissingLockTimeout,
                span,
                format!(
                    "this statement waits for {} lock on `{}` with no `lock_timeout` in force",
                    lock.with_article(),
                    cx.show(table)
                ),
                format!(
                    "while a long query holds `{}`, the statement waits for it, and every query \
                     on the table that comes after waits behind the statement: a lock queue \
                     that can stop the application",
                    cx.show(table)
                ),
                "set `lock_timeout = \"5s\"` in strata.toml (every script then sets it), or \
                 start the revision with `set lock_timeout = '5s';`; a script that times out \
                 stops, and a rerun resumes",
            ));
        }
        if lock != Lock::AccessExclusive {
            return;
        }
        if let Some((first, first_span)) = self.exclusive.iter().find(|(t, _)| t != table) {
            if !self.reported.contains(table) && !self.exclusive.iter().any(|(t, _)| t == table) {
                self.reported.push(table.clone());
                out.push(
                    Finding::new(
                        Rule::SeveralExclusiveLocks,
                        span,
                        format!(
                            "this transaction takes an ACCESS EXCLUSIVE lock on `{}` while it \
                             holds one on `{}`",
                            cx.show(table),
                            cx.show(first)
                        ),
                        "every lock is held until the transaction commits: queries on the first \
                         table wait while this one waits for its lock, and two sessions that take \
                         the locks in another order deadlock",
                        "change one table per revision, so that each lock is held as briefly as \
                         its own statements need",
                    )
                    .with_note(*first_span, format!("`{}` is locked here", cx.show(first))),
                );
            }
        }
        if let Some((data_span, false)) = self.data_change {
            self.data_change = Some((data_span, true));
            out.push(
                Finding::new(
                    Rule::DataChangeUnderLock,
                    span,
                    format!(
                        "this ACCESS EXCLUSIVE lock on `{}` is taken in the transaction of a data \
                         change",
                        cx.show(table)
                    ),
                    "the rows the data change touched stay locked until the transaction \
                     commits, and the table lock is then held for as long as the rest runs: \
                     a long update becomes a long outage",
                    "move the data change into a revision of its own, in batches small enough \
                     to commit quickly",
                )
                .with_note(data_span, "the data change is here"),
            );
        }
        if !self.exclusive.iter().any(|(t, _)| t == table) {
            self.exclusive.push((table.clone(), span));
        }
        // The lock stays with the table under its new name.
        if let A::RenameTable { table, to } = &action.kind {
            for (locked, _) in &mut self.exclusive {
                if locked == table {
                    *locked = to.clone();
                }
            }
        }
    }
}

fn data_change_finding(
    cx: &Context<'_>,
    verb: &str,
    table: &ObjName,
    locked: &ObjName,
    span: Span,
    lock_span: &Span,
) -> Finding {
    Finding::new(
        Rule::DataChangeUnderLock,
        span,
        format!(
            "`{verb}` of `{}` runs while this transaction holds an ACCESS EXCLUSIVE lock on `{}`",
            cx.show(table),
            cx.show(locked)
        ),
        format!(
            "the lock is held until the transaction commits: every query on `{}` waits, reads \
             included, for as long as the {verb} takes",
            cx.show(locked)
        ),
        "move the data change into a revision of its own, in batches small enough to commit \
         quickly",
    )
    .with_note(*lock_span, format!("`{}` is locked here", cx.show(locked)))
}
