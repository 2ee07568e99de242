//! `strata fmt`: `.mig` files in their canonical layout (docs/FORMAT.md), in place, or
//! with `--check` only listed.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::{fail, print_stderr, print_stdout, Cli, Outcome};
use crate::diagnostic::Severity;
use crate::project;
use crate::source::SourceMap;
use crate::syntax::format::{format_parsed, FormatError};

pub(super) fn run(cli: &Cli, check: bool, paths: &[PathBuf]) -> Outcome {
    let mut outcome = Outcome::Clean;
    let mut worse = |o: Outcome| {
        if o == Outcome::Failed || outcome == Outcome::Clean {
            outcome = o;
        }
    };
    let files = match files(cli, paths) {
        Ok(files) => files,
        Err(o) => return o,
    };
    let mut sources = SourceMap::new();
    let mut changed = 0;
    // Whether a file of the project changed, which its lock then no longer matches.
    let project = std::path::absolute(cli.dir()).ok();
    let mut locked_changed = false;
    for path in files {
        let display = path.display().to_string();
        let name = path
            .file_name()
            .map_or_else(|| display.clone(), |n| n.to_string_lossy().into_owned());
        let id = sources.next_id();
        let loaded = match project::load_file(&mut sources, &path, display.clone(), name) {
            Ok(loaded) => loaded,
            Err(error) => {
                worse(fail(&error.to_string()));
                continue;
            }
        };
        let file = sources.file(id);
        let (Some(text), Some(revision)) = (file.kept_text(), &loaded.revision) else {
            // Not text, or not in the grammar: its errors say where.
            refuse(&loaded.diagnostics, &sources);
            worse(Outcome::Findings);
            continue;
        };
        let formatted = match format_parsed(text, &revision.revision) {
            Ok(formatted) => formatted,
            Err(FormatError::Invalid) => {
                refuse(&loaded.diagnostics, &sources);
                worse(Outcome::Findings);
                continue;
            }
            Err(FormatError::Changed(why)) => {
                worse(fail(&format!(
                    "`{display}` was left as it is: its layout would change what it means \
                     ({why}); this is a fault of strata, please report it"
                )));
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed += 1;
        locked_changed |= project
            .as_deref()
            .zip(std::path::absolute(&path).ok())
            .is_some_and(|(project, file)| file.starts_with(project));
        if check {
            print_stdout(&format!("{display}\n"));
            worse(Outcome::Findings);
        } else if let Err(error) = write(&path, &formatted) {
            worse(fail(&format!("cannot write `{display}`: {error}")));
        } else {
            print_stdout(&format!("{display}\n"));
        }
    }
    if changed > 0 {
        let (files, them) = if changed == 1 {
            ("file", "it")
        } else {
            ("files", "them")
        };
        if check {
            print_stderr(&format!(
                "strata: {changed} {files} not in the canonical layout; `strata fmt` formats {them}\n"
            ));
        } else if locked_changed && cli.lock_path().exists() {
            print_stderr(&format!(
                "strata: formatted {changed} {files}; strata.lock holds their sources as they \
                 were: run `strata lock` once the change is reviewed\n"
            ));
        }
    }
    outcome
}

/// The files to format: those given (a folder stands for its `.mig` files), else the
/// project's. Symbolic links are refused: writing one would replace the link.
fn files(cli: &Cli, paths: &[PathBuf]) -> Result<Vec<PathBuf>, Outcome> {
    let given: Vec<&Path> = if paths.is_empty() {
        vec![cli.dir()]
    } else {
        paths.iter().map(PathBuf::as_path).collect()
    };
    let mut files = Vec::new();
    for path in given {
        let meta = std::fs::symlink_metadata(path)
            .map_err(|e| fail(&format!("cannot read `{}`: {e}", path.display())))?;
        if meta.is_dir() {
            let found = project::sources(path).map_err(|e| fail(&e.to_string()))?;
            files.extend(
                found
                    .into_iter()
                    .filter(|(_, link)| !link)
                    .map(|(relative, _)| path.join(relative)),
            );
        } else if meta.file_type().is_symlink() {
            return Err(fail(&format!(
                "`{}` is a symbolic link: strata formats only regular files",
                path.display()
            )));
        } else {
            files.push(path.to_owned());
        }
    }
    Ok(files)
}

/// Reports why a file was not formatted: its errors.
fn refuse(diagnostics: &[crate::diagnostic::Diagnostic], sources: &SourceMap) {
    let rendered: String = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.render(sources))
        .collect();
    print_stderr(&rendered);
}

/// Replaces `path` with `text` at once (a file beside it, renamed over it), keeping its
/// permissions: an interrupted run leaves the old file or the new, never half of one.
fn write(path: &Path, text: &str) -> std::io::Result<()> {
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let permissions = std::fs::metadata(path)?.permissions();
    let mut file = tempfile::Builder::new()
        .prefix(".strata-fmt-")
        .tempfile_in(folder)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    std::fs::set_permissions(file.path(), permissions)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}
