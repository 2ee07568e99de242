//! `strata upgrade` and `strata downgrade`: the SQL to standard output, and nothing
//! there on any error (a DBA who redirects it must never get a truncated script).

use super::{fail, load_clean, print_stdout, Cli, Outcome};
use crate::render::script::{self, Direction, Request};
use crate::schema::replay::{self, Options};
use crate::syntax::Depth;

pub(super) fn print(cli: &Cli, range: &str, direction: Direction) -> Outcome {
    let checked = match load_clean(cli, Depth::Full) {
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
    let (replay, _) = replay::replay(&checked.project, graph, &Options::default());
    let source = cli.dir.display().to_string();
    let request = Request {
        project: &checked.project,
        graph,
        replay: &replay,
        from: &resolved.from,
        to: &resolved.to,
        direction,
        source: &source,
        range,
    };
    match script::script(&request) {
        Ok(sql) => {
            print_stdout(&sql);
            Outcome::Clean
        }
        Err(error) => fail(&error.to_string()),
    }
}
