//! Discovery and loading: the migrations folder to parsed revisions (LANGUAGE.md 1).
//!
//! Every `.mig` file below the folder, at any depth, is one revision. Symbolic links are
//! neither followed nor read. Files are loaded in byte order of their path relative to
//! the folder, so nothing downstream can depend on the order the file system lists them.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostic::{Code, Diagnostic};
use std::io::Read as _;

use rayon::prelude::*;

use crate::source::{FileId, LineIndex, SourceFile, SourceMap, Span, Texts};
use crate::syntax::{
    self,
    ast::{Header, Revision},
    Depth,
};

/// The largest source file accepted (LANGUAGE.md 1).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// A revision and the file it was read from.
#[derive(Debug)]
pub struct LoadedRevision {
    pub file: FileId,
    pub revision: Revision,
}

/// Everything read from a migrations folder.
#[derive(Debug)]
pub struct Project {
    pub sources: SourceMap,
    /// The files that parsed, in path order.
    pub revisions: Vec<LoadedRevision>,
    /// Every problem found in any file.
    pub diagnostics: Vec<Diagnostic>,
    /// The ids declared by files that did not parse, sorted: a reference to one of them
    /// is not "unknown", its file is broken (and reported).
    pub unparsed_ids: Vec<String>,
    /// How much of each file was read.
    pub depth: Depth,
}

/// What a stream takes out of a project read for its headers
/// ([`Project::take_for_stream`]): each revision's text and header, which it parses into
/// the revision's whole tree and then lets go of with it.
#[derive(Debug)]
pub struct Streamed {
    texts: Texts,
    /// By index in [`Project::revisions`].
    headers: Vec<Option<Box<Header>>>,
}

impl Streamed {
    /// The text of `file` and the header of the revision at `revision` read from it,
    /// taken out; `None` when either was taken before.
    pub fn take(&mut self, file: FileId, revision: usize) -> Option<(String, Box<Header>)> {
        let header = self.headers.get_mut(revision).and_then(Option::take);
        Some((self.texts.take(file)?, header?))
    }
}

/// A failure that stops loading altogether: the folder or a file cannot be read.
#[derive(Debug)]
pub enum LoadError {
    NotADirectory(PathBuf),
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotADirectory(path) => {
                write!(
                    f,
                    "migrations folder `{}` does not exist or is not a folder",
                    path.display()
                )
            }
            LoadError::Io { path, error } => write!(f, "cannot read `{}`: {error}", path.display()),
        }
    }
}

impl std::error::Error for LoadError {}

/// Finds, reads and parses every revision below `dir`.
///
/// Files are read and parsed in parallel; each gets its id from its place in the sorted
/// list, so the result is the same as a sequential load.
pub fn load(dir: &Path, depth: Depth) -> Result<Project, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::NotADirectory(dir.to_owned()));
    }
    let files = crate::timings::stage("discover", || sorted(dir))?;

    // Written straight into two vectors of the right size: a vector of pairs, taken
    // apart afterwards, would hold a large project's files twice at the peak.
    let mut files_read: Vec<SourceFile> = Vec::new();
    let mut loaded: Vec<Slot> = Vec::new();
    crate::timings::stage("read+parse", || {
        files
            .into_par_iter()
            .enumerate()
            .map(|(index, found)| {
                let path = dir.join(&found.relative);
                let display_path = path.to_string_lossy().into_owned();
                let relative = found.relative.to_string_lossy().into_owned();
                if found.link {
                    let warning = Diagnostic::warning(
                        Code::SymbolicLink,
                        Span::point(FileId(index as u32), 0, 1, 1),
                        format!(
                            "`{relative}` is a symbolic link; strata reads only regular files, \
                             so it is not part of the project"
                        ),
                    );
                    let file = LoadedFile::of(FileId(index as u32), None, None, vec![warning]);
                    return (
                        SourceFile::link(display_path, relative),
                        Slot::Other(Box::new(file)),
                    );
                }
                match read(&path) {
                    Ok(contents) => {
                        let (source, file) = load_contents(
                            FileId(index as u32),
                            contents,
                            display_path,
                            relative,
                            depth,
                        );
                        (source, Slot::of(file))
                    }
                    // The load fails as a whole; the file stands empty until then.
                    Err(error) => (
                        SourceFile::new(display_path, relative, None),
                        Slot::Failed(Box::new(error)),
                    ),
                }
            })
            .unzip_into_vecs(&mut files_read, &mut loaded)
    });
    if let Some(position) = loaded.iter().position(|s| matches!(s, Slot::Failed(_))) {
        if let Slot::Failed(error) = loaded.swap_remove(position) {
            return Err(*error);
        }
    }
    let (revisions, diagnostics, unparsed_ids) = gather(loaded.into_iter().map(Slot::into_file));
    let sources = SourceMap::from_files(files_read);
    Ok(Project {
        sources,
        revisions,
        diagnostics,
        unparsed_ids,
        depth,
    })
}

/// What one file gave: its revision, when it parsed, and every problem found in it.
#[derive(Debug)]
pub struct LoadedFile {
    pub revision: Option<LoadedRevision>,
    /// For a file that did not parse: the id its header declares or, without a
    /// readable header, its file stem.
    pub unparsed_id: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads and parses one file into `sources`.
pub fn load_file(
    sources: &mut SourceMap,
    path: &Path,
    display_path: String,
    relative_path: String,
) -> Result<LoadedFile, LoadError> {
    let contents = read(path)?;
    Ok(add(sources, contents, display_path, relative_path))
}

/// Parses the bytes of one file into `sources`, as [`load_file`] does after reading.
pub fn load_bytes(
    sources: &mut SourceMap,
    bytes: Vec<u8>,
    display_path: String,
    relative_path: String,
) -> LoadedFile {
    let contents = if bytes.len() as u64 > MAX_FILE_BYTES {
        Contents::TooLarge
    } else {
        Contents::Bytes(bytes)
    };
    add(sources, contents, display_path, relative_path)
}

fn add(
    sources: &mut SourceMap,
    contents: Contents,
    display_path: String,
    relative_path: String,
) -> LoadedFile {
    let (source, loaded) = load_contents(
        sources.next_id(),
        contents,
        display_path,
        relative_path,
        Depth::Full,
    );
    sources.push(source);
    loaded
}

/// Decodes and parses one file that will be known as `file`.
fn load_contents(
    file: FileId,
    contents: Contents,
    display_path: String,
    relative_path: String,
    depth: Depth,
) -> (SourceFile, LoadedFile) {
    let (text, problem) = match decode(contents) {
        Ok(text) => (Some(text), None),
        Err(problem) => (None, Some(problem)),
    };
    let stem = stem(&relative_path);
    let source = SourceFile::new(display_path, relative_path, text);
    if let Some((code, offset, (line, col), message)) = problem {
        let span = Span::point(file, offset as u32, line, col);
        let loaded = LoadedFile {
            revision: None,
            unparsed_id: Some(stem),
            diagnostics: vec![Diagnostic::error(code, span, message)],
        };
        return (source, loaded);
    }
    let loaded = parse_source(&source, file, depth, stem);
    (source, loaded)
}

/// Parses the text of a file that could be decoded.
fn parse_source(source: &SourceFile, file: FileId, depth: Depth, stem: String) -> LoadedFile {
    let parsed = syntax::parse_file(source, file, depth);
    let unparsed_id = match &parsed.revision {
        Some(_) => None,
        None => Some(parsed.unparsed_id.unwrap_or(stem)),
    };
    LoadedFile::of(file, parsed.revision, unparsed_id, parsed.diagnostics)
}

impl LoadedFile {
    fn of(
        file: FileId,
        revision: Option<Revision>,
        unparsed_id: Option<String>,
        diagnostics: Vec<Diagnostic>,
    ) -> Self {
        LoadedFile {
            revision: revision.map(|revision| LoadedRevision { file, revision }),
            unparsed_id,
            diagnostics,
        }
    }
}

/// One file's load as the parallel read collects it: what most files give (a revision
/// and nothing to say of it) in 32 bytes, the rest boxed. A vector of whole
/// `LoadedFile` results took 80 bytes a file, 8 MB at 100,000 revisions, let go after
/// the load but kept counted by the allocator well into the stream.
enum Slot {
    Clean(LoadedRevision),
    Other(Box<LoadedFile>),
    Failed(Box<LoadError>),
}

impl Slot {
    fn of(file: LoadedFile) -> Slot {
        match file {
            LoadedFile {
                revision: Some(revision),
                unparsed_id: None,
                diagnostics,
            } if diagnostics.is_empty() => Slot::Clean(revision),
            file => Slot::Other(Box::new(file)),
        }
    }

    fn into_file(self) -> LoadedFile {
        match self {
            Slot::Clean(revision) => LoadedFile {
                revision: Some(revision),
                unparsed_id: None,
                diagnostics: Vec::new(),
            },
            Slot::Other(file) => *file,
            // The load has stopped at the first failure before taking files out.
            Slot::Failed(_) => LoadedFile::of(FileId(0), None, None, Vec::new()),
        }
    }
}

/// What the files of a project gave, in file order: the revisions, every diagnostic, and
/// the ids of the files that did not parse (sorted).
fn gather(
    files: impl ExactSizeIterator<Item = LoadedFile>,
) -> (Vec<LoadedRevision>, Vec<Diagnostic>, Vec<String>) {
    let mut diagnostics = Vec::new();
    let mut unparsed_ids = Vec::new();
    // A vector of the revisions' own size: collected in place, they would keep the
    // larger slots of `files` for the whole run (4.8 MB more at 100,000 revisions).
    let mut revisions = Vec::with_capacity(files.len());
    for mut file in files {
        diagnostics.append(&mut file.diagnostics);
        unparsed_ids.extend(file.unparsed_id);
        revisions.extend(file.revision);
    }
    unparsed_ids.sort();
    (revisions, diagnostics, unparsed_ids)
}

fn stem(relative_path: &str) -> String {
    let name = relative_path.rsplit('/').next().unwrap_or(relative_path);
    name.strip_suffix(".mig").unwrap_or(name).to_owned()
}

impl Project {
    /// One file parsed in full from its kept text: its revision, unparsed id and
    /// diagnostics, as [`load`] at [`Depth::Full`] gives them.
    pub fn parse_full(&self, file: FileId) -> LoadedFile {
        let source = self.sources.file(file);
        parse_source(source, file, Depth::Full, stem(source.relative_path()))
    }

    /// The whole tree of a file read at [`Depth::Headers`], parsing only what follows
    /// its `header`; the findings are those of the body alone. `None` when the body does
    /// not follow the grammar.
    /// The text and the header are given apart, as a stream takes them out of the
    /// project ([`Project::take_for_stream`]); the header moves into the tree.
    pub fn parse_body(&self, file: FileId, text: &str, header: Box<Header>) -> Option<LoadedFile> {
        let parsed = syntax::parse_body(self.sources.file(file), text, file, header)?;
        Some(LoadedFile::of(
            file,
            parsed.revision,
            None,
            parsed.diagnostics,
        ))
    }

    /// Takes what a stream needs out of a project read at [`Depth::Headers`]: every text
    /// ([`SourceMap::take_texts`]) and every revision's header. The project keeps its
    /// sources (paths and checksums) and diagnostics but no revisions, until a parse in
    /// full ([`Project::reparse`]) reads them again: a graph built before is what stands
    /// for them meanwhile.
    pub fn take_for_stream(&mut self) -> Streamed {
        // Into a vector of their own size: collected in place, the boxes would keep the
        // revisions' three times larger allocation for the whole stream.
        let mut headers = Vec::with_capacity(self.revisions.len());
        headers.extend(
            std::mem::take(&mut self.revisions)
                .into_iter()
                .map(|loaded| Some(loaded.revision.header)),
        );
        Streamed {
            texts: self.sources.take_texts(),
            headers,
        }
    }

    /// Makes a project read at [`Depth::Headers`] what [`load`] at [`Depth::Full`] would
    /// have given, parsing every file again from its text, in parallel. A text released
    /// by a stream is read again first; a file that cannot be, or changed since it was
    /// first read, is reported instead.
    pub fn reparse(&mut self) {
        let unrestored = self.sources.restore_texts();
        let sources = &self.sources;
        let parsed: Vec<LoadedFile> = sources
            .ids()
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|file| match sources.file(file).kept_text() {
                Some(_) => self.parse_full(file),
                None if sources.file(file).is_link() => {
                    LoadedFile::of(file, None, None, Vec::new())
                }
                None => LoadedFile::of(
                    file,
                    None,
                    Some(stem(sources.file(file).relative_path())),
                    Vec::new(),
                ),
            })
            .collect();
        let (revisions, mut diagnostics, unparsed_ids) = gather(parsed.into_iter());
        // A file that could not be decoded keeps what was said of it; it has no text to
        // parse again.
        diagnostics.extend(
            std::mem::take(&mut self.diagnostics)
                .into_iter()
                .filter(|d| !sources.file(d.span.file).is_text()),
        );
        diagnostics.extend(unrestored.into_iter().map(|(file, error)| {
            Diagnostic::error(
                Code::Io,
                Span::point(file, 0, 1, 1),
                format!("cannot read the file again to parse it in full: {error}"),
            )
        }));
        self.revisions = revisions;
        self.diagnostics = diagnostics;
        self.unparsed_ids = unparsed_ids;
        self.depth = Depth::Full;
    }
}

/// The `.mig` files below `dir`, sorted as a project orders them: each path relative to
/// `dir`, and whether it is a symbolic link (which a project never reads).
pub fn sources(dir: &Path) -> Result<Vec<(PathBuf, bool)>, LoadError> {
    if !dir.is_dir() {
        return Err(LoadError::NotADirectory(dir.to_owned()));
    }
    let files = sorted(dir)?;
    Ok(files.into_iter().map(|f| (f.relative, f.link)).collect())
}

/// The files [`discover`] finds, in the order of their relative paths: the order of a
/// project's file ids.
fn sorted(dir: &Path) -> Result<Vec<Found>, LoadError> {
    let mut files = discover(dir)?;
    files.sort_by(|a, b| a.relative.as_os_str().cmp(b.relative.as_os_str()));
    Ok(files)
}

/// A file found below the migrations folder: its path relative to the folder, as the
/// file system spells it (the folder is joined to it when the file is read, rather than
/// kept in a second path per file until then).
struct Found {
    relative: PathBuf,
    /// A symbolic link named like a source file: reported, never read.
    link: bool,
}

/// Every `.mig` file below `dir`, in no particular order (the caller sorts). The folders
/// right below `dir` are walked in parallel: a large project keeps its revisions in many
/// of them, and one walk of 100,000 files was a sequential stage of its own.
fn discover(dir: &Path) -> Result<Vec<Found>, LoadError> {
    let mut found = Vec::new();
    let mut folders = Vec::new();
    walk(dir, dir, Some(&mut folders), &mut found)?;
    let below: Vec<Result<Vec<Found>, LoadError>> = folders
        .par_iter()
        .map(|folder| {
            let mut found = Vec::new();
            walk(dir, folder, None, &mut found)?;
            Ok(found)
        })
        .collect();
    for files in below {
        found.append(&mut files?);
    }
    Ok(found)
}

/// Adds the `.mig` files below `from` (a folder of the project `dir`) to `found`. Given
/// `folders`, the walk stays at the top of `from` and lists its folders there instead of
/// entering them.
fn walk(
    dir: &Path,
    from: &Path,
    mut folders: Option<&mut Vec<PathBuf>>,
    found: &mut Vec<Found>,
) -> Result<(), LoadError> {
    let mut walker = walkdir::WalkDir::new(from).follow_links(false);
    if folders.is_some() {
        walker = walker.max_depth(1);
    }
    for entry in walker {
        let entry = entry.map_err(|error| LoadError::Io {
            path: error.path().unwrap_or(from).to_owned(),
            error: error.into(),
        })?;
        if let Some(folders) = folders.as_deref_mut() {
            if entry.depth() == 1 && entry.file_type().is_dir() {
                folders.push(entry.into_path());
                continue;
            }
        }
        // A symbolic link is not a file of the project, whatever it points at; one named
        // like a source file is reported, so that it is not skipped without a word.
        let link = entry.file_type().is_symlink();
        if !(entry.file_type().is_file() || link)
            || entry.path().extension() != Some("mig".as_ref())
        {
            continue;
        }
        // Unix paths already use `/`, the separator the relative path is written with.
        // walkdir's paths start with the folder it walks, which is `dir` or below it.
        let relative = entry
            .path()
            .strip_prefix(dir)
            .unwrap_or(entry.path())
            .to_owned();
        found.push(Found { relative, link });
    }
    Ok(())
}

/// The read buffer's starting size: most migration files fit.
const READ_CHUNK: usize = 16 * 1024;

/// What reading a file gave.
enum Contents {
    Bytes(Vec<u8>),
    /// Over [`MAX_FILE_BYTES`]; not read, since it is rejected anyway.
    TooLarge,
}

thread_local! {
    /// Each thread reads into one buffer and copies out exactly the bytes read: one
    /// allocation of the right size per file, where growing and then shrinking a vector
    /// per file cost a reallocation each (a tenth of the load, on small files).
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> =
        std::cell::RefCell::new(Vec::with_capacity(READ_CHUNK));
}

fn read(path: &Path) -> Result<Contents, LoadError> {
    let io = |error| LoadError::Io {
        path: path.to_owned(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    READ_BUFFER.with_borrow_mut(|buffer| {
        buffer.clear();
        // Read at most one byte past the limit: enough to know a file is too large
        // without reading all of it, and no separate size query per file.
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(buffer)
            .map_err(io)?;
        if buffer.len() as u64 > MAX_FILE_BYTES {
            return Ok(Contents::TooLarge);
        }
        let contents = Contents::Bytes(buffer.as_slice().to_vec());
        // A rare large file must not keep a large buffer alive in every thread.
        if buffer.capacity() > 4 * READ_CHUNK {
            *buffer = Vec::with_capacity(READ_CHUNK);
        }
        Ok(contents)
    })
}

/// Why a file is not acceptable as source: the code, the byte offset and the line and
/// column of the problem, and the message.
type Problem = (Code, usize, (u32, u32), String);

/// The text of a file, or why it is not acceptable as source.
fn decode(contents: Contents) -> Result<String, Problem> {
    let bytes = match contents {
        Contents::Bytes(bytes) => bytes,
        Contents::TooLarge => {
            let message = format!(
                "the file is larger than {} MiB, the limit for a migration file",
                MAX_FILE_BYTES / (1024 * 1024)
            );
            return Err((Code::FileTooLarge, 0, (1, 1), message));
        }
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        let message = "the file starts with a byte-order mark; save it as UTF-8 without one";
        return Err((Code::ByteOrderMark, 0, (1, 1), message.to_owned()));
    }
    let text = String::from_utf8(bytes).map_err(|error| {
        let offset = error.utf8_error().valid_up_to();
        let bytes = error.as_bytes();
        let position = position_in(bytes, offset);
        let message = format!("invalid UTF-8 (byte 0x{:02X})", bytes[offset]);
        (Code::InvalidUtf8, offset, position, message)
    })?;
    if let Some(offset) = text.find('\0') {
        let position = position_in(text.as_bytes(), offset);
        let message = "the file contains a NUL byte".to_owned();
        return Err((Code::NulByte, offset, position, message));
    }
    Ok(text)
}

/// The line and column of `offset` in `valid`, a UTF-8 prefix of the file.
fn position_in(valid: &[u8], offset: usize) -> (u32, u32) {
    let text = std::str::from_utf8(&valid[..offset.min(valid.len())]).unwrap_or("");
    LineIndex::new(text).line_col(text, offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_takes_texts_and_headers_and_a_reparse_reads_them_again_unless_changed() {
        let tmp = tempfile::tempdir().expect("temporary folder");
        let write = |name: &str, text: &str| std::fs::write(tmp.path().join(name), text);
        write("a.mig", "revision a;\nupgrade { create schema s; }\n").expect("a");
        write(
            "b.mig",
            "revision b parents a;\nupgrade { drop schema s; }\n",
        )
        .expect("b");
        let mut project = load(tmp.path(), Depth::Headers).expect("loads");
        let mut streamed = project.take_for_stream();
        assert!(
            project.revisions.is_empty(),
            "the headers went to the stream"
        );
        let (text, header) = streamed.take(FileId(0), 0).expect("a's text and header");
        assert_eq!(text, "revision a;\nupgrade { create schema s; }\n");
        assert_eq!(header.id.value, "a");
        assert!(streamed.take(FileId(0), 0).is_none(), "taken once");
        drop(streamed);
        write(
            "b.mig",
            "revision b parents a;\nupgrade { drop table t; }\n",
        )
        .expect("b");
        project.reparse();

        let ids: Vec<&str> = project
            .revisions
            .iter()
            .map(|r| r.revision.header.id.value.as_str())
            .collect();
        assert_eq!(ids, ["a"], "a parsed in full again, b not taken as changed");
        assert!(project.revisions[0].revision.body.is_some());
        assert_eq!(project.unparsed_ids, ["b"]);
        let found: Vec<(Code, FileId, u32, u32, &str)> = project
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.code,
                    d.span.file,
                    d.span.line,
                    d.span.col,
                    d.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [(
                Code::Io,
                FileId(1),
                1,
                1,
                "cannot read the file again to parse it in full: it changed while strata was running"
            )]
        );
    }

    #[test]
    fn a_clean_file_takes_a_small_slot_while_the_load_collects() {
        assert!(std::mem::size_of::<Slot>() <= 32);
    }

    #[test]
    fn discovery_finds_files_at_every_depth_and_nothing_else() {
        let tmp = tempfile::tempdir().expect("temporary folder");
        let files = [
            "top.mig",
            "a/one.mig",
            "a/b/c/deep.mig",
            "z/two.mig",
            "z/notes.txt",
            "empty/.keep",
        ];
        for file in files {
            let path = tmp.path().join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
            std::fs::write(&path, "").expect("file");
        }
        let mut found: Vec<String> = discover(tmp.path())
            .expect("discovery")
            .into_iter()
            .map(|f| {
                assert!(tmp.path().join(&f.relative).is_file());
                f.relative.to_string_lossy().into_owned()
            })
            .collect();
        found.sort();
        assert_eq!(
            found,
            ["a/b/c/deep.mig", "a/one.mig", "top.mig", "z/two.mig"]
        );
    }
}
