//! `status.sql` and `strata status` on a real PostgreSQL: what psql prints, and its exit
//! status, on a fresh database, at a revision, ahead of the bundle, on a database of
//! another project, and with an applied revision edited since.

use pretty_assertions::assert_eq;

use crate::pg::server;
use crate::support::{project, script};

const FILES: [(&str, &str); 3] = [
    (
        "0001_users.mig",
        "revision 0001_users message 'Users';\nupgrade {\n  create table users (id bigint primary key);\n}\n",
    ),
    (
        "0002_email.mig",
        "revision 0002_email parents 0001_users message 'Email';\nupgrade {\n  alter table users add column email text;\n}\n",
    ),
    (
        "0003_phone.mig",
        "revision 0003_phone parents 0002_email message 'Phone';\nupgrade {\n  alter table users add column phone text;\n}\n",
    ),
];

/// psql's exit status and standard output for `sql` on `database`.
fn status(database: &str, sql: &str) -> (i32, String, String) {
    let out = server().run(database, sql);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn status_tells_where_a_database_is_and_gates_on_the_upgrade() {
    let tmp = project(&FILES, None);
    let server = server();
    let database = server.database();
    let whole = script(tmp.path(), &["status", "base:head"]);
    let (code, stdout, _) = status(&database, &whole);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "strata status: this bundle goes from base to 0003_phone\n\
         strata: this database has no strata tables: as far as strata knows, it is at base\n\
         at: base (no revision applied)\n\
         upgrade.sql: would pass its guard\n\
         upgrade.sql would apply, in order: 0001_users, 0002_email, 0003_phone\n\
         downgrade.sql: would stop: the database is at base, the script expects 0003_phone\n\
         strata: status: upgrade.sql would apply to this database\n"
    );
    // At a revision, with the bundle from there.
    server.apply(
        &database,
        &script(tmp.path(), &["upgrade", "0002_email"]),
        "up to 0002",
    );
    let tail = script(tmp.path(), &["status", "0002_email:head"]);
    let (code, stdout, _) = status(&database, &tail);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "strata status: this bundle goes from 0002_email to 0003_phone\n\
         at: 0002_email: (below this bundle's range)\n\
         upgrade.sql: would pass its guard\n\
         upgrade.sql would apply, in order: 0003_phone\n\
         downgrade.sql: would stop: the database is at 0002_email, the script expects 0003_phone\n\
         strata: status: upgrade.sql would apply to this database\n"
    );
    // The whole bundle on it: the database is ahead of the bundle's start.
    let (code, stdout, stderr) = status(&database, &whole);
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("at: 0002_email: Email\n"), "{stdout}");
    assert!(stdout.contains(
        "upgrade.sql: would stop: the database is at 0002_email, the script expects base\n"
    ));
    assert!(
        stderr.contains("strata: status: upgrade.sql would not apply to this database (see above)")
    );
    // An applied revision edited since: named, and the upgrade that builds on it stops.
    let path = tmp.path().join("migrations/0002_email.mig");
    std::fs::write(
        &path,
        format!(
            "-- edited\n{}",
            std::fs::read_to_string(&path).expect("read")
        ),
    )
    .expect("write");
    let (code, stdout, _) = status(
        &database,
        &script(tmp.path(), &["status", "0002_email:head"]),
    );
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains(
        "upgrade.sql: would stop: revisions it builds on were edited after they were applied: 0002_email\n"
    ), "{stdout}");
    assert!(
        stdout.contains("edited after it was applied: 0002_email\n"),
        "{stdout}"
    );
    // A database of another project: its rows are unknown to this bundle.
    let other = server.database();
    server.query(
        &other,
        "CREATE TABLE strata_version (revision text PRIMARY KEY); \
         INSERT INTO strata_version VALUES ('9999_elsewhere');",
    );
    let (code, stdout, _) = status(&other, &whole);
    assert_eq!(code, 3, "{stdout}");
    assert!(
        stdout.contains("at: 9999_elsewhere: (unknown to this bundle)\n"),
        "{stdout}"
    );
    // Nothing was written anywhere.
    assert_eq!(
        server.query(
            &other,
            "SELECT count(*) FROM pg_tables WHERE tablename LIKE 'strata%';"
        ),
        ["1"]
    );
}

#[test]
fn every_bundle_holds_a_status_sql_that_gates_its_upgrade() {
    let tmp = project(&FILES, None);
    let out = crate::support::strata(tmp.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = tmp.path().join("out/base-0003_phone");
    let read = |name: &str| std::fs::read_to_string(bundle.join(name)).expect(name);
    let server = server();
    let database = server.database();
    let (code, stdout, _) = status(&database, &read("status.sql"));
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("upgrade.sql would apply, in order: 0001_users, 0002_email, 0003_phone\n")
    );
    server.apply(&database, &read("upgrade.sql"), "the upgrade");
    // Applied: the upgrade would stop, the downgrade would pass; the messages are known.
    let (code, stdout, _) = status(&database, &read("status.sql"));
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("at: 0003_phone: Phone\n"), "{stdout}");
    assert!(
        stdout.contains("downgrade.sql: would pass its guard\n"),
        "{stdout}"
    );
    // `strata status` prints the same script as the bundle's.
    assert_eq!(
        script(tmp.path(), &["status", "base:head"]),
        read("status.sql")
    );
}
