//! What a hostile author can write, tried as an attacker would: every vector is either
//! refused by `check` with its message (and `build` writes nothing), or its script,
//! applied by psql to the real PostgreSQL, runs no meta-command (a sentinel file the
//! vector names is never created) and changes only what the revision says. Terminal
//! output never carries a raw control or invisible character.

use std::fs;
use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;

use crate::pg::server;
use crate::support::{project, strata};

/// Where a vector's meta-command would leave its mark.
struct Sentinel {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Sentinel {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("pwned");
        Sentinel { _dir: dir, path }
    }

    /// A psql command that would create the sentinel.
    fn command(&self) -> String {
        format!("\\! touch {}", self.path.display())
    }

    fn untouched(&self, what: &str) {
        assert!(!self.path.exists(), "{what}: a meta-command ran");
    }
}

/// Text for a terminal holds no raw control character but line feeds, and nothing
/// invisible.
fn assert_inert(text: &str, what: &str) {
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| c != '\n' && strata::inert::hazard(c).is_some())
        .collect();
    assert!(raw.is_empty(), "{what} prints raw {raw:?}:\n{text}");
}

/// A fresh database whose string literals read backslashes as escapes
/// (`standard_conforming_strings = off` by default), where a script that left the setting
/// to the server would let a literal `'x\'` run into the next one.
fn database_reading_backslashes() -> String {
    let database = server().database();
    server().query(
        "postgres",
        &format!("ALTER DATABASE {database} SET standard_conforming_strings = off;"),
    );
    database
}

/// A revision file: a header, then `body` as the upgrade block.
fn revision(id: &str, parent: Option<&str>, body: &str) -> String {
    let parents = parent.map_or(String::new(), |p| format!(" parents {p}"));
    format!("revision {id}{parents};\nupgrade {{\n{body}\n}}\n")
}

#[test]
fn vectors_that_check_refuses() {
    let s = Sentinel::new();
    let bang = s.command();
    let wide: String = (0..1601)
        .map(|i| format!("c{i} int"))
        .collect::<Vec<_>>()
        .join(", ");
    let cases: Vec<(String, &str)> = vec![
        (
            format!("assume table \"t\r{bang} #\r-- assumed, not created: table t\" (id int);"),
            "control character U+000D (CARRIAGE RETURN) in a quoted name",
        ),
        (
            format!("assume type \"e\n{bang} #\" as enum ('a');"),
            "control character U+000A (LINE FEED) in a quoted name",
        ),
        (
            format!("create table t (id int default `0\n{bang}`);"),
            "a backslash outside quotes: psql would read it as one of its own commands",
        ),
        (
            format!("create table t (id int check `id > 0 {bang}`);"),
            "a backslash outside quotes",
        ),
        (
            format!("sql $$ SELECT 1; {bang} $$;"),
            "a backslash outside quotes",
        ),
        (
            "sql $$ SELECT 1 \\set ON_ERROR_STOP 0 $$;".to_owned(),
            "a backslash outside quotes",
        ),
        (
            "create table t (id int default `1 + * 2`);".to_owned(),
            "this is not one SQL expression: syntax error at or near \"*\"",
        ),
        (
            "create table t (id int default `1, 2`);".to_owned(),
            "this is not one SQL expression",
        ),
        (
            "sql $$ CREAT TABLE u (id int) $$;".to_owned(),
            "this raw SQL does not parse: syntax error at or near \"CREAT\"",
        ),
        (
            "create table t (id int default `$q$`);".to_owned(),
            "unterminated dollar-quoted string",
        ),
        (
            "create table t (id int default `0; COMMIT; DROP TABLE t; --`);".to_owned(),
            "this is not one SQL expression",
        ),
        (
            "create table t (id int default `0 */ /* `);".to_owned(),
            "this is not one SQL expression",
        ),
        (
            "sql $$ COMMIT $$;".to_owned(),
            "transaction control in a raw SQL block",
        ),
        (
            "sql $$ SET standard_conforming_strings = off $$;".to_owned(),
            "`standard_conforming_strings` is set by the script itself",
        ),
        (
            "sql $$ COPY t FROM STDIN $$;".to_owned(),
            "psql would read the rest of the script as the data to copy",
        ),
        (
            "sql $$ SELECT :'x' $$;".to_owned(),
            "psql would replace `:'x'` with one of its variables",
        ),
        (
            "create table \"a\u{1b}[2Jb\" (id int);".to_owned(),
            "control character U+001B (ESCAPE) in a quoted name",
        ),
        (
            "create table t (id int); -- admin only \u{202e}\u{2066}".to_owned(),
            "U+202E (RIGHT-TO-LEFT OVERRIDE) in a comment",
        ),
        (
            "create table \"is\u{200b}admin\" (id int);".to_owned(),
            "U+200B (ZERO WIDTH SPACE) in a quoted name",
        ),
        (
            "create type e as enum ('a\u{2028}b');".to_owned(),
            "control character U+2028 (LINE SEPARATOR) in a string literal",
        ),
        (
            "create type e as enum ('a\u{85}b');".to_owned(),
            "control character U+0085 (NEXT LINE) in a string literal",
        ),
        (
            format!("create table t (id int) with (fillfactor = '70); {bang} DROP TABLE t; --');"),
            "invalid value for integer option \"fillfactor\"",
        ),
        (
            "create table t (id int) with (\"fill\u{202e}factor\" = 70);".to_owned(),
            "U+202E (RIGHT-TO-LEFT OVERRIDE) in a quoted name",
        ),
        (
            "create table t (id int, exclude (id with =-));".to_owned(),
            "`=-` is not one operator to PostgreSQL",
        ),
        (
            format!("create table t ({wide});"),
            "table `t` would have 1601 columns; PostgreSQL allows at most 1600",
        ),
    ];
    for (body, message) in &cases {
        let tmp = project(&[("0001_a.mig", &revision("0001_a", None, body))], None);
        let out = strata(tmp.path(), &["check"]);
        let body = &body[..body.len().min(200)];
        assert_eq!(out.code, 1, "{body:?}: {}", out.stderr);
        assert!(out.stderr.contains(message), "{body:?}:\n{}", out.stderr);
        assert_inert(&out.stderr, body);
        let out = strata(tmp.path(), &["build"]);
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{body:?}");
        assert!(!tmp.path().join("out").exists(), "{body:?}: build wrote");
        let out = strata(tmp.path(), &["upgrade", "head"]);
        assert_eq!((out.code, out.stdout.as_str()), (1, ""), "{body:?}");
    }
    // A message with a carriage return, and one with a bidi control.
    for (message, expected) in [
        (
            format!("a\r{bang} #"),
            "the message contains a control character (U+000D)",
        ),
        (
            "admin\u{202e}only".to_owned(),
            "U+202E (RIGHT-TO-LEFT OVERRIDE) in a message",
        ),
    ] {
        let text = format!("revision 0001_a message '{message}';\n");
        let tmp = project(&[("0001_a.mig", &text)], None);
        let out = strata(tmp.path(), &["check"]);
        assert_eq!(out.code, 1);
        assert!(out.stderr.contains(expected), "{}", out.stderr);
        assert_inert(&out.stderr, &message);
        // Even commands that read only headers print the message inertly.
        let out = strata(tmp.path(), &["history"]);
        assert_inert(&out.stdout, "history");
        assert_inert(&out.stderr, "history");
    }
    // Ids and labels: their grammar is plain ASCII; anything else is refused, and shown
    // escaped.
    for (header, expected) in [
        (
            "revision 0001_a labels admin\u{202e}nimda;\n",
            "U+202E (RIGHT-TO-LEFT OVERRIDE) in the file",
        ),
        (
            "revision 0001_a labels x\r\\! touch /tmp/p;\n",
            "a carriage return not followed by a line feed, in the file",
        ),
        (
            "revision 0001_a depends_on \u{1b}[2J;\n",
            "control character U+001B (ESCAPE) in the file",
        ),
    ] {
        let tmp = project(&[("0001_a.mig", header)], None);
        let out = strata(tmp.path(), &["check"]);
        assert_eq!(out.code, 1, "{header:?}");
        assert!(out.stderr.contains(expected), "{header:?}:\n{}", out.stderr);
        assert_inert(&out.stderr, header);
    }
    s.untouched("refused vectors");
}

#[test]
fn author_text_in_every_position_is_inert_on_postgresql() {
    let s = Sentinel::new();
    let bang = s.command();
    // Names of every kind, enum values, defaults, checks, index expressions, messages and
    // raw blocks, each holding psql's meta-commands, comment and quote ends, and
    // dollar-quote tags; a bidi control in a literal is a warning and is written as an
    // escape.
    let first = format!(
        "revision 0001_a message 'ends */ -- {bang} $x$ \\\\ ''q''';\n\
         upgrade {{\n\
         \x20 create schema \"s{bang}\";\n\
         \x20 create type \"s{bang}\".\"e{bang} */\" as enum ('x\\', '{bang} #', '$q$', 'ad\u{202e}min');\n\
         \x20 create table \"s{bang}\".\"t{bang} -- */ $x$\" (\n\
         \x20   \"c{bang}\" text default '{bang} #' check `\"c{bang}\" <> '{bang}'`,\n\
         \x20   \"k\" \"s{bang}\".\"e{bang} */\" default 'ad\u{202e}min',\n\
         \x20   constraint \"ck{bang}\" check `length(\"c{bang}\") < 100 /* {bang} */`\n\
         \x20 );\n\
         \x20 create index \"i{bang}\" on \"s{bang}\".\"t{bang} -- */ $x$\" (`lower(\"c{bang}\")`);\n\
         \x20 assume table \"adopted{bang}\" (id int);\n\
         }}\n"
    );
    // The next revision drops the table and the type, so that the derived downgrade
    // writes notes that name them.
    let second = format!(
        "revision 0002_b parents 0001_a message 'drop';\n\
         upgrade {{\n\
         \x20 drop table \"s{bang}\".\"t{bang} -- */ $x$\";\n\
         \x20 drop type \"s{bang}\".\"e{bang} */\";\n\
         }}\n"
    );
    // TOML literal strings: the backslash is the author's.
    // Raw blocks with the command in a string, a comment and a dollar quote.
    let third = format!(
        "revision 0003_c parents 0002_b message 'raw';\n\
         upgrade {{\n\
         \x20 sql $$ SELECT '{bang}' /* {bang} */ -- {bang}\n $$;\n\
         \x20 sql $q$ SELECT $x$ {bang} $x$ $q$;\n\
         }}\n\
         downgrade {{\n\
         \x20 sql $$ SELECT E'\\\\! {bang}' $$;\n\
         }}\n"
    );
    let config = format!("search_path = 'public, s{bang}'\nmigrations = 'migrations'\n");
    let tmp = project(
        &[
            ("0001_a.mig", &first),
            ("0002_b.mig", &second),
            ("0003_c.mig", &third),
        ],
        Some(&config),
    );
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("U+202E (RIGHT-TO-LEFT OVERRIDE) in a string literal"),
        "{}",
        out.stderr
    );
    assert_inert(&out.stderr, "check");
    let out = strata(tmp.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = tmp.path().join("out/base-0003_c");
    let upgrade = fs::read_to_string(bundle.join("upgrade.sql")).expect("upgrade");
    let downgrade = fs::read_to_string(bundle.join("downgrade.sql")).expect("downgrade");
    // A bidi control is shown, not hidden, in the script; no line of either script holds
    // a raw control or invisible character, in a comment or anywhere else.
    assert!(upgrade.contains("E'ad\\u202Emin'"), "{upgrade}");
    assert_inert(&upgrade, "upgrade.sql");
    assert_inert(&downgrade, "downgrade.sql");

    let server = server();
    // On a database whose strings read backslashes as escapes, an enum value `'x\'`
    // followed by `'\! ... #'` would run the command, but the script sets the reading.
    let database = database_reading_backslashes();
    let up_to_first = strata(tmp.path(), &["upgrade", "0001_a"]);
    assert_eq!(up_to_first.code, 0, "{}", up_to_first.stderr);
    server.apply(&database, &up_to_first.stdout, "upgrade to 0001_a");
    s.untouched("upgrade to 0001_a");
    assert_eq!(
        server.query(
            &database,
            &format!(
                "SET standard_conforming_strings = on; \
                 SELECT enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid \
                 WHERE t.typname = 'e{bang} */' ORDER BY enumsortorder;"
            )
        ),
        [
            "x\\".to_owned(),
            format!("{bang} #"),
            "$q$".into(),
            "ad\u{202e}min".into()
        ]
    );
    for (what, script) in [("upgrade", &upgrade), ("downgrade", &downgrade)] {
        let database = database_reading_backslashes();
        if what == "downgrade" {
            server.apply(&database, &upgrade, "upgrade");
        }
        server.apply(&database, script, what);
        s.untouched(what);
    }
    // The derived downgrade re-creates the table, and its notes name it inertly.
    assert!(downgrade.contains("-- note: "), "{downgrade}");

    // status.sql prints the messages through psql: inert, and it runs no command.
    let status = fs::read_to_string(bundle.join("status.sql")).expect("status");
    assert_inert(&status, "status.sql");
    let database = database_reading_backslashes();
    server.apply(&database, &upgrade, "upgrade before status");
    let printed = server.run(&database, &status);
    let printed = String::from_utf8_lossy(&printed.stdout).into_owned();
    assert_inert(&printed, "what status.sql prints");
    assert!(printed.contains("at: 0003_c: raw\n"), "{printed}");
    s.untouched("status");
    // A stamp names every revision and its message in comments: inert too, and it runs.
    let stamp = strata(tmp.path(), &["stamp", "head"]);
    assert_eq!(stamp.code, 0, "{}", stamp.stderr);
    assert_inert(&stamp.stdout, "stamp");
    assert!(
        stamp.stdout.contains(&format!(
            "-- marked applied: 0001_a: ends */ -- \\{bang} $x$ \\\\\\\\ 'q'"
        )),
        "{}",
        stamp.stdout
    );
    let database = database_reading_backslashes();
    server.apply(&database, &stamp.stdout, "stamp");
    s.untouched("stamp");

    // Stdout scripts hold no path, and nothing from the configuration's folders.
    let out = strata(tmp.path(), &["upgrade", "head"]);
    assert!(!out.stdout.contains(&tmp.path().display().to_string()));
    assert!(out.stdout.starts_with(
        "-- strata upgrade: base -> 0003_c (3 revisions)\n\
         -- generated by strata from the project's sources; do not edit; rebuild with: strata upgrade head\n"
    ));
}

#[test]
fn the_configuration_and_the_command_line_reach_no_script_raw() {
    let s = Sentinel::new();
    let bang = s.command();
    // TOML basic strings: `\n` is a line feed, `\\` one backslash.
    let toml_bang = bang.replace('\\', "\\\\");
    let config = format!(
        "migrations = \"mig\\n{toml_bang} #\"\n\
         lock_timeout = \"1s'; {toml_bang}; --\"\n\
         [version]\n\
         table = \"v\\r\\n{toml_bang} #\"\n\
         history = \"h */ -- {toml_bang}\"\n"
    );
    let tmp = project(&[], Some(&config));
    fs::create_dir_all(tmp.path().join(format!("mig\n{bang} #"))).expect("folder");
    fs::write(
        tmp.path().join(format!("mig\n{bang} #/0001_a.mig")),
        revision("0001_a", None, "create table t (id int);"),
    )
    .expect("file");
    let out = strata(tmp.path(), &["upgrade", "head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The folder's name is nowhere; the lock timeout is a quoted literal, which the
    // server refuses as a value, so the script stops there.
    assert!(!out.stdout.contains("mig\n"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!(
            "SET lock_timeout = E'1s''; {}; --';",
            bang.replace('\\', "\\\\")
        )),
        "{}",
        out.stdout
    );
    let server = server();
    let database = server.database();
    let run = server.run(&database, &out.stdout);
    assert!(!run.status.success());
    s.untouched("configuration values");
    // Without the refused timeout, the version tables of those names are made, quoted.
    let valid = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("SET lock_timeout"))
        .collect::<Vec<_>>()
        .join("\n");
    server.apply(&database, &valid, "the script with hostile version tables");
    s.untouched("version table names");
    assert_eq!(
        server.query(
            &database,
            "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND (relname LIKE 'v%pwned #' OR relname LIKE 'h */%');"
        ),
        ["2"]
    );

    // A range typed with a line break reaches no comment raw either.
    let out = strata(tmp.path(), &["upgrade", &format!("head\n{bang}")]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
    assert_inert(&out.stderr, "a hostile range");
}

#[test]
fn file_and_folder_names_reach_the_terminal_escaped() {
    let tmp = project(
        &[
            (
                "x\u{1b}[2J/0001_a.mig",
                "revision 0001_a;\nupgrade { create tabel t; }\n",
            ),
            ("0002_b\u{202e}.mig", "revision 0002_b\u{202e};\n"),
        ],
        None,
    );
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .contains("migrations/x\\u{1B}[2J/0001_a.mig:2:18: error:"),
        "{}",
        out.stderr
    );
    assert_inert(&out.stderr, "check");
    let out = strata(tmp.path(), &["check", "--format", "json"]);
    assert_inert(&out.stdout, "check --format json");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let files: Vec<&str> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["file"].as_str())
        .collect();
    assert!(files.iter().any(|f| f.contains("x\\u{1B}[2J")), "{files:?}");
}

#[test]
fn long_lines_and_many_findings_print_a_bounded_report() {
    // 20,000 unknown parents on one line, and a line of duplicate statements.
    let parents: Vec<String> = (0..20_000).map(|i| format!("p{i:05}")).collect();
    let header = format!("revision 0001_a parents {};\n", parents.join(", "));
    let duplicates = format!(
        "revision 0002_b;\nupgrade {{ {} }}\n",
        "create table t (id int); ".repeat(5000)
    );
    let tmp = project(
        &[("0001_a.mig", &header), ("0002_b.mig", &duplicates)],
        None,
    );
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.len() < 64 * 1024,
        "{} bytes of diagnostics",
        out.stderr.len()
    );
    assert!(
        out.stderr
            .contains("19980 more of this kind (`unknown-parent`) in this file are not shown"),
        "{}",
        &out.stderr[out.stderr.len().saturating_sub(2000)..]
    );
    for line in out.stderr.lines() {
        assert!(
            line.chars().count() < 400,
            "a line of {} characters",
            line.len()
        );
    }
}

/// The sentinel's path in a vector must hold no space or quote, which would split the
/// meta-command: the temporary folder's path does not.
#[test]
fn the_sentinel_path_is_one_word() {
    let s = Sentinel::new();
    let path = s.path.display().to_string();
    assert!(!path.contains([' ', '\'', '"']), "{path}");
    assert!(Path::new(&path).is_absolute());
}

/// Every statement form the renderer has a template for, with names, values and
/// messages that hold psql's meta-command, comment ends, quote ends and dollar-quote
/// tags, applied to PostgreSQL, reverted to base by the derived and written downgrades,
/// and applied again: no meta-command runs, and base is the empty database again.
#[test]
fn every_statement_form_with_hostile_text_applies_and_reverts() {
    let s = Sentinel::new();
    let bang = s.command();
    // A hostile piece of a name: short enough that names built of two stay readable.
    let h = format!("{bang} */--$q$'");
    let n = |prefix: &str| format!("\"{prefix}{h}\"");
    let n_adopted = n("adopted");
    let n_adopted_type = n("adopted_type");
    let n_ci = n("ci");
    let n_f = n("f");
    let n_i = n("i");
    let n_k = n("k");
    let n_new = n("new");
    let n_other2 = n("other2");
    let n_p1 = n("p1");
    let n_renamed = n("renamed");
    let n_ri = n("ri");
    let n_rk = n("rk");
    let n_seq = n("seq");
    let n_seq2 = n("seq2");
    let n_v = n("v");
    let n_v2 = n("v2");
    let n_mv = n("mv");
    let n_fn = n("fn");
    let n_tg = n("tg");
    let n_pol = n("pol");
    let n_u = n("u");
    let n_x = n("x");
    // The same in a string literal, its quote doubled.
    let hs = h.replace('\'', "''");
    let (schema, kind, table, column, other, partitioned) =
        (n("s"), n("e"), n("t"), n("c"), n("o"), n("p"));
    let first = format!(
        "revision 0001_a message 'create {hs}';\n\
         upgrade {{\n\
         \x20 create schema {schema};\n\
         \x20 create extension citext;\n\
         \x20 create type {schema}.{kind} as enum ('{bang} #', 'x\\', '$q$');\n\
         \x20 create table {schema}.{table} (\n\
         \x20   id bigint generated always as identity primary key,\n\
         \x20   {column} text not null default '{bang}' check `length({column}) < 100`,\n\
         \x20   k {schema}.{kind} default '{bang} #',\n\
         \x20   g text generated always as (`{column} || '{bang}'`) stored,\n\
         \x20   email citext unique,\n\
         \x20   constraint {n_k} check `id > 0`\n\
         \x20 );\n\
         \x20 create table {schema}.{other} (\n\
         \x20   id bigint primary key,\n\
         \x20   t_id bigint references {schema}.{table} (id) on delete cascade,\n\
         \x20   unique (t_id, id),\n\
         \x20   foreign key (id) references {schema}.{table} (id)\n\
         \x20 );\n\
         \x20 create table {schema}.{partitioned} (id bigint, at date) partition by range (at);\n\
         \x20 create table {schema}.{n_p1} partition of {schema}.{partitioned} \
               for values `FROM ('2026-01-01') TO ('2027-01-01')`;\n\
         \x20 create index {n_i} on {schema}.{table} using btree (`lower({column})`, id desc) \
               include (email) where `{column} <> '{bang}'`;\n\
         \x20 assume table {n_adopted} (id int);\n\
         \x20 assume type {n_adopted_type} as enum ('a');\n\
         }}\n"
    );
    let second = format!(
        "revision 0002_b parents 0001_a message 'alter {hs}';\n\
         upgrade {{\n\
         \x20 alter table {schema}.{table} add column {n_new} text default '{bang}';\n\
         \x20 alter table {schema}.{table} rename column {n_new} to {n_renamed};\n\
         \x20 alter table {schema}.{table} alter column {n_renamed} type varchar(200) using `{n_renamed}::varchar(200)`;\n\
         \x20 alter table {schema}.{table} alter column {n_renamed} set not null;\n\
         \x20 alter table {schema}.{table} alter column {n_renamed} drop not null;\n\
         \x20 alter table {schema}.{table} alter column {n_renamed} set default '{hs}';\n\
         \x20 alter table {schema}.{table} alter column {n_renamed} drop default;\n\
         \x20 alter table {schema}.{table} add constraint {n_u} unique ({n_renamed});\n\
         \x20 alter table {schema}.{table} add check `id < 1000000` not valid;\n\
         \x20 alter table {schema}.{other} add constraint {n_f} foreign key (t_id) references {schema}.{table} (id) not valid;\n\
         \x20 alter table {schema}.{other} validate constraint {n_f};\n\
         \x20 alter table {schema}.{table} drop constraint {n_u};\n\
         \x20 alter table {schema}.{table} drop column {n_renamed};\n\
         \x20 alter table {schema}.{other} rename to {n_other2};\n\
         \x20 alter index {schema}.{n_i} rename to {n_ri};\n\
         \x20 alter index {schema}.{n_ri} rename to {n_i};\n\
         \x20 alter table {schema}.{table} rename constraint {n_k} to {n_rk};\n\
         \x20 create sequence {schema}.{n_seq} as integer increment by 3 owned by {schema}.{table}.{column};\n\
         \x20 alter sequence {schema}.{n_seq} cycle;\n\
         \x20 alter sequence {schema}.{n_seq} rename to {n_seq2};\n\
         \x20 alter table {schema}.{table} alter column id drop identity;\n\
         \x20 alter table {schema}.{table} alter column id add generated by default as identity;\n\
         \x20 alter table {schema}.{table} alter column id set generated always;\n\
         \x20 comment on table {schema}.{table} is '{hs} */ {bang}';\n\
         \x20 comment on column {schema}.{table}.{column} is '{hs}';\n\
         \x20 comment on constraint {n_rk} on {schema}.{table} is '{hs}';\n\
         \x20 comment on index {schema}.{n_i} is '{hs}';\n\
         \x20 comment on sequence {schema}.{n_seq2} is '{hs}';\n\
         \x20 comment on type {schema}.{kind} is '{hs}';\n\
         \x20 comment on schema {schema} is '{hs}';\n\
         \x20 create view {schema}.{n_v} as $$ SELECT id, '{hs}' AS \"x{h}\" FROM {schema}.{table} -- trailing\n$$;\n\
         \x20 create materialized view {schema}.{n_mv} as $$ SELECT id FROM {schema}.{table} $$;\n\
         \x20 create unique index on {schema}.{n_mv} (id);\n\
         \x20 refresh materialized view concurrently {schema}.{n_mv};\n\
         \x20 comment on view {schema}.{n_v} is '{hs}';\n\
         \x20 comment on materialized view {schema}.{n_mv} is '{hs}';\n\
         \x20 alter view {schema}.{n_v} rename to {n_v2};\n\
         \x20 create function {schema}.{n_fn}() returns trigger language plpgsql as $fbody$ BEGIN RAISE NOTICE '%', '{hs} $$ $sql$'; RETURN NEW; END $fbody$;\n\
         \x20 create trigger {n_tg} before update of {column} on {schema}.{table} for each row when `NEW.{column} <> '{hs}'` execute function {schema}.{n_fn}('{hs}', '$$');\n\
         \x20 comment on function {schema}.{n_fn}() is '{hs}';\n\
         \x20 comment on trigger {n_tg} on {schema}.{table} is '{hs}';\n\
         \x20 grant usage on schema {schema} to public;\n\
         \x20 grant select, update on {schema}.{table} to public;\n\
         \x20 revoke execute on function {schema}.{n_fn}() from public;\n\
         \x20 alter table {schema}.{table} add constraint {n_x} exclude using btree (`lower({column})` collate \"C\" with =) include (id) where `{column} <> '{hs}'`;\n\
         \x20 comment on constraint {n_x} on {schema}.{table} is '{hs}';\n\
         \x20 alter table {schema}.{table} set (fillfactor = '70', toast.autovacuum_enabled = 'off');\n\
         \x20 alter index {schema}.{n_i} set (fillfactor = 80);\n\
         \x20 alter table {schema}.{table} enable row level security;\n\
         \x20 create policy {n_pol} on {schema}.{table} for select to public using `{column} <> '{hs}'`;\n\
         }}\n"
    );
    let third = format!(
        "revision 0003_c parents 0002_b message 'drop {hs}';\n\
         upgrade {{\n\
         \x20 drop index {schema}.{n_i};\n\
         \x20 drop table {schema}.{n_other2};\n\
         \x20 drop table {schema}.{n_p1};\n\
         \x20 drop table {schema}.{partitioned};\n\
         }}\n"
    );
    let fourth = format!(
        "revision 0004_d parents 0003_c message 'raw {hs}';\n\
         upgrade {{\n\
         \x20 create index concurrently {n_ci} on {schema}.{table} (id);\n\
         }}\n\
         downgrade {{\n\
         \x20 drop index concurrently {schema}.{n_ci};\n\
         }}\n"
    );
    // Enum values cannot be removed: the revision that adds and renames them writes its
    // downgrade, with the raw block.
    let fifth = format!(
        "revision 0005_e parents 0004_d message 'enum {hs}';\n\
         upgrade {{\n\
         \x20 alter type {schema}.{kind} add value '{hs}2' before 'x\\';\n\
         \x20 alter type {schema}.{kind} rename value '$q$' to '{hs}3';\n\
         \x20 sql $x$ UPDATE {schema}.{table} SET {column} = '{bang}' WHERE false $x$;\n\
         }}\n\
         downgrade {{\n\
         \x20 sql $x$ SELECT '{bang}' $x$;\n\
         }}\n"
    );
    // A table a raw block creates, which the model follows; a native drop of its column
    // later derives the column back, its default and check as PostgreSQL's deparser
    // writes them.
    let n_raw = n("raw");
    let n_like = n("like");
    let sixth = format!(
        "revision 0006_f parents 0005_e message 'raw create {hs}';\n\
         upgrade {{\n\
         \x20 sql $x$ CREATE TABLE {schema}.{n_raw} (id int, {column} text DEFAULT '{hs}' CHECK ({column} <> '{hs} */ --')) $x$;\n\
         \x20 sql $x$ CREATE TABLE {schema}.{n_like} (LIKE {schema}.{n_raw}) $x$ assume {{ table {schema}.{n_like} (id int, {column} text); }};\n\
         }}\n\
         downgrade {{\n\
         \x20 sql $x$ DROP TABLE {schema}.{n_like} $x$;\n\
         \x20 sql $x$ DROP TABLE {schema}.{n_raw} $x$;\n\
         }}\n"
    );
    let seventh = format!(
        "revision 0007_g parents 0006_f;\n\
         upgrade {{\n\
         \x20 alter table {schema}.{n_raw} drop column {column};\n\
         }}\n"
    );
    let tmp = project(
        &[
            ("0001_a.mig", &first),
            ("0002_b.mig", &second),
            ("0003_c.mig", &third),
            ("0004_d.mig", &fourth),
            ("0005_e.mig", &fifth),
            ("0006_f.mig", &sixth),
            ("0007_g.mig", &seventh),
        ],
        None,
    );
    let out = strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_inert(&out.stderr, "check");
    let out = strata(tmp.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = tmp.path().join("out/base-0007_g");
    let upgrade = fs::read_to_string(bundle.join("upgrade.sql")).expect("upgrade");
    let downgrade = fs::read_to_string(bundle.join("downgrade.sql")).expect("downgrade");
    assert_inert(&upgrade, "upgrade.sql");
    assert_inert(&downgrade, "downgrade.sql");
    assert!(
        downgrade.contains(&format!(
            "{schema}.{n_raw} ADD COLUMN {column} text DEFAULT E'"
        )),
        "the model followed the raw table, and the derived downgrade writes its default"
    );
    assert!(upgrade.contains("-- made by the raw SQL above: table "));
    assert!(
        downgrade.contains("-- note: "),
        "the derived downgrade notes a dropped table"
    );

    let server = server();
    let database = database_reading_backslashes();
    let empty = server.dump(&database);
    server.apply(&database, &upgrade, "upgrade");
    s.untouched("upgrade");
    let upgraded = server.dump(&database);
    server.apply(&database, &downgrade, "downgrade");
    s.untouched("downgrade");
    // Base again, but for the version tables the scripts keep.
    let reverted = server.dump(&database);
    assert!(!reverted.contains("CREATE SCHEMA"), "{reverted}");
    assert!(!reverted.contains("citext"), "{reverted}");
    assert_ne!(empty, reverted);
    server.apply(&database, &upgrade, "upgrade again");
    s.untouched("upgrade again");
    assert_eq!(server.dump(&database), upgraded);
}

#[test]
fn merge_conflicts_name_hostile_objects_inertly() {
    // A column whose quoted name holds quotes, a backslash, a percent sign and a
    // psql-looking word; and a bidi control in a literal (a warning where it stands).
    let column = "\"a\"\"b\\\\c%:x \\\\! y\"";
    let files = [
        (
            "0001_t.mig",
            revision("0001_t", None, "  create table t (id int primary key);"),
        ),
        (
            "0002_a.mig",
            revision(
                "0002_a",
                Some("0001_t"),
                &format!("  alter table t add column {column} text default '\u{202E}';"),
            ),
        ),
        (
            "0002_b.mig",
            revision(
                "0002_b",
                Some("0001_t"),
                &format!("  alter table t add column {column} int;"),
            ),
        ),
    ];
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let tmp = crate::support::project(&files, None);
    let out = strata(tmp.path(), &["merge", "heads", "-m", "join"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert_inert(&out.stderr, "merge");
    assert!(
        out.stderr
            .contains("column `t.a\"b\\\\c%:x \\\\! y`: both branches create it"),
        "{}",
        out.stderr
    );
    fs::write(
        tmp.path().join("migrations/0003_m.mig"),
        "revision 0003_m parents 0002_a, 0002_b;\n",
    )
    .expect("write");
    let out = strata(tmp.path(), &["check", "--format", "json"]);
    assert_eq!(out.code, 1);
    assert_inert(&out.stdout, "check --format json");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let messages: Vec<&str> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        messages.contains(&"`0002_a` and `0002_b` cannot both be applied: column `t.a\"b\\\\c%:x \\\\! y`: both branches create it"),
        "{messages:?}"
    );
}

#[test]
fn lint_findings_name_hostile_objects_and_paths_inertly_in_every_format() {
    // A column name and a folder name built to end a GitHub command and start another,
    // to smuggle an escape GitHub would decode (`%0A`), and to break a property list.
    let column = "\"x%0A::error file=evil::pwned,y:z\"";
    let base = format!(
        "revision 0001_a;\nupgrade {{\n  create table t (id bigint primary key, {column} text);\n}}\n"
    );
    let change = format!(
        "revision 0002_b parents 0001_a;\nupgrade {{\n  alter table t drop column {column};\n}}\n"
    );
    let files = [
        ("0001_a.mig", base.as_str()),
        ("a,b:c%0A::x/0002_b.mig", change.as_str()),
    ];
    let tmp = project(&files, Some("lock_timeout = '1s'\n"));
    let dir = tmp.path();
    let out = strata(dir, &["lint", "--format", "github"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(
        out.stdout.starts_with(
            "::warning file=migrations/a%2Cb%3Ac%250A%3A%3Ax/0002_b.mig,line=3,col=3,title=strata drop-column::dropping column `t.\"x%250A::error file=evil::pwned,y:z\"` breaks"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("%0A::error"), "{}", out.stdout);
    let out = strata(dir, &["lint", "--format", "sarif"]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let uri = &value["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        ["artifactLocation"]["uri"];
    assert_eq!(uri, "migrations/a%2Cb%3Ac%250A%3A%3Ax/0002_b.mig");
    for format in ["text", "json", "sarif", "github"] {
        let out = strata(dir, &["lint", "--format", format]);
        assert_inert(&out.stdout, format);
    }
}

#[test]
fn a_revision_setting_is_one_quoted_value() {
    // A value written to end the literal and run a statement of its own.
    let files = [
        (
            "0001_t.mig",
            "revision 0001_t;\nupgrade {\n  create table t (id bigint primary key);\n}\n",
        ),
        (
            "0002_s.mig",
            "revision 0002_s parents 0001_t;\nupgrade {\n  set lock_timeout = '1s''; DROP TABLE t; --';\n  alter table t add column a text;\n}\n",
        ),
    ];
    let tmp = project(&files, None);
    let out = strata(tmp.path(), &["upgrade", "0001_t:head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out
        .stdout
        .contains("\nSET LOCAL lock_timeout = '1s''; DROP TABLE t; --';\n"));
    // PostgreSQL reads one value, refuses it, and the table stays.
    let database = server().database();
    let first = strata(tmp.path(), &["upgrade", "0001_t"]);
    server().apply(&database, &first.stdout, "0001_t");
    let run = server().run(&database, &out.stdout);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr)
        .contains("invalid value for parameter \"lock_timeout\""));
    assert_eq!(server().query(&database, "SELECT count(*) FROM t;"), ["0"]);
}

/// `fmt` writes an author's file back to the author, and prints only paths and
/// diagnostics: a hostile comment, name or body keeps its bytes (laid out, never
/// laundered nor executed), a hostile path or syntax error reaches the terminal escaped,
/// and a layout never joins a line comment to the code after it.
#[test]
fn fmt_keeps_hostile_text_byte_for_byte_and_prints_it_escaped() {
    let hostile = "revision 0001_a; upgrade { -- \u{1b}[2J clears \u{202e} the screen\n\
                   create table \"t\u{1b}]0;x\u{7}\" (a text default 'x\\''; \\! touch /tmp/pwned'); \
                   sql $$ SELECT 1 -- $$;\n\
                   }\n";
    let tmp = project(
        &[
            ("0001_a.mig", hostile),
            (
                "y\u{1b}[2J/0002_b.mig",
                "revision 0002_b parents 0001_a; upgrade { create table u (\u{1b}[31m int); }\n",
            ),
        ],
        None,
    );
    let out = strata(tmp.path(), &["fmt"]);
    assert_inert(&out.stdout, "fmt");
    assert_inert(&out.stderr, "fmt");
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stdout, "migrations/0001_a.mig\n");
    assert!(
        out.stderr
            .starts_with("migrations/y\\u{1B}[2J/0002_b.mig:1:59: error: control character U+001B"),
        "{}",
        out.stderr
    );
    let formatted = fs::read_to_string(tmp.path().join("migrations/0001_a.mig")).expect("read");
    assert_eq!(
        formatted,
        "revision 0001_a;\n\nupgrade { -- \u{1b}[2J clears \u{202e} the screen\n  \
         create table \"t\u{1b}]0;x\u{7}\" (\n    a text default 'x\\''; \\! touch /tmp/pwned'\n  );\n  \
         sql $$ SELECT 1 -- $$;\n}\n"
    );
    // The layout says what the file said, so `check` finds the same problems in both.
    let before = project(&[("0001_a.mig", hostile)], None);
    let after = project(&[("0001_a.mig", &formatted)], None);
    let codes = |dir: &Path| {
        let out = strata(dir, &["check", "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
        report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| (f["code"].to_string(), f["message"].to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(before.path()), codes(after.path()));
    assert!(!codes(before.path()).is_empty());
}
