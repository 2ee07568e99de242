//! PostgreSQL's own names for unnamed constraints, indexes and identity sequences,
//! compared on a live server: the names the schema model chooses for `.mig` tables equal
//! those PostgreSQL gives the same tables written as plain SQL without names.
//! Includes names long enough to be truncated and names that collide.

use std::collections::BTreeSet;

use strata::graph::RevisionGraph;
use strata::project;
use strata::schema::model::Model;
use strata::schema::replay::{self, Options};
use strata::syntax::Depth;

use crate::pg::server;

/// Each case: the tables in `.mig`, and the same tables in plain SQL.
const CASES: &[(&str, &str)] = &[
    // Key constraints declared twice on the same columns: PostgreSQL keeps one (the
    // primary key, else the first), which takes the other's name when it has none; the
    // same columns in another order are another index.
    (
        "create table k1 (a int unique, unique (a), b int, c int, unique (b, c), unique (c, b));
         create table k2 (a int unique, constraint named_u unique (a));
         create table k3 (a int primary key unique, b int constraint first_u unique, constraint second_u unique (b));",
        "create table k1 (a int unique, unique (a), b int, c int, unique (b, c), unique (c, b));
         create table k2 (a int unique, constraint named_u unique (a));
         create table k3 (a int primary key unique, b int constraint first_u unique, constraint second_u unique (b));",
    ),
    // Renames: an index behind a key takes its constraint along, and a constraint its
    // index (the model must not drift from the catalog after either).
    (
        "create table pledges (id bigint primary key, code text unique, amount int check `amount > 0`);
         create index on pledges (amount);
         alter index pledges_pkey rename to rewards_pkey;
         alter index pledges_amount_idx rename to pledges_by_amount;
         alter table pledges rename constraint pledges_code_key to pledges_code_uniq;
         alter table pledges rename constraint pledges_amount_check to pledges_positive;",
        "create table pledges (id bigint primary key, code text unique, amount int check (amount > 0));
         create index on pledges (amount);
         alter index pledges_pkey rename to rewards_pkey;
         alter index pledges_amount_idx rename to pledges_by_amount;
         alter table pledges rename constraint pledges_code_key to pledges_code_uniq;
         alter table pledges rename constraint pledges_amount_check to pledges_positive;",
    ),
    (
        "create table orders (id bigint generated always as identity primary key, code text unique, \
           total numeric check `total >= 0`, a int, b int, check `a < b`, unique (a, b));
         create index on orders (code);
         create index on orders (code);
         create index on orders (`lower(code)`, `a + b`, a);
         create unique index on orders (total) include (a);",
        "create table orders (id bigint generated always as identity primary key, code text unique,
           total numeric check (total >= 0), a int, b int, check (a < b), unique (a, b));
         create index on orders (code);
         create index on orders (code);
         create index on orders (lower(code), (a + b), a);
         create unique index on orders (total) include (a);",
    ),
    (
        "create table customers (id bigint primary key, email text);
         create table pairs (x bigint, y bigint, primary key (x, y));
         create table invoices (id bigint primary key, customer_id bigint references customers,
           c int check `c > 0` check `c < 10`, foreign key (id, customer_id) references pairs);",
        "create table customers (id bigint primary key, email text);
         create table pairs (x bigint, y bigint, primary key (x, y));
         create table invoices (id bigint primary key, customer_id bigint references customers,
           c int check (c > 0) check (c < 10), foreign key (id, customer_id) references pairs);",
    ),
    (
        "create table a_table_with_a_rather_long_name_for_postgresql_naming_rules (
           a_column_with_a_rather_long_name_too_for_the_truncation_tests integer primary key,
           another_column_with_a_long_name_for_the_truncation_tests integer unique,
           third_col integer check `third_col > 0`);
         create index on a_table_with_a_rather_long_name_for_postgresql_naming_rules
           (a_column_with_a_rather_long_name_too_for_the_truncation_tests, third_col);
         create index on a_table_with_a_rather_long_name_for_postgresql_naming_rules
           (a_column_with_a_rather_long_name_too_for_the_truncation_tests, third_col);",
        "create table a_table_with_a_rather_long_name_for_postgresql_naming_rules (
           a_column_with_a_rather_long_name_too_for_the_truncation_tests integer primary key,
           another_column_with_a_long_name_for_the_truncation_tests integer unique,
           third_col integer check (third_col > 0));
         create index on a_table_with_a_rather_long_name_for_postgresql_naming_rules
           (a_column_with_a_rather_long_name_too_for_the_truncation_tests, third_col);
         create index on a_table_with_a_rather_long_name_for_postgresql_naming_rules
           (a_column_with_a_rather_long_name_too_for_the_truncation_tests, third_col);",
    ),
    (
        // A name a later default would take is already a table's: PostgreSQL numbers.
        "create table t_x_key (id int);
         create table t (x int unique, y int);
         alter table t add unique (y);
         alter table t add check `y > 0`;
         alter table t add foreign key (x) references t (x);",
        "create table t_x_key (id int);
         create table t (x int unique, y int);
         alter table t add unique (y);
         alter table t add check (y > 0);
         alter table t add foreign key (x) references t (x);",
    ),
];

/// The names the model holds: constraints, indexes, identity sequences.
fn model_names(model: &Model) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for t in model.tables.values() {
        for c in &t.constraints {
            names.insert(format!("constraint {}", c.name));
            if c.has_index() {
                names.insert(format!("relation {}", c.name));
            }
        }
        for column in &t.columns {
            if let Some(sequence) = &column.sequence {
                names.insert(format!("relation {sequence}"));
            }
        }
    }
    for name in model.indexes.keys() {
        names.insert(format!("relation {}", name.name()));
    }
    names
}

/// A project of one revision whose upgrade is `mig`.
fn one_revision(mig: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).expect("folder");
    std::fs::write(
        migrations.join("0001_names.mig"),
        format!("revision 0001_names;\nupgrade {{\n{mig}\n}}\n"),
    )
    .expect("write");
    dir
}

fn model_after(mig: &str) -> Model {
    let dir = one_revision(mig);
    let migrations = dir.path().join("migrations");
    let project = project::load(&migrations, Depth::Full).expect("loads");
    assert!(project.diagnostics.is_empty(), "{:?}", project.diagnostics);
    let (graph, diagnostics) = RevisionGraph::build(&project);
    assert!(diagnostics.is_empty());
    let node = graph.replay_order()[0];
    let options = Options {
        keep: vec![node],
        ..Options::default()
    };
    let (replay, diagnostics) = replay::replay(&project, &graph, &options);
    // Warnings (a key declared twice) are allowed; errors are not.
    let rendered: Vec<String> = diagnostics
        .iter()
        .filter(|d| d.severity == strata::diagnostic::Severity::Error)
        .map(|d| d.render(&project.sources))
        .collect();
    assert!(rendered.is_empty(), "{}", rendered.join(""));
    replay.model_after(node).expect("kept").clone()
}

fn catalog_names(sql: &str) -> BTreeSet<String> {
    let server = server();
    let database = server.database();
    server.query(&database, sql);
    let mut names: BTreeSet<String> = server
        .query(
            &database,
            "SELECT 'constraint ' || conname FROM pg_constraint \
             WHERE connamespace = 'public'::regnamespace AND contype IN ('p', 'u', 'c', 'f');",
        )
        .into_iter()
        .collect();
    names.extend(server.query(
        &database,
        "SELECT 'relation ' || relname FROM pg_class \
         WHERE relnamespace = 'public'::regnamespace AND relkind IN ('i', 'S');",
    ));
    names
}

/// The `.mig` tables through strata's own SQL: what the catalog holds after it.
fn catalog_names_after_strata(mig: &str) -> BTreeSet<String> {
    let dir = one_revision(mig);
    let out = crate::support::strata(dir.path(), &["upgrade", "head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let mut names = catalog_names(&out.stdout);
    // strata's own bookkeeping tables are not part of the comparison.
    names.retain(|n| !n.contains("strata_"));
    names
}

#[test]
fn default_names_match_postgresql() {
    for (mig, sql) in CASES {
        let ours = model_names(&model_after(mig));
        let theirs = catalog_names(sql);
        pretty_assertions::assert_eq!(ours, theirs, "the model's names, for:\n{mig}");
        let through_strata = catalog_names_after_strata(mig);
        pretty_assertions::assert_eq!(through_strata, theirs, "after strata's SQL, for:\n{mig}");
    }
}

#[test]
fn identifiers_are_quoted_exactly_as_postgresql_quotes_them() {
    let server = server();
    let database = server.database();
    let words = server.query(&database, "SELECT word FROM pg_get_keywords();");
    // PostgreSQL's quote_ident also quotes a `$` inside a name, which BUNDLES.md 2.1 lets
    // stand bare (`x$` is a valid unquoted identifier); such names are left out here.
    let samples = [
        "users", "Users", "1st", "a b", "a\"b", "$x", "_u", "ñ", "x1_y",
    ];
    for word in words.iter().map(String::as_str).chain(samples) {
        let quoted = server.query(
            &database,
            &format!("SELECT quote_ident({});", strata::quote::literal(word)),
        );
        assert_eq!(strata::quote::ident(word), quoted.join("\n"), "{word}");
    }
}
