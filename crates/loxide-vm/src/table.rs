//! A hash table keyed by interned strings: fields, methods and the intern set.
//!
//! Keys compare by pointer (strings are interned) and hash by the string's cached hash.
//! Open addressing with linear probing over a power-of-two array keeps a lookup to a
//! few cache lines; deleted entries leave tombstones so probe chains stay intact.
//! A table's size is a program's choice (a dictionary's fields, the intern set), so it
//! grows into memory reserved fallibly: a table that cannot grow reports `OutOfMemory`
//! and stays as it was.

use super::heap::OutOfMemory;
use super::object::{Gc, ObjString};
use super::value::Value;

#[derive(Clone, Copy)]
struct Entry {
    key: Option<Gc<ObjString>>,
    /// For an empty slot: `NIL` if never used, `TRUE` if a tombstone.
    value: Value,
}

const EMPTY: Entry = Entry {
    key: None,
    value: Value::NIL,
};

#[derive(Default)]
pub struct Table {
    entries: Vec<Entry>,
    /// Live entries plus tombstones (what the load factor counts).
    count: usize,
}

impl Table {
    pub fn new() -> Table {
        Table::default()
    }

    /// Bytes of memory the table holds, for the collector's accounting.
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
    }

    fn find(entries: &[Entry], key: Gc<ObjString>) -> usize {
        let mask = entries.len() - 1;
        let mut index = key.hash as usize & mask;
        let mut tombstone = None;
        loop {
            let entry = &entries[index];
            match entry.key {
                Some(k) if k == key => return index,
                Some(_) => {}
                None if entry.value.is_nil() => return tombstone.unwrap_or(index),
                None => {
                    tombstone.get_or_insert(index);
                }
            }
            index = (index + 1) & mask;
        }
    }

    #[inline]
    pub fn get(&self, key: Gc<ObjString>) -> Option<Value> {
        if self.count == 0 {
            return None;
        }
        let entry = &self.entries[Table::find(&self.entries, key)];
        entry.key.map(|_| entry.value)
    }

    /// Sets a key; returns true if the key was new. Fails, changing nothing, when the
    /// table must grow and the memory cannot be had.
    pub fn set(&mut self, key: Gc<ObjString>, value: Value) -> Result<bool, OutOfMemory> {
        self.reserve_one()?;
        let index = Table::find(&self.entries, key);
        let entry = &mut self.entries[index];
        let is_new = entry.key.is_none();
        if is_new && entry.value.is_nil() {
            self.count += 1;
        }
        *entry = Entry {
            key: Some(key),
            value,
        };
        Ok(is_new)
    }

    /// Makes room for one more key, so that the next `set` cannot fail.
    #[inline]
    pub fn reserve_one(&mut self) -> Result<(), OutOfMemory> {
        if (self.count + 1) * 4 > self.entries.len() * 3 {
            self.grow()?;
        }
        Ok(())
    }

    /// Rehashes into a table with room for one more key: twice the size, unless the
    /// live keys and the one to come fit in half of the present size. Then the table
    /// keeps its size and only its tombstones go, so a table whose keys come and go
    /// (the intern set, as the collector drops dead strings) stays as large as its
    /// live keys need instead of doubling each time tombstones fill it. It never
    /// shrinks: the collector's accounting of a table's bytes only ever adds.
    #[cold]
    fn grow(&mut self) -> Result<(), OutOfMemory> {
        let live = self.entries.iter().filter(|e| e.key.is_some()).count();
        let capacity = if self.entries.len() < 8 {
            8
        } else if (live + 1) * 2 <= self.entries.len() {
            self.entries.len()
        } else {
            self.entries.len().checked_mul(2).ok_or(OutOfMemory)?
        };
        let mut grown = Vec::new();
        grown.try_reserve_exact(capacity).map_err(|_| OutOfMemory)?;
        grown.resize(capacity, EMPTY);
        let old = std::mem::replace(&mut self.entries, grown);
        self.count = 0;
        for entry in old {
            if let Some(key) = entry.key {
                let index = Table::find(&self.entries, key);
                self.entries[index] = entry;
                self.count += 1;
            }
        }
        Ok(())
    }

    /// Copies every entry of `other` into this table; on failure, the entries copied
    /// so far stay.
    pub fn add_all(&mut self, other: &Table) -> Result<(), OutOfMemory> {
        for entry in &other.entries {
            if let Some(key) = entry.key {
                self.set(key, entry.value)?;
            }
        }
        Ok(())
    }

    pub fn iter(&self) -> impl Iterator<Item = (Gc<ObjString>, Value)> + '_ {
        self.entries
            .iter()
            .filter_map(|e| e.key.map(|k| (k, e.value)))
    }

    /// Finds an interned string by content (the intern set's lookup).
    pub fn find_string(&self, chars: &str, hash: u32) -> Option<Gc<ObjString>> {
        if self.count == 0 {
            return None;
        }
        let mask = self.entries.len() - 1;
        let mut index = hash as usize & mask;
        loop {
            let entry = &self.entries[index];
            match entry.key {
                None if entry.value.is_nil() => return None,
                Some(k) if k.hash == hash && &*k.chars == chars => return Some(k),
                _ => {}
            }
            index = (index + 1) & mask;
        }
    }

    /// The interned string whose characters are `a` followed by `b`, if there is one
    /// (`hash` is theirs): finds a concatenation's result without building it.
    pub fn find_concatenation(&self, a: &str, b: &str, hash: u32) -> Option<Gc<ObjString>> {
        if self.count == 0 {
            return None;
        }
        let mask = self.entries.len() - 1;
        let mut index = hash as usize & mask;
        loop {
            let entry = &self.entries[index];
            match entry.key {
                None if entry.value.is_nil() => return None,
                Some(k)
                    if k.hash == hash
                        && k.chars.len() == a.len() + b.len()
                        && k.chars.starts_with(a)
                        && k.chars.ends_with(b) =>
                {
                    return Some(k);
                }
                _ => {}
            }
            index = (index + 1) & mask;
        }
    }

    /// Deletes every key the predicate rejects (the intern set drops dead strings).
    pub fn retain(&mut self, mut keep: impl FnMut(Gc<ObjString>) -> bool) {
        for entry in &mut self.entries {
            if let Some(k) = entry.key
                && !keep(k)
            {
                *entry = Entry {
                    key: None,
                    value: Value::TRUE,
                };
            }
        }
    }
}
