//! The real `strata` binary: exit codes, standard output and standard error.

use std::fs;
use std::path::Path;

use pretty_assertions::assert_eq;

use crate::support::{repo_root, strata};

fn write(dir: &Path, relative: &str, text: &str) {
    let path = dir.join(relative);
    fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    fs::write(path, text).expect("write fixture");
}

#[test]
fn check_passes_on_the_example_project() {
    let out = strata(&repo_root(), &["check"]);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        "migrations: 17 revisions checked, no errors, 0 warnings\n\
         graph: 1 root, 1 head, 1 branch point, 1 merge\n\
         configuration: strata.toml\n"
    );
    assert_eq!(out.code, 0);
}

#[test]
fn check_reports_every_error_of_every_file_and_exits_1() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "m/0001_a.mig",
        "revision 0001_a;\nupgrade { create schema s }\n",
    );
    write(
        tmp.path(),
        "m/sub/0002_b.mig",
        "revision 0002_c parents 0001_a;\n",
    );
    write(
        tmp.path(),
        "m/0003_ok.mig",
        "revision 0003_ok parents 0002_b;\n",
    );
    let out = strata(tmp.path(), &["check", "--dir", "m"]);
    assert_eq!(
        out.stderr,
        "m/0001_a.mig:2:27: error: expected ';' after the statement, found `}`\n\
         2 | upgrade { create schema s }\n  \
         |                           ^\n\
         m/0003_ok.mig:1:26: error: unknown parent revision `0002_b`: no file declares it\n\
         1 | revision 0003_ok parents 0002_b;\n  \
         |                          ^^^^^^\n\
         m/sub/0002_b.mig:1:10: error: the file `0002_b.mig` declares revision `0002_c`; \
         a file's name must be its revision id, here `0002_c.mig`\n\
         1 | revision 0002_c parents 0001_a;\n  \
         |          ^^^^^^\n\
         strata: 3 errors and 0 warnings in m\n"
    );
    assert_eq!(
        out.stdout, "",
        "nothing on standard output when there are errors"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn the_global_dir_option_goes_before_or_after_the_command() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "db/0001_a.mig", "revision 0001_a;\n");
    for args in [&["--dir", "db", "check"][..], &["check", "--dir", "./db"]] {
        let out = strata(tmp.path(), args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
    let out = strata(tmp.path(), &["check", "--dir", "./db"]);
    assert_eq!(
        out.stdout,
        "./db: 1 revision checked, no errors, 0 warnings\n\
         graph: 1 root, 1 head, 0 branch points, 0 merges\n\
         configuration: none (the defaults)\n"
    );
}

#[test]
fn a_missing_folder_is_an_io_error_with_exit_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(
        out.stderr,
        "strata: error: migrations folder `migrations` does not exist or is not a folder\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 2);

    write(tmp.path(), "file", "");
    let out = strata(tmp.path(), &["--dir", "file", "check"]);
    assert_eq!(
        out.stderr,
        "strata: error: migrations folder `file` does not exist or is not a folder\n"
    );
    assert_eq!(out.code, 2);
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let root = repo_root();
    let out = strata(&root, &["check", "--no-such-flag"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unexpected argument '--no-such-flag'"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout, "");

    let out = strata(&root, &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Usage: strata"), "{}", out.stderr);

    for args in [&["--help"][..], &["check", "--help"], &["help", "check"]] {
        let out = strata(&root, args);
        assert_eq!(out.code, 0, "{args:?}");
        assert!(
            out.stdout.contains("Usage: strata"),
            "{args:?}: {}",
            out.stdout
        );
    }
}

#[test]
fn a_file_over_4_mib_is_rejected_without_being_parsed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("revision 0001_big;\n");
    text.push_str(&"-- padding\n".repeat(4 * 1024 * 1024 / 11 + 1));
    assert!(text.len() > 4 * 1024 * 1024);
    write(tmp.path(), "migrations/0001_big.mig", &text);
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(
        out.stderr,
        "migrations/0001_big.mig:1:1: error: the file is larger than 4 MiB, the limit for a migration file\n\
         strata: 1 error and 0 warnings in migrations\n"
    );
    assert_eq!(out.code, 1);

    // Exactly 4 MiB is still accepted.
    text.truncate(4 * 1024 * 1024 - 1);
    text.push('\n');
    write(tmp.path(), "migrations/0001_big.mig", &text);
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn discovery_finds_nested_files_and_reports_links_it_does_not_read() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "migrations/a/b/c/0001_deep.mig",
        "revision 0001_deep;\n",
    );
    write(tmp.path(), "migrations/README.md", "not a revision at all");
    write(tmp.path(), "migrations/0002_notes.mig.bak", "garbage");
    write(tmp.path(), "outside/0003_linked.mig", "this is not valid");
    write(
        tmp.path(),
        "outside/dir/0004_in_linked_dir.mig",
        "nor is this",
    );
    std::os::unix::fs::symlink(
        tmp.path().join("outside/0003_linked.mig"),
        tmp.path().join("migrations/0003_linked.mig"),
    )
    .expect("symlink");
    std::os::unix::fs::symlink(
        tmp.path().join("outside/dir"),
        tmp.path().join("migrations/dir"),
    )
    .expect("symlink");
    let out = strata(tmp.path(), &["check"]);
    // A linked file is named, not read; a linked folder is not entered.
    assert_eq!(
        out.stderr,
        "migrations/0003_linked.mig:1:1: warning: `0003_linked.mig` is a symbolic link; strata \
         reads only regular files, so it is not part of the project\n"
    );
    assert_eq!(
        out.stdout,
        "migrations: 1 revision checked, no errors, 1 warning\n\
         graph: 1 root, 1 head, 0 branch points, 0 merges\n\
         configuration: none (the defaults)\n"
    );
    assert_eq!(out.code, 0);
}

#[test]
fn graphviz_accepts_the_dot_output() {
    let dot = which::which("dot")
        .expect("Graphviz `dot` is needed for this test (apt-get install graphviz)");
    let runs = [
        (repo_root(), &["graph", "--format", "dot"][..]),
        (
            repo_root().join("tests/cases/graph/depends_on_across_branches"),
            &["graph", "--format", "dot"][..],
        ),
        (
            repo_root().join("tests/cases/graph/linear"),
            &["graph", "--format", "dot"][..],
        ),
        // The schema's diagram too.
        (repo_root(), &["schema", "--format", "dot"][..]),
        (
            repo_root().join("tests/cases/schema/raw_creates_followed"),
            &["schema", "--format", "dot"][..],
        ),
    ];
    for (project, args) in runs {
        let out = strata(&project, args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let mut child = std::process::Command::new(&dot)
            .arg("-Tsvg")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run dot");
        use std::io::Write as _;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(out.stdout.as_bytes())
            .expect("feed dot");
        let result = child.wait_with_output().expect("dot finishes");
        assert!(
            result.status.success(),
            "dot rejected the graph of {}: {}",
            project.display(),
            String::from_utf8_lossy(&result.stderr)
        );
        assert!(String::from_utf8_lossy(&result.stdout).contains("<svg"));
    }
}

#[test]
fn the_example_project_has_one_head_but_is_not_linear() {
    let root = repo_root();
    let out = strata(&root, &["check", "--single-head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = strata(&root, &["check", "--linear"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "migrations/0005_agents.mig:1:10: error: `0005_agents` is a branch point (followed by \
         0006_tool_calls, 0007_session_templates); --linear allows none\n\
         1 | revision 0005_agents\n  \
         |          ^^^^^^^^^^^\n\
         migrations/0009_merge_templates.mig:1:10: error: `0009_merge_templates` is a merge \
         (of 0008_audit_logs, 0007_session_templates); --linear allows none\n\
         1 | revision 0009_merge_templates\n  \
         |          ^^^^^^^^^^^^^^^^^^^^\n\
         strata: 2 errors and 0 warnings in migrations\n"
    );
}

#[test]
fn schema_prints_the_model_after_a_revision_in_every_format() {
    let root = repo_root();
    for (args, golden) in [
        (&["schema"][..], "schema_sql.txt"),
        (
            &["schema", "head", "--format", "json"][..],
            "schema_json.txt",
        ),
        (&["schema", "--format", "mermaid"][..], "schema_mermaid.txt"),
        (&["schema", "--format", "dot"][..], "schema_dot.txt"),
        (
            &["schema", "0002_users", "--format", "mig"][..],
            "show_schema_0002_users.txt",
        ),
    ] {
        let out = strata(&root, args);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{args:?}");
        crate::support::assert_golden(&root.join("tests/cases/cli").join(golden), &out.stdout);
    }
    // The JSON reads back; the Mermaid diagram has a block per table and a relation per
    // foreign key, each naming entities it declares.
    let out = strata(&root, &["schema", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let tables = json["tables"].as_array().expect("tables");
    let foreign_keys = tables
        .iter()
        .flat_map(|t| t["constraints"].as_array().expect("constraints"))
        .filter(|c| c["kind"] == "foreign key")
        .count();
    let mermaid = strata(&root, &["schema", "--format", "mermaid"]).stdout;
    let mut lines = mermaid.lines();
    assert_eq!(lines.next(), Some("erDiagram"));
    let entities: Vec<&str> = mermaid
        .lines()
        .filter_map(|l| l.strip_suffix(" {").map(str::trim))
        .collect();
    assert_eq!(entities.len(), tables.len());
    let relations: Vec<&str> = mermaid.lines().filter(|l| l.contains("||--o{")).collect();
    assert_eq!(relations.len(), foreign_keys);
    for relation in relations {
        let words: Vec<&str> = relation.split_whitespace().collect();
        assert!(
            entities.contains(&words[0]) && entities.contains(&words[2]),
            "{relation}"
        );
        assert!(words[4]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_'));
    }
}

#[test]
fn show_schema_prints_the_model_after_a_revision() {
    let root = repo_root();
    for (rev, golden) in [
        ("head", "show_schema_head.txt"),
        ("0002_users", "show_schema_0002_users.txt"),
    ] {
        let out = strata(&root, &["show", rev, "--schema"]);
        assert_eq!(out.stderr, "");
        assert_eq!(out.code, 0);
        crate::support::assert_golden(&root.join("tests/cases/cli").join(golden), &out.stdout);
    }
}

#[test]
fn check_reports_schema_errors_with_exit_1() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "migrations/0001_a.mig",
        "revision 0001_a;\nupgrade {\n  create table t (id bigint primary key);\n  alter table t add column id int;\n}\n",
    );
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(
        out.stderr,
        "migrations/0001_a.mig:4:28: error: table `t` has a column `id` already\n\
         4 |   alter table t add column id int;\n  \
         |                            ^^\n\
         strata: 1 error and 0 warnings in migrations\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn a_configuration_with_an_unknown_key_is_refused_with_exit_2() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "migrations/0001_a.mig", "revision 0001_a;\n");
    write(tmp.path(), "strata.toml", "lock_timout = '5s'\n");
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.starts_with("strata: error: `strata.toml`: "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("unknown field `lock_timout`"),
        "{}",
        out.stderr
    );

    // A configured migrations folder is used when --dir is not given.
    write(tmp.path(), "strata.toml", "migrations = \"db\"\n");
    write(tmp.path(), "db/0001_a.mig", "revision 0001_a;\n");
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.starts_with("db: 1 revision checked"),
        "{}",
        out.stdout
    );
}

#[test]
fn sql_commands_print_nothing_on_error() {
    let root = repo_root();
    let out = strata(&root, &["upgrade", "nope"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(out.stderr, "strata: error: unknown revision `nope`\n");
    let out = strata(&root, &["downgrade", "head"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "strata: error: `head` is not a range: expected `FROM:TO` (Alembic's `downgrade head` \
         starts where the database is; strata works offline: name that position, as in \
         `head:head`, `heads:head` or `REV1,REV2:head`)\n"
    );
    // Alembic's `downgrade -1`.
    let out = strata(&root, &["downgrade", "-1"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "strata: error: `-1` is not a range: expected `FROM:TO` (Alembic's `downgrade -1` \
         starts where the database is; strata works offline: name that position, as in \
         `head:-1` or `REV:-1`)\n"
    );
    let out = strata(&root, &["upgrade", "current"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "strata: error: `current`: strata works offline and cannot ask the database; name the \
         revisions its version table holds (`a,b` for several)\n"
    );
    let out = strata(
        &root,
        &["upgrade", "0017_agent_activity:0001_organizations"],
    );
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_eq!(
        out.stderr,
        "strata: error: `0001_organizations` is applied already at `0017_agent_activity`: an \
         upgrade has nothing to do; to go back, use `strata downgrade \
         0017_agent_activity:0001_organizations`\n"
    );

    // Crossing an irreversible revision is refused, naming it and its reason.
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "migrations/0001_a.mig",
        "revision 0001_a;\nupgrade { create table t (id int); }\n",
    );
    write(
        tmp.path(),
        "migrations/0002_b.mig",
        "revision 0002_b parents 0001_a;\nupgrade { drop table t; }\ndowngrade irreversible 'the rows of t are gone';\n",
    );
    let out = strata(tmp.path(), &["downgrade", "head:base"]);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "strata: error: the downgrade crosses `0002_b`, which is irreversible: the rows of t are gone\n"
    );
    assert_eq!(out.code, 2);
    let out = strata(tmp.path(), &["downgrade", "head:0002_b"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_data_block_needs_no_written_downgrade_and_the_downgrade_says_its_rows_stay() {
    let dir = repo_root().join("tests/cases/schema/derive_sql_data");
    let out = strata(&dir, &["downgrade", "head:0001_setup"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains(
        "\n-- note: the rows changed by this revision's `sql data` blocks stay as they are\n"
    ));
    assert!(out
        .stdout
        .contains("\nALTER TABLE people DROP COLUMN nickname;\n"));
    // The upgrade runs the block as written, in the revision's transaction.
    let out = strata(&dir, &["upgrade", "head"]);
    assert!(out
        .stdout
        .contains("UPDATE people SET nickname = name WHERE nickname IS NULL;"));
}

#[test]
fn check_verbose_lists_the_raw_statements_the_model_does_not_follow() {
    let dir = repo_root().join("tests/cases/schema/raw_renames_followed");
    let out = strata(&dir, &["check", "--verbose"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // A function the native form can say is followed, and so is its drop.
    assert!(!out.stderr.contains("FUNCTION answer()"), "{}", out.stderr);
    // The renames and the drop it follows are not listed; the downgrade's unfollowed
    // statements are.
    assert!(!out.stderr.contains("not follow this statement: `ALTER"));
    assert!(!out
        .stderr
        .contains("not follow this statement: `DROP INDEX"));
    // An index on plain columns is followed; one on an expression is not.
    assert!(!out
        .stderr
        .contains("not follow this statement: `CREATE INDEX people_name_idx"));
    assert!(!out
        .stderr
        .contains("`CREATE UNIQUE INDEX persons_ticket_idx"));
    assert!(out.stderr.contains(
        "not follow this statement: `CREATE INDEX persons_lower_idx ON persons (lower(category))`"
    ));
    // Raw sequence statements are followed, but one that may find the sequence there
    // already (`IF NOT EXISTS`) is not.
    assert!(!out
        .stderr
        .contains("not follow this statement: `CREATE SEQUENCE ticket_seq"));
    assert!(out
        .stderr
        .contains("not follow this statement: `CREATE SEQUENCE IF NOT EXISTS other_seq`"));
    // A raw block's view renames and drops are followed too.
    assert!(!out
        .stderr
        .contains("not follow this statement: `ALTER VIEW"));
    assert!(!out.stderr.contains("not follow this statement: `DROP VIEW"));
    assert!(!out.stderr.contains("USING INDEX"), "{}", out.stderr);
    // Creates with a native form are followed; a table made `LIKE` another is not.
    let creates = repo_root().join("tests/cases/schema/raw_creates_followed");
    let created = strata(&creates, &["check", "--verbose"]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let note = "migrations/0002_raw.mig:27:5: note: the schema model does not follow this \
                statement: `CREATE TABLE app.scratch (LIKE app.people)`\n";
    assert!(created.stderr.contains(note), "{}", created.stderr);
    for followed in [
        "CREATE TABLE app.people",
        "CREATE VIEW",
        "CREATE MATERIALIZED",
        "CREATE FUNCTION",
    ] {
        assert!(
            !created
                .stderr
                .contains(&format!("this statement: `{followed}")),
            "{followed}"
        );
    }
    // Notes are not warnings: the summary counts the lint's warnings only.
    assert!(
        out.stdout.contains("no errors, 14 warnings"),
        "{}",
        out.stdout
    );
    let out = strata(&dir, &["check"]);
    assert!(!out.stderr.contains("does not follow"));
    let out = strata(&dir, &["check", "--verbose", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(json["warnings"], 14);
    assert!(json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .any(|f| f["severity"] == "note" && f["code"] == "invisible-to-model"));
}

#[test]
fn alembic_habits_get_strata_spelling() {
    let dir = repo_root();
    let out = strata(&dir, &["upgrade", "head", "--sql"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.ends_with(
        "help: strata always prints SQL and never connects to a database: leave out `--sql` \
         (`strata upgrade head` prints the script; `strata build` writes it in a bundle)\n"
    ));
    let out = strata(&dir, &["current"]);
    assert_eq!(out.code, 2);
    assert!(out
        .stderr
        .starts_with("error: unrecognized subcommand 'current'"));
    assert!(out.stderr.ends_with(
        "help: strata works offline and cannot ask the database where it is: `strata status` \
         prints a read-only script that tells, for psql\n"
    ));
    let out = strata(&dir, &["--dir", "migrations", "revision", "-m", "x"]);
    assert_eq!(out.code, 2);
    assert!(out
        .stderr
        .ends_with("help: `strata new -m MESSAGE` writes a revision after the head\n"));
    // `downgrade -1` reaches the range's reading, which says what to write.
    let out = strata(&dir, &["downgrade", "-1"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`head:-1` or `REV:-1`"),
        "{}",
        out.stderr
    );
}

#[test]
fn completions_and_the_man_page_are_generated_from_the_command_line() {
    let dir = repo_root();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = strata(&dir, &["completions", shell]);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{shell}");
        // Every command is offered.
        for command in [
            "check",
            "schema",
            "upgrade",
            "downgrade",
            "history",
            "completions",
        ] {
            assert!(out.stdout.contains(command), "{shell}: {command}");
        }
    }
    let out = strata(&dir, &["completions", "tcsh"]);
    assert_eq!(out.code, 2);
    let out = strata(&dir, &["man"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert!(
        out.stdout.starts_with(".ie \\n(.g .ds Aq \\(aq"),
        "{}",
        &out.stdout[..80]
    );
    assert!(out.stdout.contains(".TH strata 1"));
    assert!(out.stdout.contains("strata\\-schema"));
}

#[test]
fn fmt_check_lists_the_files_to_format_and_fmt_formats_them_in_place() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let messy = "REVISION 0001_a; UPGRADE { CREATE SCHEMA s; }\n";
    write(tmp.path(), "migrations/0001_a.mig", messy);
    write(
        tmp.path(),
        "migrations/0002_b.mig",
        "revision 0002_b\n  parents 0001_a;\n\nupgrade {\n  create schema t;\n}\n",
    );
    let out = strata(tmp.path(), &["fmt", "--check"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            1,
            "migrations/0001_a.mig\n",
            "strata: 1 file not in the canonical layout; `strata fmt` formats it\n"
        )
    );
    let file = tmp.path().join("migrations/0001_a.mig");
    assert_eq!(
        fs::read_to_string(&file).expect("read"),
        messy,
        "--check changes nothing"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).expect("chmod");
    }
    let out = strata(tmp.path(), &["fmt"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "migrations/0001_a.mig\n", "")
    );
    assert_eq!(
        fs::read_to_string(&file).expect("read"),
        "revision 0001_a;\n\nupgrade {\n  create schema s;\n}\n"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&file).expect("stat").permissions().mode();
        assert_eq!(mode & 0o777, 0o640, "the file keeps its permissions");
    }
    let out = strata(tmp.path(), &["fmt", "--check"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""));
    let leftovers: Vec<_> = fs::read_dir(tmp.path().join("migrations"))
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        2,
        "no temporary file is left: {leftovers:?}"
    );
}

#[test]
fn fmt_tells_a_locked_project_to_lock_again() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(
        tmp.path(),
        "migrations/0001_a.mig",
        "revision 0001_a; upgrade {}\n",
    );
    assert_eq!(strata(tmp.path(), &["lock"]).code, 0);
    let out = strata(tmp.path(), &["fmt", "migrations/0001_a.mig"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            0,
            "migrations/0001_a.mig\n",
            "strata: formatted 1 file; strata.lock holds their sources as they were: run \
             `strata lock` once the change is reviewed\n"
        )
    );
    assert_eq!(strata(tmp.path(), &["check", "--locked"]).code, 1);
}

#[test]
fn fmt_leaves_a_file_with_a_syntax_error_as_it_is_and_exits_1() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let broken = "revision 0001_a;\nupgrade { create schema }\n";
    write(tmp.path(), "migrations/0001_a.mig", broken);
    write(
        tmp.path(),
        "migrations/0002_b.mig",
        "revision 0002_b parents 0001_a;\n",
    );
    let out = strata(tmp.path(), &["fmt"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout, "migrations/0002_b.mig\n",
        "the other file is formatted"
    );
    assert_eq!(
        out.stderr,
        "migrations/0001_a.mig:2:25: error: expected a name, found `}`\n\
         2 | upgrade { create schema }\n  \
         |                         ^\n"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("migrations/0001_a.mig")).expect("read"),
        broken
    );
}

#[cfg(unix)]
#[test]
fn fmt_refuses_a_symbolic_link_and_names_hostile_paths_inertly() {
    let tmp = tempfile::tempdir().expect("temp dir");
    write(tmp.path(), "real.mig", "revision real;\n");
    std::os::unix::fs::symlink(tmp.path().join("real.mig"), tmp.path().join("link.mig"))
        .expect("symlink");
    let out = strata(tmp.path(), &["fmt", "link.mig"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "strata: error: `link.mig` is a symbolic link: strata formats only regular files\n"
        )
    );
    // A file name that would move the cursor and clear the screen is printed escaped.
    write(tmp.path(), "m/x\u{1b}[2J.mig", "REVISION x;\n");
    let out = strata(tmp.path(), &["fmt", "--check", "m"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, "m/x\\u{1B}[2J.mig\n"));
}
