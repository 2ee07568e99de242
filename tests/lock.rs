//! `strata lock` and `check --locked` through the real binary: a fresh lock, a stale
//! one, an edited, re-parented or removed revision, a forged line, and two branches that
//! each re-lock, merged by git without a conflict.

use std::fs;
use std::path::Path;
use std::process::Command;

use pretty_assertions::assert_eq;

use crate::support::{project, strata};

const FILES: [(&str, &str); 2] = [
    (
        "0001_users.mig",
        "revision 0001_users;\nupgrade {\n  create table users (id bigint primary key);\n}\n",
    ),
    (
        "0002_email.mig",
        "revision 0002_email parents 0001_users;\nupgrade {\n  alter table users add column email text;\n}\n",
    ),
];

fn check_locked(dir: &Path) -> (i32, String) {
    let out = strata(dir, &["check", "--locked"]);
    (out.code, out.stderr)
}

#[test]
fn a_lock_names_every_difference_from_the_project() {
    let tmp = project(&FILES, Some("lock_timeout = '1s'\n"));
    let dir = tmp.path();
    // No lock: --locked fails, plain check says nothing.
    let (code, stderr) = check_locked(dir);
    assert_eq!(code, 1);
    assert!(stderr.starts_with(
        "strata.lock:1:1: error: there is no lock beside the migrations folder: run `strata lock`\n"
    ));
    assert_eq!(strata(dir, &["check"]).code, 0);
    let out = strata(dir, &["lock"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "wrote strata.lock (2 revisions)\nstrata: add `strata.lock merge=union` to .gitattributes \
         so that git joins the locks of two branches without a conflict\n"
    );
    assert_eq!(check_locked(dir), (0, String::new()));
    // A new revision, not locked yet: an error under --locked, a warning otherwise.
    fs::write(
        dir.join("migrations/0003_phone.mig"),
        "revision 0003_phone parents 0002_email;\nupgrade {\n  alter table users add column phone text;\n}\n",
    )
    .expect("write");
    let (code, stderr) = check_locked(dir);
    assert_eq!(code, 1);
    assert!(stderr.starts_with(
        "migrations/0003_phone.mig:1:10: error: revision `0003_phone` is not locked: run `strata lock`\n"
    ), "{stderr}");
    let out = strata(dir, &["check"]);
    assert_eq!(out.code, 0);
    assert!(out
        .stderr
        .contains("warning: revision `0003_phone` is not locked"));
    assert_eq!(strata(dir, &["lock"]).code, 0);
    // Edited, and re-parented.
    let path = dir.join("migrations/0003_phone.mig");
    fs::write(
        &path,
        format!("-- edited\n{}", fs::read_to_string(&path).expect("read")),
    )
    .expect("write");
    let (code, stderr) = check_locked(dir);
    assert_eq!(code, 1);
    assert!(stderr.contains(
        "migrations/0003_phone.mig:2:10: error: revision `0003_phone` was edited since it was locked (its source's SHA-256 differs)\n"
    ), "{stderr}");
    assert!(
        stderr.contains("strata.lock:5:1: note: locked here\n"),
        "{stderr}"
    );
    fs::write(
        &path,
        "revision 0003_phone parents 0001_users;\nupgrade {\n  alter table users add column phone text;\n}\n",
    )
    .expect("write");
    let (_, stderr) = check_locked(dir);
    assert!(stderr.contains(
        "error: the parents of `0003_phone` changed since it was locked: locked 0002_email and depends_on -, now 0001_users and -\n"
    ), "{stderr}");
    // Removed.
    fs::remove_file(&path).expect("remove");
    let (code, stderr) = check_locked(dir);
    assert_eq!(code, 1);
    assert!(stderr.contains(
        "strata.lock:5:1: error: revision `0003_phone` is locked, but no file declares it any more\n"
    ), "{stderr}");
    // A line edited by hand to match an edited source: its chained hash gives it away.
    assert_eq!(strata(dir, &["lock"]).code, 0);
    let users = dir.join("migrations/0001_users.mig");
    let old_sha = sha256(&fs::read(&users).expect("read"));
    fs::write(
        &users,
        format!("{}\n", fs::read_to_string(&users).expect("read")),
    )
    .expect("write");
    let new_sha = sha256(&fs::read(&users).expect("read"));
    let lock = fs::read_to_string(dir.join("strata.lock")).expect("lock");
    fs::write(dir.join("strata.lock"), lock.replace(&old_sha, &new_sha)).expect("write");
    let (code, stderr) = check_locked(dir);
    assert_eq!(code, 1);
    assert!(stderr.contains(
        "error: the chained hash of `0001_users` does not follow from its line and its parents' lines\n"
    ), "{stderr}");
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=strata",
            "-c",
            "user.email=strata@example.com",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn two_branches_that_each_relock_merge_in_git_without_a_conflict() {
    let tmp = project(&FILES, Some("lock_timeout = '1s'\n"));
    let dir = tmp.path();
    fs::write(dir.join(".gitattributes"), "strata.lock merge=union\n").expect("attributes");
    assert_eq!(strata(dir, &["lock"]).code, 0);
    git(dir, &["init", "-q", "-b", "main"]);
    git(dir, &["add", "."]);
    git(dir, &["commit", "-q", "-m", "base"]);
    // Two developers branch from main; each adds a revision and re-locks.
    for (branch, id, column) in [("ana", "0003_phone", "phone"), ("ben", "0003_city", "city")] {
        git(dir, &["checkout", "-q", "-b", branch, "main"]);
        fs::write(
            dir.join(format!("migrations/{id}.mig")),
            format!(
                "revision {id} parents 0002_email;\nupgrade {{\n  alter table users add column {column} text;\n}}\n"
            ),
        )
        .expect("write");
        let out = strata(dir, &["lock"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout, "wrote strata.lock (3 revisions)\n");
        git(dir, &["add", "."]);
        git(dir, &["commit", "-q", "-m", id]);
    }
    git(dir, &["checkout", "-q", "ana"]);
    git(dir, &["merge", "-q", "--no-edit", "ben"]);
    assert_eq!(git(dir, &["status", "--porcelain"]), "");
    // Both branches' lines, once each; the lock agrees with the project.
    let lock = fs::read_to_string(dir.join("strata.lock")).expect("lock");
    assert_eq!(
        lock.lines().filter(|l| l.starts_with("0003_")).count(),
        2,
        "{lock}"
    );
    assert_eq!(check_locked(dir), (0, String::new()));
    // The merge revision, locked: still no difference.
    let out = strata(dir, &["merge", "heads", "-m", "Join"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(strata(dir, &["lock"]).code, 0);
    assert_eq!(check_locked(dir), (0, String::new()));
}

#[test]
fn lock_findings_are_json_findings_with_their_place() {
    let tmp = project(&FILES, Some("lock_timeout = '1s'\n"));
    let dir = tmp.path();
    assert_eq!(strata(dir, &["lock"]).code, 0);
    fs::remove_file(dir.join("migrations/0002_email.mig")).expect("remove");
    let out = strata(dir, &["check", "--locked", "--format", "json"]);
    assert_eq!(out.code, 1);
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let finding = &json["findings"][0];
    assert_eq!(finding["code"], "lock");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["file"], "strata.lock");
    assert_eq!(finding["line"], 4);
    assert_eq!(
        finding["message"],
        "revision `0002_email` is locked, but no file declares it any more"
    );
}
