//! The lint's claims about PostgreSQL, observed on the real server: which lock a
//! statement takes and what it blocks in another session, which changes rewrite the
//! table (its file node changes), when `SET NOT NULL` skips its scan, and that the safe
//! patterns the rules suggest do not block.

use std::process::Child;
use std::time::{Duration, Instant};

use crate::pg::server;

/// A database with `users` (1,000 rows), `orders` referencing it and `payments`.
fn database() -> String {
    let db = server().database();
    server().apply(
        &db,
        "CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text, \
         name text, total numeric(10, 2), code varchar(20));\n\
         INSERT INTO users (email, name, total, code) \
           SELECT 'u' || g, 'n' || g, g, 'c' || g FROM generate_series(1, 1000) g;\n\
         CREATE INDEX users_name_idx ON users (name);\n\
         CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_id bigint);\n\
         INSERT INTO orders (user_id) SELECT id FROM users;\n\
         CREATE TABLE payments (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint);\n\
         INSERT INTO payments (order_id) SELECT id FROM orders;\n",
        "the lint's tables",
    );
    db
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "waited in vain for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether another session holds `mode` on `table`, granted.
fn held(db: &str, table: &str, mode: &str) -> bool {
    locks(db, table, mode, true)
}

/// Whether another session holds (`granted`) or waits for `mode` on `table`.
fn locks(db: &str, table: &str, mode: &str, granted: bool) -> bool {
    server().query(
        db,
        &format!(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             WHERE c.relname = '{table}' AND l.mode = '{mode}' AND l.granted = {granted} \
             AND l.pid <> pg_backend_pid();"
        ),
    ) != ["0"]
}

/// A session that runs `sql` in a transaction and keeps it open; returned once it holds
/// `mode` on `table`.
fn holding(db: &str, sql: &str, table: &str, mode: &str) -> Child {
    let child = server().spawn_sql(db, &format!("BEGIN; {sql}; SELECT pg_sleep(30); COMMIT;"));
    wait_until(&format!("{mode} on {table}"), || held(db, table, mode));
    child
}

/// Ends every other session of the database (a killed psql would leave its server
/// process sleeping, with its locks) and waits for `children`.
fn release(db: &str, children: impl IntoIterator<Item = Child>) {
    server().query(
        db,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid();",
    );
    for mut child in children {
        let _ = child.wait();
    }
}

/// Whether `sql`, in a session of its own, waits for a lock (it gives up after 300 ms).
fn waits(db: &str, sql: &str) -> bool {
    let out = server().run(db, &format!("SET lock_timeout = '300ms';\n{sql};\n"));
    if out.status.success() {
        return false;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("canceling statement due to lock timeout"),
        "{sql}: {stderr}"
    );
    true
}

/// The table's file: a rewrite gives it a new one.
fn filenode(db: &str, table: &str) -> String {
    server().query(db, &format!("SELECT pg_relation_filenode('{table}');"))[0].clone()
}

const INSERT: &str = "INSERT INTO users (email) VALUES ('new')";
const SELECT: &str = "SELECT count(*) FROM users";

#[test]
fn create_index_blocks_writes_and_concurrently_does_not() {
    let db = database();
    // create-index-blocks: SHARE, which INSERT waits for; reads go on.
    let holder = holding(
        &db,
        "CREATE INDEX users_email_idx ON users (email)",
        "users",
        "ShareLock",
    );
    assert!(waits(&db, INSERT));
    assert!(!waits(&db, SELECT));
    release(&db, [holder]);
    // The suggested pattern: while `CREATE INDEX CONCURRENTLY` holds its lock (made to
    // wait for an older snapshot), an INSERT goes through.
    let old_snapshot = server().spawn_sql(
        &db,
        "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT count(*) FROM users; SELECT pg_sleep(30); COMMIT;",
    );
    wait_until("the old snapshot", || {
        server().query(
            &db,
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'BEGIN ISOLATION%' AND state = 'active';",
        ) == ["1"]
    });
    let build = server().spawn_sql(
        &db,
        "CREATE INDEX CONCURRENTLY users_email_idx ON users (email)",
    );
    wait_until("the concurrent build's lock", || {
        held(&db, "users", "ShareUpdateExclusiveLock")
    });
    assert!(!waits(&db, INSERT));
    // The old snapshot's transaction ends, and the build with it.
    server().query(
        &db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE query LIKE 'BEGIN ISOLATION%';",
    );
    let _ = { old_snapshot }.wait();
    let built = build.wait_with_output().expect("the build ends");
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
}

#[test]
fn drop_index_and_constraints_lock_as_the_rules_say() {
    let db = database();
    // drop-index-blocks: ACCESS EXCLUSIVE on the table, which even a read waits for.
    let holder = holding(
        &db,
        "DROP INDEX users_name_idx",
        "users",
        "AccessExclusiveLock",
    );
    assert!(waits(&db, SELECT));
    release(&db, [holder]);
    // foreign-key-validates: SHARE ROW EXCLUSIVE on both tables while it scans.
    let holder = holding(
        &db,
        "ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)",
        "orders",
        "ShareRowExclusiveLock",
    );
    assert!(held(&db, "payments", "ShareRowExclusiveLock"));
    assert!(waits(&db, "INSERT INTO orders (user_id) VALUES (1)"));
    assert!(waits(&db, "INSERT INTO payments (order_id) VALUES (1)"));
    release(&db, [holder]);
    // The suggested pattern: `not valid` in one transaction, `validate` in another,
    // which takes SHARE UPDATE EXCLUSIVE: writes go on.
    server().apply(
        &db,
        "ALTER TABLE payments ADD CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id) NOT VALID;",
        "not valid",
    );
    let holder = holding(
        &db,
        "ALTER TABLE payments VALIDATE CONSTRAINT payments_order_fk",
        "payments",
        "ShareUpdateExclusiveLock",
    );
    assert!(!waits(&db, "INSERT INTO payments (order_id) VALUES (1)"));
    assert!(!waits(&db, "INSERT INTO orders (user_id) VALUES (1)"));
    release(&db, [holder]);
    // check-validates and validate-same-transaction: a check takes ACCESS EXCLUSIVE,
    // and validating it in the same transaction keeps that lock through the scan.
    let holder = holding(
        &db,
        "ALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> '') NOT VALID; \
         ALTER TABLE users VALIDATE CONSTRAINT users_email_check",
        "users",
        "AccessExclusiveLock",
    );
    assert!(waits(&db, SELECT));
    release(&db, [holder]);
    // unique-builds-index: ACCESS EXCLUSIVE while the index builds; the suggested
    // pattern builds it concurrently and attaches it.
    let holder = holding(
        &db,
        "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email)",
        "users",
        "AccessExclusiveLock",
    );
    assert!(waits(&db, SELECT));
    release(&db, [holder]);
    server().apply(
        &db,
        "CREATE UNIQUE INDEX CONCURRENTLY users_email_key ON users (email);\n\
         ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;",
        "the unique pattern",
    );
    // exclusion-builds-index: ACCESS EXCLUSIVE while the index builds, and PostgreSQL
    // has no way around it: no NOT VALID, no USING INDEX.
    let holder = holding(
        &db,
        "ALTER TABLE users ADD CONSTRAINT users_email_excl EXCLUDE USING hash (email WITH =)",
        "users",
        "AccessExclusiveLock",
    );
    assert!(waits(&db, SELECT));
    release(&db, [holder]);
    for refused in [
        "ALTER TABLE users ADD CONSTRAINT users_email_excl EXCLUDE USING hash (email WITH =) NOT VALID",
        "ALTER TABLE users ADD CONSTRAINT users_email_excl EXCLUDE USING INDEX users_email_key",
    ] {
        assert!(
            !server().run(&db, refused).status.success(),
            "PostgreSQL refuses: {refused}"
        );
    }
}

#[test]
fn rewrites_scans_and_failures_are_as_the_rules_say() {
    let db = database();
    // type-change-rewrites: a new scale rewrites; a wider precision, a longer varchar
    // and varchar to text do not.
    let before = filenode(&db, "users");
    server().apply(
        &db,
        "ALTER TABLE users ALTER COLUMN total TYPE numeric(14, 2);",
        "wider",
    );
    server().apply(
        &db,
        "ALTER TABLE users ALTER COLUMN code TYPE varchar(40);",
        "longer",
    );
    server().apply(
        &db,
        "ALTER TABLE users ALTER COLUMN code TYPE text;",
        "to text",
    );
    assert_eq!(filenode(&db, "users"), before);
    server().apply(
        &db,
        "ALTER TABLE users ALTER COLUMN total TYPE numeric(14, 3);",
        "scale",
    );
    assert_ne!(filenode(&db, "users"), before);
    // volatile-default: a constant default is stored once; gen_random_uuid() rewrites.
    let before = filenode(&db, "users");
    server().apply(
        &db,
        "ALTER TABLE users ADD COLUMN score bigint NOT NULL DEFAULT 0;",
        "constant",
    );
    assert_eq!(filenode(&db, "users"), before);
    server().apply(
        &db,
        "ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();",
        "volatile",
    );
    assert_ne!(filenode(&db, "users"), before);
    // not-null-without-default: refused on a table with rows.
    let out = server().run(&db, "ALTER TABLE users ADD COLUMN plan text NOT NULL;");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("column \"plan\" of relation \"users\" contains null values"));
    // set-not-null-scans: PostgreSQL says when a validated check spares the scan.
    let proof = "existing constraints on column \"users.email\" are sufficient to prove that it does not contain nulls";
    let set = "SET client_min_messages = debug1;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n";
    let out = server().run(&db, set);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains(proof));
    server().apply(
        &db,
        "ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n\
         ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;",
        "the proof",
    );
    let out = server().run(&db, set);
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(proof),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn several_exclusive_locks_and_a_data_change_hold_their_locks_to_the_end() {
    let db = database();
    // several-exclusive-locks: the first table stays locked while the second is.
    let holder = holding(
        &db,
        "ALTER TABLE users ADD COLUMN a text; ALTER TABLE orders ADD COLUMN b text",
        "orders",
        "AccessExclusiveLock",
    );
    assert!(held(&db, "users", "AccessExclusiveLock"));
    assert!(waits(&db, SELECT));
    release(&db, [holder]);
    // data-change-under-lock: after an UPDATE, the lock is still held.
    let holder = holding(
        &db,
        "ALTER TABLE users ADD COLUMN plan text; UPDATE users SET plan = 'free'",
        "users",
        "AccessExclusiveLock",
    );
    assert!(waits(&db, SELECT));
    release(&db, [holder]);
    // missing-lock-timeout: behind a reader's transaction, an ALTER TABLE waits, and a
    // read that comes after waits behind it; with lock_timeout it gives up instead.
    let reader = holding(&db, SELECT, "users", "AccessShareLock");
    assert!(waits(&db, "ALTER TABLE users ADD COLUMN timed text"));
    let alter = server().spawn_sql(&db, "ALTER TABLE users ADD COLUMN queued text");
    wait_until("the queued ALTER", || {
        locks(&db, "users", "AccessExclusiveLock", false)
    });
    assert!(waits(&db, SELECT));
    release(&db, [alter, reader]);
}
