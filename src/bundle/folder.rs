//! The folders a build writes and `verify` reads: `build` writes only a folder of its
//! own (one name below the output folder, replacing nothing but a strata bundle), cleans
//! up after builds that were killed, and `verify` accepts nothing in a bundle but its
//! four regular files.

use std::fs::File;
use std::io;
use std::path::Path;

use super::MANIFEST;

/// Where a bundle is made before it is renamed into place, below the output folder.
pub const STAGING_PREFIX: &str = ".strata-bundle.new-";
/// Where a replaced bundle waits while the new one is renamed into place.
pub const OLD_PREFIX: &str = ".strata-bundle.old-";

/// Refuses a bundle name that is not one plain folder name: a name is joined to the
/// output folder, and must not climb out of it, be it, or reach below it.
pub fn check_name(name: &str) -> Result<(), String> {
    let problem = if name.is_empty() {
        Some("it is empty")
    } else if name == "." || name == ".." {
        Some("it names the output folder or its parent")
    } else if name.contains('/') || name.contains('\\') {
        Some("it holds a path separator")
    } else if name.starts_with(STAGING_PREFIX) || name.starts_with(OLD_PREFIX) {
        Some("strata names its temporary folders so")
    } else if name.chars().any(|c| crate::inert::hazard(c).is_some()) {
        Some("it holds a control or invisible character")
    } else {
        None
    };
    match problem {
        Some(why) => Err(format!(
            "`--name {}` is not a bundle name: {why}; give one folder name, written below the \
             output folder",
            crate::inert::terminal(name)
        )),
        None => Ok(()),
    }
}

/// Refuses to replace `dir` unless it is a strata bundle: a folder (not a link) whose
/// `manifest.json` is a strata manifest. Nothing there yet is fine.
pub fn check_replaceable(dir: &Path) -> Result<(), String> {
    let shown = crate::inert::terminal(&dir.display().to_string());
    let metadata = match std::fs::symlink_metadata(dir) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(format!("cannot look at `{shown}`: {error}")),
    };
    if !metadata.is_dir() {
        return Err(format!(
            "refusing to replace `{shown}`: it is not a folder (a bundle is written as a folder)"
        ));
    }
    if written_by_strata(&dir.join(MANIFEST)) {
        Ok(())
    } else {
        Err(format!(
            "refusing to replace `{shown}`: it is not a strata bundle (it has no strata \
             `{MANIFEST}`); choose another `--name` or `--out`, or remove it yourself"
        ))
    }
}

/// How every manifest strata writes begins (canonical pretty JSON, the compiler first).
const MANIFEST_START: &str = concat!(
    "{\n  \"compiler\": {\n    \"name\": \"",
    env!("CARGO_PKG_NAME"),
    "\",\n"
);

/// Whether `path` is a regular file that begins as strata's manifests do: a bundle's
/// manifest lists every revision, and reading a large one whole to learn who wrote it
/// would cost a build as much as its replay.
fn written_by_strata(path: &Path) -> bool {
    use std::io::Read as _;
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return false;
    };
    let mut start = vec![0; MANIFEST_START.len()];
    metadata.is_file()
        && File::open(path)
            .and_then(|mut file| file.read_exact(&mut start))
            .is_ok()
        && start == MANIFEST_START.as_bytes()
}

/// A staging folder below `parent`, locked for as long as the returned file is open, so
/// that [`remove_stale`] in another build leaves it alone.
pub fn staging(parent: &Path) -> io::Result<(tempfile::TempDir, File)> {
    locked_folder(parent, STAGING_PREFIX)
}

/// A folder a replaced bundle is moved into, locked as [`staging`] locks.
pub fn old_folder(parent: &Path) -> io::Result<(tempfile::TempDir, File)> {
    locked_folder(parent, OLD_PREFIX)
}

fn locked_folder(parent: &Path, prefix: &str) -> io::Result<(tempfile::TempDir, File)> {
    let folder = tempfile::Builder::new().prefix(prefix).tempdir_in(parent)?;
    let lock = File::open(folder.path())?;
    lock.lock()?;
    Ok((folder, lock))
}

/// Removes what builds that were killed left in `parent`: folders with strata's own
/// prefixes that no running build holds locked. Anything else is left as it is, and a
/// folder that cannot be removed is left for the next build.
pub fn remove_stale(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(STAGING_PREFIX) || name.starts_with(OLD_PREFIX)) {
            continue;
        }
        // `file_type` does not follow links: a link with the prefix is not ours.
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        let Ok(file) = File::open(&path) else {
            continue;
        };
        // A build that is running holds its folder locked; one that was killed does not.
        if file.try_lock().is_ok() {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

/// What a bundle folder holds besides its regular `files`, or in their place: extra
/// files, folders, links, files that are not regular, and files that anyone but their
/// owner may write or that are executable, each by name.
pub fn listing_problems(dir: &Path, files: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut names: Vec<(String, std::fs::Metadata)> = match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .flatten()
            .filter_map(|entry| {
                let metadata = std::fs::symlink_metadata(entry.path()).ok()?;
                Some((entry.file_name().to_string_lossy().into_owned(), metadata))
            })
            .collect(),
        Err(error) => return vec![format!("the folder cannot be listed: {error}")],
    };
    names.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, metadata) in &names {
        let shown = crate::inert::terminal(name);
        let kind = metadata.file_type();
        let what = if kind.is_symlink() {
            Some("a symbolic link")
        } else if kind.is_dir() {
            Some("a folder")
        } else if !kind.is_file() {
            Some("not a regular file")
        } else {
            None
        };
        if let Some(what) = what {
            problems.push(format!(
                "`{shown}` is {what}; a bundle holds only regular files"
            ));
        } else if !files.contains(&name.as_str()) {
            problems.push(format!(
                "`{shown}` is not a file of this bundle (they are {})",
                files.join(", ")
            ));
        } else {
            use std::os::unix::fs::PermissionsExt;
            let mode = metadata.permissions().mode() & 0o7777;
            if mode & 0o7133 != 0 {
                problems.push(format!(
                    "`{shown}` has mode {mode:04o}: a bundle's files are not executable and \
                     only their owner may write them"
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_one_plain_folder_name() {
        for bad in [
            "",
            ".",
            "..",
            "../x",
            "/abs",
            "a/b",
            "a\\b",
            "x\ny",
            ".strata-bundle.new-1",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            check_name("../x").unwrap_err(),
            "`--name ../x` is not a bundle name: it holds a path separator; give one folder \
             name, written below the output folder"
        );
        for good in ["base-0015", "release 1.2", "..x", "x.."] {
            assert!(check_name(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn stale_folders_go_and_live_ones_stay() {
        let parent = tempfile::tempdir().expect("temp dir");
        let (live, _lock) = staging(parent.path()).expect("staging");
        let (dead, dead_lock) = staging(parent.path()).expect("staging");
        let dead = dead.keep();
        drop(dead_lock);
        std::fs::create_dir(parent.path().join("mine")).expect("a folder of someone else");
        std::fs::create_dir(parent.path().join(".strata-bundle.new-x")).expect("unlocked");
        remove_stale(parent.path());
        assert!(live.path().exists());
        assert!(!dead.exists());
        assert!(!parent.path().join(".strata-bundle.new-x").exists());
        assert!(parent.path().join("mine").exists());
    }
}
