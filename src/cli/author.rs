//! `strata new` and `strata merge`: new revision files, never over an existing one, and
//! never in a project with errors.

use petgraph::graph::NodeIndex;

use super::{fail, load_clean, print_stderr, print_stdout, Cli, Outcome, Replaying};
use crate::authoring;
use crate::syntax::Depth;

/// Where `new` puts a revision in the graph.
pub(super) struct Placement<'a> {
    pub parent: Option<&'a str>,
    /// A new root: no parent, whatever the heads.
    pub root: bool,
    pub labels: &'a [String],
    pub depends_on: &'a [String],
}

pub(super) fn new(cli: &Cli, message: &str, placement: Placement<'_>) -> Outcome {
    // A team's first revision: the folder is made, and the project is empty.
    if !cli.dir().exists() {
        if let Err(error) = std::fs::create_dir_all(cli.dir()) {
            return fail(&format!("cannot create `{}`: {error}", cli.dir().display()));
        }
    }
    for label in placement.labels {
        if !authoring::is_label(label) {
            return fail(&format!(
                "`{}` is not a label: a label is a letter or `_` followed by letters, digits and `_`",
                crate::inert::terminal(label)
            ));
        }
    }
    let checked = match load_clean(cli, Depth::Full, Replaying::Check) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let mut depends_on: Vec<&str> = Vec::new();
    for reference in placement.depends_on {
        match graph.resolve_one(reference) {
            Ok(node) => depends_on.push(&graph.node(node).id),
            Err(error) => return fail(&error.to_string()),
        }
    }
    // Several roots are independent branches, each with a label (LANGUAGE.md's rule
    // that `check` holds): a root that would break it is refused before it is written.
    if placement.root && !graph.is_empty() {
        let unlabelled: Vec<&str> = graph
            .roots()
            .into_iter()
            .filter(|&r| graph.labels(r).is_empty())
            .map(|r| graph.node(r).id.as_ref())
            .collect();
        if placement.labels.is_empty() || !unlabelled.is_empty() {
            return fail(&format!(
                "a second root makes independent branches, and every root needs a label: \
                 give this one `--label`{}",
                if unlabelled.is_empty() {
                    String::new()
                } else {
                    format!(", and label {} first", unlabelled.join(", "))
                }
            ));
        }
    }
    let parent: Option<NodeIndex> = match placement.parent {
        _ if placement.root => None,
        Some(reference) => match graph.resolve_one(reference) {
            Ok(node) => Some(node),
            Err(error) => return fail(&error.to_string()),
        },
        None => match graph.heads().as_slice() {
            [] => None,
            [head] => Some(*head),
            heads => {
                let ids = graph.ids(heads);
                print_stderr(&format!(
                    "strata: error: the graph has {} heads ({}): name the parent with --parent, \
                     or join them first with: strata merge {} -m 'Merge heads'\n",
                    heads.len(),
                    ids.join(", "),
                    ids.join(" ")
                ));
                return Outcome::Findings;
            }
        },
    };
    let parents: Vec<&str> = parent.iter().map(|&p| graph.node(p).id.as_ref()).collect();
    let header = authoring::Header {
        parents: &parents,
        depends_on: &depends_on,
        labels: placement.labels,
        message,
    };
    write(cli, &checked, &header, parent)
}

pub(super) fn merge(cli: &Cli, revisions: &[String], message: &str) -> Outcome {
    let checked = match load_clean(cli, Depth::Full, Replaying::Check) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let mut parents: Vec<NodeIndex> = Vec::new();
    for reference in revisions {
        // `heads` names every head at once.
        let nodes = match graph.resolve(reference) {
            Ok(nodes) => nodes,
            Err(error) => return fail(&error.to_string()),
        };
        for node in nodes {
            if parents.contains(&node) {
                return fail(&format!("`{}` is named twice", graph.node(node).id));
            }
            parents.push(node);
        }
    }
    if parents.len() < 2 {
        return fail(&format!(
            "a merge joins two or more revisions, and {} name{} {}",
            revisions.join(" "),
            if revisions.len() == 1 { "s" } else { "" },
            crate::plural(parents.len(), "revision")
        ));
    }
    for &parent in &parents {
        let ancestors = graph.ancestors(&[parent]);
        if let Some(&other) = parents
            .iter()
            .find(|&&o| o != parent && ancestors.contains(&o))
        {
            return fail(&format!(
                "`{}` already follows `{}`; a merge joins revisions on different branches",
                graph.node(parent).id,
                graph.node(other).id
            ));
        }
    }
    // A merge that `check` would refuse is not written: its conflicts are reported as
    // `check` reports them, at the first parent's header instead of the merge's.
    let conflicts = crate::schema::replay::merge_preview(
        &checked.project,
        graph,
        &parents,
        &cli.settings.default_schema,
    );
    if !conflicts.is_empty() {
        let text: String = conflicts
            .iter()
            .map(|d| d.render(&checked.project.sources))
            .collect();
        super::print_stderr(&text);
        super::print_stderr(&format!(
            "strata: the branches cannot be merged as they are ({}); nothing was written\n",
            crate::plural(conflicts.len(), "conflict")
        ));
        return Outcome::Findings;
    }
    let ids: Vec<&str> = parents.iter().map(|&p| graph.node(p).id.as_ref()).collect();
    let header = authoring::Header {
        parents: &ids,
        depends_on: &[],
        labels: &[],
        message,
    };
    write(cli, &checked, &header, parents.first().copied())
}

/// Writes the new revision beside the file of `beside` (its first parent), or in the
/// migrations folder for a root.
fn write(
    cli: &Cli,
    checked: &super::Checked,
    header: &authoring::Header<'_>,
    beside: Option<NodeIndex>,
) -> Outcome {
    let graph = &checked.graph;
    let ids = (0..graph.len()).map(|i| graph.node(NodeIndex::new(i)).id.as_ref());
    let id = authoring::next_id(ids, header);
    let folder = match beside {
        Some(node) => {
            let relative = checked
                .project
                .sources
                .file(graph.node(node).file)
                .relative_path();
            match relative.rsplit_once('/') {
                Some((folder, _)) => cli.dir().join(folder),
                None => cli.dir().to_owned(),
            }
        }
        None => cli.dir().to_owned(),
    };
    match authoring::create_revision(&folder, &id, header) {
        Ok(path) => {
            print_stdout(&format!("created {}\n", path.display()));
            Outcome::Clean
        }
        Err(error) => fail(&error.to_string()),
    }
}
