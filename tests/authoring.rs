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
        "created migrations/0016_add_billing_invoices_credits.mig\n"
    );
    assert_eq!(out.code, 0);
    let text = fs::read_to_string(
        tmp.path()
            .join("migrations/0016_add_billing_invoices_credits.mig"),
    )
    .expect("created");
    assert_eq!(
        text,
        "revision 0016_add_billing_invoices_credits\n  parents 0015_rename_token_count\n  \
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
