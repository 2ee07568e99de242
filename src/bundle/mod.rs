//! The fifth stage: bundles (BUNDLES.md 3). A bundle is a folder with `upgrade.sql`,
//! `downgrade.sql` (which reverts exactly what the upgrade applies), `manifest.json` and
//! `SHA256SUMS`. Every byte depends only on the sources and the options, so anyone can
//! rebuild it; `verify` does, and names every difference.
//!
//! This module is the only one that writes bundle files, and it writes them atomically:
//! the bundle is made in a temporary folder beside the target and renamed into place.
//! It is written as the replay goes ([`Writer`]), so that no script is whole in memory.

use std::fmt;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use petgraph::graph::NodeIndex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub mod folder;

use crate::config::{Config, VersionConfig};
use crate::graph::RevisionGraph;
use crate::project::Project;
use rayon::prelude::*;

use crate::pipeline::Step;
use crate::render::script::{self, Direction, Plan, Renderer, Rows, ScriptError};

pub const UPGRADE: &str = "upgrade.sql";
pub const DOWNGRADE: &str = "downgrade.sql";
pub const MANIFEST: &str = "manifest.json";
pub const STATUS: &str = "status.sql";
pub const SUMS: &str = "SHA256SUMS";

#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct Manifest {
    pub compiler: Compiler,
    pub range: ManifestRange,
    pub options: ManifestOptions,
    pub revisions: Vec<ManifestRevision>,
    /// The revisions of the range that cannot be reverted, in replay order: a bundle
    /// with any has no `downgrade.sql`. Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub irreversible: Vec<Irreversible>,
    pub files: Vec<ManifestFile>,
}

/// A revision marked `downgrade irreversible`, and why.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Irreversible {
    pub revision: String,
    pub reason: String,
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
    /// The root hash of `strata.lock`'s chained hashes at the end of the range
    /// (docs/LOCK.md): it changes with any source, parent or dependency below.
    #[serde(default)]
    pub lock_root: String,
}

/// The options a bundle depends on: everything of the configuration but its folders.
#[derive(Serialize, Deserialize, Debug, PartialEq, Eq)]
pub struct ManifestOptions {
    /// The configuration file the bundle was built with, from the project's folder
    /// (the migrations folder's parent) when it is in it; `None`: the defaults.
    #[serde(default)]
    pub configuration: Option<String>,
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

/// Everything a bundle is made of.
pub struct Inputs<'a> {
    pub project: &'a Project,
    pub graph: &'a RevisionGraph,
    pub from: &'a [NodeIndex],
    pub to: &'a [NodeIndex],
    pub config: &'a Config,
    /// Where the configuration was read, as the manifest names it.
    pub config_file: Option<String>,
    /// A range with an irreversible revision is an error, not a bundle without a
    /// downgrade (`build --require-downgrade`).
    pub require_downgrade: bool,
}

/// Why a bundle could not be made.
#[derive(Debug)]
pub enum BuildError {
    Script(ScriptError),
    Io(std::io::Error),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Script(error) => error.fmt(f),
            BuildError::Io(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BuildError {}

impl From<std::io::Error> for BuildError {
    fn from(error: std::io::Error) -> Self {
        BuildError::Io(error)
    }
}

impl From<ScriptError> for BuildError {
    fn from(error: ScriptError) -> Self {
        BuildError::Script(error)
    }
}

/// A writer that hashes what passes through it.
struct Hashed<W> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Hashed<W> {
    fn new(inner: W) -> Self {
        Hashed {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Flushes and gives the digest, in hexadecimal.
    fn finish(mut self) -> std::io::Result<String> {
        self.inner.flush()?;
        Ok(crate::source::digest_hex(&self.hasher.finalize().into()))
    }
}

/// Writes of at least this many bytes are hashed on one thread while they are written on
/// another: the downgrade's reversal at the end of a build writes a large script in
/// blocks of a megabyte, where hashing and writing each took about as long.
const HASH_BESIDE: usize = 64 * 1024;

impl<W: Write + Send> Write for Hashed<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        let (hasher, inner) = (&mut self.hasher, &mut self.inner);
        if buf.len() < HASH_BESIDE {
            inner.write_all(buf)?;
            hasher.update(buf);
            return Ok(());
        }
        // Hashed whether or not the write succeeds: a failed write fails the bundle.
        rayon::join(|| hasher.update(buf), || inner.write_all(buf)).1
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The name of the file that holds the downgrade's sections until they are written in
/// reverse; it never outlives [`Writer::finish`].
const SPILL: &str = ".downgrade-sections";

/// A bundle being written, one revision at a time in replay order, into a staging folder.
///
/// The upgrade goes straight to its file. The downgrade reverts the same revisions in
/// the opposite order, so its sections go to a spill file as they come and are copied
/// to `downgrade.sql` in reverse at the end. Every file is hashed as it is written; no
/// script is ever whole in memory, which keeps a bundle of 100,000 revisions small.
pub struct Writer<'a> {
    inputs: &'a Inputs<'a>,
    renderer: Renderer<'a>,
    /// Whether each node is in the range, and the version rows as the range is climbed.
    in_range: Vec<bool>,
    rows: Rows,
    staging: tempfile::TempDir,
    /// Held while the bundle is made, so that another build does not take the staging
    /// folder for one a killed build left ([`folder::remove_stale`]).
    staging_lock: File,
    upgrade: Hashed<BufWriter<File>>,
    downgrade: Hashed<BufWriter<File>>,
    spill: BufWriter<File>,
    /// Where each downgrade section starts in the spill file, and where the last ends.
    spill_offsets: Vec<u64>,
    /// The manifest, written up to its revisions at the start and one revision at a
    /// time after; its end, which holds the scripts' checksums, is written last.
    manifest: Hashed<BufWriter<File>>,
    /// How many revisions the manifest lists so far.
    listed: usize,
    /// The first revision (in downgrade order) whose downgrade cannot be derived.
    problem: Option<ScriptError>,
    /// The revisions marked irreversible, in replay order.
    irreversible: Vec<Irreversible>,
    /// The version rows below and above the range: where the downgrade and the upgrade
    /// leave the database, for their last lines.
    lower_rows: Vec<String>,
    upper_rows: Vec<String>,
    /// The replayed merges that reconcile parts both branches changed.
    reconciled: Vec<(NodeIndex, crate::schema::replay::RevisionSchema)>,
    /// The revisions applied below the range.
    below: Vec<bool>,
    /// The lock's root hash at the end of the range, for the manifest.
    lock_root: String,
    /// The range's revisions in the upgrade's order, and their messages, for status.sql.
    steps: Vec<NodeIndex>,
    messages: std::collections::HashMap<NodeIndex, String>,
}

impl<'a> Writer<'a> {
    /// Checks the range and starts the bundle in a new folder below `staging_parent`.
    pub fn create(inputs: &'a Inputs<'a>, staging_parent: &Path) -> Result<Self, BuildError> {
        let graph = inputs.graph;
        let plan = Plan::upgrade(graph, inputs.from, inputs.to)?;
        script::check_ids(graph, inputs.config, plan.steps.iter().chain(&plan.below))?;
        let renderer = Renderer::new(graph, inputs.project, inputs.config);
        let (from, to) = (
            graph.position_name(inputs.from, ","),
            graph.position_name(inputs.to, ","),
        );
        let rows = plan.start(graph);
        let (lower_rows, upper_rows) = (rows.list(), plan.upper_rows(graph));
        let steps = plan.steps.len();

        std::fs::create_dir_all(staging_parent)?;
        folder::remove_stale(staging_parent);
        let (staging, staging_lock) = folder::staging(staging_parent)?;
        let create = |name: &str| -> std::io::Result<BufWriter<File>> {
            Ok(BufWriter::with_capacity(
                1 << 16,
                File::create(staging.path().join(name))?,
            ))
        };
        let mut upgrade = Hashed::new(create(UPGRADE)?);
        let mut downgrade = Hashed::new(create(DOWNGRADE)?);
        let spill = create(SPILL)?;
        let mut manifest = Hashed::new(create(MANIFEST)?);
        // Nothing before the revisions depends on the scripts' checksums.
        let lock_root = crate::lock::root_of(
            inputs.project,
            graph,
            &upper_rows
                .iter()
                .filter_map(|id| graph.find(id))
                .collect::<Vec<_>>(),
        );
        let (head, at) = manifest_frame(inputs, &lock_root, "", Some(""), "", &[])?;
        manifest.write_all(&head.as_bytes()[..at])?;
        manifest.write_all(b"[")?;
        upgrade.write_all(
            renderer
                .header(
                    Direction::Upgrade,
                    (inputs.from, inputs.to),
                    steps,
                    &format!("{from}:{to}"),
                    &lower_rows,
                    &rows.nodes(graph),
                )
                .as_bytes(),
        )?;
        downgrade.write_all(
            renderer
                .header(
                    Direction::Downgrade,
                    (inputs.to, inputs.from),
                    steps,
                    &format!("{to}:{from}"),
                    &upper_rows,
                    &plan.steps,
                )
                .as_bytes(),
        )?;
        let mut in_range = vec![false; graph.len()];
        for &n in &plan.steps {
            in_range[n.index()] = true;
        }
        let mut below = vec![false; graph.len()];
        for &n in &plan.below {
            below[n.index()] = true;
        }
        Ok(Writer {
            inputs,
            renderer,
            in_range,
            rows,
            staging,
            staging_lock,
            upgrade,
            downgrade,
            spill,
            spill_offsets: vec![0],
            manifest,
            listed: 0,
            problem: None,
            irreversible: Vec::new(),
            lower_rows,
            upper_rows,
            reconciled: Vec::new(),
            below,
            lock_root,
            steps: plan.steps.clone(),
            messages: std::collections::HashMap::new(),
        })
    }

    /// Writes the sections of the next revisions, in replay order; revisions outside the
    /// range are passed over. The sections are rendered in parallel.
    pub fn write(&mut self, steps: &[Step<'_>]) -> std::io::Result<()> {
        let graph = self.inputs.graph;
        let mut positions = Vec::with_capacity(steps.len());
        // Every merge of the project that reconciles parts, in the range or not: the
        // downgrade must not revert one revision of a pair and keep the other.
        self.reconciled.extend(
            steps
                .iter()
                .filter(|s| !s.schema.reconciled.is_empty())
                .map(|s| (s.node, s.schema.clone())),
        );
        for step in steps.iter().filter(|s| self.in_range[s.node.index()]) {
            let message = step.revision.header.message.as_ref();
            self.messages.insert(
                step.node,
                message.map_or(String::new(), |m| m.value.to_string()),
            );
            let rows = self.rows.step(graph, step.node);
            match script::downgrade_problem(graph, step.node, Some(step.schema)) {
                Some(ScriptError::Irreversible { revision, reason }) => {
                    self.irreversible.push(Irreversible { revision, reason })
                }
                // Later revisions are reverted first: the last problem is the first met.
                Some(problem) => self.problem = Some(problem),
                None => {}
            }
            positions.push((step, rows));
        }
        let (renderer, inputs) = (&self.renderer, self.inputs);
        let sections: Vec<std::io::Result<(String, String, Vec<u8>)>> = positions
            .par_iter()
            .map(|(step, (before, after))| {
                let schema = Some(step.schema);
                let header = &step.revision.header;
                Ok((
                    renderer.section(
                        step.node,
                        header,
                        schema,
                        Direction::Upgrade,
                        (before, after),
                    ),
                    renderer.section(
                        step.node,
                        header,
                        schema,
                        Direction::Downgrade,
                        (before, after),
                    ),
                    manifest_revision(inputs, step)?,
                ))
            })
            .collect();
        for section in sections {
            let (up, down, listed) = section?;
            self.upgrade.write_all(up.as_bytes())?;
            self.spill.write_all(down.as_bytes())?;
            let end = self.spill_offsets.last().copied().unwrap_or(0) + down.len() as u64;
            self.spill_offsets.push(end);
            // The layout of serde_json's pretty printer for an array two levels deep.
            let separator: &[u8] = if self.listed == 0 {
                b"\n    "
            } else {
                b",\n    "
            };
            self.manifest.write_all(separator)?;
            self.manifest.write_all(&listed)?;
            self.listed += 1;
        }
        Ok(())
    }

    /// Ends the scripts, writes the manifest and the checksums, and gives the finished
    /// folder, not yet in place.
    pub fn finish(mut self) -> Result<Staged, BuildError> {
        if let Some(problem) = self.problem.take() {
            return Err(problem.into());
        }
        // A range that reverts one revision of a reconciled pair and keeps the other
        // (applied below it) has no sound way back, as an irreversible revision.
        let applied: Vec<bool> = self
            .below
            .iter()
            .zip(&self.in_range)
            .map(|(b, r)| *b || *r)
            .collect();
        if let Some((reverted, kept, what)) = script::split_reconciled(
            self.inputs.graph,
            self.reconciled.iter().map(|(n, s)| (*n, s)),
            &self.in_range,
            &applied,
        ) {
            self.irreversible.push(Irreversible {
                reason: script::order_dependent_reason(&reverted, &kept, &what),
                revision: reverted,
            });
        }
        if self.inputs.require_downgrade {
            if let Some(last) = self.irreversible.pop() {
                // The downgrade would meet the last one first.
                return Err(ScriptError::Irreversible {
                    revision: last.revision,
                    reason: last.reason,
                }
                .into());
            }
        }
        self.upgrade.write_all(
            self.renderer
                .footer(
                    Direction::Upgrade,
                    (self.inputs.from, self.inputs.to),
                    &self.upper_rows,
                )
                .as_bytes(),
        )?;
        let upgrade_sha = self.upgrade.finish()?;
        self.spill.flush()?;
        drop(self.spill);
        let staging = self.staging.path();
        let spill_path = staging.join(SPILL);
        let spill_offsets = &self.spill_offsets;
        let inputs = self.inputs;
        // A range that crosses an irreversible revision has no way back: no downgrade
        // at all, rather than one that stops halfway.
        let downgrade_sha = if self.irreversible.is_empty() {
            let mut downgrade = self.downgrade;
            reverse_sections(&spill_path, spill_offsets, &mut downgrade)?;
            std::fs::remove_file(&spill_path)?;
            let footer = self.renderer.footer(
                Direction::Downgrade,
                (self.inputs.to, self.inputs.from),
                &self.lower_rows,
            );
            downgrade.write_all(footer.as_bytes())?;
            Some(downgrade.finish()?)
        } else {
            drop(self.downgrade);
            std::fs::remove_file(&spill_path)?;
            std::fs::remove_file(staging.join(DOWNGRADE))?;
            None
        };
        let status = crate::render::status::Status {
            project: inputs.project,
            graph: inputs.graph,
            config: inputs.config,
            from: inputs.from,
            to: inputs.to,
            steps: &self.steps,
            messages: &self.messages,
            has_downgrade: downgrade_sha.is_some(),
        }
        .render();
        std::fs::write(staging.join(STATUS), &status)?;
        let status_sha = crate::source::HexDigest::of(&Sha256::digest(status.as_bytes()).into())
            .as_str()
            .to_owned();
        let mut file = self.manifest;
        file.write_all(if self.listed == 0 { b"]" } else { b"\n  ]" })?;
        let (tail, at) = manifest_frame(
            inputs,
            &self.lock_root,
            &upgrade_sha,
            downgrade_sha.as_deref(),
            &status_sha,
            &self.irreversible,
        )?;
        file.write_all(&tail.as_bytes()[at..])?;
        let manifest_sha = file.finish()?;
        // `sha256sum -c SHA256SUMS` format: hash, two spaces, name.
        let mut sums = format!("{upgrade_sha}  {UPGRADE}\n");
        if let Some(downgrade_sha) = &downgrade_sha {
            sums.push_str(&format!("{downgrade_sha}  {DOWNGRADE}\n"));
        }
        sums.push_str(&format!("{status_sha}  {STATUS}\n"));
        sums.push_str(&format!("{manifest_sha}  {MANIFEST}\n"));
        std::fs::write(staging.join(SUMS), sums)?;
        Ok(Staged {
            folder: self.staging,
            _lock: self.staging_lock,
            irreversible: self.irreversible,
        })
    }
}

/// What stands for the revisions in the manifest's frame until they are spliced in.
const REVISIONS_MARK: &str = "strata:revisions";

/// A value that serializes as a placeholder string.
struct Spliced(&'static str);

impl Serialize for Spliced {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// The manifest with its revisions left out, and where they go: serde_json's pretty
/// layout of a manifest whose `revisions` hold a mark, with the mark taken out.
/// The manifest around its revisions (`downgrade_sha` is `None` for a bundle without a
/// downgrade), and where the revisions go in it.
fn manifest_frame(
    inputs: &Inputs<'_>,
    lock_root: &str,
    upgrade_sha: &str,
    downgrade_sha: Option<&str>,
    status_sha: &str,
    irreversible: &[Irreversible],
) -> std::io::Result<(String, usize)> {
    let ids = |nodes: &[NodeIndex]| -> Vec<String> {
        inputs
            .graph
            .ids(nodes)
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let manifest = ManifestOut {
        compiler: Compiler {
            name: env!("CARGO_PKG_NAME").to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
        range: ManifestRange {
            from: ids(inputs.from),
            to: ids(inputs.to),
            lock_root: lock_root.to_owned(),
        },
        options: ManifestOptions::of(inputs.config, inputs.config_file.clone()),
        revisions: Spliced(REVISIONS_MARK),
        irreversible,
        files: [
            (UPGRADE, Some(upgrade_sha)),
            (DOWNGRADE, downgrade_sha),
            (STATUS, Some(status_sha)),
        ]
        .into_iter()
        .filter_map(|(name, sha256)| Some((name, sha256?)))
        .map(|(name, sha256)| ManifestFile {
            name: name.to_owned(),
            sha256: sha256.to_owned(),
        })
        .collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::from)?;
    text.push('\n');
    // The last occurrence: only file names and checksums come after the revisions, where
    // options written by the user come before them.
    let mark = format!("\"{REVISIONS_MARK}\"");
    let at = text
        .rfind(&mark)
        .ok_or_else(|| std::io::Error::other("the manifest frame lost its mark"))?;
    text.replace_range(at..at + mark.len(), "");
    Ok((text, at))
}

/// One revision of the manifest, laid out as serde_json's pretty printer writes an item
/// of the `revisions` array (every line after the first indented by four spaces).
fn manifest_revision(inputs: &Inputs<'_>, step: &Step<'_>) -> std::io::Result<Vec<u8>> {
    let (graph, project) = (inputs.graph, inputs.project);
    let n = graph.node(step.node);
    let header = &step.revision.header;
    let file = project.sources.file(n.file);
    let sha = file.sha256_hex();
    let statements = step.revision.upgrade().map_or(&[][..], |b| &b.statements);
    let revision = RevisionRef {
        id: &n.id,
        parents: graph.ids(n.parents()),
        depends_on: graph.ids(n.depends_on()),
        labels: graph.labels(step.node),
        message: header.message.as_ref().map_or("", |m| &*m.value),
        source: file.relative_path(),
        sha256: sha.as_str(),
        transactional: !statements.iter().any(|s| s.kind.is_nontransactional()),
        statements: statements.len(),
    };
    let mut plain = Vec::with_capacity(512);
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b"  ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut plain, formatter);
    revision
        .serialize(&mut serializer)
        .map_err(std::io::Error::from)?;
    // Every line but the first indented by four spaces, in one pass afterwards: a writer
    // that indented as serde_json wrote saw every token as a write of its own, and took
    // more instructions than the serializing itself. (JSON strings escape their line
    // breaks, so every line break here is between tokens.)
    let mut out = Vec::with_capacity(plain.len() + 128);
    let mut lines = plain.split(|&b| b == b'\n');
    if let Some(first) = lines.next() {
        out.extend_from_slice(first);
    }
    for line in lines {
        out.extend_from_slice(b"\n    ");
        out.extend_from_slice(line);
    }
    Ok(out)
}

/// Copies the sections of the spill file to `out` last first, reading it in large
/// blocks from the end.
fn reverse_sections(path: &Path, offsets: &[u64], out: &mut impl Write) -> std::io::Result<()> {
    reverse_sections_by(path, offsets, 1 << 20, out)
}

fn reverse_sections_by(
    path: &Path,
    offsets: &[u64],
    block: u64,
    out: &mut impl Write,
) -> std::io::Result<()> {
    use std::os::unix::fs::FileExt as _;
    let file = File::open(path)?;
    let mut buffer = Vec::new();
    // A block's sections, last first: written at once, so that `out` sees large writes.
    let mut reversed = Vec::new();
    // Sections `first..last` are read at once: as many as fit in a block, at least one.
    let mut last = offsets.len().saturating_sub(1);
    while last > 0 {
        let end = offsets[last];
        let mut first = last - 1;
        while first > 0 && end - offsets[first - 1] <= block {
            first -= 1;
        }
        let start = offsets[first];
        buffer.resize((end - start) as usize, 0);
        file.read_exact_at(&mut buffer, start)?;
        reversed.clear();
        for k in (first..last).rev() {
            reversed.extend_from_slice(
                &buffer[(offsets[k] - start) as usize..(offsets[k + 1] - start) as usize],
            );
        }
        out.write_all(&reversed)?;
        last = first;
    }
    Ok(())
}

/// The manifest as it is written: the revisions are made one at a time as they are
/// serialized, from the graph and the headers.
#[derive(Serialize)]
struct ManifestOut<'a> {
    compiler: Compiler,
    range: ManifestRange,
    options: ManifestOptions,
    revisions: Spliced,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    irreversible: &'a [Irreversible],
    files: Vec<ManifestFile>,
}

/// A [`ManifestRevision`] borrowed from the graph and the headers: the same fields in
/// the same order, so the same JSON, without copying a string per field.
#[derive(Serialize)]
struct RevisionRef<'a> {
    id: &'a str,
    parents: Vec<&'a str>,
    depends_on: Vec<&'a str>,
    labels: &'a [String],
    message: &'a str,
    source: &'a str,
    sha256: &'a str,
    transactional: bool,
    statements: usize,
}

impl ManifestOptions {
    fn of(config: &Config, configuration: Option<String>) -> Self {
        ManifestOptions {
            configuration,
            default_schema: config.default_schema.clone(),
            search_path: config.search_path.clone(),
            lock_timeout: config.lock_timeout.clone(),
            statement_timeout: config.statement_timeout.clone(),
            version: config.version.clone(),
        }
    }
}

/// A finished bundle in its staging folder, removed when dropped unless put in place.
pub struct Staged {
    folder: tempfile::TempDir,
    _lock: File,
    irreversible: Vec<Irreversible>,
}

impl Staged {
    pub fn path(&self) -> &Path {
        self.folder.path()
    }

    /// The irreversible revisions of the range: the bundle has no downgrade when any.
    pub fn irreversible(&self) -> &[Irreversible] {
        &self.irreversible
    }

    /// Moves the bundle to `dir` atomically: an existing bundle there is replaced only
    /// once the new one is complete, and is left as it was on any error. The staging
    /// folder must be on the file system of `dir` (beside it, as `build` makes it).
    pub fn commit(self, dir: &Path) -> std::io::Result<()> {
        let parent = parent_of(dir);
        if dir.exists() {
            // Move the old bundle aside first, so that a failed rename can put it back.
            let (old, _old_lock) = folder::old_folder(parent)?;
            let old_path = old.path().join("bundle");
            std::fs::rename(dir, &old_path)?;
            if let Err(error) = std::fs::rename(self.folder.path(), dir) {
                std::fs::rename(&old_path, dir)?;
                return Err(error);
            }
            // `old` removes the previous bundle when dropped.
            drop(old);
        } else {
            std::fs::rename(self.folder.path(), dir)?;
        }
        // The staging folder is now the bundle; do not let its guard remove it.
        let _ = self.folder.keep();
        Ok(())
    }
}

/// The folder a bundle's staging folder goes in: the one that will hold the bundle.
pub fn parent_of(dir: &Path) -> &Path {
    dir.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
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
    expected: &Staged,
    recorded: &Manifest,
    current: &Manifest,
) -> Vec<String> {
    let files = bundle_files(current);
    let mut out = folder::listing_problems(dir, &files);
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
    // Any source, parent or dependency below the range's end, in the range or not.
    if recorded.range.lock_root != current.range.lock_root {
        out.push(format!(
            "the lock's root hash differs (recorded {}, now {}): a revision at or below the \
             range's end, its source, parents or dependencies, changed",
            if recorded.range.lock_root.is_empty() {
                "none"
            } else {
                &recorded.range.lock_root
            },
            current.range.lock_root
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
    for name in files {
        let bytes = match std::fs::read(expected.path().join(name)) {
            Ok(bytes) => bytes,
            Err(e) => {
                out.push(format!("`{name}` cannot be rebuilt: {e}"));
                continue;
            }
        };
        match std::fs::read(dir.join(name)) {
            Ok(found) if found == bytes => {}
            Ok(found) => out.push(file_difference(name, &found, &bytes)),
            Err(e) => out.push(format!("`{name}` cannot be read: {e}")),
        }
    }
    out
}

/// The most lines of a unified diff `verify` prints for one file.
const DIFF_LINES: usize = 40;

/// How a file of a bundle differs from the one rebuilt: the first line that differs on
/// each side, then a short unified diff (rebuilt, then found).
fn file_difference(name: &str, found: &[u8], rebuilt: &[u8]) -> String {
    let found = String::from_utf8_lossy(found);
    let rebuilt = String::from_utf8_lossy(rebuilt);
    let at = found
        .lines()
        .zip(rebuilt.lines())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| found.lines().count().min(rebuilt.lines().count()));
    let line = |text: &str| {
        text.lines()
            .nth(at)
            .unwrap_or("(the end of the file)")
            .to_owned()
    };
    let diff = similar::TextDiff::from_lines(&*rebuilt, &*found);
    let unified = diff
        .unified_diff()
        .context_radius(2)
        .header("rebuilt from the sources", "in the bundle")
        .to_string();
    let lines: Vec<&str> = unified.lines().collect();
    let mut shown = lines[..lines.len().min(DIFF_LINES)].join("\n");
    if lines.len() > DIFF_LINES {
        shown.push_str(&format!(
            "\n... ({} more lines of the diff)",
            lines.len() - DIFF_LINES
        ));
    }
    format!(
        "`{name}` differs from what the sources and options give, from line {}:\n  in the \
         bundle:  {}\n  rebuilt:        {}\n{shown}",
        at + 1,
        line(&found),
        line(&rebuilt)
    )
}

/// The files of a bundle with this manifest: no downgrade when a revision is irreversible.
pub fn bundle_files(manifest: &Manifest) -> Vec<&'static str> {
    if manifest.irreversible.is_empty() {
        vec![UPGRADE, DOWNGRADE, STATUS, MANIFEST, SUMS]
    } else {
        vec![UPGRADE, STATUS, MANIFEST, SUMS]
    }
}

/// The folder name a bundle gets by default: `FROM-TO`.
pub fn default_name(graph: &RevisionGraph, from: &[NodeIndex], to: &[NodeIndex]) -> String {
    format!(
        "{}-{}",
        graph.position_name(from, "+"),
        graph.position_name(to, "+")
    )
}

/// Where a bundle goes: `OUT/NAME`.
pub fn target(out: &Path, name: &str) -> PathBuf {
    out.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_come_back_last_first_whatever_the_block_size() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("spill");
        let sections: Vec<String> = (0..40)
            .map(|i| format!("section {i}: {}\n", "x".repeat(i * 7 % 23)))
            .collect();
        std::fs::write(&path, sections.concat()).expect("spill");
        let mut offsets = vec![0u64];
        for s in &sections {
            offsets.push(offsets[offsets.len() - 1] + s.len() as u64);
        }
        let expected: String = sections.iter().rev().map(String::as_str).collect();
        // Blocks smaller than a section, of a few sections, and of the whole file.
        for block in [1, 10, 64, 200, 1 << 20] {
            let mut out = Vec::new();
            reverse_sections_by(&path, &offsets, block, &mut out).expect("reversed");
            assert_eq!(
                String::from_utf8(out).expect("text"),
                expected,
                "block {block}"
            );
        }
        let mut out = Vec::new();
        reverse_sections_by(&path, &[0], 10, &mut out).expect("no sections");
        assert!(out.is_empty());
    }

    #[test]
    fn a_hashed_file_hashes_what_it_writes_however_large_the_writes() {
        let bytes: Vec<u8> = (0..5 * HASH_BESIDE).map(|i| (i * 31 % 251) as u8).collect();
        // Small writes, one just under the threshold, one at it, and a large one.
        let cuts = [
            0,
            10,
            100,
            100 + HASH_BESIDE - 1,
            100 + 2 * HASH_BESIDE - 1,
            bytes.len(),
        ];
        let mut hashed = Hashed::new(Vec::new());
        for piece in cuts.windows(2) {
            hashed
                .write_all(&bytes[piece[0]..piece[1]])
                .expect("written");
        }
        let written = hashed.inner.clone();
        let digest = hashed.finish().expect("finished");
        assert_eq!(written, bytes);
        assert_eq!(
            digest,
            crate::source::digest_hex(&Sha256::digest(&bytes).into())
        );
    }
}
