//! The stairway on a real PostgreSQL: for each revision of `migrations/` in replay order,
//! upgrade one step and dump; downgrade that step and compare with the dump before it;
//! upgrade again and compare with the dump after it. PostgreSQL cannot put a re-added
//! column back in its place, so the lines of each `CREATE TABLE` are compared as a set.

use petgraph::graph::NodeIndex;
use strata::config::Config;
use strata::graph::RevisionGraph;
use strata::project;
use strata::render::script::{self, Direction, Request};
use strata::schema::replay::{self, Options};
use strata::syntax::Depth;

use crate::pg::server;
use crate::support::repo_root;

/// A dump with the lines of every `CREATE TABLE` sorted and their commas dropped.
fn normalized(dump: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut table: Option<Vec<String>> = None;
    for line in dump.lines() {
        match &mut table {
            Some(lines) if line.starts_with(')') => {
                lines.sort();
                out.append(lines);
                out.push(line.to_owned());
                table = None;
            }
            Some(lines) => lines.push(line.trim_end_matches(',').to_owned()),
            None => {
                out.push(line.to_owned());
                if line.starts_with("CREATE TABLE") {
                    table = Some(Vec::new());
                }
            }
        }
    }
    out.join("\n")
}

/// The revisions no revision of the prefix names as a parent or dependency: a position
/// whose ancestors are exactly the prefix.
fn heads_of(graph: &RevisionGraph, prefix: &[NodeIndex]) -> Vec<NodeIndex> {
    prefix
        .iter()
        .copied()
        .filter(|&n| {
            !prefix.iter().any(|&m| {
                let node = graph.node(m);
                node.parents().contains(&n) || node.depends_on().contains(&n)
            })
        })
        .collect()
}

#[test]
fn every_revision_of_the_example_goes_up_down_and_up_again() {
    stairway(&repo_root().join("migrations"));
}

#[test]
fn every_revision_of_every_clean_schema_fixture_goes_up_down_and_up_again() {
    let cases = crate::support::clean_schema_cases();
    for case in cases {
        stairway(&case.join("migrations"));
    }
}

fn stairway(dir: &std::path::Path) {
    let project = project::load(dir, Depth::Full).expect("loads");
    let (graph, _) = RevisionGraph::build(&project);
    let (replay, _) = replay::replay(&project, &graph, &Options::default());
    let config = Config::default();
    // A downgrade reverts exactly one revision: the one before it, `to`'s last.
    let make = |from: &[NodeIndex], to: &[NodeIndex], direction, before: Option<&[NodeIndex]>| {
        script::script(&Request {
            project: &project,
            graph: &graph,
            replay: &replay,
            from,
            to,
            before,
            strict: false,
            direction,
            range: "stairway",
            config: &config,
        })
    };
    let server = server();
    let database = server.database();
    let run = |sql: &str, what: &str| {
        server.apply(&database, sql, what);
    };
    // What an adopting project assumes the database has (pg_apply.rs says the same).
    if let Ok(setup) = std::fs::read_to_string(dir.with_file_name("setup.sql")) {
        run(&setup, "the setup");
    }
    // The version tables exist from the start, so that dumps compare what revisions do.
    run(
        &make(&[], &[], Direction::Upgrade, None).expect("a script"),
        "base:base",
    );
    let order = graph.replay_order().to_vec();
    let mut previous = normalized(&server.dump(&database));
    for i in 0..order.len() {
        let before = heads_of(&graph, &order[..i]);
        let after = heads_of(&graph, &order[..=i]);
        let id = &graph.node(order[i]).id;
        run(
            &make(&before, &after, Direction::Upgrade, None).expect("a script"),
            &format!("up to {id}"),
        );
        let up = normalized(&server.dump(&database));
        let down = match make(&after, &before, Direction::Downgrade, Some(&order[i..=i])) {
            Ok(down) => down,
            // A revision of a pair a merge reconciles, reverted while the other stays:
            // refused, as its derived downgrade would not give back the part.
            Err(script::ScriptError::OrderDependent { .. }) => {
                previous = up;
                continue;
            }
            Err(error) => panic!("down from {id}: {error}"),
        };
        run(&down, &format!("down from {id}"));
        pretty_assertions::assert_eq!(
            previous,
            normalized(&server.dump(&database)),
            "down from {id}"
        );
        run(
            &make(&before, &after, Direction::Upgrade, None).expect("a script"),
            &format!("up to {id} again"),
        );
        pretty_assertions::assert_eq!(up, normalized(&server.dump(&database)), "up to {id} again");
        previous = up;
    }
}
