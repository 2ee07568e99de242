//! Revision references (LANGUAGE.md 5): one resolver for every command.
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
//! | `LABEL@head` | the head of the branch that carries `LABEL` |
//! | `REV~N` | `N` steps back from `REV` along first parents |
//! | `+N` / `-N` | `N` steps forward / back from the start of a range, as in `FROM:+2` |
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
            reference => self.resolve_one(reference).map(|node| vec![node]),
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
        if let Some((label, "head")) = reference.split_once('@') {
            return self.label_head(label);
        }
        match reference {
            "base" | "heads" => {
                return error(format!("`{reference}` does not name a single revision"))
            }
            "head" => return self.single_head(),
            _ => {}
        }
        if let Some(node) = self.find(reference) {
            return Ok(node);
        }
        self.by_prefix(reference)
    }

    /// Resolves `FROM:TO`, or `TO` alone with `default_from` as its start. `TO` may be
    /// relative to `FROM` (`+N`, `-N`).
    pub fn resolve_range(&self, text: &str, default_from: Option<&str>) -> Result<Range, RefError> {
        let (from_text, to_text) = match (text.split_once(':'), default_from) {
            (Some((from, to)), _) => (from.trim(), to.trim()),
            (None, Some(from)) => (from, text.trim()),
            (None, None) => return error(format!("`{text}` is not a range: expected `FROM:TO`")),
        };
        let from = self.resolve(from_text)?;
        let to = match relative(to_text) {
            Some((forward, n)) => {
                let n = steps(n, to_text)?;
                self.step_from(&from, from_text, forward, n, to_text)?
            }
            None => self.resolve(to_text)?,
        };
        Ok(Range { from, to })
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

    fn label_head(&self, label: &str) -> Result<NodeIndex, RefError> {
        let Some(start) = (0..self.len())
            .map(NodeIndex::new)
            .find(|&n| self.labels(n).iter().any(|l| l == label))
        else {
            return error(format!("no revision carries the label `{label}`"));
        };
        // The heads reachable from the labelled revision through its children.
        let mut seen = vec![false; self.len()];
        let mut stack = vec![start];
        let mut heads = Vec::new();
        while let Some(node) = stack.pop() {
            if std::mem::replace(&mut seen[node.index()], true) {
                continue;
            }
            let children = self.node(node).children();
            if children.is_empty() {
                heads.push(node);
            }
            stack.extend(children.iter().copied());
        }
        heads.sort_by_key(|&n| self.position(n));
        match heads.as_slice() {
            [head] => Ok(*head),
            heads => error(format!(
                "`{label}@head` is ambiguous: the branch has {} heads: {}",
                heads.len(),
                self.ids(heads).join(", ")
            )),
        }
    }

    fn by_prefix(&self, prefix: &str) -> Result<NodeIndex, RefError> {
        if prefix.len() < MIN_PREFIX_LEN {
            return error(format!(
                "unknown revision `{prefix}` (a prefix needs at least {MIN_PREFIX_LEN} characters)"
            ));
        }
        let mut candidates: Vec<NodeIndex> = (0..self.len())
            .map(NodeIndex::new)
            .filter(|&n| self.node(n).id.starts_with(prefix))
            .collect();
        candidates.sort_by(|&a, &b| self.node(a).id.cmp(&self.node(b).id));
        match candidates.as_slice() {
            [one] => Ok(*one),
            [] => error(format!("unknown revision `{prefix}`")),
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

    /// `n` steps forward (along the only child) or back (along first parents) from a
    /// position of at most one revision.
    fn step_from(
        &self,
        from: &[NodeIndex],
        from_text: &str,
        forward: bool,
        n: usize,
        to_text: &str,
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
            let next: Vec<NodeIndex> = match (forward, at) {
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
