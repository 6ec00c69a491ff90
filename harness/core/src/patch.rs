//! The patch model: what the parser produces and the apply engine consumes.
//!
//! Line texts are kept as raw bytes, each including its line terminator
//! (`\n`) unless the patch marked it with `\ No newline at end of file`.

/// Kind of a line in a hunk body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    Context,
    Remove,
    Add,
}

/// One line of a hunk body (without its leading ` `/`-`/`+`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HunkLine {
    pub kind: LineKind,
    /// The text, with its `\n` unless the line has no newline.
    pub text: Vec<u8>,
}

/// A unified-diff hunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    /// 1-based, per file (GNU's "Hunk #N").
    pub index: usize,
    /// 1-based line of the `@@` header in the patch input.
    pub source_line: usize,
    /// Numbers exactly as written in the header.
    pub old_start: usize,
    pub old_count: usize,
    pub new_start: usize,
    pub new_count: usize,
    /// Text after the closing `@@` (without the leading space), if any.
    pub function: Option<String>,
    /// Body lines in patch order.
    pub lines: Vec<HunkLine>,
    /// Why this hunk cannot be used (body disagrees with header, ...).
    pub malformed: Option<String>,
}

impl Hunk {
    /// Old side (context + removed), GNU's "pattern".
    pub fn old_lines(&self) -> impl Iterator<Item = &HunkLine> {
        self.lines.iter().filter(|l| l.kind != LineKind::Add)
    }
    /// New side (context + added), GNU's "replacement".
    pub fn new_lines(&self) -> impl Iterator<Item = &HunkLine> {
        self.lines.iter().filter(|l| l.kind != LineKind::Remove)
    }
    /// Context lines before the first change (GNU `p_prefix_context`).
    pub fn prefix_context(&self) -> usize {
        self.lines
            .iter()
            .take_while(|l| l.kind == LineKind::Context)
            .count()
    }
    /// Context lines after the last change (GNU `p_suffix_context`).
    pub fn suffix_context(&self) -> usize {
        self.lines
            .iter()
            .rev()
            .take_while(|l| l.kind == LineKind::Context)
            .count()
    }
    /// GNU's `pch_first()`: the old start, plus one for an empty old side.
    pub fn gnu_first(&self) -> usize {
        if self.old_count == 0 {
            self.old_start.saturating_add(1)
        } else {
            self.old_start
        }
    }
    /// GNU's `pch_newfirst()`.
    pub fn gnu_newfirst(&self) -> usize {
        if self.new_count == 0 {
            self.new_start.saturating_add(1)
        } else {
            self.new_start
        }
    }
}

/// What a file section does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOp {
    Modify,
    Create,
    Delete,
    Rename,
    Copy,
}

/// One file section of a patch (`diff --git` or `---`/`+++`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePatch {
    /// 1-based line in the input where this section starts.
    pub source_line: usize,
    /// Old name after `-pN` stripping (`None`: `/dev/null` or unusable).
    pub old_path: Option<String>,
    /// New name after stripping.
    pub new_path: Option<String>,
    /// Names as written in the patch (before stripping), for messages and `.rej`.
    pub old_raw: Option<String>,
    pub new_raw: Option<String>,
    /// Timestamps / trailing text of the `---`/`+++` lines (for `.rej` headers).
    pub old_time: Option<String>,
    pub new_time: Option<String>,
    pub op: FileOp,
    pub git: bool,
    /// `GIT binary patch` or `Binary files ... differ`.
    pub binary: bool,
    pub old_mode: Option<u32>,
    pub new_mode: Option<u32>,
    pub hunks: Vec<Hunk>,
    /// File-level problem found while parsing (e.g. a name with too few components).
    pub problem: Option<String>,
}

impl FilePatch {
    /// The path this section is reported under (new name unless deleting).
    pub fn display_path(&self) -> String {
        let p = match self.op {
            FileOp::Delete => self.old_path.as_ref().or(self.new_path.as_ref()),
            _ => self.new_path.as_ref().or(self.old_path.as_ref()),
        };
        match p {
            Some(p) => p.clone(),
            None => self
                .new_raw
                .clone()
                .or_else(|| self.old_raw.clone())
                .unwrap_or_else(|| "(unnamed)".into()),
        }
    }
}

/// A parsed patch (one file of a series).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedPatch {
    pub files: Vec<FilePatch>,
    /// Problems not tied to one file (e.g. no diff found).
    pub errors: Vec<String>,
}

impl ParsedPatch {
    /// Number of hunks in all files.
    pub fn hunk_count(&self) -> usize {
        self.files.iter().map(|f| f.hunks.len()).sum()
    }
}
