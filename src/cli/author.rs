//! `strata new` and `strata merge`: new revision files, never over an existing one, and
//! never in a project with errors.

use petgraph::graph::NodeIndex;

use super::{fail, load_clean, print_stderr, print_stdout, Cli, Outcome, Replaying};
use crate::authoring;
use crate::syntax::Depth;

pub(super) fn new(cli: &Cli, message: &str, parent: Option<&str>) -> Outcome {
    let checked = match load_clean(cli, Depth::Full, Replaying::Check) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let parent: Option<NodeIndex> = match parent {
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
    write(cli, &checked, &parents, message)
}

pub(super) fn merge(cli: &Cli, revisions: &[String], message: &str) -> Outcome {
    let checked = match load_clean(cli, Depth::Full, Replaying::Check) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let mut parents: Vec<NodeIndex> = Vec::new();
    for reference in revisions {
        match graph.resolve_one(reference) {
            Ok(node) if parents.contains(&node) => {
                return fail(&format!("`{}` is named twice", graph.node(node).id))
            }
            Ok(node) => parents.push(node),
            Err(error) => return fail(&error.to_string()),
        }
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
    let ids: Vec<&str> = parents.iter().map(|&p| graph.node(p).id.as_ref()).collect();
    write(cli, &checked, &ids, message)
}

fn write(cli: &Cli, checked: &super::Checked, parents: &[&str], message: &str) -> Outcome {
    let ids = (0..checked.graph.len()).map(|i| checked.graph.node(NodeIndex::new(i)).id.as_ref());
    let id = authoring::next_id(ids, message);
    match authoring::create_revision(cli.dir(), &id, parents, message) {
        Ok(path) => {
            print_stdout(&format!("created {}\n", path.display()));
            Outcome::Clean
        }
        Err(error) => fail(&error.to_string()),
    }
}
