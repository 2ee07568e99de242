//! Source files and positions in them.
//!
//! Every node of the syntax tree and every diagnostic points into a [`SourceMap`] through
//! a [`Span`]. Spans are small `Copy` values that carry the file, the byte range, and the
//! line and column of their start, so that later stages can report positions without
//! going back to the text.

use std::borrow::Cow;
use std::fmt;

use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// Which file of a [`SourceMap`] a span belongs to.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct FileId(pub u32);

/// A byte range in one source file, with the 1-based line and column of its start.
///
/// Columns count characters, not bytes, so that they match what an editor shows.
///
/// Spans compare equal whatever they point at, as in `syn`: two syntax trees are equal
/// when they say the same thing, wherever it is written. That is the equality the
/// schema model needs (a downgrade that restores a table restores the same table), and
/// a test that wants positions compares the fields.
#[derive(Clone, Copy)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub col: u32,
}

impl PartialEq for Span {
    fn eq(&self, _: &Span) -> bool {
        true
    }
}

impl Eq for Span {}

impl std::hash::Hash for Span {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl Span {
    /// An empty span at byte `offset` of `file`, whose line and column are known: where a
    /// finding about a whole file, or a point found without a parse, is reported.
    pub fn point(file: FileId, offset: u32, line: u32, col: u32) -> Span {
        Span {
            file,
            start: offset,
            end: offset,
            line,
            col,
        }
    }

    /// The span of `text[start..end]`, where `text` is what this span covers (a raw
    /// block's SQL): its line and column counted from this span's.
    pub fn inside(&self, text: &str, start: usize, end: usize) -> Span {
        let before = text.get(..start).unwrap_or(text);
        let (line, col) = match before.rfind('\n') {
            Some(newline) => (
                self.line + before.matches('\n').count() as u32,
                before[newline + 1..].chars().count() as u32 + 1,
            ),
            None => (self.line, self.col + before.chars().count() as u32),
        };
        Span {
            file: self.file,
            start: self.start + start as u32,
            end: self.start + end as u32,
            line,
            col,
        }
    }

    /// The length of the range in bytes.
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

impl fmt::Debug for Span {
    // Compact, because syntax tree dumps print one span per node.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}:{}", self.line, self.col)
    }
}

/// The starts of the lines of a text, to turn byte offsets into lines and columns in
/// logarithmic time.
///
/// A parse builds one for the text it reads and drops it with the parse: the spans it
/// makes carry their lines and columns, and keeping an index per file for the whole run
/// would cost a large project more memory than its texts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
    /// How many characters precede each block of [`BLOCK`] bytes. A column then costs at
    /// most one block of counting, however long the line: counting from the start of the
    /// line instead would be quadratic on a long line with many nodes. Empty for an
    /// ASCII text, where a column is a byte count.
    chars_before_block: Vec<u32>,
    /// Whether the text is ASCII, where a column is a byte count (most sources are).
    ascii: bool,
}

/// The granularity of [`LineIndex`]'s character counts.
const BLOCK: usize = 64;

/// Characters in `bytes`, counted as the bytes that do not continue a UTF-8 sequence (so
/// that a slice may start or end inside a character).
fn char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        // Built for every parse: a vectorised search, not a test per byte, counted
        // first so that the vector is allocated once at its size (grown from empty, it
        // was reallocated and copied two or three times a file).
        let mut starts = Vec::with_capacity(memchr::memchr_iter(b'\n', bytes).count() + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i as u32 + 1));
        if text.is_ascii() {
            return LineIndex {
                starts,
                chars_before_block: Vec::new(),
                ascii: true,
            };
        }
        let mut chars_before_block = Vec::with_capacity(bytes.len() / BLOCK + 1);
        let mut count = 0;
        for block in bytes.chunks(BLOCK) {
            chars_before_block.push(count as u32);
            count += char_starts(block);
        }
        // An offset at the very end of a text whose length is a multiple of BLOCK falls
        // in the block after the last one.
        chars_before_block.push(count as u32);
        LineIndex {
            starts,
            ascii: count == bytes.len(),
            chars_before_block,
        }
    }

    /// Characters in `text[..offset]`.
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let block = offset / BLOCK;
        let counted = self
            .chars_before_block
            .get(block)
            .map_or(0, |&c| c as usize);
        counted + char_starts(&text.as_bytes()[block * BLOCK..offset])
    }

    /// The 1-based line and column of a byte offset. Offsets past the end of the text
    /// are clamped to it.
    pub fn line_col(&self, text: &str, offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s as usize <= offset) - 1;
        let start = self.starts[line] as usize;
        let col = if self.ascii {
            offset - start
        } else {
            self.chars_before(text, offset) - self.chars_before(text, start)
        };
        (line as u32 + 1, col as u32 + 1)
    }

    /// A span over `start..end` of `text`, known as `file`, with its line and column.
    pub fn span(&self, text: &str, file: FileId, start: usize, end: usize) -> Span {
        let (line, col) = self.line_col(text, start);
        Span {
            file,
            start: start as u32,
            end: end.max(start) as u32,
            line,
            col,
        }
    }
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    /// Both paths in one allocation, kept for every file of a run: the path as shown
    /// (`..display_end`) usually ends with the relative one, which is then not
    /// written twice.
    paths: Box<str>,
    display_end: u32,
    relative_start: u32,
    contents: Contents,
    /// SHA-256 of the text (of nothing, for a file that could not be read as text),
    /// taken once at load for the scripts and the manifest.
    sha256: [u8; 32],
}

/// What a [`SourceFile`] keeps of what was read.
#[derive(Debug)]
enum Contents {
    Text(String),
    /// Read as text, then let go by [`SourceMap::take_texts`]: what is left to do with
    /// it after a stream (a diagnostic's source line, a parse in full after a broken
    /// file) reads it again, and checks that it has not changed.
    Released,
    /// Not readable as UTF-8 text (its diagnostic says why).
    NotText,
    /// A symbolic link named like a source file: never read (its warning says so).
    Link,
}

/// Why [`SourceFile::text`] has no text to give.
#[derive(Debug)]
pub enum TextError {
    /// The file could not be read as UTF-8 text in the first place.
    NotText,
    /// The text was released, and reading it again failed.
    Unreadable(std::io::Error),
    /// The text was released, and the file read again differs from what was read first.
    Changed,
}

impl fmt::Display for TextError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TextError::NotText => f.write_str("it is not UTF-8 text"),
            TextError::Unreadable(error) => write!(f, "it cannot be read again: {error}"),
            TextError::Changed => f.write_str("it changed while strata was running"),
        }
    }
}

impl SourceFile {
    pub fn new(display_path: String, relative_path: String, text: Option<String>) -> Self {
        let sha256 = Sha256::digest(text.as_deref().unwrap_or("").as_bytes()).into();
        let display_end = display_path.len();
        let (paths, relative_start) = if display_path.ends_with(&relative_path) {
            (display_path, display_end - relative_path.len())
        } else {
            (display_path + &relative_path, display_end)
        };
        SourceFile {
            paths: paths.into_boxed_str(),
            display_end: display_end as u32,
            relative_start: relative_start as u32,
            contents: text.map_or(Contents::NotText, Contents::Text),
            sha256,
        }
    }

    /// A symbolic link where a source file could be: listed, so that its warning has a
    /// place, and never read.
    pub fn link(display_path: String, relative_path: String) -> Self {
        SourceFile {
            contents: Contents::Link,
            ..SourceFile::new(display_path, relative_path, None)
        }
    }

    /// Whether this is a symbolic link ([`SourceFile::link`]), not a file of the project.
    pub fn is_link(&self) -> bool {
        matches!(self.contents, Contents::Link)
    }

    /// The path as it is shown in diagnostics: relative to the working directory, as the
    /// user gave the migrations folder. Also where a released text is read again from.
    pub fn display_path(&self) -> &str {
        &self.paths[..self.display_end as usize]
    }

    /// The path relative to the migrations folder, with `/` separators.
    pub fn relative_path(&self) -> &str {
        &self.paths[self.relative_start as usize..]
    }

    /// The text, while it is kept: always until [`SourceMap::take_texts`].
    pub fn kept_text(&self) -> Option<&str> {
        match &self.contents {
            Contents::Text(text) => Some(text),
            Contents::Released | Contents::NotText | Contents::Link => None,
        }
    }

    /// Whether the file was read as UTF-8 text (whether or not the text is still kept).
    pub fn is_text(&self) -> bool {
        !matches!(self.contents, Contents::NotText | Contents::Link)
    }

    /// The text as it was first read: the kept one or, once released, the file read
    /// again, provided its SHA-256 is still the one taken at load. A file that changed
    /// in between is not taken for what was read, since spans and checksums were
    /// computed from the first reading.
    pub fn text(&self) -> Result<Cow<'_, str>, TextError> {
        match &self.contents {
            Contents::Text(text) => Ok(Cow::Borrowed(text)),
            Contents::NotText | Contents::Link => Err(TextError::NotText),
            Contents::Released => {
                let bytes = std::fs::read(self.display_path()).map_err(TextError::Unreadable)?;
                if <[u8; 32]>::from(Sha256::digest(&bytes)) != self.sha256 {
                    return Err(TextError::Changed);
                }
                // Equal digests: the same bytes, which were UTF-8 the first time.
                String::from_utf8(bytes)
                    .map(Cow::Owned)
                    .map_err(|_| TextError::Changed)
            }
        }
    }

    /// Takes the kept text out, leaving the file released.
    fn take_text(&mut self) -> Option<String> {
        let Contents::Text(text) = &mut self.contents else {
            return None;
        };
        let text = std::mem::take(text);
        self.contents = Contents::Released;
        Some(text)
    }

    /// Keeps the text again, read again if it was released ([`SourceFile::text`]).
    fn restore(&mut self) -> Result<(), TextError> {
        if let Contents::Released = self.contents {
            let text = self.text()?.into_owned();
            self.contents = Contents::Text(text);
        }
        Ok(())
    }

    /// The SHA-256 of the text, in lowercase hexadecimal.
    pub fn sha256_hex(&self) -> HexDigest {
        HexDigest::of(&self.sha256)
    }

    /// A span over `start..end` of this file, known as `file`, with its line and column.
    /// Builds a [`LineIndex`] for the one span: for the odd span made outside a parse
    /// (a parse keeps its own index for all of its spans). Needs the kept text.
    pub fn span(&self, file: FileId, start: usize, end: usize) -> Span {
        let text = self.kept_text().unwrap_or("");
        LineIndex::new(text).span(text, file, start, end)
    }
}

/// The line around byte `offset` of `text`, without its line terminator: what a
/// diagnostic shows of its span's first line, found without an index.
pub fn line_at(text: &str, offset: usize) -> &str {
    let bytes = text.as_bytes();
    let offset = offset.min(bytes.len());
    let start = bytes[..offset]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = bytes[offset..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| offset + i);
    let line = text.get(start..end).unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

/// A SHA-256 digest in lowercase hexadecimal, as `sha256sum` prints it, kept on the
/// stack: a bundle writes one per revision three times (its two sections and its
/// manifest entry).
#[derive(Clone, Copy)]
pub struct HexDigest([u8; 64]);

impl HexDigest {
    pub fn of(digest: &[u8; 32]) -> Self {
        let mut digits = [0u8; 64];
        // `encode_to_slice` writes bytes; `encode` collects chars one by one. The slice
        // is exactly twice the digest's length, so it cannot fail.
        let _ = hex::encode_to_slice(digest, &mut digits);
        HexDigest(digits)
    }

    pub fn as_str(&self) -> &str {
        // Hexadecimal digits are ASCII; `from_utf8` checks that a word at a time.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// A SHA-256 digest in lowercase hexadecimal, as `sha256sum` prints it.
pub fn digest_hex(digest: &[u8; 32]) -> String {
    HexDigest::of(digest).as_str().to_owned()
}

/// All source files of a run.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> Self {
        SourceMap::default()
    }

    pub fn from_files(files: Vec<SourceFile>) -> Self {
        SourceMap { files }
    }

    /// The id the next file added will get.
    pub fn next_id(&self) -> FileId {
        FileId(self.files.len() as u32)
    }

    pub fn push(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    pub fn file(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The ids of every file, in order.
    pub fn ids(&self) -> impl Iterator<Item = FileId> {
        (0..self.files.len() as u32).map(FileId)
    }

    /// Takes every kept text out, for a stream that parses each file once more and then
    /// has no use for its text: a large project's texts need not outlive their chunk.
    /// The files keep their paths and checksums; [`SourceFile::text`] reads a released
    /// text again when it is wanted after all.
    pub fn take_texts(&mut self) -> Texts {
        Texts(self.files.iter_mut().map(SourceFile::take_text).collect())
    }

    /// Reads every released text again ([`SourceFile::text`]) and keeps it, in parallel:
    /// for a parse in full after a stream. Gives the files for which that failed.
    pub fn restore_texts(&mut self) -> Vec<(FileId, TextError)> {
        // rayon's collect keeps the order of the files.
        self.files
            .par_iter_mut()
            .enumerate()
            .filter_map(|(index, file)| {
                let error = file.restore().err()?;
                Some((FileId(index as u32), error))
            })
            .collect()
    }
}

/// The texts taken out of a [`SourceMap`] by [`SourceMap::take_texts`], by file.
#[derive(Debug, Default)]
pub struct Texts(Vec<Option<String>>);

impl Texts {
    /// Takes the text of `file` out; `None` for a file without one, or when taken before.
    pub fn take(&mut self, file: FileId) -> Option<String> {
        self.0.get_mut(file.0 as usize).and_then(Option::take)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        let text = "ab\nçd\n\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), (1, 1));
        assert_eq!(index.line_col(text, 2), (1, 3));
        assert_eq!(index.line_col(text, 3), (2, 1));
        // 'ç' is two bytes; 'd' is the second character of line 2.
        assert_eq!(index.line_col(text, 5), (2, 2));
        assert_eq!(index.line_col(text, 7), (3, 1));
        assert_eq!(index.line_col(text, 8), (4, 1));
        assert_eq!(index.line_col(text, 99), (4, 2));
        assert_eq!(line_at(text, 0), "ab");
        assert_eq!(line_at(text, 2), "ab");
        assert_eq!(line_at(text, 3), "çd");
        assert_eq!(line_at(text, 5), "çd");
        assert_eq!(line_at(text, 7), "");
        assert_eq!(line_at(text, 8), "x");
        assert_eq!(line_at(text, 99), "x");
    }

    #[test]
    fn ascii_texts_need_no_character_counts() {
        let text = "create table t (\n  id bigint\n);";
        let index = LineIndex::new(text);
        assert!(index.ascii && index.chars_before_block.is_empty());
        assert_eq!(index.line_col(text, 19), (2, 3));
        assert_eq!(index.span(text, FileId(3), 19, 21).col, 3);
    }

    #[test]
    fn columns_on_long_lines_count_characters_across_blocks() {
        let text = format!("x\n{}{}z", "é".repeat(300), "a".repeat(BLOCK * 3));
        let exact = "a".repeat(BLOCK * 2);
        assert_eq!(
            LineIndex::new(&exact).line_col(&exact, exact.len()),
            (1, BLOCK as u32 * 2 + 1)
        );
        let index = LineIndex::new(&text);
        let z = text.len() - 1;
        assert_eq!(index.line_col(&text, z), (2, 300 + BLOCK as u32 * 3 + 1));
        for offset in (0..text.len()).filter(|&o| text.is_char_boundary(o)) {
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let expected = text[line_start..offset].chars().count() as u32 + 1;
            assert_eq!(index.line_col(&text, offset).1, expected, "offset {offset}");
        }
    }

    #[test]
    fn a_released_text_is_read_again_only_while_unchanged() {
        let tmp = tempfile::tempdir().expect("temporary folder");
        let path = tmp.path().join("a.mig");
        let text = "revision a;\n";
        std::fs::write(&path, text).expect("write");
        let display = path.display().to_string();
        let mut sources = SourceMap::from_files(vec![
            SourceFile::new(display.clone(), "a.mig".into(), Some(text.into())),
            SourceFile::new("b.mig".into(), "b.mig".into(), None),
        ]);
        let mut texts = sources.take_texts();
        assert_eq!(texts.take(FileId(0)).as_deref(), Some(text));
        assert_eq!(texts.take(FileId(0)), None, "taken once");
        assert_eq!(texts.take(FileId(1)), None, "never read as text");
        let (a, b) = (sources.file(FileId(0)), sources.file(FileId(1)));
        assert_eq!((a.kept_text(), a.is_text()), (None, true));
        assert_eq!((b.kept_text(), b.is_text()), (None, false));
        assert!(matches!(b.text(), Err(TextError::NotText)));
        assert_eq!(a.text().expect("unchanged").as_ref(), text);

        std::fs::write(&path, "revision b;\n").expect("write");
        assert!(matches!(
            sources.file(FileId(0)).text(),
            Err(TextError::Changed)
        ));
        std::fs::write(&path, text).expect("write");
        assert!(sources.restore_texts().is_empty());
        assert_eq!(sources.file(FileId(0)).kept_text(), Some(text));

        sources.take_texts();
        std::fs::remove_file(&path).expect("remove");
        let failed = sources.restore_texts();
        assert!(matches!(
            failed.as_slice(),
            [(FileId(0), TextError::Unreadable(_))]
        ));
        assert_eq!(sources.file(FileId(0)).kept_text(), None);
    }

    #[test]
    fn a_file_gives_back_both_of_its_paths() {
        let shared = SourceFile::new("m/a/x.mig".into(), "a/x.mig".into(), None);
        assert_eq!(
            (shared.display_path(), shared.relative_path()),
            ("m/a/x.mig", "a/x.mig")
        );
        assert_eq!(
            shared.paths.len(),
            "m/a/x.mig".len(),
            "the relative path is not copied"
        );
        let apart = SourceFile::new("<stdin>".into(), "a/x.mig".into(), None);
        assert_eq!(
            (apart.display_path(), apart.relative_path()),
            ("<stdin>", "a/x.mig")
        );
        let empty = SourceFile::new(String::new(), String::new(), None);
        assert_eq!((empty.display_path(), empty.relative_path()), ("", ""));
    }

    #[test]
    fn carriage_returns_are_not_part_of_a_line() {
        let text = "a\r\nb";
        let index = LineIndex::new(text);
        assert_eq!(line_at(text, 0), "a");
        assert_eq!(line_at(text, 1), "a");
        assert_eq!(index.line_col(text, 3), (2, 1));
    }
}
