//! `strata new` and `strata merge` through the real binary.

use std::fs;
use std::path::Path;

use pretty_assertions::assert_eq;

use crate::support::{copy_dir, repo_root, strata};

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .expect("read")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn new_follows_the_single_head_and_the_project_still_checks() {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_dir(
        &repo_root().join("migrations"),
        &tmp.path().join("migrations"),
    );
    let out = strata(
        tmp.path(),
        &["new", "-m", "Add billing: invoices & 'credits'"],
    );
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        "created migrations/0018_add_billing_invoices_credits.mig\n"
    );
    assert_eq!(out.code, 0);
    let text = fs::read_to_string(
        tmp.path()
            .join("migrations/0018_add_billing_invoices_credits.mig"),
    )
    .expect("created");
    assert_eq!(
        text,
        "revision 0018_add_billing_invoices_credits\n  parents 0017_agent_activity\n  \
         message 'Add billing: invoices & ''credits''';\n\nupgrade {\n}\n"
    );
    let check = strata(tmp.path(), &["check", "--single-head"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    let show = strata(tmp.path(), &["show", "head"]);
    assert!(
        show.stdout
            .contains("Message:    Add billing: invoices & 'credits'"),
        "{}",
        show.stdout
    );
}

#[test]
fn new_starts_a_root_in_an_empty_folder() {
    let tmp = tempfile::tempdir().expect("temp dir");
    fs::create_dir(tmp.path().join("db")).expect("folder");
    let out = strata(tmp.path(), &["--dir", "db", "new", "-m", "Initial schema"]);
    assert_eq!(out.stdout, "created db/0001_initial_schema.mig\n");
    assert_eq!(
        fs::read_to_string(tmp.path().join("db/0001_initial_schema.mig")).expect("created"),
        "revision 0001_initial_schema\n  message 'Initial schema';\n\nupgrade {\n}\n"
    );
}

#[test]
fn new_refuses_several_heads_unless_told_the_parent() {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_dir(
        &repo_root().join("tests/cases/graph/branch_point"),
        tmp.path(),
    );
    let before = files(&tmp.path().join("migrations"));
    let out = strata(tmp.path(), &["new", "-m", "More"]);
    assert_eq!(
        out.stderr,
        "strata: error: the graph has 2 heads (0003_search, 0004_invoices): name the parent \
         with --parent, or join them first with: strata merge 0003_search 0004_invoices -m 'Merge heads'\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(out.code, 1);
    assert_eq!(
        files(&tmp.path().join("migrations")),
        before,
        "nothing written"
    );

    let out = strata(
        tmp.path(),
        &["new", "-m", "More search", "--parent", "search@head"],
    );
    assert_eq!(out.stdout, "created migrations/0005_more_search.mig\n");
    assert_eq!(out.code, 0);
    let show = strata(tmp.path(), &["show", "0005"]);
    assert!(
        show.stdout.contains("Parents:    0003_search\n"),
        "{}",
        show.stdout
    );
}

#[test]
fn merge_joins_heads_and_refuses_nonsense() {
    let tmp = tempfile::tempdir().expect("temp dir");
    copy_dir(
        &repo_root().join("tests/cases/graph/branch_point"),
        tmp.path(),
    );
    let before = files(&tmp.path().join("migrations"));
    let refusals: [(&[&str], &str); 4] = [
        (&["merge", "0003_search", "-m", "x"], ""),
        (
            &["merge", "0001_init", "0004_invoices", "-m", "x"],
            "strata: error: `0004_invoices` already follows `0001_init`; a merge joins revisions on different branches\n",
        ),
        (
            &["merge", "0003_search", "0003", "-m", "x"],
            "strata: error: `0003_search` is named twice\n",
        ),
        (&["merge", "0003_search", "nope", "-m", "x"], "strata: error: unknown revision `nope`\n"),
    ];
    for (args, stderr) in refusals {
        let out = strata(tmp.path(), args);
        assert_eq!(out.code, 2, "{args:?}");
        if !stderr.is_empty() {
            assert_eq!(out.stderr, stderr, "{args:?}");
        }
        assert_eq!(
            files(&tmp.path().join("migrations")),
            before,
            "{args:?}: nothing written"
        );
    }
    let out = strata(
        tmp.path(),
        &[
            "merge",
            "billing@head",
            "search@head",
            "-m",
            "Merge billing and search",
        ],
    );
    assert_eq!(
        out.stdout,
        "created migrations/0005_merge_billing_and_search.mig\n"
    );
    assert_eq!(
        fs::read_to_string(
            tmp.path()
                .join("migrations/0005_merge_billing_and_search.mig")
        )
        .expect("created"),
        "revision 0005_merge_billing_and_search\n  parents 0004_invoices, 0003_search\n  \
         message 'Merge billing and search';\n"
    );
    let check = strata(tmp.path(), &["check", "--single-head"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

#[test]
fn authoring_writes_nothing_in_a_broken_project_or_over_a_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("migrations");
    fs::create_dir(&dir).expect("folder");
    fs::write(dir.join("0001_a.mig"), "revision 0001_a;\n").expect("write");
    // A folder where the new file would go: creating it must fail, not replace it.
    fs::create_dir(dir.join("0002_b.mig")).expect("folder");
    let out = strata(tmp.path(), &["new", "-m", "b"]);
    assert_eq!(
        out.stderr,
        "strata: error: `migrations/0002_b.mig` already exists; refusing to overwrite it\n"
    );
    assert_eq!(out.code, 2);

    let out = strata(tmp.path(), &["new", "-m", "two\nlines"]);
    assert_eq!(
        out.stderr,
        "strata: error: the message contains a control character (U+000A); a message is one line\n"
    );
    assert_eq!(out.code, 2);

    fs::write(
        dir.join("0003_broken.mig"),
        "revision 0003_broken parents 0009_missing;\n",
    )
    .expect("write");
    let out = strata(tmp.path(), &["new", "-m", "c"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .ends_with("strata: 1 error in migrations; fix them first\n"),
        "{}",
        out.stderr
    );
    assert_eq!(files(&dir), ["0001_a.mig", "0002_b.mig", "0003_broken.mig"]);
}

#[test]
fn new_makes_the_folder_roots_labels_and_dependencies() {
    let tmp = tempfile::tempdir().expect("temp dir");
    // No folder yet: a team's first revision.
    let out = strata(
        tmp.path(),
        &["new", "--label", "core", "-m", "Initial schema"],
    );
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (0, "created migrations/0001_initial_schema.mig\n", "")
    );
    // A second root needs a label.
    let out = strata(tmp.path(), &["new", "--root", "-m", "Billing"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "strata: error: a second root makes independent branches, and every root needs a \
             label: give this one `--label`\n"
        )
    );
    // A second root, with the label that a second root needs.
    let out = strata(
        tmp.path(),
        &["new", "--root", "--label", "billing", "-m", "Billing"],
    );
    assert_eq!(
        out.stdout, "created migrations/0002_billing.mig\n",
        "{}",
        out.stderr
    );
    assert_eq!(
        fs::read_to_string(tmp.path().join("migrations/0002_billing.mig")).expect("created"),
        "revision 0002_billing\n  labels billing\n  message 'Billing';\n\nupgrade {\n}\n"
    );
    // `merge heads` joins every head; with one head left, there is nothing to join.
    let out = strata(tmp.path(), &["merge", "heads", "-m", "Join"]);
    assert_eq!(
        out.stdout, "created migrations/0003_join.mig\n",
        "{}",
        out.stderr
    );
    let out = strata(tmp.path(), &["merge", "heads", "-m", "Again"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "strata: error: a merge joins two or more revisions, and heads names 1 revision\n"
        )
    );
    // After a revision that is not a head, depending on the other root, with a label.
    let out = strata(
        tmp.path(),
        &[
            "new",
            "--parent",
            "0002",
            "--depends-on",
            "0001",
            "--label",
            "invoices",
            "-m",
            "Invoices",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        fs::read_to_string(tmp.path().join("migrations/0004_invoices.mig")).expect("created"),
        "revision 0004_invoices\n  parents 0002_billing\n  depends_on 0001_initial_schema\n  \
         labels invoices\n  message 'Invoices';\n\nupgrade {\n}\n"
    );
    let check = strata(tmp.path(), &["check"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    // A label that the grammar would refuse is refused before anything is written.
    let out = strata(tmp.path(), &["new", "--label", "a-b", "-m", "x"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (
            2,
            "strata: error: `a-b` is not a label: a label is a letter or `_` followed by letters, \
             digits and `_`\n"
        )
    );
}

#[test]
fn new_writes_beside_its_parent_and_continues_the_id_scheme() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("migrations");
    fs::create_dir_all(dir.join("2026")).expect("folders");
    fs::write(dir.join("ae1027a6acf.mig"), "revision ae1027a6acf;\n").expect("write");
    fs::write(
        dir.join("2026/1975ea83b712.mig"),
        "revision 1975ea83b712 parents ae1027a6acf;\n",
    )
    .expect("write");
    let out = strata(tmp.path(), &["new", "-m", "Add billing"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let created = out
        .stdout
        .strip_prefix("created migrations/2026/")
        .and_then(|rest| rest.strip_suffix(".mig\n"))
        .unwrap_or_else(|| panic!("beside its parent: {}", out.stdout));
    assert_eq!(created.len(), 12, "{created}");
    assert!(created.bytes().all(|b| b.is_ascii_hexdigit()), "{created}");
    let check = strata(tmp.path(), &["check", "--single-head"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
}

#[test]
fn merge_writes_nothing_while_the_branches_conflict_and_check_reports_the_same() {
    let base =
        "revision 0001_users;\nupgrade {\n  create table users (id bigint primary key);\n}\n";
    let files = [
        ("0001_users.mig", base),
        (
            "0002_a.mig",
            "revision 0002_a parents 0001_users;\nupgrade {\n  alter table users add column email text;\n}\n",
        ),
        (
            "0002_b.mig",
            "revision 0002_b parents 0001_users;\nupgrade {\n  alter table users add column email text;\n}\n",
        ),
    ];
    let tmp = crate::support::project(&files, None);
    let out = crate::support::strata(tmp.path(), &["merge", "heads", "-m", "join"]);
    assert_eq!((out.code, out.stdout.as_str()), (1, ""));
    let conflict =
        "migrations/0002_a.mig:1:10: error: `0002_a` and `0002_b` cannot both be applied: \
                    column `users.email`: both branches create it\n";
    assert!(out.stderr.starts_with(conflict), "{}", out.stderr);
    assert!(out
        .stderr
        .contains("migrations/0002_b.mig:3:3: note: `0002_b` changes it here\n"));
    assert!(out.stderr.ends_with(
        "strata: the branches cannot be merged as they are (1 conflict); nothing was written\n"
    ));
    assert_eq!(
        std::fs::read_dir(tmp.path().join("migrations"))
            .expect("folder")
            .count(),
        3
    );
    // The same merge written by hand: `check` reports the same conflict at the merge.
    std::fs::write(
        tmp.path().join("migrations/0003_merge.mig"),
        "revision 0003_merge parents 0002_a, 0002_b;\n",
    )
    .expect("write");
    let out = crate::support::strata(tmp.path(), &["check"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains(
        "migrations/0003_merge.mig:1:10: error: `0002_a` and `0002_b` cannot both be applied: \
         column `users.email`: both branches create it\n"
    ));
    assert!(out
        .stderr
        .contains("migrations/0002_a.mig:3:3: note: `0002_a` changes it here\n"));
}
