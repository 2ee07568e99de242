//! Scripts under concurrency, other isolation levels and broken bookkeeping, on the real
//! PostgreSQL: one session at a time applies a script (a session lock held across every
//! `COMMIT`), the guard reads committed rows whatever the database's default isolation,
//! every change of a version row is checked, and psql prints one line per revision and
//! no notice.

use std::fs;
use std::path::Path;
use std::time::Duration;

use pretty_assertions::assert_eq;

use crate::pg::server;
use crate::support::{project, script};

/// A project whose second revision does work twice if two sessions both pass the guard
/// (an UPDATE), takes its time, and commits in the middle (an index built concurrently).
fn racing_project() -> tempfile::TempDir {
    project(
        &[
            (
                "0001_acct.mig",
                "revision 0001_acct message 'accounts';\n\
                 upgrade {\n  create table acct (id int primary key, n int not null);\n  \
                 sql $$ INSERT INTO acct VALUES (1, 0) $$;\n}\n\
                 downgrade {\n  drop table acct;\n}\n",
            ),
            (
                "0002_count.mig",
                "revision 0002_count parents 0001_acct message 'count once';\n\
                 upgrade {\n  sql $$ UPDATE acct SET n = n + 1; SELECT pg_sleep(0.2) $$;\n  \
                 create index concurrently acct_n_idx on acct (n);\n}\n\
                 downgrade {\n  drop index concurrently acct_n_idx;\n  \
                 sql $$ UPDATE acct SET n = n - 1; SELECT pg_sleep(0.2) $$;\n}\n",
            ),
        ],
        None,
    )
}

/// What a database holds that a run changes: the counter, the version rows and the
/// history's revisions and directions, in order.
fn state(database: &str) -> Vec<String> {
    let server = server();
    let mut rows = server.query(database, "SELECT 'n=' || n FROM acct;");
    rows.extend(server.query(database, "SELECT revision FROM strata_version ORDER BY 1;"));
    rows.extend(server.query(
        database,
        "SELECT revision || ' ' || direction FROM strata_history ORDER BY id;",
    ));
    rows
}

/// Starts `sessions` psql sessions on `path`, `stagger` apart; returns (exit code,
/// stderr) of each.
fn race(database: &str, path: &Path, sessions: usize, stagger: Duration) -> Vec<(i32, String)> {
    let children: Vec<_> = (0..sessions)
        .map(|i| {
            if i > 0 {
                std::thread::sleep(stagger);
            }
            server().spawn_file(database, path)
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().expect("psql ends");
            (
                out.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

/// Exactly one session applies the script; every other stops before changing anything,
/// at the lock (or at the guard, when it starts after the first has finished).
fn assert_one_winner(outcomes: &[(i32, String)], what: &str) {
    let winners = outcomes.iter().filter(|(code, _)| *code == 0).count();
    assert_eq!(winners, 1, "{what}: {outcomes:#?}");
    for (code, stderr) in outcomes.iter().filter(|(code, _)| *code != 0) {
        assert_eq!(*code, 3, "{what}: {stderr}");
        assert!(
            stderr.contains("is applying a strata script to this database")
                || stderr.contains("but this script expects"),
            "{what}: {stderr}"
        );
    }
}

/// The races of one scenario: `trials` times, alternately two and five sessions, with
/// a delay between their starts that changes from trial to trial.
fn races(isolation: Option<&str>, trials: usize) {
    let project = racing_project();
    // The race is on the second revision: its first transaction (the UPDATE) commits
    // before the version rows move, which is where a lock that ends with a transaction
    // let a second session through.
    let first = script(project.path(), &["upgrade", "0001_acct"]);
    let upgrade = script(project.path(), &["upgrade", "0001_acct:head"]);
    let downgrade = script(project.path(), &["downgrade", "head:0001_acct"]);
    let scripts = tempfile::tempdir().expect("temp dir");
    let (up_path, down_path) = (
        scripts.path().join("up.sql"),
        scripts.path().join("down.sql"),
    );
    fs::write(&up_path, &upgrade).expect("write");
    fs::write(&down_path, &downgrade).expect("write");

    // A single run, for what every race must end with.
    let server = server();
    let single = server.database();
    server.apply(&single, &first, "the first revision");
    server.apply(&single, &upgrade, "a single upgrade");
    let single_dump = server.dump(&single);
    let single_state = state(&single);
    assert_eq!(single_state[0], "n=1");
    assert_eq!(single_state[1], "0002_count");

    for trial in 0..trials {
        let sessions = if trial % 2 == 0 { 2 } else { 5 };
        let stagger = Duration::from_millis((trial as u64 * 37) % 150);
        let database = server.database();
        if let Some(level) = isolation {
            server.query(
                "postgres",
                &format!(
                    "ALTER DATABASE {database} SET default_transaction_isolation = '{level}';"
                ),
            );
        }
        server.apply(&database, &first, "the first revision");
        let what = format!("trial {trial}, {sessions} sessions {stagger:?} apart");
        let outcomes = race(&database, &up_path, sessions, stagger);
        assert_one_winner(&outcomes, &format!("upgrade, {what}"));
        assert_eq!(server.dump(&database), single_dump, "upgrade, {what}");
        assert_eq!(state(&database), single_state, "upgrade, {what}");

        // The downgrade races the same way, from the state the upgrade left.
        let outcomes = race(&database, &down_path, sessions, stagger);
        assert_one_winner(&outcomes, &format!("downgrade, {what}"));
        assert_eq!(
            server.query(
                &database,
                "SELECT revision || ' n=' || (SELECT n FROM acct) FROM strata_version;"
            ),
            ["0001_acct n=0"],
            "downgrade, {what}"
        );
    }
}

#[test]
fn concurrent_sessions_apply_a_script_once() {
    races(None, 20);
}

#[test]
fn the_guard_reads_committed_rows_under_repeatable_read() {
    races(Some("repeatable read"), 20);
}

#[test]
fn the_guard_reads_committed_rows_under_serializable() {
    races(Some("serializable"), 20);
}

#[test]
fn bookkeeping_that_finds_a_version_row_missing_stops_the_script() {
    let tmp = project(
        &[
            (
                "0001_a.mig",
                "revision 0001_a;\nupgrade {\n  create table t (id int);\n}\n",
            ),
            // A raw block that removes the version rows behind the script's back.
            (
                "0002_b.mig",
                "revision 0002_b parents 0001_a;\n\
                 upgrade {\n  sql $$ DELETE FROM strata_version $$;\n}\n\
                 downgrade {\n  sql $$ SELECT 1 $$;\n}\n",
            ),
        ],
        None,
    );
    let upgrade = script(tmp.path(), &["upgrade", "head"]);
    let server = server();
    let database = server.database();
    let out = server.run(&database, &upgrade);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "strata: the bookkeeping of 0002_b found no version row 0001_a; the version rows are none"
        ),
        "{stderr}"
    );
    // The script's one transaction rolled back: nothing of it stays.
    assert_eq!(
        server.query(&database, "SELECT to_regclass('strata_version') IS NULL;"),
        ["t"]
    );
}

#[test]
fn psql_prints_one_line_per_revision_and_no_notice() {
    let repo = crate::support::repo_root();
    let upgrade = script(&repo, &["upgrade", "head"]);
    let server = server();
    let database = server.database();
    let out = server.run(&database, &upgrade);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr, "", "notices or errors");
    let lines: Vec<&str> = stdout.lines().collect();
    let applying = lines
        .iter()
        .filter(|l| l.starts_with("strata: applying "))
        .count();
    assert_eq!(applying, 17, "{stdout}");
    assert!(lines.contains(
        &"strata: applying 0001_organizations: Organizations, the tenants of the platform"
    ));
    // The revision that builds an index concurrently says when it commits.
    assert!(lines.contains(&"strata: committed; the next statement runs outside a transaction"));
    assert_eq!(
        lines.last().copied(),
        Some("strata: done; the database is now at 0017_agent_activity")
    );
    // A second run (a database with the version tables) prints no notice either: it
    // stops at its guard.
    let again = server.run(
        &database,
        &script(&repo, &["upgrade", "0014_seed_demo_user:head"]),
    );
    assert_eq!(again.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!stderr.contains("NOTICE"), "{stderr}");
}
