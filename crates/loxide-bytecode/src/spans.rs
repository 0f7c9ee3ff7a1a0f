//! Source spans of instructions: for each instruction that can fail at run time, the
//! bytes of the source it came from (an operator, a name, a call), so that a runtime
//! error can point at the column, not only the line.
//!
//! The trade-off: the table is packed, not indexed. Each entry is three LEB128
//! varints, the code offset as a distance from the previous entry's, the span's start
//! as a signed (zigzag) distance from the previous entry's start, and its length, so a
//! typical entry takes three to four bytes and a line of code about ten. Finding the
//! span of an offset decodes the table from its start; only a runtime error asks, once.
//! An entry holds from its offset up to the next entry; instructions that never fail
//! (`Op::may_fail`) add no entry of their own, so they lie inside their neighbour's.
//!
//! A table read from a file is checked by `SpanTable::check` before the verifier lets
//! the module through; `span_at` never panics on any bytes in any case.

use std::collections::TryReserveError;

/// A range of bytes of the source text, `start..end`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// No span: an instruction the compiler made up (an implicit `return`, say).
    pub const NONE: Span = Span { start: 0, end: 0 };

    pub const fn new(start: u32, end: u32) -> Span {
        Span { start, end }
    }

    /// True for `Span::NONE` and every other empty span.
    pub const fn is_empty(self) -> bool {
        self.end <= self.start
    }

    /// The span from the start of `self` to the end of `other`.
    pub const fn to(self, other: Span) -> Span {
        Span {
            start: self.start,
            end: if other.end > self.start {
                other.end
            } else {
                self.end
            },
        }
    }
}

/// The packed span table of one function (see the module's documentation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanTable {
    bytes: Vec<u8>,
}

/// Builds a `SpanTable` in code order.
#[derive(Debug, Default)]
pub struct Builder {
    table: SpanTable,
    last_offset: u32,
    last_start: u32,
    /// The span of the last entry, if there is one.
    last: Option<Span>,
}

impl Builder {
    /// Records that the instruction at `offset` (at or past every earlier one) came
    /// from `span`. Nothing is written when the span is the last entry's. The table's
    /// memory is asked for fallibly: an error means the allocator refused it, and
    /// nothing was recorded.
    pub fn push(&mut self, offset: u32, span: Span) -> Result<(), TryReserveError> {
        if self.last == Some(span) {
            return Ok(());
        }
        debug_assert!(self.last.is_none() || offset >= self.last_offset);
        let out = &mut self.table.bytes;
        // An entry is three varints of at most five bytes each.
        if out.capacity() - out.len() < 15 {
            out.try_reserve(15)?;
        }
        put_varint(out, offset.wrapping_sub(self.last_offset));
        put_varint(out, zigzag(span.start.wrapping_sub(self.last_start) as i32));
        put_varint(out, span.end.saturating_sub(span.start));
        self.last_offset = offset;
        self.last_start = span.start;
        self.last = Some(span);
        Ok(())
    }

    pub fn finish(self) -> SpanTable {
        self.table
    }
}

impl SpanTable {
    /// A table from its packed bytes, as a file holds them; `check` says whether they
    /// are well formed.
    pub fn from_bytes(bytes: Vec<u8>) -> SpanTable {
        SpanTable { bytes }
    }

    /// The packed bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The number of bytes the table takes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Every entry, in order: the offset it starts at and its span. Decoding stops at
    /// the first malformed entry.
    pub fn iter(&self) -> impl Iterator<Item = (u32, Span)> + '_ {
        let mut at = 0;
        let mut offset = 0u32;
        let mut start = 0u32;
        std::iter::from_fn(move || {
            let bytes = &self.bytes;
            let delta = get_varint(bytes, &mut at)?;
            let start_delta = unzigzag(get_varint(bytes, &mut at)?);
            let len = get_varint(bytes, &mut at)?;
            offset = offset.checked_add(delta)?;
            start = start.checked_add_signed(start_delta)?;
            Some((offset, Span::new(start, start.checked_add(len)?)))
        })
    }

    /// The span of the instruction at `offset`: that of the last entry at or before it,
    /// or `None` if there is none or it is empty.
    pub fn span_at(&self, offset: u32) -> Option<Span> {
        let mut found = None;
        for (at, span) in self.iter() {
            if at > offset {
                break;
            }
            found = Some(span);
        }
        found.filter(|span| !span.is_empty())
    }

    /// Checks a table read from a file: every entry decodes, offsets never decrease and
    /// stay inside the code, and spans do not overflow.
    pub fn check(&self, code_len: usize) -> Result<(), String> {
        let mut at = 0;
        let mut offset = 0u32;
        let mut start = 0u32;
        while at < self.bytes.len() {
            let malformed = || "malformed span table".to_string();
            let delta = get_varint(&self.bytes, &mut at).ok_or_else(malformed)?;
            let start_delta = unzigzag(get_varint(&self.bytes, &mut at).ok_or_else(malformed)?);
            let len = get_varint(&self.bytes, &mut at).ok_or_else(malformed)?;
            offset = offset
                .checked_add(delta)
                .ok_or_else(|| "span table offset overflows".to_string())?;
            if offset as usize >= code_len {
                return Err(format!("span table entry at offset {offset} past the code"));
            }
            start = start
                .checked_add_signed(start_delta)
                .ok_or_else(|| "span table start out of range".to_string())?;
            start
                .checked_add(len)
                .ok_or_else(|| "span table end out of range".to_string())?;
        }
        Ok(())
    }
}

fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

fn unzigzag(n: u32) -> i32 {
    ((n >> 1) as i32) ^ -((n & 1) as i32)
}

fn put_varint(out: &mut Vec<u8>, mut n: u32) {
    while n >= 0x80 {
        out.push(n as u8 | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a varint of at most five bytes that fits a `u32`.
fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u32> {
    let mut n = 0u32;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(*at)?;
        *at += 1;
        let bits = (byte & 0x7f) as u32;
        if shift == 28 && bits > 0x0f {
            return None;
        }
        n |= bits << shift;
        if byte & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_cover_up_to_the_next() {
        let mut b = Builder::default();
        b.push(0, Span::new(10, 11)).unwrap();
        b.push(3, Span::new(10, 11)).unwrap(); // The same span: no entry.
        b.push(5, Span::new(4, 9)).unwrap(); // Backwards in the source.
        b.push(6, Span::NONE).unwrap();
        b.push(70_000, Span::new(1 << 30, (1 << 30) + 3)).unwrap();
        let table = b.finish();
        assert_eq!(
            table.iter().collect::<Vec<_>>(),
            [
                (0, Span::new(10, 11)),
                (5, Span::new(4, 9)),
                (6, Span::NONE),
                (70_000, Span::new(1 << 30, (1 << 30) + 3)),
            ]
        );
        assert_eq!(table.span_at(4), Some(Span::new(10, 11)));
        assert_eq!(table.span_at(5), Some(Span::new(4, 9)));
        assert_eq!(table.span_at(7), None);
        assert_eq!(
            table.span_at(80_000),
            Some(Span::new(1 << 30, (1 << 30) + 3))
        );
        assert_eq!(table.check(70_001), Ok(()));
        assert!(table.check(70_000).is_err());
        assert!(table.len() < 20, "{} bytes", table.len());
    }

    #[test]
    fn any_bytes_decode_without_panicking_and_bad_ones_fail_the_check() {
        let cases: [&[u8]; 5] = [
            &[0x80],                         // cut off
            &[0xff, 0xff, 0xff, 0xff, 0x7f], // too large for u32
            &[0, 1],                         // start before 0
            &[
                0, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0xfe, 0xff, 0xff, 0xff, 0x0f, 5,
            ], // end past u32
            &[5, 0, 0],                      // past the code
        ];
        for bytes in cases {
            let table = SpanTable::from_bytes(bytes.to_vec());
            let _ = table.span_at(3);
            let _ = table.iter().count();
            assert!(table.check(4).is_err(), "{bytes:?}");
        }
    }
}
