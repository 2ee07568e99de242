//! `strata upgrade` and `strata downgrade`: the SQL to standard output, and nothing
//! there on any error (a DBA who redirects it must never get a truncated script).

use std::path::Path;

use petgraph::graph::NodeIndex;

use super::{
    fail, load_clean, load_for_stream, print_sql, print_stderr, print_stdout, stream, Checked, Cli,
    Outcome, Replaying,
};
use crate::bundle::{self, BuildError};
use crate::lint;
use crate::render::script::{self, Direction, Request};
use crate::syntax::Depth;

/// The project, free of errors and replayed, and a range resolved in it: what every
/// command that prints a script starts from.
fn load_range(
    cli: &Cli,
    range: &str,
    default_from: Option<&str>,
) -> Result<(Checked, crate::graph::Range), Outcome> {
    let checked = load_clean(cli, Depth::Full, Replaying::Record)?;
    match checked.graph.resolve_range(range, default_from) {
        Ok(resolved) => Ok((checked, resolved)),
        Err(error) => Err(fail(&error.to_string())),
    }
}

pub(super) fn print(cli: &Cli, range: &str, direction: Direction, strict: bool) -> Outcome {
    let default_from = match direction {
        Direction::Upgrade => Some("base"),
        Direction::Downgrade => None,
    };
    let (checked, resolved) = match load_range(cli, range, default_from) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let replay = &checked.replay;
    let request = Request {
        project: &checked.project,
        graph,
        replay,
        from: &resolved.from,
        to: &resolved.to,
        before: resolved.before.as_deref(),
        strict,
        direction,
        range,
        config: &cli.settings,
    };
    let plan = match script::plan(&request) {
        Ok(plan) => plan,
        Err(error) => return fail(&error.to_string()),
    };
    match script::render(&request, &plan) {
        Ok(sql) => {
            // A downgrade that reverts more than the branch it names says so first: a DBA
            // who reads only the range would not expect those revisions to go.
            if !plan.beyond.is_empty() && !strict {
                print_stderr(&format!(
                    "strata: warning: this downgrade also reverts revisions beyond the branch it \
                     names (a merge, which joins another branch, or what depends on a reverted \
                     revision): {}\n",
                    graph.ids(&plan.beyond).join(", ")
                ));
            }
            print_sql(&sql);
            Outcome::Clean
        }
        Err(error) => fail(&error.to_string()),
    }
}

/// `strata stamp`: the script that records a position, to standard output.
pub(super) fn stamp(cli: &Cli, range: &str) -> Outcome {
    let (checked, resolved) = match load_range(cli, range, Some("base")) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let request = Request {
        project: &checked.project,
        graph,
        replay: &checked.replay,
        from: &resolved.from,
        to: &resolved.to,
        before: None,
        strict: false,
        direction: Direction::Upgrade,
        range,
        config: &cli.settings,
    };
    match script::stamp(&request) {
        Ok(sql) => {
            print_sql(&sql);
            Outcome::Clean
        }
        Err(error) => fail(&error.to_string()),
    }
}

/// `strata status`: the read-only status script of a range, to standard output.
pub(super) fn status(cli: &Cli, range: &str) -> Outcome {
    let (checked, resolved) = match load_range(cli, range, Some("base")) {
        Ok(loaded) => loaded,
        Err(outcome) => return outcome,
    };
    let graph = &checked.graph;
    let plan = match script::Plan::upgrade(graph, &resolved.from, &resolved.to) {
        Ok(plan) => plan,
        Err(error) => return fail(&error.to_string()),
    };
    let messages = plan
        .steps
        .iter()
        .map(|&n| {
            let header = &checked.project.revisions[graph.node(n).revision()]
                .revision
                .header;
            (
                n,
                header
                    .message
                    .as_ref()
                    .map_or(String::new(), |m| m.value.to_string()),
            )
        })
        .collect();
    let has_downgrade = !script::lacks_downgrade(graph, &plan, |n| checked.replay.revision(n));
    let sql = crate::render::status::Status {
        project: &checked.project,
        graph,
        config: &cli.settings,
        from: &resolved.from,
        to: &resolved.to,
        steps: &plan.steps,
        messages: &messages,
        has_downgrade,
    }
    .render();
    print_sql(&sql);
    Outcome::Clean
}

/// Replays the project into a bundle of a range, staged in a new folder below
/// `staging_parent`. Every diagnostic is printed; errors among them stop the command,
/// and so does a range that cannot be scripted.
fn make_bundle(
    cli: &Cli,
    mut checked: Checked,
    from: &[NodeIndex],
    to: &[NodeIndex],
    staging_parent: &Path,
    require_downgrade: bool,
) -> Result<(Checked, bundle::Staged), Outcome> {
    let streamed = checked.project.take_for_stream();
    // The bundle's own range is linted as one script: a table it creates is new to the
    // revisions after.
    let lint = script::Plan::upgrade(&checked.graph, from, to)
        .ok()
        .map(|plan| cli.lint_settings(lint::Scope::range(checked.graph.len(), &plan.steps)));
    let made = {
        let inputs = bundle::Inputs {
            project: &checked.project,
            graph: &checked.graph,
            from,
            to,
            config: &cli.settings,
            config_file: cli.config_name(),
            require_downgrade,
        };
        match bundle::Writer::create(&inputs, staging_parent) {
            Ok(mut writer) => {
                let run = stream(cli, &checked, streamed, lint, |steps| writer.write(steps));
                let made = match run.sink {
                    Ok(()) => crate::timings::stage("finish", || writer.finish()),
                    Err(error) => Err(BuildError::Io(error)),
                };
                (run.broken_file, run.diagnostics, made)
            }
            // The project's own findings come first: stream it for them alone.
            Err(error) => {
                let run = stream(cli, &checked, streamed, lint, |_| Ok::<(), ()>(()));
                (run.broken_file, run.diagnostics, Err(error))
            }
        }
    };
    let (broken_file, diagnostics, made) = made;
    let checked = checked.absorb(broken_file, diagnostics);
    checked.report(cli)?;
    match made {
        Ok(staged) => Ok((checked, staged)),
        Err(BuildError::Script(error)) => Err(fail(&error.to_string())),
        Err(BuildError::Io(error)) => Err(fail(&format!(
            "cannot write a bundle in `{}`: {error}",
            staging_parent.display()
        ))),
    }
}

pub(super) fn build(
    cli: &Cli,
    from: &str,
    to: &str,
    out: &Path,
    name: Option<&str>,
    require_downgrade: bool,
) -> Outcome {
    if let Some(Err(message)) = name.map(bundle::folder::check_name) {
        return fail(&message);
    }
    // A broken project is reported before the range is looked at.
    let checked = match load_for_stream(cli) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let (from_nodes, to_nodes) = match (checked.graph.resolve(from), checked.graph.resolve(to)) {
        (Ok(f), Ok(t)) => (f, t),
        (Err(e), _) | (_, Err(e)) => return fail(&e.to_string()),
    };
    let name = name.map_or_else(
        || bundle::default_name(&checked.graph, &from_nodes, &to_nodes),
        str::to_owned,
    );
    let dir = bundle::target(out, &name);
    if let Err(message) = bundle::folder::check_replaceable(&dir) {
        return fail(&message);
    }
    let parent = bundle::parent_of(&dir);
    let parent_existed = parent.exists();
    let (checked, staged) = match make_bundle(
        cli,
        checked,
        &from_nodes,
        &to_nodes,
        parent,
        require_downgrade,
    ) {
        Ok(made) => made,
        Err(outcome) => {
            // A failed build leaves nothing behind, not even the folder it made for it
            // (`remove_dir` removes only an empty one).
            if !parent_existed {
                let _ = std::fs::remove_dir(parent);
            }
            return outcome;
        }
    };
    let irreversible = staged.irreversible().to_vec();
    let result = crate::timings::stage("commit", || staged.commit(&dir));
    checked.release();
    match result {
        Ok(()) => {
            if !irreversible.is_empty() {
                let list: Vec<String> = irreversible
                    .iter()
                    .map(|i| format!("`{}` ({})", i.revision, i.reason))
                    .collect();
                print_stderr(&format!(
                    "strata: warning: the range crosses irreversible revisions, so the bundle \
                     has no downgrade.sql: {}\n",
                    list.join(", ")
                ));
            }
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
    let checked = match load_for_stream(cli) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let resolve = |ids: &[String]| -> Result<Vec<NodeIndex>, String> {
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
    let scratch = match tempfile::tempdir() {
        Ok(scratch) => scratch,
        Err(error) => return fail(&format!("cannot make a temporary folder: {error}")),
    };
    let (_, expected) = match make_bundle(cli, checked, &from, &to, scratch.path(), false) {
        Ok(made) => made,
        Err(outcome) => return outcome,
    };
    let current = match bundle::read_manifest(expected.path()) {
        Ok(manifest) => manifest,
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
