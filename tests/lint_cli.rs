//! `strata lint` through the real binary: its formats (SARIF checked against the 2.1.0
//! schema's model, GitHub annotations, JSON), its error paths with their exact messages
//! and exit codes, and the lint in `check` and `build` (hostile names: tests/hostile.rs).

use pretty_assertions::assert_eq;

use crate::support::{assert_golden, project, repo_root, strata};

/// A fixture with findings of several rules, notes among them.
fn fixture() -> std::path::PathBuf {
    repo_root().join("tests/cases/lint/raw-blocks/fires")
}

#[test]
fn sarif_follows_the_2_1_0_schema() {
    let out = strata(&fixture(), &["lint", "--format", "sarif"]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    // The schema's model (serde-sarif, generated from sarif-schema-2.1.0.json) reads it
    // whole: every required property is there, with its type and enumerated values; and
    // written back it is the same document, so no property is misspelled or misplaced.
    let log: serde_sarif::sarif::Sarif =
        serde_json::from_value(value.clone()).expect("a SARIF 2.1.0 log");
    assert_eq!(serde_json::to_value(&log).expect("serializes"), value);
    assert_eq!(value["version"], "2.1.0");
    let runs = value["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "strata");
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), strata::lint::Rule::ALL.len());
    for rule in rules {
        assert!(rule["shortDescription"]["text"].is_string(), "{rule}");
        assert!(
            rule["help"]["text"]
                .as_str()
                .is_some_and(|t| t.contains("docs/lint/")),
            "{rule}"
        );
    }
    let results = runs[0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 13);
    for result in results {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["level"], "warning");
        let location = &result["locations"][0]["physicalLocation"];
        assert!(location["artifactLocation"]["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("migrations/")));
        assert!(location["region"]["startLine"].as_u64() >= Some(1));
        assert!(
            location["region"]["endColumn"].as_u64() > location["region"]["startColumn"].as_u64()
        );
    }
    // A note's place is a related location.
    assert!(results.iter().any(|r| r["relatedLocations"].is_array()));
}

#[test]
fn every_format_of_one_project_matches_its_golden() {
    let goldens = repo_root().join("tests/cases/cli");
    for (format, golden) in [
        ("json", "lint_json.txt"),
        ("github", "lint_github.txt"),
        ("text", "lint_text.txt"),
    ] {
        let out = strata(&fixture(), &["lint", "--format", format]);
        assert_eq!(out.code, 0, "{format}: {}", out.stderr);
        assert_golden(&goldens.join(golden), &out.stdout);
    }
    let out = strata(&fixture(), &["lint", "--rules"]);
    assert_eq!(out.code, 0);
    assert_golden(&goldens.join("lint_rules.txt"), &out.stdout);
}

#[test]
fn a_denied_finding_fails_lint_check_and_build() {
    let base = std::fs::read_to_string(
        repo_root().join("tests/cases/lint/create-index-blocks/fires/migrations/0001_base.mig"),
    )
    .expect("base");
    let change = "revision 0002_c parents 0001_base;\nupgrade {\n  create index users_email_idx on users (email);\n}\n";
    let files = [("0001_base.mig", base.as_str()), ("0002_c.mig", change)];
    let config = "lock_timeout = '1s'\n[lint]\ncreate-index-blocks = \"deny\"\n";
    let tmp = project(&files, Some(config));
    let dir = tmp.path();
    let out = strata(dir, &["lint", "--format", "github"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout.starts_with(
            "::error file=migrations/0002_c.mig,line=3,col=3,title=strata create-index-blocks::index built on `users` without `concurrently`%0Anote: "
        ),
        "{}",
        out.stdout
    );
    let out = strata(dir, &["check"]);
    assert_eq!(out.code, 1);
    assert!(out
        .stderr
        .contains("error[create-index-blocks]: index built on `users` without `concurrently`"));
    // The bundle from a database that has `users` is denied, and nothing is written;
    // the bundle from base creates `users` itself, where the statement is exempt.
    let out = strata(dir, &["build", "--from", "0001_base", "--to", "head"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    assert!(!dir.join("out").exists(), "a denied build writes nothing");
    assert_eq!(strata(dir, &["build"]).code, 0);
    // In a range that creates the table, the same statement is exempt: the build of
    // the whole range passes, as does `lint base:head`; the revision on its own does not.
    let change = "revision 0002_c parents 0001_base;\nupgrade {\n  create table tags (id bigint generated always as identity primary key, label text);\n}\n";
    let third = "revision 0003_c parents 0002_c;\nupgrade {\n  create index tags_label_idx on tags (label);\n}\n";
    let files = [
        ("0001_base.mig", base.as_str()),
        ("0002_c.mig", change),
        ("0003_c.mig", third),
    ];
    let tmp = project(&files, Some(config));
    let dir = tmp.path();
    assert_eq!(strata(dir, &["lint", "base:head"]).code, 0);
    assert_eq!(strata(dir, &["lint", "0002_c:head"]).code, 1);
    assert_eq!(strata(dir, &["lint"]).code, 1);
    let out = strata(dir, &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = strata(dir, &["build", "--from", "0002_c", "--to", "head"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

/// `strata lint` in a project with `config` as its strata.toml.
fn with_config(config: &str, args: &[&str]) -> crate::support::Output {
    let files = [(
        "0001_a.mig",
        "revision 0001_a;\nupgrade {\n  create table t (id bigint primary key);\n}\n",
    )];
    let tmp = project(&files, Some(config));
    strata(tmp.path(), args)
}

#[test]
fn a_bad_lint_configuration_or_range_is_refused_with_exit_2() {
    let cases = [
        (
            "[lint]\ncreate-index-block = \"deny\"\n",
            vec!["lint"],
            "strata: error: `strata.toml`: `lint.create-index-block` is not a lint rule (did you mean `create-index-blocks`?); `strata lint --rules` lists them\n",
        ),
        (
            "[lint]\npostgres = 9\n",
            vec!["check"],
            "strata: error: `strata.toml`: `lint.postgres` is 9; strata's rules know PostgreSQL 10 to 18\n",
        ),
        (
            "[lint]\ncreate-index-blocks = \"forbid\"\n",
            vec!["lint"],
            "strata: error: `strata.toml`: `lint.create-index-blocks` is `forbid`; a level is `allow`, `warn` or `deny`\n",
        ),
        (
            "[lint]\nall = \"strict\"\n",
            vec!["build"],
            "strata: error: `strata.toml`: `lint.all` is `strict`; a level is `allow`, `warn` or `deny`\n",
        ),
        (
            "",
            vec!["lint", "nowhere:head"],
            "strata: error: unknown revision `nowhere`\n",
        ),
    ];
    for (config, args, expected) in cases {
        let out = with_config(config, &args);
        assert_eq!(out.code, 2, "{config:?}: {}", out.stderr);
        assert_eq!(out.stdout, "");
        assert_eq!(out.stderr, expected, "{config:?}");
    }
}

#[test]
fn the_example_project_lints_clean_with_reasoned_suppressions() {
    let root = repo_root();
    let out = strata(&root, &["--dir", "migrations", "lint"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            0,
            "migrations: 17 revisions linted: 0 findings (0 denied)\n",
            ""
        )
    );
    // Every suppression it needs says why (an `allow` without a reason is an error, so
    // this counts them: the example shows the feature, and none is left unused).
    let suppressions = crate::support::files_with_extension(&root.join("migrations"), "mig")
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("a revision"))
        .map(|text| text.matches("-- strata: allow(").count())
        .sum::<usize>();
    assert_eq!(suppressions, 6);
}

#[test]
fn a_broken_project_is_reported_in_the_format_asked_for() {
    // A graph error (an unknown parent) stops the lint before the bodies: it is still
    // in the SARIF log and the annotations, and the exit status is 1.
    let files = [(
        "0002_b.mig",
        "revision 0002_b parents 0001_gone;\nupgrade {\n  create table t (id bigint primary key);\n}\n",
    )];
    let tmp = project(&files, None);
    let out = strata(tmp.path(), &["lint", "--format", "github"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "::error file=migrations/0002_b.mig,line=1,col=25,title=strata unknown-parent::unknown parent revision `0001_gone`: no file declares it\n"
    );
    let out = strata(tmp.path(), &["lint", "--format", "sarif"]);
    assert_eq!(out.code, 1);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let result = &value["runs"][0]["results"][0];
    assert_eq!(
        (&result["ruleId"], &result["level"]),
        (&"unknown-parent".into(), &"error".into())
    );
}
