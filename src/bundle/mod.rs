//! The fifth stage: bundles (BUNDLES.md 3). A bundle is a folder with `upgrade.sql`,
//! `downgrade.sql` (which reverts exactly what the upgrade applies), `manifest.json` and
//! `SHA256SUMS`. Every byte depends only on the sources and the options, so anyone can
//! rebuild it; `verify` does, and names every difference.
//!
//! This module is the only one that writes bundle files, and it writes them atomically:
//! the bundle is made in a temporary folder beside the target and renamed into place.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use petgraph::graph::NodeIndex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, VersionConfig};
use crate::graph::RevisionGraph;
use crate::project::Project;
use crate::render::script::{self, Direction, Request, ScriptError};
use crate::schema::replay::Replay;

pub const UPGRADE: &str = "upgrade.sql";
pub const DOWNGRADE: &str = "downgrade.sql";
pub const MANIFEST: &str = "manifest.json";
pub const SUMS: &str = "SHA256SUMS";

/// A bundle in memory: file names and contents, in the order they are listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub files: Vec<(&'static str, Vec<u8>)>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub compiler: Compiler,
    pub range: ManifestRange,
    pub options: ManifestOptions,
    pub revisions: Vec<ManifestRevision>,
    pub files: Vec<ManifestFile>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Compiler {
    pub name: String,
    pub version: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct ManifestRange {
    /// The starting revisions (empty: `base`).
    pub from: Vec<String>,
    pub to: Vec<String>,
}

/// The options a bundle depends on: everything of the configuration but its folders.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct ManifestOptions {
    pub default_schema: String,
    pub search_path: Option<String>,
    pub lock_timeout: Option<String>,
    pub statement_timeout: Option<String>,
    pub version: VersionConfig,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct ManifestRevision {
    pub id: String,
    pub parents: Vec<String>,
    pub depends_on: Vec<String>,
    pub labels: Vec<String>,
    pub message: String,
    /// Relative to the migrations folder.
    pub source: String,
    pub sha256: String,
    pub transactional: bool,
    pub statements: usize,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct ManifestFile {
    pub name: String,
    pub sha256: String,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Everything a bundle is made of.
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub graph: &'a RevisionGraph,
    pub replay: &'a Replay,
    pub from: &'a [NodeIndex],
    pub to: &'a [NodeIndex],
    pub config: &'a Config,
}

/// Makes a bundle in memory.
pub fn assemble(inputs: &Inputs<'_>) -> Result<Bundle, ScriptError> {
    let graph = inputs.graph;
    let ids = |nodes: &[NodeIndex]| -> Vec<String> {
        graph.ids(nodes).iter().map(|s| s.to_string()).collect()
    };
    let position = |nodes: &[NodeIndex]| {
        if nodes.is_empty() {
            "base".to_owned()
        } else {
            ids(nodes).join(",")
        }
    };
    // The header names the folder by its own name only: a bundle must not depend on
    // where the checkout is or how the command was typed.
    let source = "migrations";
    let up_range = format!("{}:{}", position(inputs.from), position(inputs.to));
    let down_range = format!("{}:{}", position(inputs.to), position(inputs.from));
    let upgrade = crate::timings::stage("render upgrade", || {
        script::script(&Request {
            project: inputs.project,
            graph,
            replay: inputs.replay,
            from: inputs.from,
            to: inputs.to,
            direction: Direction::Upgrade,
            source,
            range: &up_range,
            config: inputs.config,
        })
    })?;
    let downgrade = crate::timings::stage("render downgrade", || {
        script::script(&Request {
            project: inputs.project,
            graph,
            replay: inputs.replay,
            from: inputs.to,
            to: inputs.from,
            direction: Direction::Downgrade,
            source,
            range: &down_range,
            config: inputs.config,
        })
    })?;

    let mut below = vec![false; graph.len()];
    for n in graph.ancestors(inputs.from) {
        below[n.index()] = true;
    }
    let revisions = graph
        .ancestors(inputs.to)
        .into_iter()
        .filter(|n| !below[n.index()])
        .map(|node| {
            let n = graph.node(node);
            let revision = &inputs.project.revisions[n.revision].revision;
            let file = inputs.project.sources.file(n.file);
            let statements = revision.upgrade.as_ref().map_or(0, |b| b.statements.len());
            let transactional = !revision
                .upgrade
                .iter()
                .flat_map(|b| &b.statements)
                .any(|s| s.kind.is_nontransactional());
            ManifestRevision {
                id: n.id.clone(),
                parents: ids(&n.parents),
                depends_on: ids(&n.depends_on),
                labels: n.labels.clone(),
                message: revision
                    .header
                    .message
                    .as_ref()
                    .map_or(String::new(), |m| m.value.clone()),
                source: file.relative_path.clone(),
                sha256: sha256_hex(file.text.as_deref().unwrap_or("").as_bytes()),
                transactional,
                statements,
            }
        })
        .collect();
    let manifest = Manifest {
        compiler: Compiler {
            name: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        range: ManifestRange {
            from: ids(inputs.from),
            to: ids(inputs.to),
        },
        options: ManifestOptions {
            default_schema: inputs.config.default_schema.clone(),
            search_path: inputs.config.search_path.clone(),
            lock_timeout: inputs.config.lock_timeout.clone(),
            statement_timeout: inputs.config.statement_timeout.clone(),
            version: inputs.config.version.clone(),
        },
        revisions,
        files: [(UPGRADE, &upgrade), (DOWNGRADE, &downgrade)]
            .into_iter()
            .map(|(name, text)| ManifestFile {
                name: name.to_owned(),
                sha256: sha256_hex(text.as_bytes()),
            })
            .collect(),
    };
    let mut manifest_text =
        serde_json::to_string_pretty(&manifest).expect("a manifest always serializes");
    manifest_text.push('\n');
    let mut files: Vec<(&'static str, Vec<u8>)> = vec![
        (UPGRADE, upgrade.into_bytes()),
        (DOWNGRADE, downgrade.into_bytes()),
        (MANIFEST, manifest_text.into_bytes()),
    ];
    // `sha256sum -c SHA256SUMS` format: hash, two spaces, name.
    let sums: String = files
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect();
    files.push((SUMS, sums.into_bytes()));
    Ok(Bundle { files })
}

/// Writes a bundle to `dir` atomically: built in a temporary folder beside it, then
/// renamed into place. On any error nothing is left behind and an existing bundle is
/// left as it was.
pub fn write(bundle: &Bundle, dir: &Path) -> std::io::Result<()> {
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "bundle".to_owned());
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}.new-"))
        .tempdir_in(parent)?;
    for (file, bytes) in &bundle.files {
        std::fs::write(staging.path().join(file), bytes)?;
    }
    if dir.exists() {
        // Move the old bundle aside first, so that a failed rename can put it back.
        let old = tempfile::Builder::new()
            .prefix(&format!(".{name}.old-"))
            .tempdir_in(parent)?;
        let old_path = old.path().join("bundle");
        std::fs::rename(dir, &old_path)?;
        if let Err(error) = std::fs::rename(staging.path(), dir) {
            std::fs::rename(&old_path, dir)?;
            return Err(error);
        }
        // `old` removes the previous bundle when dropped.
        drop(old);
    } else {
        std::fs::rename(staging.path(), dir)?;
    }
    // The staging folder is now the bundle; do not let its guard remove it.
    let _ = staging.keep();
    Ok(())
}

/// Reads the manifest of a bundle folder.
pub fn read_manifest(dir: &Path) -> Result<Manifest, String> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    serde_json::from_str(&text)
        .map_err(|e| format!("`{}` is not a strata manifest: {e}", path.display()))
}

/// How a bundle on disk differs from the bundle the sources give, in words.
pub fn differences(
    dir: &Path,
    expected: &Bundle,
    recorded: &Manifest,
    current: &Manifest,
) -> Vec<String> {
    let mut out = Vec::new();
    if recorded.options != current.options {
        out.push(format!(
            "the bundle was built with other options ({:?}; now {:?})",
            recorded.options, current.options
        ));
    }
    if recorded.compiler != current.compiler {
        out.push(format!(
            "the bundle was built by {} {} (this is {} {})",
            recorded.compiler.name,
            recorded.compiler.version,
            current.compiler.name,
            current.compiler.version
        ));
    }
    for revision in &recorded.revisions {
        match current.revisions.iter().find(|r| r.id == revision.id) {
            None => out.push(format!(
                "revision `{}` is no longer in the range",
                revision.id
            )),
            Some(now) if now.sha256 != revision.sha256 => out.push(format!(
                "the source of `{}` ({}) has changed since the bundle was built",
                revision.id, now.source
            )),
            Some(_) => {}
        }
    }
    for revision in &current.revisions {
        if !recorded.revisions.iter().any(|r| r.id == revision.id) {
            out.push(format!("revision `{}` is new in the range", revision.id));
        }
    }
    for (name, bytes) in &expected.files {
        match std::fs::read(dir.join(name)) {
            Ok(found) if &found == bytes => {}
            Ok(_) => out.push(format!(
                "`{name}` differs from what the sources and options give"
            )),
            Err(e) => out.push(format!("`{name}` cannot be read: {e}")),
        }
    }
    out
}

/// The folder name a bundle gets by default: `FROM-TO`.
pub fn default_name(graph: &RevisionGraph, from: &[NodeIndex], to: &[NodeIndex]) -> String {
    let part = |nodes: &[NodeIndex]| {
        if nodes.is_empty() {
            "base".to_owned()
        } else {
            graph.ids(nodes).join("+")
        }
    };
    format!("{}-{}", part(from), part(to))
}

/// Where a bundle goes: `OUT/NAME`.
pub fn target(out: &Path, name: &str) -> PathBuf {
    out.join(name)
}
