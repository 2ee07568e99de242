//! Writing new revision files: `strata new` and `strata merge`.
//!
//! The id of a new revision is the next sequence number after the highest numeric
//! prefix in the project (as wide as the widest one, at least 4 digits) and a slug of
//! the message. A file is created only if no file of that name exists.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::syntax::{message_control_character, MAX_REVISION_ID_LEN};

/// What a new revision's header says.
pub struct Header<'a> {
    pub parents: &'a [&'a str],
    pub depends_on: &'a [&'a str],
    pub labels: &'a [String],
    pub message: &'a str,
}

/// Whether `text` is a label, as the grammar has them.
pub fn is_label(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The id for a new revision after `existing` ids, continuing their scheme: the next
/// sequence number and a slug of the message when ids are numbered (`0007_slug`);
/// otherwise (as
/// Alembic's twelve hexadecimal digits) twelve hexadecimal digits of the SHA-256 of the
/// new revision's parents and message, never one that exists.
pub fn next_id<'a>(existing: impl IntoIterator<Item = &'a str>, header: &Header<'_>) -> String {
    let message = header.message;
    let existing: Vec<&str> = existing.into_iter().collect();
    let mut highest: u64 = 0;
    let mut width = 4;
    let mut numbered = existing.is_empty();
    for id in &existing {
        let digits = id.bytes().take_while(u8::is_ascii_digit).count();
        // `0007_slug` or `0007`; Alembic's `1975ea83b712` starts with digits too.
        if !matches!(id.as_bytes().get(digits), None | Some(b'_')) {
            continue;
        }
        if let Ok(n) = id[..digits].parse::<u64>() {
            highest = highest.max(n);
            width = width.max(digits);
            numbered = true;
        }
    }
    if !numbered {
        use sha2::{Digest, Sha256};
        let mut seed = header.parents.join(",");
        seed.push('\n');
        seed.push_str(message);
        let mut round = 0u32;
        loop {
            let digest = Sha256::digest(format!("{seed}\n{round}").as_bytes());
            let id = hex::encode(&digest[..6]);
            if !existing.contains(&id.as_str()) {
                return id;
            }
            round += 1;
        }
    }
    let number = format!("{:0width$}", highest + 1);
    let slug = slug(
        message,
        MAX_REVISION_ID_LEN.saturating_sub(number.len() + 1),
    );
    if slug.is_empty() {
        number
    } else {
        format!("{number}_{slug}")
    }
}

/// Lower-case ASCII letters and digits of `message`, runs of anything else as one `_`,
/// at most `max` characters.
fn slug(message: &str, max: usize) -> String {
    let mut slug = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('_') {
            slug.push('_');
        }
    }
    slug.truncate(max);
    slug.trim_end_matches('_').to_owned()
}

/// Why a revision file could not be written.
#[derive(Debug)]
pub enum AuthoringError {
    ControlCharacter(char),
    Exists(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for AuthoringError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuthoringError::ControlCharacter(c) => write!(
                f,
                "the message contains a control character (U+{:04X}); a message is one line",
                *c as u32
            ),
            AuthoringError::Exists(path) => {
                write!(
                    f,
                    "`{}` already exists; refusing to overwrite it",
                    path.display()
                )
            }
            AuthoringError::Io(path, error) => {
                write!(f, "cannot write `{}`: {error}", path.display())
            }
        }
    }
}

impl std::error::Error for AuthoringError {}

/// The text of a new revision file.
pub fn revision_text(id: &str, header: &Header<'_>) -> String {
    let mut text = format!("revision {id}\n");
    if !header.parents.is_empty() {
        let _ = writeln!(text, "  parents {}", header.parents.join(", "));
    }
    if !header.depends_on.is_empty() {
        let _ = writeln!(text, "  depends_on {}", header.depends_on.join(", "));
    }
    if !header.labels.is_empty() {
        let _ = writeln!(text, "  labels {}", header.labels.join(", "));
    }
    let _ = writeln!(text, "  message '{}';", header.message.replace('\'', "''"));
    if header.parents.len() < 2 {
        text.push_str("\nupgrade {\n}\n");
    }
    text
}

/// Writes a new revision file `DIR/ID.mig`; never overwrites.
pub fn create_revision(
    dir: &Path,
    id: &str,
    header: &Header<'_>,
) -> Result<PathBuf, AuthoringError> {
    let message = header.message;
    if let Some(c) = message_control_character(message) {
        return Err(AuthoringError::ControlCharacter(c));
    }
    let path = dir.join(format!("{id}.mig"));
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(AuthoringError::Exists(path))
        }
        Err(e) => return Err(AuthoringError::Io(path, e)),
    };
    file.write_all(revision_text(id, header).as_bytes())
        .map_err(|e| AuthoringError::Io(path.clone(), e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header<'a>(parents: &'a [&'a str], message: &'a str) -> Header<'a> {
        Header {
            parents,
            depends_on: &[],
            labels: &[],
            message,
        }
    }

    #[test]
    fn ids_continue_the_numbering() {
        let next =
            |ids: &[&str], message: &str| next_id(ids.iter().copied(), &header(&[], message));
        assert_eq!(next(&[], "Initial schema"), "0001_initial_schema");
        assert_eq!(
            next(&["0001_a", "0015_b", "0009_c"], "Add billing"),
            "0016_add_billing"
        );
        assert_eq!(next(&["000123_a"], "x"), "000124_x");
        assert_eq!(
            next(&["abc", "0002_x"], "  Ünïcode -- and; punctuation!! "),
            "0003_n_code_and_punctuation"
        );
        assert_eq!(next(&["0001_a"], "!!!"), "0002");
        let long = next(&["0001_a"], &"word ".repeat(30));
        assert!(
            long.len() <= MAX_REVISION_ID_LEN && !long.ends_with('_'),
            "{long}"
        );
    }

    #[test]
    fn ids_without_numbers_continue_as_hexadecimal_digits() {
        let ids = ["ae1027a6acf", "1975ea83b712"];
        let id = next_id(ids, &header(&["1975ea83b712"], "Add billing"));
        assert_eq!(id.len(), 12);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
        // The same revision gets the same id; another message, another.
        assert_eq!(id, next_id(ids, &header(&["1975ea83b712"], "Add billing")));
        assert_ne!(id, next_id(ids, &header(&["1975ea83b712"], "Other")));
        // A numbered id among them makes the scheme numbered.
        assert_eq!(
            next_id(["ae1027a6acf", "0002_x"], &header(&[], "y")),
            "0003_y"
        );
    }

    #[test]
    fn labels_are_as_the_grammar_has_them() {
        assert!(is_label("billing") && is_label("_b2"));
        assert!(!is_label("2b") && !is_label("a-b") && !is_label("") && !is_label("x\u{202e}"));
    }

    #[test]
    fn revision_text_quotes_the_message() {
        assert_eq!(
            revision_text("0002_b", &header(&["0001_a"], "it's")),
            "revision 0002_b\n  parents 0001_a\n  message 'it''s';\n\nupgrade {\n}\n"
        );
        assert_eq!(
            revision_text("0003_m", &header(&["0001_a", "0002_b"], "Merge")),
            "revision 0003_m\n  parents 0001_a, 0002_b\n  message 'Merge';\n"
        );
        let labels = ["billing".to_owned()];
        let full = Header {
            parents: &[],
            depends_on: &["0001_a"],
            labels: &labels,
            message: "Billing",
        };
        assert_eq!(
            revision_text("0004_billing", &full),
            "revision 0004_billing\n  depends_on 0001_a\n  labels billing\n  message 'Billing';\n\nupgrade {\n}\n"
        );
    }
}
