//! Positions: byte offsets (what the compiler's spans are) to and from the Language
//! Server Protocol's line and UTF-16 column, and to the 1-based line and byte column
//! of the compiler's diagnostics.
//!
//! Lines end at `\n`; a `\r` before it belongs to the line ending. A position past the
//! end of its line is clamped to the line's end, and one past the last line to the end
//! of the text, as the protocol asks; an offset inside a character is moved back to
//! the character's start, so no conversion can slice text in the middle of one.

use std::ops::Range;

/// The start of every line of a text, for conversions in both directions.
#[derive(Clone, Debug)]
pub struct LineIndex {
    starts: Vec<usize>,
    len: usize,
}

/// A protocol position: 0-based line, and 0-based column in UTF-16 code units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    /// The 0-based line.
    pub line: u32,
    /// The 0-based column, in UTF-16 code units.
    pub character: u32,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex {
            starts,
            len: text.len(),
        }
    }

    /// The number of lines (a text ending with a line break has an empty last line).
    pub fn line_count(&self) -> usize {
        self.starts.len()
    }

    /// The byte range of a 0-based line, without its line ending.
    pub fn line_range(&self, text: &str, line: usize) -> Range<usize> {
        let Some(&start) = self.starts.get(line) else {
            return self.len..self.len;
        };
        let mut end = self.starts.get(line + 1).map_or(self.len, |next| next - 1);
        if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end
    }

    /// The 0-based line an offset is on.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// The protocol position of a byte offset.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char(text, offset.min(text.len()));
        let line = self.line_of(offset);
        let start = self.starts[line];
        let character: usize = text[start..offset].chars().map(char::len_utf16).sum();
        Position {
            line: line as u32,
            character: character as u32,
        }
    }

    /// The byte offset of a protocol position.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let line = position.line as usize;
        if line >= self.starts.len() {
            return text.len();
        }
        let range = self.line_range(text, line);
        let mut units = 0usize;
        for (at, c) in text[range.clone()].char_indices() {
            if units >= position.character as usize {
                return range.start + at;
            }
            units += c.len_utf16();
            // A position inside a surrogate pair points at the character.
            if units > position.character as usize {
                return range.start + at;
            }
        }
        range.end
    }

    /// The byte offset of a 1-based line and 1-based byte column (the compiler's
    /// diagnostics), clamped to the line.
    pub fn offset_of_column(&self, text: &str, line: u32, column: u32) -> usize {
        let range = self.line_range(text, (line.max(1) - 1) as usize);
        let at = (range.start + column.max(1) as usize - 1).min(range.end);
        floor_char(text, at)
    }
}

/// The start of the character `offset` is in.
fn floor_char(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_utf16_units_and_round_trip() {
        // 🐝 is four bytes and two UTF-16 units; é is two bytes and one unit.
        let text = "a🐝b\r\né x\n\nlast";
        let index = LineIndex::new(text);
        // (byte offset, line, UTF-16 column)
        let cases = [
            (0, 0, 0),
            (1, 0, 1),
            (5, 0, 3),
            (6, 0, 4),
            (8, 1, 0),
            (10, 1, 1),
            (11, 1, 2),
            (13, 2, 0),
            (14, 3, 0),
            (18, 3, 4),
        ];
        for (offset, line, character) in cases {
            let position = Position { line, character };
            assert_eq!(index.position(text, offset), position, "offset {offset}");
            assert_eq!(index.offset(text, position), offset, "{position:?}");
        }
    }

    #[test]
    fn out_of_range_positions_are_clamped_never_sliced_mid_character() {
        let text = "a🐝b\nxy";
        let index = LineIndex::new(text);
        // Inside the bee's surrogate pair: the bee's start.
        assert_eq!(
            index.offset(
                text,
                Position {
                    line: 0,
                    character: 2
                }
            ),
            1
        );
        // Past the line's end: the line's end (before its line break).
        assert_eq!(
            index.offset(
                text,
                Position {
                    line: 0,
                    character: 99
                }
            ),
            6
        );
        // Past the last line: the end of the text.
        assert_eq!(
            index.offset(
                text,
                Position {
                    line: 9,
                    character: 0
                }
            ),
            text.len()
        );
        // An offset inside the bee: the bee's start.
        assert_eq!(
            index.position(text, 3),
            Position {
                line: 0,
                character: 1
            }
        );
        assert_eq!(
            index.position(text, 999),
            Position {
                line: 1,
                character: 2
            }
        );
        assert_eq!(index.offset_of_column(text, 1, 3), 1);
        assert_eq!(index.offset_of_column(text, 2, 2), 8);
        assert_eq!(index.offset_of_column(text, 2, 40), 9);
    }
}
