//! Rendered SQL on a real PostgreSQL: for `migrations/` and every clean schema fixture,
//! the upgrade of every revision applies, and the downgrades (derived or written), in
//! reverse replay order, bring the database back to what `pg_dump --schema-only` shows
//! for an empty one.

use strata::graph::RevisionGraph;
use strata::project;
use strata::render;
use strata::schema::replay::{self, Downgraded, Options};
use strata::syntax::Depth;

use crate::pg::server;
use crate::support::{clean_schema_cases, repo_root};

/// The whole upgrade and the whole downgrade of a project, as SQL scripts.
fn scripts(dir: &std::path::Path) -> (String, String) {
    let project = project::load(dir, Depth::Full).expect("loads");
    let (graph, diagnostics) = RevisionGraph::build(&project);
    assert!(diagnostics.is_empty(), "{}", dir.display());
    let (replay, diagnostics) = replay::replay(&project, &graph, &Options::default());
    assert!(
        !strata::diagnostic::has_errors(&diagnostics),
        "{}",
        dir.display()
    );
    let mut upgrade = String::new();
    let mut downgrade = Vec::new();
    for &node in graph.replay_order() {
        let revision = replay.revision(node).expect("replayed");
        for statement in &revision.upgrade {
            upgrade.push_str(&render::statement(&statement.kind));
            upgrade.push('\n');
        }
        let mut down = String::new();
        match &revision.downgrade {
            Downgraded::Statements(statements) => {
                for d in statements {
                    down.push_str(&render::statement(&d.statement.kind));
                    down.push('\n');
                }
            }
            other => panic!("{}: no downgrade: {other:?}", graph.node(node).id),
        }
        downgrade.push(down);
    }
    downgrade.reverse();
    (upgrade, downgrade.concat())
}

fn round_trip(dir: &std::path::Path) {
    let (upgrade, downgrade) = scripts(dir);
    let server = server();
    let empty = server.database();
    let database = server.database();
    // A project that adopts a database (`assume ...`) runs on one that has what it
    // assumes: the fixture's `setup.sql`, in both databases.
    if let Ok(setup) = std::fs::read_to_string(dir.with_file_name("setup.sql")) {
        server.apply(&empty, &setup, "the setup");
        server.apply(&database, &setup, "the setup");
    }
    server.apply(
        &database,
        &upgrade,
        &format!("upgrade of {}", dir.display()),
    );
    server.apply(
        &database,
        &downgrade,
        &format!("downgrade of {}", dir.display()),
    );
    pretty_assertions::assert_eq!(
        server.dump(&empty),
        server.dump(&database),
        "after the downgrade of {}",
        dir.display()
    );
}

#[test]
fn the_example_project_upgrades_and_downgrades_on_postgresql() {
    round_trip(&repo_root().join("migrations"));
}

#[test]
fn every_clean_schema_fixture_upgrades_and_downgrades_on_postgresql() {
    let cases = clean_schema_cases();
    assert!(cases.len() > 25);
    for case in cases {
        round_trip(&case.join("migrations"));
    }
}

#[test]
fn a_unique_index_of_nulls_not_distinct_is_one_on_postgresql() {
    let dir = crate::support::cases_dir("schema").join("derive_nulls_not_distinct/migrations");
    let (upgrade, _) = scripts(&dir);
    let server = server();
    let database = server.database();
    server.apply(&database, &upgrade, "the upgrade");
    assert_eq!(
        server.query(
            &database,
            "SELECT indnullsnotdistinct FROM pg_index \
             WHERE indexrelid = 'people_email_key'::regclass;"
        ),
        ["t"]
    );
}

/// `strata schema` (SQL) makes in an empty database what the upgrade makes: the same
/// `pg_dump --schema-only`, for the example project and fixtures of every kind of object.
#[test]
fn the_schema_as_sql_makes_what_the_upgrade_makes() {
    let root = repo_root();
    let fixtures = [
        "derive_views",
        "derive_routines",
        "derive_exclusion",
        "derive_storage",
        "derive_privileges",
        "derive_sequences",
        "derive_comments",
        "partitions",
        "derive_deferrable",
    ];
    let projects = std::iter::once(root.clone()).chain(
        fixtures
            .iter()
            .map(|f| root.join("tests/cases/schema").join(f)),
    );
    let server = server();
    for project in projects {
        let (upgrade, _) = scripts(&project.join("migrations"));
        let schema = crate::support::script(&project, &["schema"]);
        let setup = std::fs::read_to_string(project.join("setup.sql")).unwrap_or_default();
        let upgraded = server.database();
        let made = server.database();
        for database in [&upgraded, &made] {
            if !setup.is_empty() {
                server.apply(database, &setup, "the setup");
            }
        }
        server.apply(&upgraded, &upgrade, "the upgrade");
        server.apply(&made, &schema, "the schema");
        pretty_assertions::assert_eq!(
            server.dump(&made),
            server.dump(&upgraded),
            "{}",
            project.display()
        );
    }
}
