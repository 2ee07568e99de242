//! Branches as teams use them, on a real PostgreSQL: two developers add a column each to
//! one table, a merge joins them, databases apply the branches in either order, and go
//! back one branch at a time; an Alembic-layout database with `depends_on` is taken
//! over at every position.

use pretty_assertions::assert_eq;

use crate::pg::server;
use crate::support::{project, script};

const TWO_DEVELOPERS: [(&str, &str); 4] = [
    (
        "0001_users.mig",
        "revision 0001_users;\nupgrade {\n  create table users (id bigint primary key, name text);\n}\n",
    ),
    (
        "0002_email.mig",
        "revision 0002_email parents 0001_users labels email;\nupgrade {\n  \
         alter table users add column email text;\n}\n",
    ),
    (
        "0002_phone.mig",
        "revision 0002_phone parents 0001_users labels phone;\nupgrade {\n  \
         alter table users add column phone text;\n  \
         create index users_phone_idx on users (phone);\n}\n",
    ),
    (
        "0003_merge.mig",
        "revision 0003_merge parents 0002_email, 0002_phone;\n",
    ),
];

fn versions(database: &str, table: &str) -> Vec<String> {
    let column = if table == "alembic_version" {
        "version_num"
    } else {
        "revision"
    };
    server().query(
        database,
        &format!("SELECT {column} FROM {table} ORDER BY {column} COLLATE \"C\";"),
    )
}

fn columns(database: &str) -> Vec<String> {
    server().query(
        database,
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' \
         ORDER BY column_name;",
    )
}

#[test]
fn two_branches_that_add_columns_to_one_table_merge_in_either_order_and_go_back_one_at_a_time() {
    let tmp = project(&TWO_DEVELOPERS, None);
    let run = |args: &[&str]| script(tmp.path(), args);
    let server = server();
    let (first, second) = (server.database(), server.database());
    // One database applies email's branch first, the other phone's.
    for (database, one, other) in [
        (&first, "0002_email", "0002_phone"),
        (&second, "0002_phone", "0002_email"),
    ] {
        server.apply(database, &run(&["upgrade", one]), one);
        server.apply(
            database,
            &run(&["upgrade", &format!("{one}:{other}")]),
            other,
        );
        assert_eq!(
            versions(database, "strata_version"),
            ["0002_email", "0002_phone"]
        );
        server.apply(
            database,
            &run(&["upgrade", &format!("{one},{other}:head")]),
            "the merge",
        );
        assert_eq!(versions(database, "strata_version"), ["0003_merge"]);
        assert_eq!(columns(database), ["email", "id", "name", "phone"]);
    }
    // Back one branch at a time: the merge, then each branch by its label.
    for database in [&first, &second] {
        server.apply(
            database,
            &run(&["downgrade", "head:0002_email"]),
            "the merge",
        );
        assert_eq!(
            versions(database, "strata_version"),
            ["0002_email", "0002_phone"]
        );
        server.apply(
            database,
            &run(&["downgrade", "0002_email,0002_phone:phone@base"]),
            "phone's branch",
        );
        assert_eq!(versions(database, "strata_version"), ["0002_email"]);
        assert_eq!(columns(database), ["email", "id", "name"]);
        server.apply(
            database,
            &run(&["downgrade", "0002_email:email@base"]),
            "email's branch",
        );
        assert_eq!(versions(database, "strata_version"), ["0001_users"]);
        assert_eq!(columns(database), ["id", "name"]);
    }
}

#[test]
fn an_alembic_database_with_depends_on_is_taken_over_at_every_position() {
    // c2 depends on c1, on another branch: Alembic's version table holds c2 alone once
    // both are applied, and strata's guard must expect exactly that.
    let files = [
        ("a1.mig", "revision a1 labels lib;\nupgrade {\n  create table lib (id int primary key);\n}\n"),
        ("c1.mig", "revision c1 parents a1;\nupgrade {\n  alter table lib add column c1 int;\n}\n"),
        ("a2.mig", "revision a2 labels app;\nupgrade {\n  create table app (id int primary key);\n}\n"),
        (
            "c2.mig",
            "revision c2 parents a2 depends_on c1;\nupgrade {\n  alter table app add column c2 int;\n}\n",
        ),
        ("d2.mig", "revision d2 parents c2;\nupgrade {\n  alter table app add column d2 int;\n}\n"),
    ];
    let config = "[version]\nlayout = \"alembic\"\n";
    let tmp = project(&files, Some(config));
    let run = |args: &[&str]| script(tmp.path(), args);
    let server = server();
    // Each position as Alembic leaves it (its rows), reached by strata's own scripts,
    // then the rest applied from there and everything reverted.
    for (position, rows) in [
        ("a1", vec!["a1"]),
        ("c1", vec!["c1"]),
        ("a1,a2", vec!["a1", "a2"]),
        ("c1,a2", vec!["a2", "c1"]),
        ("c2", vec!["c2"]),
        ("d2", vec!["d2"]),
    ] {
        let database = server.database();
        server.apply(&database, &run(&["upgrade", position]), position);
        assert_eq!(versions(&database, "alembic_version"), rows, "{position}");
        // What Alembic leaves: its version table and the schema, nothing of strata's.
        server.query(
            &database,
            "DROP TABLE strata_history; DROP TABLE strata_progress;",
        );
        if position != "d2" {
            server.apply(
                &database,
                &run(&["upgrade", &format!("{position}:d2")]),
                "to d2",
            );
        }
        assert_eq!(
            versions(&database, "alembic_version"),
            ["d2"],
            "from {position}"
        );
        // Back to c1: nothing goes, as c1 has no children (c2 only depends on it).
        server.apply(&database, &run(&["downgrade", "d2:c1"]), "to c1");
        assert_eq!(
            versions(&database, "alembic_version"),
            ["d2"],
            "{position}: down to c1"
        );
        // Back to a1: c1 goes, and with it c2 and d2, which depend on it.
        server.apply(&database, &run(&["downgrade", "d2:a1"]), "to a1");
        assert_eq!(
            versions(&database, "alembic_version"),
            ["a1", "a2"],
            "{position}: down to a1"
        );
        server.apply(&database, &run(&["downgrade", "a1,a2:base"]), "to base");
        assert!(versions(&database, "alembic_version").is_empty());
    }
}

#[test]
fn a_merge_that_reconciles_a_column_both_branches_changed_leaves_one_schema_in_either_order() {
    let project = crate::support::repo_root().join("tests/cases/schema/merge_reconciled");
    let run = |args: &[&str]| script(&project, args);
    let server = server();
    let note_type = |database: &str| {
        server.query(
            database,
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute \
             WHERE attrelid = 't'::regclass AND attname = 'note';",
        )
    };
    for (one, other) in [("0002_left", "0003_right"), ("0003_right", "0002_left")] {
        let database = server.database();
        server.apply(&database, &run(&["upgrade", one]), one);
        server.apply(
            &database,
            &run(&["upgrade", &format!("{one}:{other}")]),
            other,
        );
        server.apply(
            &database,
            &run(&["upgrade", &format!("{one},{other}:head")]),
            "merge",
        );
        assert_eq!(
            note_type(&database),
            ["character varying(30)"],
            "{one} first"
        );
        // Back past both branches: the part comes back whichever branch came first.
        server.apply(&database, &run(&["downgrade", "head:0001_base"]), "back");
        assert_eq!(note_type(&database), ["text"], "{one} first, back");
    }
    // Reverting the merge, or one branch, and keeping the other is refused: the
    // downgrades were derived on each branch alone.
    let out = crate::support::strata(&project, &["downgrade", "head:0002_left"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "strata: error: reverting `0004_merge` while `0002_left` stays applied would not give \
         back column `t.note`, which two branches change and a merge reconciles: revert the \
         merge and both branches' changes together (go back to before the branches part)\n"
    );
    let out = crate::support::strata(
        &project,
        &["downgrade", "0002_left,0003_right:0003_right@base"],
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""), "{}", out.stderr);
    // A bundle that would do the same has no downgrade.sql, and says why.
    let tmp = tempfile::tempdir().expect("temporary folder");
    let out = crate::support::strata(
        &project,
        &[
            "build",
            "--from",
            "0002_left",
            "--out",
            &tmp.path().display().to_string(),
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "the bundle has no downgrade.sql: `0004_merge` (reverting `0004_merge` while \
             `0002_left` stays applied"
        ),
        "{}",
        out.stderr
    );
    // `strata status` of the same range says what the bundle's status.sql says.
    let bundle = tmp.path().join("0002_left-0004_merge");
    assert_eq!(
        run(&["status", "0002_left:head"]),
        std::fs::read_to_string(bundle.join("status.sql")).expect("status.sql")
    );
}
