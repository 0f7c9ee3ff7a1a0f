//! Running out of memory while compiling is an error, not an abort.
//!
//! Every vector of the compiler whose length grows with the source (tokens, tree nodes,
//! names, instructions, code, constants) grows through `Grow`, which asks the allocator
//! with `try_reserve` instead of letting a refusal abort the process. A refusal unwinds
//! the whole compilation with the payload `OutOfMemory`; the driver catches it at the
//! compilation's edge (`catch`) and reports `Out of memory.`. Unwinding drops every
//! stage's data on the way out, so the memory is back before the error is built.
//!
//! The trade-off: a stage cannot go on after a refusal anyway, and threading a `Result`
//! through every push of the parser, desugarer, resolver and lowerer would cost code
//! and time on every node for a path that is taken once. The unwinding is
//! `resume_unwind`, which runs no panic hook: nothing is printed. Small allocations of a
//! bounded size (one diagnostic's message, one function's scratch list) stay infallible,
//! as in the rest of Rust; only growth is checked. A build with `panic = "abort"` aborts
//! instead, since it cannot unwind.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};

/// The payload a compilation unwinds with when the allocator refuses it memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutOfMemory;

/// Unwinds the compilation: the allocator refused memory. `catch` turns it into an error.
#[cold]
#[inline(never)]
pub fn out_of_memory() -> ! {
    resume_unwind(Box::new(OutOfMemory))
}

/// Runs `work`, a compilation or a part of it, and returns `Err(OutOfMemory)` if it ran
/// out of memory. Any other panic (a bug) goes on unwinding.
pub fn catch<T>(work: impl FnOnce() -> T) -> Result<T, OutOfMemory> {
    match catch_unwind(AssertUnwindSafe(work)) {
        Ok(value) => Ok(value),
        Err(payload) if payload.is::<OutOfMemory>() => Err(OutOfMemory),
        Err(payload) => resume_unwind(payload),
    }
}

/// Growth that unwinds with `OutOfMemory` when the allocator refuses it, instead of
/// aborting. Implemented for the containers the compiler's stages grow.
pub trait Grow<T> {
    /// Appends `item`.
    fn push_or_oom(&mut self, item: T);
    /// Makes room for at least `additional` more items.
    fn reserve_or_oom(&mut self, additional: usize);
    /// Appends every item of `items`, after making room for as many as it says it has.
    fn extend_or_oom(&mut self, items: impl IntoIterator<Item = T>);
    /// Makes the length `n`, filling with copies of `value` (or truncating).
    fn resize_or_oom(&mut self, n: usize, value: T)
    where
        T: Clone;
}

impl<T> Grow<T> for Vec<T> {
    #[inline]
    fn push_or_oom(&mut self, item: T) {
        if self.len() == self.capacity() {
            grow_one(self);
        }
        self.push(item);
    }

    #[inline]
    fn reserve_or_oom(&mut self, additional: usize) {
        if self.capacity() - self.len() < additional && self.try_reserve(additional).is_err() {
            out_of_memory();
        }
    }

    fn extend_or_oom(&mut self, items: impl IntoIterator<Item = T>) {
        let items = items.into_iter();
        self.reserve_or_oom(items.size_hint().0);
        for item in items {
            self.push_or_oom(item);
        }
    }

    fn resize_or_oom(&mut self, n: usize, value: T)
    where
        T: Clone,
    {
        self.reserve_or_oom(n.saturating_sub(self.len()));
        self.resize(n, value);
    }
}

/// The slow path of `push_or_oom`: the vector is full.
#[cold]
#[inline(never)]
fn grow_one<T>(items: &mut Vec<T>) {
    if items.try_reserve(1).is_err() {
        out_of_memory();
    }
}

/// An empty vector with room for `n` items, asked for fallibly.
pub fn with_capacity<T>(n: usize) -> Vec<T> {
    let mut items = Vec::new();
    items.reserve_or_oom(n);
    items
}

/// `n` copies of `value`, in memory asked for fallibly.
pub fn filled<T: Clone>(value: T, n: usize) -> Vec<T> {
    let mut items = Vec::new();
    items.resize_or_oom(n, value);
    items
}

/// The items of `items` in a new vector, in memory asked for fallibly.
pub fn collected<T>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut collected = Vec::new();
    collected.extend_or_oom(items);
    collected
}

/// A copy of `text`, in memory asked for fallibly (a string literal may be most of the
/// source).
pub fn string(text: &str) -> String {
    let mut copy = String::new();
    push_str_or_oom(&mut copy, text);
    copy
}

/// `text` appended to `string`, fallibly.
pub fn push_str_or_oom(string: &mut String, text: &str) {
    if string.try_reserve(text.len()).is_err() {
        out_of_memory();
    }
    string.push_str(text);
}

/// Makes room for `additional` more entries in a hash map, fallibly.
pub fn reserve_map_or_oom<K, V, S>(map: &mut std::collections::HashMap<K, V, S>, additional: usize)
where
    K: Eq + std::hash::Hash,
    S: std::hash::BuildHasher,
{
    if map.try_reserve(additional).is_err() {
        out_of_memory();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_reservation_is_caught_as_out_of_memory() {
        let refused = catch(|| {
            let mut huge: Vec<u64> = Vec::new();
            huge.reserve_or_oom(usize::MAX / 4);
        });
        assert_eq!(refused, Err(OutOfMemory));
    }

    #[test]
    fn growth_that_fits_keeps_every_item() {
        let grown = catch(|| {
            let mut items = Vec::new();
            for i in 0..1000 {
                items.push_or_oom(i);
            }
            items.extend_or_oom(1000..1010);
            items
        });
        assert_eq!(grown, Ok((0..1010).collect::<Vec<_>>()));
    }

    #[test]
    fn other_panics_are_not_taken_for_out_of_memory() {
        let bug = catch_unwind(|| catch(|| panic!("a bug")));
        assert!(bug.is_err());
    }
}
