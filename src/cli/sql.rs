//! `strata upgrade` and `strata downgrade`: the SQL to standard output, and nothing
//! there on any error (a DBA who redirects it must never get a truncated script).

use std::path::Path;

use super::{fail, load_clean, print_stderr, print_stdout, Cli, Outcome};
use crate::bundle;
use crate::render::script::{self, Direction, Request};
use crate::syntax::Depth;

pub(super) fn print(cli: &Cli, range: &str, direction: Direction) -> Outcome {
    let checked = match load_clean(cli, Depth::Full, true) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let default_from = match direction {
        Direction::Upgrade => Some("base"),
        Direction::Downgrade => None,
    };
    let resolved = match graph.resolve_range(range, default_from) {
        Ok(resolved) => resolved,
        Err(error) => return fail(&error.to_string()),
    };
    let replay = &checked.replay;
    let source = cli.dir().display().to_string();
    let request = Request {
        project: &checked.project,
        graph,
        replay,
        from: &resolved.from,
        to: &resolved.to,
        direction,
        source: &source,
        range,
        config: &cli.settings,
    };
    match script::script(&request) {
        Ok(sql) => {
            print_stdout(&sql);
            Outcome::Clean
        }
        Err(error) => fail(&error.to_string()),
    }
}

/// The bundle of a range, in memory, with its manifest.
fn assemble(
    cli: &Cli,
    checked: &super::Checked,
    from: &[petgraph::graph::NodeIndex],
    to: &[petgraph::graph::NodeIndex],
) -> Result<(bundle::Bundle, bundle::Manifest), String> {
    let made = bundle::assemble(&bundle::Inputs {
        project: &checked.project,
        graph: &checked.graph,
        replay: &checked.replay,
        from,
        to,
        config: &cli.settings,
    })
    .map_err(|e| e.to_string())?;
    let manifest_bytes = &made
        .files
        .iter()
        .find(|(name, _)| *name == bundle::MANIFEST)
        .expect("a bundle has a manifest")
        .1;
    let manifest = serde_json::from_slice(manifest_bytes).map_err(|e| e.to_string())?;
    Ok((made, manifest))
}

pub(super) fn build(cli: &Cli, from: &str, to: &str, out: &Path, name: Option<&str>) -> Outcome {
    let checked = match load_clean(cli, Depth::Full, true) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let (from_nodes, to_nodes) = match (checked.graph.resolve(from), checked.graph.resolve(to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return fail(&e.to_string()),
    };
    let (made, _) = match crate::timings::stage("assemble", || {
        assemble(cli, &checked, &from_nodes, &to_nodes)
    }) {
        Ok(made) => made,
        Err(message) => return fail(&message),
    };
    let name = name.map_or_else(
        || bundle::default_name(&checked.graph, &from_nodes, &to_nodes),
        str::to_owned,
    );
    let dir = bundle::target(out, &name);
    match crate::timings::stage("write", || bundle::write(&made, &dir)) {
        Ok(()) => {
            print_stdout(&format!("wrote {}\n", dir.display()));
            Outcome::Clean
        }
        Err(error) => fail(&format!("cannot write `{}`: {error}", dir.display())),
    }
}

pub(super) fn verify(cli: &Cli, dir: &Path) -> Outcome {
    let recorded = match bundle::read_manifest(dir) {
        Ok(manifest) => manifest,
        Err(message) => return fail(&message),
    };
    let checked = match load_clean(cli, Depth::Full, true) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let resolve = |ids: &[String]| -> Result<Vec<petgraph::graph::NodeIndex>, String> {
        ids.iter()
            .map(|id| {
                checked
                    .graph
                    .find(id)
                    .ok_or_else(|| format!("revision `{id}` of the manifest is not in the sources"))
            })
            .collect()
    };
    let (from, to) = match (resolve(&recorded.range.from), resolve(&recorded.range.to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => {
            print_stderr(&format!("{}: {e}\n", dir.display()));
            return Outcome::Findings;
        }
    };
    let (expected, current) = match assemble(cli, &checked, &from, &to) {
        Ok(made) => made,
        Err(message) => return fail(&message),
    };
    let differences = bundle::differences(dir, &expected, &recorded, &current);
    if differences.is_empty() {
        print_stdout(&format!(
            "{}: the bundle matches its sources\n",
            dir.display()
        ));
        Outcome::Clean
    } else {
        let text: String = differences
            .iter()
            .map(|d| format!("{}: {d}\n", dir.display()))
            .collect();
        print_stderr(&text);
        Outcome::Findings
    }
}
