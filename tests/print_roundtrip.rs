//! The canonical printer: every statement of `migrations/` and of the parser's ok
//! fixtures prints to text that parses back to the same statement, and printing that
//! again gives the same text.

use strata::project;
use strata::source::SourceMap;
use strata::syntax::ast::{Downgrade, Revision, Statement};
use strata::syntax::print;

use crate::support::all_revisions;

fn statements(revision: &Revision) -> Vec<&Statement> {
    let mut all: Vec<&Statement> = revision
        .upgrade()
        .iter()
        .flat_map(|b| &b.statements)
        .collect();
    if let Downgrade::Explicit(block) = revision.downgrade() {
        all.extend(&block.statements);
    }
    all
}

/// Parses `text` as the upgrade block of a revision `roundtrip`.
fn reparse(text: &str) -> Vec<Statement> {
    let mut sources = SourceMap::new();
    let file = format!("revision roundtrip;\nupgrade {{\n{text}\n}}\n");
    let loaded = project::load_bytes(
        &mut sources,
        file.into_bytes(),
        "roundtrip.mig".into(),
        "roundtrip.mig".into(),
    );
    assert!(
        loaded.diagnostics.is_empty(),
        "printed text does not parse:\n{text}\n{:?}",
        loaded.diagnostics
    );
    loaded
        .revision
        .expect("parses")
        .revision
        .body
        .and_then(|body| body.upgrade)
        .expect("a block")
        .statements
}

#[test]
fn printed_statements_parse_back_to_themselves() {
    let revisions = all_revisions();
    let mut count = 0;
    for revision in &revisions {
        for statement in statements(revision) {
            let printed = print::statement(&statement.kind);
            let back = reparse(&printed);
            assert_eq!(back.len(), 1, "{printed}");
            pretty_assertions::assert_eq!(back[0].kind, statement.kind, "{printed}");
            assert_eq!(
                print::statement(&back[0].kind),
                printed,
                "printing is stable"
            );
            count += 1;
        }
    }
    assert!(count > 80, "only {count} statements");
}
