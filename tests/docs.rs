//! The repository stands alone: every link of its Markdown (the README, SECURITY.md,
//! docs/) leads to a file of the repository, and none leads outside it.

use std::path::{Path, PathBuf};

use crate::support::repo_root;

fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md"), root.join("SECURITY.md")];
    for entry in walkdir::WalkDir::new(root.join("docs")) {
        let entry = entry.expect("docs/ is readable");
        if entry.path().extension().is_some_and(|e| e == "md") {
            files.push(entry.path().to_path_buf());
        }
    }
    files
}

/// The targets of `[text](target)` links.
fn links(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        found.push(&after[..end]);
        rest = &after[end..];
    }
    found
}

#[test]
fn every_link_leads_to_a_file_of_the_repository() {
    let root = repo_root().canonicalize().expect("the repository");
    let files = markdown_files(&root);
    assert!(files.len() > 10, "the docs are found");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("readable");
        for link in links(&text) {
            let target = link.split('#').next().unwrap_or("");
            assert!(
                !link.contains("://"),
                "{}: `{link}` leads outside the repository",
                file.display()
            );
            if target.is_empty() {
                continue;
            }
            let path = file.parent().expect("a folder").join(target);
            let path = path
                .canonicalize()
                .unwrap_or_else(|_| panic!("{}: `{link}` leads nowhere", file.display()));
            assert!(
                path.starts_with(&root),
                "{}: `{link}` leads outside the repository",
                file.display()
            );
        }
    }
}
