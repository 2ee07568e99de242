//! Where the configuration is found: `--config`, the working directory's `strata.toml`,
//! else the nearest one from the migrations folder up to the repository's root; two
//! that disagree are an error; the one used is named by `check` and the manifest.

use std::fs;

use pretty_assertions::assert_eq;

use crate::support::{project, strata};

const REVISION: &str = "revision 0001_a;\nupgrade {\n  create table t (id int);\n}\n";
const CONFIG: &str = "lock_timeout = \"7s\"\n[version]\nlayout = \"alembic\"\n";

#[test]
fn a_project_run_from_elsewhere_uses_the_configuration_beside_its_migrations() {
    let tmp = project(&[("0001_a.mig", REVISION)], Some(CONFIG));
    // A repository root above the project: the search stops there.
    fs::create_dir(tmp.path().join(".git")).expect(".git");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("migrations");
    let dir = dir.to_str().expect("a UTF-8 path");
    let out = strata(elsewhere.path(), &["--dir", dir, "upgrade", "head"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("SET lock_timeout = '7s';"));
    assert!(out.stdout.contains("alembic_version"));
    let out = strata(elsewhere.path(), &["--dir", dir, "check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.ends_with("configuration: strata.toml\n"),
        "{}",
        out.stdout
    );
    let out = strata(
        elsewhere.path(),
        &["--dir", dir, "check", "--format", "json"],
    );
    assert!(out.stdout.contains("\"configuration\": \"strata.toml\""));
    // `out` is the configuration's folder's: the bundle lands in the project.
    let out = strata(elsewhere.path(), &["--dir", dir, "build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let manifest = fs::read_to_string(tmp.path().join("out/base-0001_a/manifest.json"))
        .expect("the bundle is in the project");
    assert!(
        manifest.contains("\"configuration\": \"strata.toml\""),
        "{manifest}"
    );
    assert!(!elsewhere.path().join("out").exists());
}

#[test]
fn the_search_stops_at_the_repository_root() {
    let outer = tempfile::tempdir().expect("temp dir");
    fs::write(outer.path().join("strata.toml"), CONFIG).expect("config");
    let repository = outer.path().join("repo");
    fs::create_dir_all(repository.join(".git")).expect(".git");
    fs::create_dir_all(repository.join("migrations")).expect("migrations");
    fs::write(repository.join("migrations/0001_a.mig"), REVISION).expect("revision");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let dir = repository.join("migrations");
    let out = strata(
        elsewhere.path(),
        &["--dir", dir.to_str().expect("UTF-8"), "check"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.ends_with("configuration: none (the defaults)\n"));
}

#[test]
fn two_configurations_that_disagree_are_an_error_and_two_that_agree_are_not() {
    let tmp = project(&[("0001_a.mig", REVISION)], Some(CONFIG));
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("migrations");
    let dir = dir.to_str().expect("UTF-8");
    fs::write(
        elsewhere.path().join("strata.toml"),
        "lock_timeout = \"1s\"\n",
    )
    .expect("config");
    let out = strata(elsewhere.path(), &["--dir", dir, "check"]);
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!(
            "strata: error: two configurations apply and disagree: `strata.toml` (the working \
             directory's) and `{}` (the migrations folder's); name the one to use with \
             `--config FILE`\n",
            tmp.path().join("strata.toml").display()
        )
    );
    // `--config` settles it.
    let out = strata(
        elsewhere.path(),
        &["--dir", dir, "--config", "strata.toml", "check"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    // The same settings in both: no question.
    fs::write(elsewhere.path().join("strata.toml"), CONFIG).expect("config");
    let out = strata(elsewhere.path(), &["--dir", dir, "check"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}
