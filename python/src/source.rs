//! A program's source text, with the line index that turns byte offsets into the line numbers
//! and source lines that tracebacks and syntax errors print.

use ruff_source_file::{LineIndex, OneIndexed};
use ruff_text_size::{TextRange, TextSize};

pub struct SourceFile {
    /// The path as the learner gave it: tracebacks print it unchanged, as CPython does.
    pub name: String,
    pub text: String,
    index: LineIndex,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let index = LineIndex::from_source_text(&text);
        SourceFile {
            name: name.into(),
            text,
            index,
        }
    }

    /// The 1-based line containing `offset`.
    pub fn line_of(&self, offset: TextSize) -> u32 {
        self.index.line_index(offset).get() as u32
    }

    /// Line `line` (1-based) without its line ending, or "" past the end.
    pub fn line_text(&self, line: u32) -> &str {
        let Some(line) = OneIndexed::new(line as usize) else {
            return "";
        };
        if line.get() > self.index.line_count() {
            return "";
        }
        let range = self.index.line_range(line, &self.text);
        self.text[range].trim_end_matches(['\n', '\r'])
    }

    /// The 0-based column (in characters) of `offset` within its line.
    pub fn column_of(&self, offset: TextSize) -> usize {
        let line = self.index.line_index(offset);
        let start = self.index.line_start(line, &self.text);
        self.text[TextRange::new(start, offset.min(self.text_len()))]
            .chars()
            .count()
    }

    fn text_len(&self) -> TextSize {
        TextSize::of(self.text.as_str())
    }
}
