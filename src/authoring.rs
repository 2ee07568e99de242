//! Writing new revision files: `strata new` and `strata merge`.
//!
//! The id of a new revision is the next sequence number after the highest numeric
//! prefix in the project (as wide as the widest one, at least 4 digits) and a slug of
//! the message. A file is created only if no file of that name exists.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::syntax::{message_control_character, MAX_REVISION_ID_LEN};

/// The id for a new revision after `existing` ids, with a slug of `message`.
pub fn next_id<'a>(existing: impl IntoIterator<Item = &'a str>, message: &str) -> String {
    let mut highest: u64 = 0;
    let mut width = 4;
    for id in existing {
        let digits = id.bytes().take_while(u8::is_ascii_digit).count();
        if let Ok(n) = id[..digits].parse::<u64>() {
            highest = highest.max(n);
            width = width.max(digits);
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
pub fn revision_text(id: &str, parents: &[&str], message: &str) -> String {
    let mut text = format!("revision {id}\n");
    if !parents.is_empty() {
        let _ = writeln!(text, "  parents {}", parents.join(", "));
    }
    let _ = writeln!(text, "  message '{}';", message.replace('\'', "''"));
    if parents.len() < 2 {
        text.push_str("\nupgrade {\n}\n");
    }
    text
}

/// Writes a new revision file `DIR/ID.mig`; never overwrites.
pub fn create_revision(
    dir: &Path,
    id: &str,
    parents: &[&str],
    message: &str,
) -> Result<PathBuf, AuthoringError> {
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
    file.write_all(revision_text(id, parents, message).as_bytes())
        .map_err(|e| AuthoringError::Io(path.clone(), e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_continue_the_numbering() {
        assert_eq!(next_id([], "Initial schema"), "0001_initial_schema");
        assert_eq!(
            next_id(["0001_a", "0015_b", "0009_c"], "Add billing"),
            "0016_add_billing"
        );
        assert_eq!(next_id(["000123_a"], "x"), "000124_x");
        assert_eq!(
            next_id(["abc", "0002_x"], "  Ünïcode -- and; punctuation!! "),
            "0003_n_code_and_punctuation"
        );
        assert_eq!(next_id(["0001_a"], "!!!"), "0002");
        let long = next_id(["0001_a"], &"word ".repeat(30));
        assert!(
            long.len() <= MAX_REVISION_ID_LEN && !long.ends_with('_'),
            "{long}"
        );
    }

    #[test]
    fn revision_text_quotes_the_message() {
        assert_eq!(
            revision_text("0002_b", &["0001_a"], "it's"),
            "revision 0002_b\n  parents 0001_a\n  message 'it''s';\n\nupgrade {\n}\n"
        );
        assert_eq!(
            revision_text("0003_m", &["0001_a", "0002_b"], "Merge"),
            "revision 0003_m\n  parents 0001_a, 0002_b\n  message 'Merge';\n"
        );
    }
}
