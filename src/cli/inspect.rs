//! The graph as text: `history`, `heads`, `branches`, `show` and `graph`.

use super::{fail, load_clean, print_stdout, Cli, GraphFormat, Outcome};
use crate::graph::text;

/// Runs `render` on a clean project and prints what it gives.
fn print_with(
    cli: &Cli,
    render: impl FnOnce(&super::Checked) -> Result<String, String>,
) -> Outcome {
    let checked = match load_clean(cli) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    match render(&checked) {
        Ok(text) => {
            print_stdout(&text);
            Outcome::Clean
        }
        Err(message) => fail(&message),
    }
}

pub(super) fn history(cli: &Cli, verbose: bool) -> Outcome {
    print_with(cli, |c| Ok(text::history(&c.project, &c.graph, verbose)))
}

pub(super) fn heads(cli: &Cli) -> Outcome {
    print_with(cli, |c| Ok(text::heads(&c.project, &c.graph)))
}

pub(super) fn branches(cli: &Cli) -> Outcome {
    print_with(cli, |c| Ok(text::branches(&c.graph)))
}

pub(super) fn show(cli: &Cli, rev: &str) -> Outcome {
    print_with(cli, |c| {
        let node = c.graph.resolve_one(rev).map_err(|e| e.to_string())?;
        Ok(text::show(&c.project, &c.graph, node))
    })
}

pub(super) fn graph(cli: &Cli, format: GraphFormat) -> Outcome {
    print_with(cli, |c| {
        Ok(match format {
            GraphFormat::Dot => text::dot(&c.project, &c.graph),
            GraphFormat::Mermaid => text::mermaid(&c.project, &c.graph),
        })
    })
}
