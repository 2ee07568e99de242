//! The graph as text: `history`, `heads`, `branches`, `show` and `graph`.

use super::{fail, load_clean, print_stdout, Cli, GraphFormat, Outcome, Replaying, SchemaFormat};
use crate::graph::{text, RevisionGraph};
use crate::schema::{self, apply, export, replay::Options};
use crate::syntax::Depth;

/// Runs `render` on a project whose files (read to `depth`) and graph are free of
/// errors, and prints what it gives.
fn print_with(
    cli: &Cli,
    depth: Depth,
    render: impl FnOnce(&super::Checked) -> Result<String, String>,
) -> Outcome {
    let checked = match load_clean(cli, depth, Replaying::Check) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let outcome = match render(&checked) {
        Ok(text) => {
            print_stdout(&text);
            Outcome::Clean
        }
        Err(message) => fail(&message),
    };
    checked.release();
    outcome
}

pub(super) fn history(cli: &Cli, verbose: bool, range: Option<&str>) -> Outcome {
    print_with(cli, Depth::Headers, |c| {
        let shown = match range {
            None => None,
            Some(range) => Some(history_range(&c.graph, range)?),
        };
        Ok(text::history(
            &c.project,
            &c.graph,
            verbose,
            shown.as_deref(),
        ))
    })
}

/// The revisions `history -r FROM:TO` lists, by node index: TO and what it follows,
/// back to FROM, both ends included (Alembic's `history -r`); an end left out is
/// `base` or `heads`.
fn history_range(graph: &RevisionGraph, range: &str) -> Result<Vec<bool>, String> {
    let Some((from, to)) = range.split_once(':') else {
        return Err(format!(
            "`{range}` is not a range: expected `FROM:TO`, `FROM:` or `:TO` (`history -r {range}:` \
             lists from `{range}` to the heads)"
        ));
    };
    let from = if from.trim().is_empty() { "base" } else { from };
    let to = if to.trim().is_empty() { "heads" } else { to };
    let resolved = graph
        .resolve_range(&format!("{from}:{to}"), None)
        .map_err(|e| e.to_string())?;
    let mut shown = vec![false; graph.len()];
    for node in graph.ancestors(&resolved.to) {
        shown[node.index()] = true;
    }
    let from_ancestors = graph.ancestors(&resolved.from);
    for node in from_ancestors {
        shown[node.index()] = resolved.from.contains(&node) && shown[node.index()];
    }
    Ok(shown)
}

pub(super) fn heads(cli: &Cli) -> Outcome {
    print_with(cli, Depth::Headers, |c| {
        Ok(text::heads(&c.project, &c.graph))
    })
}

pub(super) fn branches(cli: &Cli) -> Outcome {
    print_with(cli, Depth::Headers, |c| Ok(text::branches(&c.graph)))
}

pub(super) fn show(cli: &Cli, rev: &str) -> Outcome {
    // `show` counts statements, so it reads whole files.
    print_with(cli, Depth::Full, |c| {
        let node = c.graph.resolve_one(rev).map_err(|e| e.to_string())?;
        Ok(text::show(&c.project, &c.graph, node))
    })
}

/// `schema REV` (and `show REV --schema`): the schema after REV in `format`.
pub(super) fn schema(cli: &Cli, rev: &str, format: SchemaFormat) -> Outcome {
    print_with(cli, Depth::Full, |c| {
        let node = c.graph.resolve_one(rev).map_err(|e| e.to_string())?;
        // Replayed again, keeping this revision's model: a replay keeps only what
        // later revisions need.
        let options = Options {
            keep: vec![node],
            ..cli.schema_options()
        };
        let (replay, _) = schema::replay::replay(&c.project, &c.graph, &options);
        let model = replay
            .model_after(node)
            .ok_or_else(|| "the schema model could not be replayed".to_owned())?;
        let schema = &options.default_schema;
        Ok(match format {
            SchemaFormat::Sql => export::sql(model, schema),
            SchemaFormat::Mig => apply::dump(model, schema),
            SchemaFormat::Json => export::json(model),
            SchemaFormat::Mermaid => export::mermaid(model),
            SchemaFormat::Dot => export::dot(model),
        })
    })
}

pub(super) fn graph(cli: &Cli, format: GraphFormat) -> Outcome {
    print_with(cli, Depth::Headers, |c| {
        Ok(match format {
            GraphFormat::Dot => text::dot(&c.project, &c.graph),
            GraphFormat::Mermaid => text::mermaid(&c.project, &c.graph),
        })
    })
}
