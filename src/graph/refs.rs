//! Revision references (docs/TRAVERSAL.md): one resolver for every command.
//!
//! A reference resolves to a *position*: the heads of an applied part of the graph, as a
//! list of revisions in replay order. `base` is the empty position; `heads` may be many.
//!
//! | form | meaning |
//! | --- | --- |
//! | `base` | before the first revision |
//! | `head` | the single head (an error naming them all when there are several) |
//! | `heads` | every head |
//! | `ID` | a full revision id |
//! | `PREFIX` | a unique prefix of at least 4 characters of an id |
//! | `a,b` | the position where both are applied |
//! | `LABEL@head`, `REV@head` | the head of the branch that carries `LABEL` (or holds `REV`) |
//! | `LABEL@heads` | every head of that branch |
//! | `LABEL@base` | before the branch's first revision |
//! | `LABEL@REV` | `REV`, which must be on the branch |
//! | `REV~N`, `REV-N` | `N` steps back from `REV` along first parents |
//! | `REV+N` | `N` steps forward from `REV`, where the way is single |
//! | `+N` / `-N` | `N` steps forward / back from the start of a range, as in `FROM:+2` |
//! | `LABEL@+N` / `LABEL@-N` | the same, along the branch that carries `LABEL` |
//!
//! The words `base`, `head` and `heads` win over revisions with those ids.

use std::fmt;

use petgraph::graph::NodeIndex;

use super::RevisionGraph;
use crate::plural;

/// The shortest prefix accepted in place of a full id.
pub const MIN_PREFIX_LEN: usize = 4;

/// A reference that does not resolve, with the reason in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefError(pub String);

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RefError {}

fn error<T>(message: String) -> Result<T, RefError> {
    Err(RefError(message))
}

/// A resolved `FROM:TO`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Range {
    pub from: Vec<NodeIndex>,
    pub to: Vec<NodeIndex>,
    /// When `TO` names a branch (`LABEL@base`, `LABEL@REV`, `REV2@REV`): the revisions
    /// a downgrade reverts with what descends from them, instead of everything that
    /// descends from `to` (Alembic's meaning: only that branch goes back).
    pub before: Option<Vec<NodeIndex>>,
}

/// What an Alembic user may have meant by a range without `:` (Alembic's `downgrade -1`
/// and `downgrade base` start where the database is, which strata cannot ask).
fn range_hint(text: &str) -> String {
    let text = text.trim();
    let examples = match relative(text) {
        Some(_) => format!("`head:{text}` or `REV:{text}`"),
        None => format!("`head:{text}`, `heads:{text}` or `REV1,REV2:{text}`"),
    };
    format!(
        " (Alembic's `downgrade {text}` starts where the database is; strata works offline: \
         name that position, as in {examples})"
    )
}

/// A reference split at its `@`: a branch label (or a revision) and what follows.
fn branch_form(reference: &str) -> Option<(&str, &str)> {
    reference.split_once('@')
}

/// `REV+N` or `REV-N`, Alembic's spellings of a step forward or back from a revision.
fn alembic_steps(reference: &str) -> Option<(&str, bool, &str)> {
    let at = reference.rfind(['+', '-'])?;
    let (base, n) = (&reference[..at], &reference[at + 1..]);
    if base.is_empty() || n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((base, reference.as_bytes()[at] == b'+', n))
}

/// A step count after `+`, `-` or `~`.
fn steps(text: &str, reference: &str) -> Result<usize, RefError> {
    text.parse().or_else(|_| {
        error(format!(
            "`{reference}`: expected a number of steps, found `{text}`"
        ))
    })
}

fn relative(text: &str) -> Option<(bool, &str)> {
    if let Some(n) = text.strip_prefix('+') {
        Some((true, n))
    } else {
        text.strip_prefix('-').map(|n| (false, n))
    }
}

impl RevisionGraph {
    /// Resolves an absolute reference to a position: `base`, `heads`, one revision, or
    /// several separated by commas (`a,b`: the position where both are applied, as a
    /// database stands after `upgrade heads` on two branches).
    pub fn resolve(&self, reference: &str) -> Result<Vec<NodeIndex>, RefError> {
        if reference.contains(',') {
            let mut nodes: Vec<NodeIndex> = Vec::new();
            for part in reference.split(',') {
                for node in self.resolve(part)? {
                    if !nodes.contains(&node) {
                        nodes.push(node);
                    }
                }
            }
            return Ok(nodes);
        }
        match reference.trim() {
            "base" => Ok(Vec::new()),
            "heads" => Ok(self.heads()),
            // A project's first commit has no revisions yet: its only position is base,
            // and its scripts and bundles are valid and empty, so that its CI passes.
            "head" if self.is_empty() => Ok(Vec::new()),
            reference => match branch_form(reference) {
                Some((branch, "heads")) => {
                    let start = self.branch_or_revision(branch)?;
                    Ok(self.heads_after(start))
                }
                Some((label, "base")) => {
                    let start = self.branch_start(label)?;
                    Ok(self.node(start).parents().to_vec())
                }
                _ => self.resolve_one(reference).map(|node| vec![node]),
            },
        }
    }

    /// Resolves a reference that must name exactly one revision.
    pub fn resolve_one(&self, reference: &str) -> Result<NodeIndex, RefError> {
        let reference = reference.trim();
        if reference.is_empty() {
            return error("empty revision reference".to_owned());
        }
        if relative(reference).is_some() {
            return error(format!(
                "`{reference}` is relative: it needs a starting point, as in `FROM:{reference}`"
            ));
        }
        if let Some((base, n)) = reference.rsplit_once('~') {
            let n = steps(n, reference)?;
            let mut node = self.resolve_one(base)?;
            for step in 0..n {
                match self.node(node).parents().first() {
                    Some(&parent) => node = parent,
                    None => {
                        return error(format!(
                            "`{reference}` goes back past the root `{}` after {}",
                            self.node(node).id,
                            plural(step, "step")
                        ))
                    }
                }
            }
            return Ok(node);
        }
        // Steps first: `LABEL@head-1` is `LABEL@head` and one step back.
        if let Some((base, forward, n)) =
            alembic_steps(reference).filter(|(base, _, _)| !base.ends_with('@'))
        {
            let n = steps(n, reference)?;
            // `LABEL@base+N` counts from base along the branch's lineage, as Alembic does.
            let (from, within) = match branch_form(base) {
                Some((branch, "base")) => (Vec::new(), Some(self.lineage(branch)?)),
                _ => (self.resolve(base)?, None),
            };
            return match self
                .step_from(&from, base, forward, n, reference, within.as_deref())?
                .as_slice()
            {
                [one] => Ok(*one),
                _ => error(format!("`{reference}` goes back past `base`")),
            };
        }
        if let Some((branch, rest)) = branch_form(reference) {
            return self.resolve_branch_form(reference, branch, rest);
        }
        match reference {
            "base" | "heads" => {
                return error(format!("`{reference}` does not name a single revision"))
            }
            "head" => return self.single_head(),
            "current" => {
                return error(
                    "`current`: strata works offline and cannot ask the database; name the \
                     revisions its version table holds (`a,b` for several)"
                        .to_owned(),
                )
            }
            _ => {}
        }
        if let Some(node) = self.find(reference) {
            return Ok(node);
        }
        // A branch label alone names the revision that carries it, as in Alembic; a
        // revision id or prefix wins over a label of the same spelling.
        self.by_prefix(reference, None)
            .or_else(|error| self.label_node(reference).map_err(|_| error))
    }

    /// Resolves `FROM:TO`, or `TO` alone with `default_from` as its start. `TO` may be
    /// relative to `FROM` (`+N`, `-N`, and along a branch `LABEL@+N`, `LABEL@-N`).
    pub fn resolve_range(&self, text: &str, default_from: Option<&str>) -> Result<Range, RefError> {
        let (from_text, to_text) = match (text.split_once(':'), default_from) {
            (Some((from, to)), _) => (from.trim(), to.trim()),
            (None, Some(from)) => (from, text.trim()),
            (None, None) => {
                return error(format!(
                    "`{text}` is not a range: expected `FROM:TO`{}",
                    range_hint(text)
                ))
            }
        };
        let from = self.resolve(from_text)?;
        let mut before = None;
        // `LABEL@+N`, `LABEL@-N`: a step along a branch.
        let branch_step =
            branch_form(to_text).and_then(|(label, rest)| relative(rest).map(|step| (label, step)));
        let to = match (relative(to_text), branch_step, branch_form(to_text)) {
            (Some((forward, n)), _, _) => {
                let n = steps(n, to_text)?;
                self.step_from(&from, from_text, forward, n, to_text, None)?
            }
            (None, Some((label, (forward, n))), _) => {
                let n = steps(n, to_text)?;
                let members = self.branch_members(label)?;
                // The walk starts at the revision of the start that is on the branch,
                // or before the branch when the start has none of it.
                let on_branch: Vec<NodeIndex> = from
                    .iter()
                    .copied()
                    .filter(|n| members[n.index()])
                    .collect();
                let (start, start_text) = match on_branch.as_slice() {
                    [] => (
                        self.node(self.branch_start(label)?).parents().to_vec(),
                        format!("{label}@base"),
                    ),
                    [one] => (vec![*one], self.node(*one).id.to_string()),
                    _ => {
                        return error(format!(
                            "`{to_text}`: `{from_text}` holds several revisions of the branch `{label}`"
                        ))
                    }
                };
                let stepped =
                    self.step_from(&start, &start_text, forward, n, to_text, Some(&members))?;
                // The rest of the start stays where it is.
                let rest: Vec<NodeIndex> = from
                    .iter()
                    .copied()
                    .filter(|n| !members[n.index()])
                    .collect();
                self.union(&rest, &stepped)
            }
            (None, None, Some((label, "base"))) => {
                let start = self.branch_start(label)?;
                before = Some(vec![start]);
                self.node(start).parents().to_vec()
            }
            (None, None, _) => self.resolve(to_text)?,
        };
        // `BRANCH@REV` (or `BRANCH@REV-N`, `BRANCH@base+N`): the children of REV that
        // lead to the branch, when REV has several.
        let named = alembic_steps(to_text).map_or(to_text, |(base, _, _)| base);
        if let (None, Some((branch, rest))) = (&before, branch_form(named)) {
            if !matches!(rest, "head" | "heads") && relative(rest).is_none() && to.len() <= 1 {
                let mut roots = match to.first() {
                    Some(&node) => self.node(node).children().to_vec(),
                    None => self.roots(),
                };
                if roots.len() > 1 {
                    let lineage = self.lineage(branch)?;
                    roots.retain(|n| lineage[n.index()]);
                }
                before = Some(roots);
            }
        }
        Ok(Range { from, to, before })
    }

    fn single_head(&self) -> Result<NodeIndex, RefError> {
        match self.heads().as_slice() {
            [head] => Ok(*head),
            [] => error("`head`: the project has no revisions".to_owned()),
            heads => error(format!(
                "`head` is ambiguous: the graph has {} heads: {} (name one, or use `heads`)",
                heads.len(),
                self.ids(heads).join(", ")
            )),
        }
    }

    /// The revision that carries `label`.
    fn label_node(&self, label: &str) -> Result<NodeIndex, RefError> {
        self.labelled(label).map_or_else(
            || error(format!("no revision carries the label `{label}`")),
            Ok,
        )
    }

    /// The revision a branch form starts from: the labelled revision, or a revision.
    fn branch_or_revision(&self, branch: &str) -> Result<NodeIndex, RefError> {
        self.label_node(branch).or_else(|label_error| {
            self.resolve_one(branch).map_err(|_| {
                RefError(format!(
                    "{label_error}, and no revision is `{branch}`: expected `LABEL@...` or `REV@head`"
                ))
            })
        })
    }

    /// The first revision of the branch that carries `label` (or holds a revision): the
    /// first of the single line of revisions that leads to it from the last branch point
    /// or merge above it (Alembic gives the label to that line too).
    pub fn branch_start(&self, label: &str) -> Result<NodeIndex, RefError> {
        let mut start = self.branch_or_revision(label)?;
        while let [parent] = self.node(start).parents() {
            let p = self.node(*parent);
            if p.children().len() > 1 || p.parents().len() > 1 {
                break;
            }
            start = *parent;
        }
        Ok(start)
    }

    /// The revisions of the branch that carries `label`, as a bitmap by node index: the
    /// line from [`RevisionGraph::branch_start`] to the labelled revision, and every
    /// revision that follows the labelled one through parents.
    pub fn branch_members(&self, label: &str) -> Result<Vec<bool>, RefError> {
        let labelled = self.label_node(label)?;
        let mut members = self.followers(&[labelled], true);
        let mut node = labelled;
        let start = self.branch_start(label)?;
        while node != start {
            match self.node(node).parents() {
                [parent] => {
                    node = *parent;
                    members[node.index()] = true;
                }
                _ => break,
            }
        }
        Ok(members)
    }

    /// What shares a line of descent with a branch (a label, or a revision): its
    /// revisions, their ancestors and their descendants, as a bitmap by node index.
    fn lineage(&self, branch: &str) -> Result<Vec<bool>, RefError> {
        let start = self.branch_or_revision(branch)?;
        let mut lineage = self.descendants(&[start], true);
        for node in self.ancestors(&[start]) {
            lineage[node.index()] = true;
        }
        if let Ok(members) = self.branch_members(branch) {
            for (slot, member) in lineage.iter_mut().zip(members) {
                *slot |= member;
            }
        }
        Ok(lineage)
    }

    /// The heads reachable from `start` through children, in replay order.
    fn heads_after(&self, start: NodeIndex) -> Vec<NodeIndex> {
        let followers = self.followers(&[start], true);
        self.heads()
            .into_iter()
            .filter(|head| followers[head.index()])
            .collect()
    }

    /// `BRANCH@REST`, naming one revision.
    fn resolve_branch_form(
        &self,
        reference: &str,
        branch: &str,
        rest: &str,
    ) -> Result<NodeIndex, RefError> {
        if branch.is_empty() {
            return error(format!(
                "`{reference}`: expected a branch label or a revision before `@`"
            ));
        }
        match rest {
            "head" => {
                let start = self.branch_or_revision(branch)?;
                match self.heads_after(start).as_slice() {
                    [head] => Ok(*head),
                    heads => error(format!(
                        "`{reference}` is ambiguous: the branch has {} heads: {} (name one, or use `{branch}@heads`)",
                        heads.len(),
                        self.ids(heads).join(", ")
                    )),
                }
            }
            "heads" | "base" => error(format!("`{reference}` does not name a single revision")),
            rest if relative(rest).is_some() => error(format!(
                "`{reference}` is relative: it needs a starting point, as in `FROM:{reference}`"
            )),
            rest => {
                let lineage = self.lineage(branch)?;
                // A prefix is looked for on the branch only (`abranch@some`).
                let node = match self.find(rest) {
                    Some(node) => node,
                    None => self
                        .by_prefix(rest, Some(&lineage))
                        .or_else(|error| self.resolve_one(rest).map_err(|_| error))?,
                };
                if lineage[node.index()] {
                    Ok(node)
                } else {
                    error(format!(
                        "`{}` is not on the branch `{branch}`: it neither leads to it nor follows it",
                        self.node(node).id
                    ))
                }
            }
        }
    }

    /// The revision whose id starts with `prefix`, of those `within` a branch's lineage
    /// when given (`LABEL@PREFIX`).
    fn by_prefix(&self, prefix: &str, within: Option<&[bool]>) -> Result<NodeIndex, RefError> {
        if prefix.len() < MIN_PREFIX_LEN {
            return error(format!(
                "unknown revision `{prefix}` (a prefix needs at least {MIN_PREFIX_LEN} characters)"
            ));
        }
        let mut candidates: Vec<NodeIndex> = (0..self.len())
            .map(NodeIndex::new)
            .filter(|&n| self.node(n).id.starts_with(prefix))
            .filter(|&n| within.is_none_or(|w| w[n.index()]))
            .collect();
        candidates.sort_by(|&a, &b| self.node(a).id.cmp(&self.node(b).id));
        match candidates.as_slice() {
            [one] => Ok(*one),
            [] => {
                // A mistyped id or label: the nearest of them, if one is near.
                let ids = (0..self.len()).map(|n| &*self.node(NodeIndex::new(n)).id);
                let labels = (0..self.len())
                    .flat_map(|n| self.labels(NodeIndex::new(n)).iter().map(String::as_str));
                match crate::suggest::nearest(prefix, ids.chain(labels)) {
                    Some(near) => error(format!(
                        "unknown revision `{prefix}` (did you mean `{near}`?)"
                    )),
                    None => error(format!("unknown revision `{prefix}`")),
                }
            }
            many => {
                const SHOWN: usize = 10;
                let mut names = self.ids(&many[..many.len().min(SHOWN)]).join(", ");
                if many.len() > SHOWN {
                    names.push_str(&format!(" and {} more", many.len() - SHOWN));
                }
                error(format!(
                    "`{prefix}` is ambiguous: it starts {} revision ids: {names}",
                    many.len()
                ))
            }
        }
    }

    /// `n` steps forward (along the only child, of those `within` the branch when given)
    /// or back (along first parents) from a position of at most one revision.
    fn step_from(
        &self,
        from: &[NodeIndex],
        from_text: &str,
        forward: bool,
        n: usize,
        to_text: &str,
        within: Option<&[bool]>,
    ) -> Result<Vec<NodeIndex>, RefError> {
        let mut at: Option<NodeIndex> = match from {
            [] => None,
            [one] => Some(*one),
            _ => {
                return error(format!(
                    "`{to_text}` is relative to `{from_text}`, which names several revisions"
                ))
            }
        };
        for step in 0..n {
            let mut next: Vec<NodeIndex> = match (forward, at) {
                (true, None) => self.roots(),
                (true, Some(node)) => self.node(node).children().to_vec(),
                (false, Some(node)) => {
                    at = self.node(node).parents().first().copied();
                    continue;
                }
                (false, None) => {
                    return error(format!(
                        "`{from_text}:{to_text}` goes back past `base` after {}",
                        plural(step, "step")
                    ))
                }
            };
            if let Some(members) = within {
                next.retain(|n| members[n.index()]);
            }
            at = Some(match next.as_slice() {
                [one] => *one,
                [] => {
                    return error(format!(
                        "`{from_text}:{to_text}` goes past the head `{}` after {}",
                        at.map_or("base", |a| self.node(a).id.as_ref()),
                        plural(step, "step")
                    ))
                }
                several => {
                    return error(format!(
                        "`{from_text}:{to_text}` is ambiguous: after {} the graph \
                         branches to {}; name the target instead",
                        plural(step, "step"),
                        self.ids(several).join(", ")
                    ))
                }
            });
        }
        Ok(at.into_iter().collect())
    }
}
