//! Interned names: every distinct name (and string literal) of one compilation is
//! stored once, and the trees carry a `Symbol`, a `u32`, in its place.
//!
//! The trade-off: a name costs one hash and one comparison when the parser first meets
//! it, and nothing afterwards. Later stages compare, hash and index by a `u32` (sema's
//! tables are vectors indexed by symbol), and only the dumps and the final module turn
//! symbols back into text. One interner lives as long as one compilation; symbols of
//! different interners must not be mixed.

use crate::memory::{self, Grow};

use std::hash::{BuildHasherDefault, Hasher};

/// An interned name: an index into its compilation's `Interner`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Symbol(u32);

impl Symbol {
    /// The empty name (the unnamed slot 0 of a plain function).
    pub const EMPTY: Symbol = Symbol(0);
    /// `this`.
    pub const THIS: Symbol = Symbol(1);
    /// `super`.
    pub const SUPER: Symbol = Symbol(2);
    /// `init`, the name that makes a method an initializer.
    pub const INIT: Symbol = Symbol(3);
    /// `script`, the name of the top-level function in the core tree.
    pub const SCRIPT: Symbol = Symbol(4);

    /// The symbol's index: symbols are numbered from 0 in the order first interned, so
    /// a table of `Interner::len` entries can be indexed by them.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The names every interner knows from the start, in `Symbol` constant order.
const WELL_KNOWN: [&str; 5] = ["", "this", "super", "init", "script"];

/// A marker for an empty slot of the hash table.
const EMPTY_SLOT: u32 = u32::MAX;

/// The names of one compilation, each stored once.
#[derive(Clone, Debug, PartialEq)]
pub struct Interner {
    /// Every name's text, back to back.
    text: String,
    /// Where symbol `i`'s text ends in `text`; it starts where symbol `i - 1`'s ends.
    ends: Vec<u32>,
    /// Open addressing: symbols by hash, `EMPTY_SLOT` where free; a power of two long,
    /// at most half full.
    table: Vec<u32>,
}

impl Default for Interner {
    fn default() -> Self {
        Interner::new()
    }
}

impl Interner {
    /// An interner holding only the well-known names (`Symbol::THIS` and the others).
    pub fn new() -> Self {
        let mut names = Interner {
            text: String::new(),
            ends: Vec::new(),
            table: memory::filled(EMPTY_SLOT, 16),
        };
        for name in WELL_KNOWN {
            names.intern(name);
        }
        names
    }

    /// How many names are interned (every symbol's index is below it).
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Never true: the well-known names are always there.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The symbol for `name`, interning it if it is new.
    pub fn intern(&mut self, name: &str) -> Symbol {
        let mask = self.table.len() - 1;
        let mut slot = hash(name) as usize & mask;
        loop {
            let entry = self.table[slot];
            if entry == EMPTY_SLOT {
                break;
            }
            if self.get(Symbol(entry)) == name {
                return Symbol(entry);
            }
            slot = (slot + 1) & mask;
        }
        let symbol = Symbol(self.ends.len() as u32);
        memory::push_str_or_oom(&mut self.text, name);
        self.ends.push_or_oom(self.text.len() as u32);
        self.table[slot] = symbol.0;
        if self.ends.len() * 2 > self.table.len() {
            self.grow();
        }
        symbol
    }

    /// The text of a symbol.
    pub fn get(&self, symbol: Symbol) -> &str {
        let i = symbol.index();
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// Doubles the table and re-inserts every symbol.
    fn grow(&mut self) {
        let mut table = memory::filled(EMPTY_SLOT, self.table.len() * 2);
        let mask = table.len() - 1;
        for i in 0..self.ends.len() as u32 {
            let mut slot = hash(self.get(Symbol(i))) as usize & mask;
            while table[slot] != EMPTY_SLOT {
                slot = (slot + 1) & mask;
            }
            table[slot] = i;
        }
        self.table = table;
    }
}

/// FNV-1a: names are short, and this needs no state.
fn hash(name: &str) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in name.as_bytes() {
        h = (h ^ b as u32).wrapping_mul(0x0100_0193);
    }
    h
}

/// A hasher for small integer keys (symbols, ids, number bits): a multiplication per
/// word and a final mix, where the standard library's default hashes with SipHash for
/// resistance to chosen keys that a compiler's own ids do not need.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    /// The final mix folds the high bits into the low ones, which pick the bucket: the
    /// bits of integral `f64`s differ only at the top, and a product's low bits depend
    /// only on its factors' low bits (without this, 100,000 number constants all
    /// landed in one bucket chain).
    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^ (h >> 33)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// Builds `IdHasher`s, for `HashMap<K, V, IdHash>`.
pub type IdHash = BuildHasherDefault<IdHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_interned_once_and_reads_back() {
        let mut names = Interner::new();
        let n = names.len();
        let a = names.intern("alpha");
        let b = names.intern("beta");
        assert_ne!(a, b);
        assert_eq!(names.intern("alpha"), a);
        assert_eq!(names.get(a), "alpha");
        assert_eq!(names.get(b), "beta");
        assert_eq!(names.len(), n + 2);
    }

    #[test]
    fn the_well_known_names_are_there_from_the_start() {
        let mut names = Interner::new();
        assert_eq!(names.intern("this"), Symbol::THIS);
        assert_eq!(names.intern("super"), Symbol::SUPER);
        assert_eq!(names.intern("init"), Symbol::INIT);
        assert_eq!(names.intern("script"), Symbol::SCRIPT);
        assert_eq!(names.intern(""), Symbol::EMPTY);
        assert_eq!(names.get(Symbol::THIS), "this");
    }

    #[test]
    fn integral_numbers_spread_over_the_low_bits() {
        use std::hash::BuildHasher;
        let hash = IdHash::default();
        let mut buckets = [0u32; 64];
        for i in 0..6400 {
            buckets[(hash.hash_one((i as f64).to_bits()) % 64) as usize] += 1;
        }
        assert!(
            buckets.iter().all(|&n| (50..150).contains(&n)),
            "{buckets:?}"
        );
    }

    #[test]
    fn many_names_survive_the_table_growing() {
        let mut names = Interner::new();
        let symbols: Vec<Symbol> = (0..10_000)
            .map(|i| names.intern(&format!("n{i}")))
            .collect();
        for (i, s) in symbols.iter().enumerate() {
            assert_eq!(names.get(*s), format!("n{i}"));
            assert_eq!(names.intern(&format!("n{i}")), *s);
        }
    }
}
