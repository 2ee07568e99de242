//! What a database recorded, on a real PostgreSQL: `strata stamp` adopts a database that
//! has the schema already, then upgrades go on from there; a stamp goes back as well as
//! forward; both layouts; a history table made before stamps existed takes them. And the
//! guard that compares what a script builds on with the sources the database applied.

use pretty_assertions::assert_eq;

use crate::pg::server;
use crate::support::{project, script, strata};

const FILES: [(&str, &str); 3] = [
    (
        "0001_users.mig",
        "revision 0001_users message 'Users';\nupgrade {\n  create table users (id bigint primary key);\n}\n",
    ),
    (
        "0002_email.mig",
        "revision 0002_email parents 0001_users;\nupgrade {\n  alter table users add column email text;\n}\n",
    ),
    (
        "0003_phone.mig",
        "revision 0003_phone parents 0002_email;\nupgrade {\n  alter table users add column phone text;\n}\n",
    ),
];

fn rows(database: &str, sql: &str) -> Vec<String> {
    server().query(database, sql)
}

#[test]
fn a_database_with_the_schema_is_stamped_then_upgraded_from_there() {
    for (config, version) in [
        (None, "SELECT revision FROM strata_version;"),
        (
            Some("[version]\nlayout = \"alembic\"\n"),
            "SELECT version_num FROM alembic_version;",
        ),
    ] {
        let tmp = project(&FILES, config);
        let server = server();
        let database = server.database();
        // The schema as another tool left it, and no strata table.
        server.query(
            &database,
            "CREATE TABLE users (id bigint PRIMARY KEY, email text);",
        );
        let stamp = script(tmp.path(), &["stamp", "0002_email"]);
        assert!(stamp.contains("-- marked applied: 0001_users: Users   [source sha256: "));
        server.apply(&database, &stamp, "the stamp");
        assert_eq!(rows(&database, version), ["0002_email"], "{config:?}");
        assert_eq!(
            rows(
                &database,
                "SELECT revision || ' ' || direction FROM strata_history ORDER BY id;"
            ),
            ["0001_users stamp", "0002_email stamp"]
        );
        // No schema changed: the upgrade from there adds the next column only.
        server.apply(
            &database,
            &script(tmp.path(), &["upgrade", "0002_email:head"]),
            "the upgrade",
        );
        assert_eq!(rows(&database, version), ["0003_phone"]);
        assert_eq!(
            rows(
                &database,
                "SELECT column_name FROM information_schema.columns \
                 WHERE table_name = 'users' ORDER BY 1;"
            ),
            ["email", "id", "phone"]
        );
        // A stamp back, after a hand repair: the rows move, the schema stays.
        server.apply(
            &database,
            &script(tmp.path(), &["stamp", "0003_phone:0001_users"]),
            "the stamp back",
        );
        assert_eq!(rows(&database, version), ["0001_users"]);
        assert_eq!(
            rows(
                &database,
                "SELECT revision || ' ' || direction FROM strata_history ORDER BY id DESC LIMIT 2;"
            ),
            ["0002_email unstamp", "0003_phone unstamp"]
        );
        // The guard: a stamp from elsewhere is refused, and changes nothing.
        let wrong = server.run(
            &database,
            &script(tmp.path(), &["stamp", "0002_email:0003_phone"]),
        );
        assert!(!wrong.status.success());
        assert!(String::from_utf8_lossy(&wrong.stderr).contains(
            "strata: this database is at 0001_users, but this script expects 0002_email"
        ));
        assert_eq!(rows(&database, version), ["0001_users"]);
    }
}

#[test]
fn a_history_table_made_before_stamps_takes_them() {
    let tmp = project(&FILES, None);
    let server = server();
    let database = server.database();
    server.apply(
        &database,
        &script(tmp.path(), &["upgrade", "0001_users"]),
        "the upgrade",
    );
    // The check an older strata made.
    server.query(
        &database,
        "ALTER TABLE strata_history DROP CONSTRAINT strata_history_direction_check; \
         ALTER TABLE strata_history ADD CONSTRAINT strata_history_direction_check \
         CHECK (direction IN ('upgrade', 'downgrade'));",
    );
    server.apply(
        &database,
        &script(tmp.path(), &["stamp", "0001_users:0003_phone"]),
        "the stamp",
    );
    assert_eq!(
        rows(&database, "SELECT revision FROM strata_version;"),
        ["0003_phone"]
    );
    // A second stamp finds the wider check and leaves it.
    server.apply(
        &database,
        &script(tmp.path(), &["stamp", "0003_phone:0002_email"]),
        "a second stamp",
    );
    assert_eq!(
        rows(
            &database,
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'strata_history'::regclass \
             AND contype = 'c';"
        ),
        ["1"]
    );
}

#[test]
fn stamp_refuses_what_it_cannot_name() {
    let tmp = project(&FILES, None);
    let out = strata(tmp.path(), &["stamp", "nope"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(out.stderr, "strata: error: unknown revision `nope`\n");
}

#[test]
fn the_guard_stops_when_a_revision_it_builds_on_was_edited_after_it_was_applied() {
    let tmp = project(&FILES, None);
    let server = server();
    let database = server.database();
    server.apply(
        &database,
        &script(tmp.path(), &["upgrade", "0002_email"]),
        "the upgrade",
    );
    // 0002_email edited after it was applied (a comment is enough to change its source).
    let path = tmp.path().join("migrations/0002_email.mig");
    let edited = format!(
        "-- edited\n{}",
        std::fs::read_to_string(&path).expect("read")
    );
    std::fs::write(&path, edited).expect("write");
    let refused = |args: &[&str], what: &str| {
        let out = server.run(&database, &script(tmp.path(), args));
        assert!(!out.status.success(), "{what} ran");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            stderr.contains(
                "strata: revisions this script builds on were edited after they were applied: 0002_email"
            ),
            "{what}: {stderr}"
        );
        assert!(stderr.contains("check_sources = false"), "{stderr}");
    };
    // The upgrade builds on it; the downgrade would revert it with today's source.
    refused(&["upgrade", "0002_email:head"], "the upgrade");
    refused(&["downgrade", "0002_email:base"], "the downgrade");
    assert_eq!(
        rows(&database, "SELECT revision FROM strata_version;"),
        ["0002_email"]
    );
    // Revisions it does not build on are not its business: a stamp is not refused.
    // With the switch off, the script says so and runs.
    std::fs::write(
        tmp.path().join("strata.toml"),
        "[version]\ncheck_sources = false\n",
    )
    .expect("config");
    let upgrade = script(tmp.path(), &["upgrade", "0002_email:head"]);
    assert!(upgrade.contains(
        "-- the guard does not compare the sources of applied revisions (check_sources = false in strata.toml)\n"
    ));
    server.apply(&database, &upgrade, "the upgrade, unchecked");
    assert_eq!(
        rows(&database, "SELECT revision FROM strata_version;"),
        ["0003_phone"]
    );
}
