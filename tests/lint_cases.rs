//! The lint's fixtures: `tests/cases/lint/GROUP/VARIANT/`, each a project (`migrations/`,
//! `strata.toml`, and `args` when the command is not `strata lint`). The golden
//! `expected.txt` holds the command, its exit status and its output. Where GROUP is a
//! rule's id, variants named `fires*` must report the rule and `passes*` must not: a
//! pair per rule at least (the safe pattern, a new table, a suppression).

use std::path::Path;

use strata::lint::Rule;

use crate::support::{assert_golden, case_dirs, case_name, repo_root, strata};

fn transcript(variant: &Path) -> String {
    let args = std::fs::read_to_string(variant.join("args")).unwrap_or_else(|_| "lint".into());
    let args: Vec<&str> = args.split_whitespace().collect();
    let out = strata(variant, &args);
    let mut text = format!("$ strata {}\nexit {}\n", args.join(" "), out.code);
    text.push_str(&out.stdout);
    if !out.stderr.is_empty() {
        text.push_str("--- stderr\n");
        text.push_str(&out.stderr);
    }
    text
}

fn variants(group: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(group)
        .expect("a fixture group")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    found.sort();
    found
}

#[test]
fn lint_cases_match_their_goldens() {
    for group in case_dirs("lint", Rule::ALL.len()) {
        let rule = Rule::from_id(&case_name(&group));
        for variant in variants(&group) {
            let name = case_name(&variant);
            let text = transcript(&variant);
            assert_golden(&variant.join("expected.txt"), &text);
            if let Some(rule) = rule {
                let marker = format!("[{}]", rule.id());
                if name.starts_with("fires") {
                    assert!(
                        text.contains(&marker),
                        "{}/{name} must report it",
                        rule.id()
                    );
                } else {
                    assert!(
                        name.starts_with("passes"),
                        "{}/{name}: variants are fires* or passes*",
                        rule.id()
                    );
                    assert!(
                        !text.contains(&marker),
                        "{}/{name} must not report it",
                        rule.id()
                    );
                }
            }
        }
    }
}

#[test]
fn every_rule_has_a_fixture_pair_and_a_page() {
    for &rule in Rule::ALL {
        let group = repo_root().join("tests/cases/lint").join(rule.id());
        let names: Vec<String> = variants(&group).iter().map(|v| case_name(v)).collect();
        assert!(
            names.iter().any(|n| n.starts_with("fires"))
                && names.iter().any(|n| n.starts_with("passes")),
            "{} needs a fires and a passes fixture",
            rule.id()
        );
        let page = std::fs::read_to_string(repo_root().join(rule.page()))
            .unwrap_or_else(|_| panic!("{} has no page", rule.page()));
        // The page's bad and good examples are the fixtures' own statements, so that
        // what it shows is what the tests run.
        for example in ["fires", "passes"] {
            let change = group.join(example).join("migrations");
            for file in crate::support::files_with_extension(&change, "mig") {
                if case_name(&file).starts_with("0001_base") {
                    continue;
                }
                let text = std::fs::read_to_string(&file).expect("a fixture");
                let body = text
                    .split_once("upgrade {\n")
                    .and_then(|(_, rest)| rest.rsplit_once('}'))
                    .map_or("", |(body, _)| body);
                assert!(
                    page.contains(body),
                    "{} must show the `{example}` fixture's statements:\n{body}",
                    rule.page()
                );
            }
        }
        // ... and the finding they give, as the fixture's golden has it now.
        let golden = std::fs::read_to_string(group.join("fires/expected.txt")).expect("golden");
        let finding = golden
            .lines()
            .find(|l| l.contains(&format!("[{}]", rule.id())))
            .expect("a finding");
        assert!(
            page.contains(finding),
            "{} must show: {finding}",
            rule.page()
        );
        assert!(
            page.contains(&format!("# `{}`", rule.id())),
            "{} must be titled with the rule's id",
            rule.page()
        );
    }
}
