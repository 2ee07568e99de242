//! Upgrade and downgrade scripts from the real binary, applied with psql to a real
//! PostgreSQL: the guard, the version bookkeeping across a branch point and a merge, and
//! a full round trip of the example project.

use pretty_assertions::assert_eq;

use crate::pg::server;
use crate::support::{repo_root, strata};

fn sql(args: &[&str]) -> String {
    let out = strata(&repo_root(), args);
    assert_eq!(out.code, 0, "strata {args:?}: {}", out.stderr);
    assert_eq!(out.stderr, "");
    out.stdout
}

fn versions(database: &str) -> Vec<String> {
    server().query(
        database,
        "SELECT revision FROM strata_version ORDER BY revision COLLATE \"C\";",
    )
}

#[test]
fn the_example_project_upgrades_once_and_downgrades_to_base() {
    let server = server();
    let empty = server.database();
    let database = server.database();
    let upgrade = sql(&["upgrade", "head"]);
    let output = server.run(&database, &upgrade);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(versions(&database), ["0015_rename_token_count"]);
    let dump = server.dump(&database);

    // A second run stops at the guard, says why, and changes nothing.
    let again = server.run(&database, &upgrade);
    assert_eq!(again.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains(
            "strata: this database is at 0015_rename_token_count, but this script expects base"
        ),
        "{stderr}"
    );
    assert_eq!(server.dump(&database), dump);

    // A downgrade that expects another state is refused too.
    let wrong = server.run(&database, &sql(&["downgrade", "0005_agents:base"]));
    assert_eq!(wrong.status.code(), Some(3));
    assert_eq!(server.dump(&database), dump);

    let downgrade = sql(&["downgrade", "head:base"]);
    let output = server.run(&database, &downgrade);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(versions(&database).is_empty());
    let history = server.query(
        &database,
        "SELECT direction, count(*) FROM strata_history GROUP BY direction ORDER BY direction;",
    );
    assert_eq!(history, ["downgrade|15", "upgrade|15"]);
    server.query(
        &database,
        "DROP TABLE strata_history; DROP TABLE strata_version;",
    );
    assert_eq!(server.dump(&database), server.dump(&empty));
}

#[test]
fn version_rows_follow_branches_and_merges() {
    let server = server();
    let database = server.database();
    let run = |args: &[&str]| {
        let output = server.run(&database, &sql(args));
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    // Up one branch of the branch point 0005.
    run(&["upgrade", "0007_session_templates"]);
    assert_eq!(versions(&database), ["0007_session_templates"]);
    // The other branch, up to before the merge: two heads. (0008 depends on 0007, so
    // the position "0008" has both applied.)
    run(&["upgrade", "0007_session_templates:0008_audit_logs"]);
    assert_eq!(
        versions(&database),
        ["0007_session_templates", "0008_audit_logs"]
    );
    // Revert that branch only.
    run(&["downgrade", "0008_audit_logs:0007_session_templates"]);
    assert_eq!(versions(&database), ["0007_session_templates"]);
    // Through the merge to the head: one row.
    run(&["upgrade", "0007_session_templates:head"]);
    assert_eq!(versions(&database), ["0015_rename_token_count"]);
}
