//! A DBA's rerun after a failure, on the real PostgreSQL: a script with two statements
//! outside a transaction and later failing statements fails at each step in turn; after
//! each failure, the cause is fixed and the same script is run again: it resumes at the
//! first step not done and ends where a clean run ends (schema, version rows, history).
//! A `CREATE INDEX CONCURRENTLY` cancelled while it runs leaves an invalid index, which
//! the rerun drops and builds again.

use std::fs;
use std::time::{Duration, Instant};

use pretty_assertions::assert_eq;

use crate::pg::server;
use crate::support::script;

/// A raw block that fails (division by zero) while `ctl` holds the row `at`.
fn fail_at(at: &str) -> String {
    format!("  sql $$ SELECT 1 / (SELECT 0 FROM ctl WHERE at = '{at}') $$;\n")
}

fn project() -> tempfile::TempDir {
    let files = [
        (
            "0001_a.mig",
            format!(
                "revision 0001_a message 'a table';\nupgrade {{\n  \
                 create table a (id int primary key, n int not null);\n  \
                 sql $$ INSERT INTO a VALUES (1, 0) $$;\n{}}}\n\
                 downgrade {{\n  drop table a;\n}}\n",
                fail_at("a1")
            ),
        ),
        (
            "0002_b.mig",
            format!(
                "revision 0002_b parents 0001_a message 'two indexes built concurrently';\n\
                 upgrade {{\n{}  create index concurrently a_n_idx on a (n);\n{}  \
                 sql nontransactional $$ CREATE INDEX CONCURRENTLY a_id_n_idx ON a (id, n) $$;\n{}}}\n\
                 downgrade {{\n  sql nontransactional $$ DROP INDEX CONCURRENTLY a_id_n_idx $$;\n  \
                 drop index concurrently a_n_idx;\n}}\n",
                fail_at("b1"),
                fail_at("b2"),
                fail_at("b3")
            ),
        ),
        (
            "0003_c.mig",
            format!(
                "revision 0003_c parents 0002_b message 'a later table';\n\
                 upgrade {{\n  create table c (id int);\n{}}}\n\
                 downgrade {{\n  drop table c;\n}}\n",
                fail_at("c1")
            ),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    crate::support::project(&files, None)
}

/// A database with the table the failing blocks read.
fn database() -> String {
    let database = server().database();
    server().query(&database, "CREATE TABLE ctl (at text);");
    database
}

/// What a run leaves besides the schema: version rows, history, progress.
fn record(database: &str) -> Vec<String> {
    let server = server();
    let mut rows = server.query(
        database,
        "SELECT 'version ' || revision FROM strata_version ORDER BY 1;",
    );
    rows.extend(server.query(
        database,
        "SELECT revision || ' ' || direction FROM strata_history ORDER BY id;",
    ));
    rows.extend(server.query(
        database,
        "SELECT 'progress ' || script FROM strata_progress;",
    ));
    rows
}

#[test]
fn a_rerun_after_a_failure_at_any_step_ends_as_a_clean_run() {
    let project = project();
    let upgrade = script(project.path(), &["upgrade", "head"]);
    let downgrade = script(project.path(), &["downgrade", "head:base"]);
    let server = server();
    let clean = database();
    server.apply(&clean, &upgrade, "a clean run");
    let (clean_dump, clean_record) = (server.dump(&clean), record(&clean));
    assert_eq!(clean_record[0], "version 0003_c");

    for at in ["a1", "b1", "b2", "b3", "c1"] {
        let database = database();
        server.query(&database, &format!("INSERT INTO ctl VALUES ('{at}');"));
        let failed = server.run(&database, &upgrade);
        assert_eq!(failed.status.code(), Some(3), "failing at {at}");
        assert!(
            String::from_utf8_lossy(&failed.stderr).contains("division by zero"),
            "failing at {at}"
        );
        server.query(&database, "DELETE FROM ctl;");
        let rerun = server.run(&database, &upgrade);
        let stderr = String::from_utf8_lossy(&rerun.stderr);
        assert!(rerun.status.success(), "rerun after {at}: {stderr}");
        assert_eq!(server.dump(&database), clean_dump, "after {at}");
        assert_eq!(record(&database), clean_record, "after {at}");
    }

    // The downgrade fails and resumes the same way (its written blocks hold no failure:
    // the failure is made by removing what a step drops, then putting it back).
    let database = database();
    server.apply(&database, &upgrade, "upgrade");
    server.query(&database, "ALTER TABLE c RENAME TO c_moved;");
    let failed = server.run(&database, &downgrade);
    assert_eq!(failed.status.code(), Some(3));
    server.query(&database, "ALTER TABLE c_moved RENAME TO c;");
    let rerun = server.run(&database, &downgrade);
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert_eq!(
        server.query(&database, "SELECT count(*) FROM strata_version;"),
        ["0"]
    );
    assert_eq!(
        server.query(&database, "SELECT count(*) FROM strata_progress;"),
        ["0"]
    );
}

#[test]
fn a_cancelled_concurrent_index_is_built_again_on_the_rerun() {
    let project = project();
    let upgrade = script(project.path(), &["upgrade", "head"]);
    let scripts = tempfile::tempdir().expect("temp dir");
    let path = scripts.path().join("upgrade.sql");
    fs::write(&path, &upgrade).expect("write");
    let server = server();
    let clean = database();
    server.apply(&clean, &upgrade, "a clean run");

    let database = database();
    server.apply(
        &database,
        &script(project.path(), &["upgrade", "0001_a"]),
        "the first revision",
    );
    // A transaction that holds a snapshot makes CREATE INDEX CONCURRENTLY wait, with its
    // invalid index already in the catalog.
    let holder = server.spawn_sql(
        &database,
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM a; SELECT pg_sleep(30); COMMIT;",
    );
    std::thread::sleep(Duration::from_millis(300));
    let rest = script(project.path(), &["upgrade", "0001_a:head"]);
    let rest_path = scripts.path().join("rest.sql");
    fs::write(&rest_path, &rest).expect("write");
    let applying = server.spawn_file(&database, &rest_path);
    // Wait for the index build, then cancel it.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pids = server.query(
            "postgres",
            &format!(
                "SELECT pid FROM pg_stat_activity WHERE datname = '{database}' \
                 AND query LIKE 'CREATE INDEX CONCURRENTLY a_n_idx%';"
            ),
        );
        if let Some(pid) = pids.first() {
            server.query("postgres", &format!("SELECT pg_cancel_backend({pid});"));
            break;
        }
        assert!(Instant::now() < deadline, "the index build never started");
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = applying.wait_with_output().expect("psql ends");
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("canceling statement"));
    // What the cancelled build left: an invalid index of that name.
    assert_eq!(
        server.query(
            &database,
            "SELECT indisvalid FROM pg_index WHERE indexrelid = 'a_n_idx'::regclass;"
        ),
        ["f"]
    );
    server.query(
        "postgres",
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' \
             AND query LIKE '%pg_sleep(30)%';"
        ),
    );
    let _ = holder.wait_with_output();
    let rerun = server.run(&database, &rest);
    let stdout = String::from_utf8_lossy(&rerun.stdout);
    assert!(
        rerun.status.success(),
        "{}",
        String::from_utf8_lossy(&rerun.stderr)
    );
    assert!(
        stdout.contains("strata: dropping the invalid index a_n_idx that a failed attempt left"),
        "{stdout}"
    );
    assert_eq!(server.dump(&database), server.dump(&clean));
    assert_eq!(record(&database)[0], "version 0003_c");
}

#[test]
fn a_valid_index_made_outside_the_script_stops_it_with_a_clear_message() {
    let project = project();
    let server = server();
    let database = database();
    server.apply(
        &database,
        &script(project.path(), &["upgrade", "0001_a"]),
        "the first revision",
    );
    server.query(&database, "CREATE INDEX a_n_idx ON a (n);");
    let out = server.run(
        &database,
        &script(project.path(), &["upgrade", "0001_a:head"]),
    );
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "strata: index a_n_idx exists and is valid, but this script is about to build it"
        ),
        "{stderr}"
    );
}

#[test]
fn another_scripts_unfinished_run_stops_a_script_at_its_guard() {
    let project = project();
    let server = server();
    let database = database();
    server.query(&database, "INSERT INTO ctl VALUES ('b2');");
    let failed = server.run(&database, &script(project.path(), &["upgrade", "0002_b"]));
    assert_eq!(failed.status.code(), Some(3));
    server.query(&database, "DELETE FROM ctl;");
    let other = server.run(&database, &script(project.path(), &["upgrade", "head"]));
    assert_eq!(other.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert!(
        stderr.contains(
            "strata: another script stopped part-way on this database (upgrade base -> 0002_b); \
             run it again to finish it first"
        ),
        "{stderr}"
    );
}
