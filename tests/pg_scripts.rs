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
    server.apply(&database, &upgrade, "the script");
    assert_eq!(versions(&database), ["0017_agent_activity"]);
    let dump = server.dump(&database);

    // A second run stops at the guard, says why, and changes nothing.
    let again = server.run(&database, &upgrade);
    assert_eq!(again.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(
        stderr.contains(
            "strata: this database is at 0017_agent_activity, but this script expects base"
        ),
        "{stderr}"
    );
    assert_eq!(server.dump(&database), dump);

    // A downgrade that expects another state is refused too.
    let wrong = server.run(&database, &sql(&["downgrade", "0005_agents:base"]));
    assert_eq!(wrong.status.code(), Some(3));
    assert_eq!(server.dump(&database), dump);

    let downgrade = sql(&["downgrade", "head:base"]);
    server.apply(&database, &downgrade, "the script");
    assert!(versions(&database).is_empty());
    let history = server.query(
        &database,
        "SELECT direction, count(*) FROM strata_history GROUP BY direction ORDER BY direction;",
    );
    assert_eq!(history, ["downgrade|17", "upgrade|17"]);
    server.query(
        &database,
        "DROP TABLE strata_history; DROP TABLE strata_version; DROP TABLE strata_progress;",
    );
    assert_eq!(server.dump(&database), server.dump(&empty));
}

#[test]
fn version_rows_follow_branches_and_merges() {
    let server = server();
    let database = server.database();
    let run = |args: &[&str]| {
        server.apply(&database, &sql(args), &format!("{args:?}"));
    };
    // Up one branch of the branch point 0005.
    run(&["upgrade", "0007_session_templates"]);
    assert_eq!(versions(&database), ["0007_session_templates"]);
    // The other branch, up to before the merge. 0008 depends on 0007: as in Alembic,
    // 0007 has no row of its own while 0008, which names it, is applied.
    run(&["upgrade", "0007_session_templates:0008_audit_logs"]);
    assert_eq!(versions(&database), ["0008_audit_logs"]);
    // Back to 0006, 0008's parent: 0008 goes; 0007, which it depends on, stays.
    run(&["downgrade", "0008_audit_logs:0006_tool_calls"]);
    assert_eq!(
        versions(&database),
        ["0006_tool_calls", "0007_session_templates"]
    );
    // Through the merge to the head: one row.
    run(&["upgrade", "0006_tool_calls,0007_session_templates:head"]);
    assert_eq!(versions(&database), ["0017_agent_activity"]);
}

/// Runs the real binary in a copy of the example project with a `strata.toml`.
fn sql_with_config(config: &str, args: &[&str]) -> (tempfile::TempDir, String) {
    let tmp = tempfile::tempdir().expect("temp dir");
    crate::support::copy_dir(
        &repo_root().join("migrations"),
        &tmp.path().join("migrations"),
    );
    std::fs::write(tmp.path().join("strata.toml"), config).expect("config");
    let out = strata(tmp.path(), args);
    assert_eq!(out.code, 0, "strata {args:?}: {}", out.stderr);
    (tmp, out.stdout)
}

#[test]
fn the_alembic_layout_takes_over_a_database_at_a_revision() {
    let server = server();
    let database = server.database();
    let config = "[version]\nlayout = \"alembic\"\n";
    let (_tmp, first) = sql_with_config(config, &["upgrade", "0005_agents"]);
    server.apply(&database, &first, "the script");
    assert_eq!(
        server.query(&database, "SELECT version_num FROM alembic_version;"),
        ["0005_agents"]
    );
    // The column is Alembic's own.
    assert_eq!(
        server.query(
            &database,
            "SELECT data_type || ':' || character_maximum_length FROM information_schema.columns \
             WHERE table_name = 'alembic_version';"
        ),
        ["character varying:32"]
    );
    let (_tmp, rest) = sql_with_config(config, &["upgrade", "0005_agents:head"]);
    server.apply(&database, &rest, "the script");
    assert_eq!(
        server.query(&database, "SELECT version_num FROM alembic_version;"),
        ["0017_agent_activity"]
    );
}

#[test]
fn session_settings_come_from_the_configuration() {
    let config =
        "lock_timeout = \"5s\"\nstatement_timeout = \"15min\"\nsearch_path = \"public, Other\"\n";
    let (_tmp, upgrade) = sql_with_config(config, &["upgrade", "0001_organizations"]);
    assert!(
        upgrade.contains(
            "\\set ON_ERROR_STOP on\nSET standard_conforming_strings = on;\n\
             SET client_encoding = 'UTF8';\nSET lock_timeout = '5s';\nSET statement_timeout = '15min';\n\
             SET search_path = public, \"Other\";\n-- lock: "
        ),
        "{upgrade}"
    );
    let server = server();
    let database = server.database();
    server.apply(&database, &upgrade, "the script");
}

#[test]
fn a_script_stopped_part_way_resumes_when_run_again() {
    let server = server();
    let clean = server.database();
    let upgrade = sql(&["upgrade", "head"]);
    server.apply(&clean, &upgrade, "a clean run");
    // The script as far as the line before the concurrent index, then as far as the
    // record of the index: as if psql had been stopped there.
    let cut = upgrade
        .find("CREATE INDEX CONCURRENTLY")
        .expect("a concurrent index");
    let recorded = cut
        + upgrade[cut..]
            .find("UPDATE strata_progress")
            .expect("the index's record");
    let after_record = recorded + upgrade[recorded..].find('\n').expect("a line end");
    for end in [cut, after_record] {
        let database = server.database();
        // psql stops at the end of its input inside an `\if`; what ran is committed up
        // to the last COMMIT or statement outside a transaction.
        let _ = server.run(&database, &upgrade[..end]);
        assert_eq!(versions(&database), ["0011_agent_status_paused"]);
        // The same script again resumes and completes, with a notice that it resumes.
        let again = server.run(&database, &upgrade);
        let stderr = String::from_utf8_lossy(&again.stderr);
        assert!(again.status.success(), "{stderr}");
        assert!(
            stderr.contains("it resumes where it stopped (at 0011_agent_status_paused)"),
            "{stderr}"
        );
        assert_eq!(versions(&database), ["0017_agent_activity"]);
        assert_eq!(server.dump(&database), server.dump(&clean));
        // Once done, a third run stops at the guard as a second run of any script does.
        let third = server.run(&database, &upgrade);
        assert_eq!(third.status.code(), Some(3));
    }
}

#[test]
fn hostile_names_and_text_apply_and_mean_what_they_say() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("migrations");
    std::fs::create_dir(&dir).expect("folder");
    std::fs::write(
        dir.join("0001_hostile.mig"),
        "revision 0001_hostile\n  message 'It''s */ not -- a comment; DROP TABLE x; /* really';\n\
         upgrade {\n\
           create table \"select\" (\n\
             \"Order\" int primary key,\n\
             \"user\" text default 'O''Brien -- */',\n\
             \"Mixed Case\" text default 'a \"quoted\" word',\n\
             \"from\" int check `\"from\" > 0`\n\
           );\n\
           create index on \"select\" (\"user\");\n\
           sql $$ INSERT INTO \"select\" (\"Order\", \"from\") VALUES (1, 2) $$;\n\
           alter table \"select\" add column \"check\" boolean not null default true;\n\
         }\n\
         downgrade {\n\
           drop table \"select\";\n\
         }\n",
    )
    .expect("write");
    let out = strata(tmp.path(), &["upgrade", "head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "-- 0001_hostile: It's */ not -- a comment; DROP TABLE x; /* really   [source sha256: "
        ),
        "{}",
        out.stdout
    );
    let server = server();
    let database = server.database();
    server.apply(&database, &out.stdout, "the script");
    assert_eq!(
        server.query(
            &database,
            "SELECT \"Order\", \"user\", \"Mixed Case\", \"from\", \"check\" FROM \"select\";"
        ),
        ["1|O'Brien -- */|a \"quoted\" word|2|t"]
    );
    assert_eq!(
        server.query(
            &database,
            "SELECT conname FROM pg_constraint WHERE conrelid = '\"select\"'::regclass ORDER BY 1;"
        ),
        ["select_from_check", "select_pkey"]
    );
    assert_eq!(
        server.query(
            &database,
            "SELECT indexname FROM pg_indexes WHERE tablename = 'select' ORDER BY 1;"
        ),
        ["select_pkey", "select_user_idx"]
    );
    let down = strata(tmp.path(), &["downgrade", "head:base"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    server.apply(&database, &down.stdout, "the script");
    assert!(server.query(&database, "SELECT to_regclass('\"select\"') IS NULL;") == ["t"]);
}

#[test]
fn a_downgrade_starts_from_several_heads() {
    let project = repo_root().join("tests/cases/graph/branch_point");
    let server = server();
    let database = server.database();
    let run = |args: &[&str]| {
        let out = strata(&project, args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        server.apply(&database, &out.stdout, &format!("{args:?}"));
    };
    run(&["upgrade", "heads"]);
    assert_eq!(versions(&database), ["0003_search", "0004_invoices"]);
    // Back to 0002_billing: what descends from it goes, the other branch stays.
    run(&["downgrade", "heads:0002_billing"]);
    assert_eq!(versions(&database), ["0002_billing", "0003_search"]);
    // A whole branch, by its label.
    run(&["downgrade", "0002_billing,0003_search:billing@base"]);
    assert_eq!(versions(&database), ["0003_search"]);
    run(&["upgrade", "0003_search:billing@head"]);
    assert_eq!(versions(&database), ["0003_search", "0004_invoices"]);
    run(&["downgrade", "heads:0002_billing"]);
    run(&["upgrade", "0002_billing,0003_search:heads"]);
    assert_eq!(versions(&database), ["0003_search", "0004_invoices"]);
    run(&["downgrade", "heads:base"]);
    assert!(versions(&database).is_empty());
}

#[test]
fn an_enum_value_added_in_a_script_can_be_used_later_in_it() {
    let files = [
        (
            "0001_jobs.mig",
            "revision 0001_jobs;\nupgrade {\n  create type job_state as enum ('queued', 'running');\n  \
             create table jobs (id int primary key, state job_state not null default 'queued');\n}\n",
        ),
        (
            "0002_failed.mig",
            "revision 0002_failed parents 0001_jobs;\nupgrade {\n  \
             alter type job_state add value 'failed';\n  \
             alter table jobs alter column state set default 'failed';\n}\n\
             downgrade irreversible 'enum values cannot be removed';\n",
        ),
        (
            "0003_use.mig",
            "revision 0003_use parents 0002_failed;\nupgrade {\n  \
             alter type job_state add value 'cancelled' after 'failed';\n  \
             alter table jobs add check `state <> 'cancelled'`;\n  \
             sql $$ UPDATE jobs SET state = 'failed' WHERE state = 'cancelled' $$;\n}\n\
             downgrade irreversible 'enum values cannot be removed';\n",
        ),
    ];
    let tmp = crate::support::project(&files, None);
    let dir = tmp.path().join("migrations");
    let out = strata(tmp.path(), &["upgrade", "head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(
        "\\echo 'strata: committed, so that the new enum value can be used by what follows'"
    ));
    let server = server();
    let database = server.database();
    server.apply(&database, &out.stdout, "the script");
    assert_eq!(
        server.query(
            &database,
            "SELECT column_default FROM information_schema.columns WHERE table_name = 'jobs' AND column_name = 'state';"
        ),
        ["'failed'::job_state"]
    );

    // A default that is not a value of the enum is refused before any database sees it.
    std::fs::write(
        dir.join("0004_bad.mig"),
        "revision 0004_bad parents 0003_use;\nupgrade {\n  \
         alter table jobs alter column state set default 'nonexistent';\n  \
         alter table jobs add column other job_state default 'nope';\n}\n",
    )
    .expect("write");
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 1);
    for value in ["nonexistent", "nope"] {
        assert!(
            out.stderr.contains(&format!(
                "'{value}' is not a value of enum `job_state` (its values: 'queued', \
                 'running', 'failed', 'cancelled'); PostgreSQL refuses the default"
            )),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn index_keys_take_collations_and_operator_classes() {
    let tmp = crate::support::project(
        &[(
            "0001_names.mig",
            "revision 0001_names;\nupgrade {\n  create extension pg_trgm;\n  \
             create table people (id int primary key, name text not null);\n  \
             create index people_name_trgm_idx on people using gin (name gin_trgm_ops);\n  \
             create index on people (name collate \"C\" text_pattern_ops desc nulls last);\n  \
             create index on people (`lower(name)` collate \"C\");\n}\n",
        )],
        None,
    );
    let out = strata(tmp.path(), &["upgrade", "head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(
        "CREATE INDEX people_name_idx ON people (name COLLATE \"C\" text_pattern_ops DESC NULLS LAST);"
    ), "{}", out.stdout);
    let server = server();
    let database = server.database();
    server.apply(&database, &out.stdout, "the script");
    let definitions = server.query(
        &database,
        "SELECT indexdef FROM pg_indexes WHERE tablename = 'people' ORDER BY indexname;",
    );
    assert_eq!(
        definitions,
        [
            "CREATE INDEX people_lower_idx ON public.people USING btree (lower(name) COLLATE \"C\")",
            "CREATE INDEX people_name_idx ON public.people USING btree (name COLLATE \"C\" text_pattern_ops DESC NULLS LAST)",
            "CREATE INDEX people_name_trgm_idx ON public.people USING gin (name gin_trgm_ops)",
            "CREATE UNIQUE INDEX people_pkey ON public.people USING btree (id)",
        ]
    );
    // The derived downgrade drops them all.
    let down = strata(tmp.path(), &["downgrade", "head:base"]);
    assert_eq!(down.code, 0, "{}", down.stderr);
    server.apply(&database, &down.stdout, "the downgrade");
}

#[test]
fn an_empty_project_has_empty_scripts_and_bundles() {
    let tmp = crate::support::project(&[], None);
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let upgrade = crate::support::script(tmp.path(), &["upgrade", "head"]);
    assert!(upgrade.starts_with("-- strata upgrade: base -> base (0 revisions)\n"));
    let downgrade = crate::support::script(tmp.path(), &["downgrade", "head:base"]);
    let server = server();
    let database = server.database();
    server.apply(&database, &upgrade, "the empty upgrade");
    server.apply(&database, &downgrade, "the empty downgrade");
    assert_eq!(
        server.query(&database, "SELECT count(*) FROM strata_version;"),
        ["0"]
    );
    let out = strata(tmp.path(), &["build"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (0, "wrote out/base-base\n"),
        "{}",
        out.stderr
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("out/base-base/manifest.json")).expect("read"),
    )
    .expect("JSON");
    assert_eq!(manifest["revisions"], serde_json::json!([]));
    let out = strata(tmp.path(), &["verify", "out/base-base"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn positions_of_several_revisions_and_upgrades_beside_a_branch() {
    let project = repo_root().join("tests/cases/graph/merge");
    let run = |args: &[&str]| crate::support::script(&project, args);
    let server = server();
    let database = server.database();
    server.apply(&database, &run(&["upgrade", "0002_left"]), "base to left");
    // `upgrade left:right` adds right beside left, as Alembic does.
    server.apply(
        &database,
        &run(&["upgrade", "0002_left:0003_right"]),
        "right beside left",
    );
    assert_eq!(versions(&database), ["0002_left", "0003_right"]);
    // The position of both names a range's start, and a downgrade's end.
    server.apply(
        &database,
        &run(&["upgrade", "0002_left,0003_right:head"]),
        "to the head",
    );
    assert_eq!(versions(&database), ["0005_after"]);
    server.apply(
        &database,
        &run(&["downgrade", "head:0002_left,0003_right"]),
        "back before the merge",
    );
    assert_eq!(versions(&database), ["0002_left", "0003_right"]);
    // `heads` is one spelling of a set.
    let out = strata(&project, &["upgrade", "0003_right,0002_left:heads"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    server.apply(&database, &out.stdout, "to the heads");
    assert_eq!(versions(&database), ["0005_after"]);
}

#[test]
fn a_revisions_settings_hold_in_each_of_its_transactions_and_around_a_statement_outside_one() {
    let files = [
        (
            "0001_t.mig",
            "revision 0001_t;\nupgrade {\n  create table t (id bigint primary key, a text);\n}\n",
        ),
        (
            "0002_s.mig",
            "revision 0002_s parents 0001_t;\nupgrade {\n  set lock_timeout = '300ms';\n  \
             set work_mem = '8MB';\n  set statement_timeout = '2min';\n  \
             alter table t add column b text;\n  \
             create index concurrently t_a_idx on t (a);\n  alter table t add column c text;\n}\n",
        ),
    ];
    // No lock_timeout of the project's own: only the revision's can make a wait end.
    let tmp = crate::support::project(&files, Some("statement_timeout = '1min'\n"));
    let upgrade = crate::support::script(tmp.path(), &["upgrade", "0001_t:head"]);
    // In each of the revision's two transactions, and for the session around the
    // statement outside one, given back after it (the configuration's, else the default).
    assert_eq!(
        upgrade
            .matches("SET LOCAL lock_timeout = '300ms';\nSET LOCAL work_mem = '8MB';\n")
            .count(),
        2,
        "{upgrade}"
    );
    assert!(upgrade.contains(
        "-- outside a transaction\nSET lock_timeout = '300ms';\nSET work_mem = '8MB';\n"
    ));
    assert!(upgrade.contains(
        "CREATE INDEX CONCURRENTLY t_a_idx ON t (a);\nRESET lock_timeout;\nRESET work_mem;\n\
         SET statement_timeout = '1min';\n"
    ));
    let downgrade = crate::support::script(tmp.path(), &["downgrade", "head:0001_t"]);
    assert_eq!(
        downgrade
            .matches("SET LOCAL lock_timeout = '300ms';")
            .count(),
        2
    );

    let server = server();
    let database = server.database();
    let first = crate::support::script(tmp.path(), &["upgrade", "0001_t"]);
    server.apply(&database, &first, "0001_t");
    // While another session reads `t`, the ALTER TABLE gives up after the revision's
    // 300 ms (without it, it would wait for the reader) and the script stops.
    let reader = server.spawn_sql(
        &database,
        "BEGIN; SELECT count(*) FROM t; SELECT pg_sleep(30); COMMIT;",
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while server.query(
        &database,
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
         WHERE c.relname = 't' AND l.mode = 'AccessShareLock' AND l.pid <> pg_backend_pid();",
    ) == ["0"]
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the reader never read"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = server.run(&database, &upgrade);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("canceling statement due to lock timeout"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    server.query(
        &database,
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid();",
    );
    let _ = reader.wait_with_output();
    server.apply(&database, &upgrade, "the revision with its settings");
    assert_eq!(versions(&database), ["0002_s"]);
    server.apply(&database, &downgrade, "its downgrade");
    assert_eq!(versions(&database), ["0001_t"]);
}
