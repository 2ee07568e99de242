//! Bundles through the real binary: contents, checksums, verify, determinism, atomicity.

use std::fs;
use std::path::Path;

use pretty_assertions::assert_eq;

use crate::support::{repo_root, strata};

const NAME: &str = "base-0017_agent_activity";

fn copy_migrations(to: &Path, reverse: bool) {
    let from = repo_root().join("migrations");
    let mut files: Vec<_> = fs::read_dir(&from)
        .expect("migrations")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    if reverse {
        files.reverse();
    }
    let dir = to.join("migrations");
    fs::create_dir_all(&dir).expect("folder");
    for file in files {
        fs::copy(&file, dir.join(file.file_name().expect("a name"))).expect("copy");
    }
    // The project's settings (its lock_timeout is in every script).
    fs::copy(repo_root().join("strata.toml"), to.join("strata.toml")).expect("strata.toml");
}

/// `sha256sum -c SHA256SUMS` passes in the bundle folder.
fn assert_checksums_pass(bundle: &Path) {
    let sums = std::process::Command::new("sha256sum")
        .args(["-c", "SHA256SUMS"])
        .current_dir(bundle)
        .output()
        .expect("sha256sum runs");
    assert!(
        sums.status.success(),
        "{}",
        String::from_utf8_lossy(&sums.stdout)
    );
}

fn listing(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("bundle")
        .map(|e| {
            let path = e.expect("entry").path();
            let name = path
                .file_name()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            (name, fs::read(&path).expect("read"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn a_bundle_is_the_same_bytes_from_any_checkout() {
    let first = tempfile::tempdir().expect("temp dir");
    let second = tempfile::tempdir().expect("temp dir");
    copy_migrations(first.path(), false);
    // Another absolute path, files created in the other order, another folder layout.
    copy_migrations(&second.path().join("deep/er"), true);
    let out = strata(first.path(), &["build"]);
    assert_eq!(out.stdout, format!("wrote out/{NAME}\n"), "{}", out.stderr);
    let out = strata(&second.path().join("deep/er"), &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let a = listing(&first.path().join("out").join(NAME));
    let b = listing(&second.path().join("deep/er/out").join(NAME));
    assert_eq!(
        a.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        [
            "SHA256SUMS",
            "downgrade.sql",
            "manifest.json",
            "status.sql",
            "upgrade.sql"
        ]
    );
    assert!(a == b, "the two bundles differ");
    // The committed bundle of the example project is current.
    assert!(
        a == listing(&repo_root().join("out").join(NAME)),
        "out/{NAME} is stale: run `make run`"
    );
}

#[test]
fn checksums_pass_and_verify_names_every_difference() {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_migrations(tmp.path(), false);
    assert_eq!(strata(tmp.path(), &["build"]).code, 0);
    let bundle = tmp.path().join("out").join(NAME);
    assert_checksums_pass(&bundle);

    let bundle_arg = format!("out/{NAME}");
    let out = strata(tmp.path(), &["verify", &bundle_arg]);
    assert_eq!(
        out.stdout,
        format!("out/{NAME}: the bundle matches its sources\n")
    );
    assert_eq!(out.code, 0);

    // One changed byte of SQL.
    let upgrade = bundle.join("upgrade.sql");
    let original = fs::read(&upgrade).expect("read");
    let mut edited = original.clone();
    let at = edited.iter().position(|&b| b == b'C').expect("a C");
    edited[at] = b'c';
    fs::write(&upgrade, &edited).expect("write");
    let out = strata(tmp.path(), &["verify", &bundle_arg]);
    // Where: the first line that differs, each side's, then a short unified diff.
    let text = String::from_utf8_lossy(&original);
    let number = text[..at].matches('\n').count() + 1;
    let line = text.lines().nth(number - 1).expect("the line");
    let changed = line.replacen('C', "c", 1);
    assert_eq!(
        out.stderr.lines().take(6).collect::<Vec<_>>(),
        [
            format!(
                "out/{NAME}: `upgrade.sql` differs from what the sources and options give, from \
                 line {number}:"
            ),
            format!("  in the bundle:  {changed}"),
            format!("  rebuilt:        {line}"),
            "--- rebuilt from the sources".to_owned(),
            "+++ in the bundle".to_owned(),
            out.stderr
                .lines()
                .nth(5)
                .filter(|l| l.starts_with("@@ -"))
                .unwrap_or("@@")
                .to_owned(),
        ]
    );
    assert!(out.stderr.contains(&format!("\n-{line}\n+{changed}\n")));
    assert_eq!(out.code, 1);
    fs::write(&upgrade, &original).expect("restore");

    // Other options than those recorded.
    let manifest = bundle.join("manifest.json");
    let text = fs::read_to_string(&manifest).expect("read");
    fs::write(
        &manifest,
        text.replace(
            "\"default_schema\": \"public\"",
            "\"default_schema\": \"app\"",
        ),
    )
    .expect("write");
    let out = strata(tmp.path(), &["verify", &bundle_arg]);
    assert!(
        out.stderr
            .contains("the bundle was built with other options"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 1);
    fs::write(&manifest, text).expect("restore");

    // A changed source.
    let source = tmp.path().join("migrations/0003_sessions.mig");
    let mut text = fs::read_to_string(&source).expect("read");
    text.push_str("-- a comment changes the source all the same\n");
    fs::write(&source, text).expect("write");
    let out = strata(tmp.path(), &["verify", &bundle_arg]);
    assert!(
        out.stderr.contains("the source of `0003_sessions` (0003_sessions.mig) has changed since the bundle was built"),
        "{}",
        out.stderr
    );
    assert_eq!(out.code, 1);
}

#[test]
fn a_failed_build_leaves_nothing_behind_and_the_old_bundle_as_it_was() {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_migrations(tmp.path(), false);
    assert_eq!(strata(tmp.path(), &["build"]).code, 0);
    let out_dir = tmp.path().join("out");
    let before = listing(&out_dir.join(NAME));
    // A project with an error: nothing is written.
    fs::write(
        tmp.path().join("migrations/0018_broken.mig"),
        "revision 0018_broken parents 0017_agent_activity;\nupgrade { drop table nope; }\n",
    )
    .expect("write");
    let out = strata(tmp.path(), &["build"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.stdout, "");
    assert_eq!(listing(&out_dir.join(NAME)), before);
    let entries: Vec<String> = fs::read_dir(&out_dir)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, [NAME], "no temporary folder is left");
}

/// The manifest is written in pieces (its revisions while the downgrade is put in
/// order); the pieces must make the one canonical pretty-printed document.
#[test]
fn the_manifest_is_canonical_json_for_any_range() {
    let project = tempfile::tempdir().expect("temp dir");
    copy_migrations(project.path(), false);
    for (from, to) in [
        ("base", "head"),
        ("0005_agents", "0009_merge_templates"),
        ("head", "head"),
    ] {
        let out = strata(
            project.path(),
            &["build", "--from", from, "--to", to, "--name", "b"],
        );
        assert_eq!(out.code, 0, "{}", out.stderr);
        let text = fs::read_to_string(project.path().join("out/b/manifest.json")).expect("read");
        let manifest: strata::bundle::Manifest = serde_json::from_str(&text).expect("a manifest");
        let canonical = serde_json::to_string_pretty(&manifest).expect("json") + "\n";
        assert_eq!(text, canonical, "{from}:{to}");
    }
}

#[test]
fn build_writes_only_a_folder_of_its_own() {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_migrations(tmp.path(), false);
    fs::create_dir_all(tmp.path().join("out/keep")).expect("another bundle's place");
    fs::write(tmp.path().join("out/keep/notes.txt"), "mine").expect("a file");
    for (name, why) in [
        ("", "it is empty"),
        (".", "it names the output folder or its parent"),
        ("..", "it names the output folder or its parent"),
        ("../x", "it holds a path separator"),
        ("/tmp/x", "it holds a path separator"),
    ] {
        let out = strata(tmp.path(), &["build", "--name", name]);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr),
            (
                2,
                "",
                format!(
                    "strata: error: `--name {name}` is not a bundle name: {why}; give one folder \
                     name, written below the output folder\n"
                )
            )
        );
    }
    // Neither a folder that is not a bundle, nor the sources themselves, are replaced.
    let out = strata(tmp.path(), &["build", "--name", "keep"]);
    assert_eq!(out.code, 2);
    assert_eq!(
        out.stderr,
        "strata: error: refusing to replace `out/keep`: it is not a strata bundle (it has no \
         strata `manifest.json`); choose another `--name` or `--out`, or remove it yourself\n"
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("out/keep/notes.txt")).unwrap(),
        "mine"
    );
    let out = strata(tmp.path(), &["build", "--out", ".", "--name", "migrations"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(tmp
        .path()
        .join("migrations/0001_organizations.mig")
        .exists());
    // A manifest strata did not write does not make a bundle of a folder.
    fs::create_dir_all(tmp.path().join("out/fake")).expect("folder");
    fs::write(
        tmp.path().join("out/fake/manifest.json"),
        "{\"compiler\": {\"name\": \"strata\"}}",
    )
    .expect("manifest");
    assert_eq!(strata(tmp.path(), &["build", "--name", "fake"]).code, 2);
    // A bundle is replaced by a bundle.
    assert_eq!(strata(tmp.path(), &["build", "--name", "b"]).code, 0);
    assert_eq!(strata(tmp.path(), &["build", "--name", "b"]).code, 0);
}

#[test]
fn a_killed_build_leaves_staging_folders_that_the_next_build_removes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_migrations(tmp.path(), false);
    let out_dir = tmp.path().join("out");
    for stale in [".strata-bundle.new-abc123", ".strata-bundle.old-def456"] {
        fs::create_dir_all(out_dir.join(stale).join("bundle")).expect("a killed build's folder");
    }
    fs::create_dir_all(out_dir.join(".other-tool.new-x")).expect("not ours");
    assert_eq!(strata(tmp.path(), &["build"]).code, 0);
    let mut left: Vec<String> = fs::read_dir(&out_dir)
        .expect("out")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, [".other-tool.new-x", NAME]);
}

#[test]
fn verify_names_every_file_a_bundle_should_not_hold() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_migrations(tmp.path(), false);
    assert_eq!(strata(tmp.path(), &["build"]).code, 0);
    let bundle = tmp.path().join("out").join(NAME);
    fs::write(bundle.join(".psqlrc"), "\\! id\n").expect("extra");
    fs::write(bundle.join("evil.sql"), "DROP TABLE users;\n").expect("extra");
    fs::create_dir(bundle.join("sub")).expect("sub");
    fs::write(bundle.join("sub/upgrade.sql"), "x").expect("nested");
    fs::write(tmp.path().join("elsewhere.sql"), "x").expect("outside");
    std::os::unix::fs::symlink(tmp.path().join("elsewhere.sql"), bundle.join("link.sql"))
        .expect("link");
    fs::set_permissions(
        bundle.join("upgrade.sql"),
        fs::Permissions::from_mode(0o755),
    )
    .expect("chmod");
    let out = strata(tmp.path(), &["verify", &format!("out/{NAME}")]);
    assert_eq!(out.code, 1);
    let expected = [
        "`.psqlrc` is not a file of this bundle (they are upgrade.sql, downgrade.sql, status.sql, manifest.json, SHA256SUMS)",
        "`evil.sql` is not a file of this bundle (they are upgrade.sql, downgrade.sql, status.sql, manifest.json, SHA256SUMS)",
        "`link.sql` is a symbolic link; a bundle holds only regular files",
        "`sub` is a folder; a bundle holds only regular files",
        "`upgrade.sql` has mode 0755: a bundle's files are not executable and only their owner may write them",
    ]
    .iter()
    .map(|line| format!("out/{NAME}: {line}\n"))
    .collect::<String>();
    assert_eq!(out.stderr, expected);

    // A script replaced by a link to a file outside, with the same bytes, is named too.
    let clean = tempfile::tempdir().expect("temp dir");
    copy_migrations(clean.path(), false);
    assert_eq!(strata(clean.path(), &["build"]).code, 0);
    let bundle = clean.path().join("out").join(NAME);
    fs::copy(bundle.join("upgrade.sql"), clean.path().join("copy.sql")).expect("copy");
    fs::remove_file(bundle.join("upgrade.sql")).expect("remove");
    std::os::unix::fs::symlink(clean.path().join("copy.sql"), bundle.join("upgrade.sql"))
        .expect("link");
    let out = strata(clean.path(), &["verify", &format!("out/{NAME}")]);
    assert_eq!(
        (out.code, out.stderr),
        (
            1,
            format!(
                "out/{NAME}: `upgrade.sql` is a symbolic link; a bundle holds only regular files\n"
            )
        )
    );
}

#[test]
fn a_range_with_an_irreversible_revision_builds_without_a_downgrade() {
    let tmp = crate::support::project(
        &[
            (
                "0001_a.mig",
                "revision 0001_a;\nupgrade {\n  create table t (id int);\n}\n",
            ),
            (
                "0002_b.mig",
                "revision 0002_b parents 0001_a;\nupgrade {\n  sql $$ UPDATE t SET id = 0 $$;\n}\n\
                 downgrade irreversible 'the old ids are gone';\n",
            ),
        ],
        None,
    );
    let out = strata(tmp.path(), &["build"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "strata: warning: the range crosses irreversible revisions, so the bundle has no \
         downgrade.sql: `0002_b` (the old ids are gone)\n"
    );
    let bundle = tmp.path().join("out/base-0002_b");
    let mut names: Vec<String> = fs::read_dir(&bundle)
        .expect("bundle")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["SHA256SUMS", "manifest.json", "status.sql", "upgrade.sql"]
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(bundle.join("manifest.json")).expect("read"))
            .expect("JSON");
    assert_eq!(
        manifest["irreversible"],
        serde_json::json!([{"revision": "0002_b", "reason": "the old ids are gone"}])
    );
    // upgrade.sql and status.sql.
    assert_eq!(manifest["files"].as_array().expect("files").len(), 2);
    assert_checksums_pass(&bundle);
    let verified = strata(tmp.path(), &["verify", "out/base-0002_b"]);
    assert_eq!((verified.code, verified.stderr.as_str()), (0, ""));
    // A downgrade.sql slipped into such a bundle is named.
    fs::write(bundle.join("downgrade.sql"), "DROP TABLE t;\n").expect("write");
    let verified = strata(tmp.path(), &["verify", "out/base-0002_b"]);
    assert_eq!(verified.code, 1);
    assert_eq!(
        verified.stderr,
        "out/base-0002_b: `downgrade.sql` is not a file of this bundle (they are upgrade.sql, \
         status.sql, manifest.json, SHA256SUMS)\n"
    );
    // A release that demands a way back refuses the range; a range below it is fine.
    let out = strata(
        tmp.path(),
        &["build", "--require-downgrade", "--name", "strict"],
    );
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            2,
            "",
            "strata: error: the downgrade crosses `0002_b`, which is irreversible: the old ids \
             are gone\n"
        )
    );
    assert!(!tmp.path().join("out/strict").exists());
    let out = strata(
        tmp.path(),
        &["build", "--require-downgrade", "--to", "0001_a"],
    );
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
}

#[test]
fn a_bundle_starts_at_a_position_of_several_revisions_and_verifies() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    crate::support::copy_dir(
        &repo_root().join("tests/cases/graph/merge/migrations"),
        &tmp.path().join("migrations"),
    );
    let out = strata(
        tmp.path(),
        &["build", "--from", "0002_left,0003_right", "--to", "head"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = tmp.path().join("out/0002_left+0003_right-0005_after");
    assert_eq!(
        out.stdout,
        format!(
            "wrote {}\n",
            Path::new("out/0002_left+0003_right-0005_after").display()
        )
    );
    let upgrade = fs::read_to_string(bundle.join("upgrade.sql")).expect("upgrade");
    assert!(upgrade.contains(
        "-- guard: refuse to run unless the database is at 0002_left, 0003_right, or this script stopped part-way on it\n"
    ));
    let downgrade = fs::read_to_string(bundle.join("downgrade.sql")).expect("downgrade");
    assert!(downgrade.contains("strata: done; the database is now at 0002_left, 0003_right"));
    assert_checksums_pass(&bundle);
    let out = strata(
        tmp.path(),
        &["verify", "out/0002_left+0003_right-0005_after"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn verify_names_a_change_below_the_range_through_the_lock_root() {
    let tmp = tempfile::tempdir().expect("temporary folder");
    copy_migrations(tmp.path(), false);
    let out = strata(
        tmp.path(),
        &["build", "--from", "0010_executions", "--name", "tail"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(tmp.path().join("out/tail/manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    let root = manifest["range"]["lock_root"]
        .as_str()
        .expect("a root")
        .to_owned();
    assert_eq!(root.len(), 64);
    // A revision below the range, edited: no file of the bundle changes but the root.
    let below = tmp.path().join("migrations/0002_users.mig");
    fs::write(
        &below,
        format!("-- edited\n{}", fs::read_to_string(&below).expect("read")),
    )
    .expect("write");
    let out = strata(tmp.path(), &["verify", "out/tail"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains(&format!(
            "out/tail: the lock's root hash differs (recorded {root}, now "
        )),
        "{}",
        out.stderr
    );
}
