//! `-- strata: allow(RULE, ...) reason`: comments that suppress lint findings on the
//! statement after them. This stage reads their shape; the lint knows the rules.

use super::ast::{Spanned, Suppression};
use super::lexer::{self, TokenKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, LineIndex};

/// What marks a comment as strata's.
const MARK: &str = "strata:";

/// The suppressions among the line comments of `text` from `offset` on, and a
/// diagnostic for each comment marked `strata:` that is not one.
pub(super) fn find(
    text: &str,
    offset: usize,
    lines: &LineIndex,
    file: FileId,
) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut found = Vec::new();
    let mut problems = Vec::new();
    let rest = &text[offset..];
    // Most files hold no such comment: a search spares them the scan.
    if memchr::memmem::find(rest.as_bytes(), MARK.as_bytes()).is_none() {
        return (found, problems);
    }
    let Ok(tokens) = lexer::tokenize_with_comments(rest) else {
        return (found, problems);
    };
    for token in tokens.iter().filter(|t| t.kind == TokenKind::Comment) {
        let comment = &rest[token.start..token.end];
        let Some(body) = comment
            .strip_prefix("--")
            .map(str::trim_start)
            .and_then(|c| c.strip_prefix(MARK))
            .map(str::trim_start)
        else {
            continue;
        };
        let start = offset + token.start;
        let span = lines.span(text, file, start, offset + token.end);
        match parse(body.trim_end()) {
            Ok((rules, reason)) => {
                // Each rule's place in the file, for a finding about one of them.
                let rules = rules
                    .into_iter()
                    .map(|(at, id)| {
                        let at = start + (comment.len() - body.len()) + at;
                        Spanned {
                            span: lines.span(text, file, at, at + id.len()),
                            value: id,
                        }
                    })
                    .collect();
                found.push(Suppression {
                    rules,
                    reason,
                    span,
                });
            }
            Err(why) => problems.push(
                Diagnostic::error(Code::Suppression, span, why)
                    .with_help("write `-- strata: allow(RULE) the reason it is safe here`"),
            ),
        }
    }
    (found, problems)
}

/// `allow(a, b) reason`: the rules with their offsets in `body` (before it was trimmed
/// at its start by [`find`], which accounts for it), and the reason.
fn parse(body: &str) -> Result<(Vec<(usize, String)>, String), String> {
    let Some(list) = body.strip_prefix("allow(") else {
        return Err("a `strata:` comment must be `allow(RULE) reason`".to_owned());
    };
    let Some(close) = list.find(')') else {
        return Err("`allow(` is not closed".to_owned());
    };
    let mut rules = Vec::new();
    let mut at = "allow(".len();
    for part in list[..close].split(',') {
        let id = part.trim();
        let inner = part.len() - part.trim_start().len();
        if id.is_empty() {
            return Err("`allow()` names no rule".to_owned());
        }
        rules.push((at + inner, id.to_owned()));
        at += part.len() + 1;
    }
    let reason = list[close + 1..].trim();
    if reason.is_empty() {
        return Err(
            "a suppression needs a reason after `allow(...)`: say why the statement is safe here"
                .to_owned(),
        );
    }
    Ok((rules, reason.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_and_reason_are_read() {
        assert_eq!(
            parse("allow(drop-column, drop-table) the app stopped reading it in 4.2"),
            Ok((
                vec![(6, "drop-column".to_owned()), (19, "drop-table".to_owned())],
                "the app stopped reading it in 4.2".to_owned()
            ))
        );
    }

    #[test]
    fn a_suppression_needs_rules_and_a_reason() {
        assert!(parse("allow(drop-column)").is_err());
        assert!(parse("allow() because").is_err());
        assert!(parse("allow(drop-column because").is_err());
        assert!(parse("deny(drop-column) because").is_err());
    }

    #[test]
    fn comments_inside_strings_and_raw_blocks_are_not_suppressions() {
        let text = "revision a;\nupgrade {\n  -- strata: allow(drop-table) gone\n  sql $$ -- strata: allow(drop-column) x\n $$;\n}\n";
        let lines = LineIndex::new(text);
        let (found, problems) = find(text, 0, &lines, FileId(0));
        assert!(problems.is_empty());
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rules[0].value, "drop-table");
        assert_eq!(
            (found[0].rules[0].span.line, found[0].rules[0].span.col),
            (3, 20)
        );
    }
}
