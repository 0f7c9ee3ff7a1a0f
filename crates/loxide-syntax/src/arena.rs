//! Lists of child ids in the trees' side vectors: a node with a variable number of
//! children (a block's statements, a call's arguments) holds a `List`, a range into
//! one vector shared by all the nodes of its kind, instead of a `Vec` of its own.
//!
//! The trade-off: a list is built in one go, so a builder collects the children of
//! a node on a scratch stack (nested lists finish first, so they never interleave)
//! and moves them to the side vector when the node is done. One vector then holds
//! every list of its kind, back to back, and a `List` is eight bytes.

use crate::memory::Grow;

use std::fmt;
use std::marker::PhantomData;

/// A run of `len` consecutive entries of a side vector, from `start`.
pub struct List<T> {
    start: u32,
    len: u32,
    kind: PhantomData<fn() -> T>,
}

impl<T> List<T> {
    /// The list of nothing.
    pub const EMPTY: List<T> = List {
        start: 0,
        len: 0,
        kind: PhantomData,
    };

    pub fn len(self) -> usize {
        self.len as usize
    }

    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// Where the list's entries are in its side vector.
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..(self.start + self.len) as usize
    }

    /// The entries of the list in `side`, the vector it was built in.
    pub fn of(self, side: &[T]) -> &[T] {
        &side[self.range()]
    }

    /// Moves `scratch[mark..]` to the end of `side` as a new list.
    pub fn build(side: &mut Vec<T>, scratch: &mut Vec<T>, mark: usize) -> List<T> {
        let start = side.len() as u32;
        side.extend_or_oom(scratch.drain(mark..));
        List {
            start,
            len: side.len() as u32 - start,
            kind: PhantomData,
        }
    }

    /// Appends `items` to `side` as a new list.
    pub fn extend(side: &mut Vec<T>, items: impl IntoIterator<Item = T>) -> List<T> {
        let start = side.len() as u32;
        side.extend_or_oom(items);
        List {
            start,
            len: side.len() as u32 - start,
            kind: PhantomData,
        }
    }
}

// The derives would demand `T: Clone` (and so on) of the entries: a list is only a
// range, whatever its entries are.
impl<T> Clone for List<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for List<T> {}

impl<T> Default for List<T> {
    fn default() -> Self {
        List::EMPTY
    }
}

impl<T> PartialEq for List<T> {
    fn eq(&self, other: &Self) -> bool {
        (self.start, self.len) == (other.start, other.len)
    }
}

impl<T> Eq for List<T> {}

impl<T> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "List[{}..+{}]", self.start, self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lists_built_from_one_scratch_stack_stay_apart() {
        let mut side = Vec::new();
        let mut scratch = Vec::new();
        // An outer list [1, inner, 4] where inner = [2, 3] finishes first.
        scratch.push(1);
        let mark = scratch.len();
        scratch.extend([2, 3]);
        let inner = List::build(&mut side, &mut scratch, mark);
        scratch.push(4);
        let outer = List::build(&mut side, &mut scratch, 0);
        assert_eq!(inner.of(&side), [2, 3]);
        assert_eq!(outer.of(&side), [1, 4]);
        assert!(scratch.is_empty());
        let more = List::extend(&mut side, [5]);
        assert_eq!(more.of(&side), [5]);
        assert!(List::<u32>::EMPTY.of(&side).is_empty());
    }
}
