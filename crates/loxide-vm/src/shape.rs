//! Hidden classes ("shapes"): the layout of an instance's fields.
//!
//! An instance stores its fields in a plain vector; its shape says which name lives in
//! which slot. Each class owns a tree of shapes: the root (no fields) and, for every
//! field added, a transition to a child shape. Instances of a class that gained the same
//! fields in the same order share a shape, so a property access can be cached as
//! "this class and shape → that slot" (see `object::Cache`) and skip the name lookup.
//!
//! The tree lives in the class and dies with it, so programs that create classes at
//! run time (a class declared inside a function) do not accumulate shapes. Two bounds
//! keep a tree small: a shape has at most `MAX_SHAPE_FIELDS` fields and a class at most
//! `MAX_SHAPES` shapes. An instance that would pass either bound switches to a
//! dictionary of fields (`DICTIONARY`), which is slower but has no limit.

use super::heap::Heap;
use super::object::{Gc, ObjString};

/// Identifies a shape within its class's tree.
pub type ShapeId = u32;

/// The shape of an instance with no fields.
pub const ROOT: ShapeId = 0;

/// The shape of instances that keep their fields in a dictionary instead.
pub const DICTIONARY: ShapeId = u32::MAX;
/// The most fields a shape describes; an instance that gains more uses a dictionary.
pub const MAX_SHAPE_FIELDS: u32 = 64;
/// The most shapes a class has; beyond it, new layouts use dictionaries.
pub const MAX_SHAPES: usize = 1 << 12;

struct Shape {
    /// The shape this one extends by one field (itself for a root).
    parent: ShapeId,
    /// The field this shape adds (`None` for a root).
    key: Option<Gc<ObjString>>,
    /// How many fields instances of this shape have; the added field's slot is one less.
    len: u32,
    /// The shapes reached by adding one more field.
    transitions: Transitions,
}

/// A shape's transitions. Most shapes have at most one (instances of a class usually
/// get their fields in one order), so the first is stored inline and only the others
/// take a vector: a linear chain of shapes allocates nothing per shape.
#[derive(Default)]
struct Transitions {
    first: Option<(Gc<ObjString>, ShapeId)>,
    more: Vec<(Gc<ObjString>, ShapeId)>,
}

impl Transitions {
    fn find(&self, name: Gc<ObjString>) -> Option<ShapeId> {
        match self.first {
            Some((key, next)) if key == name => Some(next),
            Some(_) => self
                .more
                .iter()
                .find(|(key, _)| *key == name)
                .map(|&(_, next)| next),
            None => None,
        }
    }

    fn add(&mut self, name: Gc<ObjString>, next: ShapeId) {
        if self.first.is_none() {
            self.first = Some((name, next));
        } else {
            self.more.push((name, next));
        }
    }
}

/// The shape tree of one class.
pub struct Shapes {
    shapes: Vec<Shape>,
}

impl Default for Shapes {
    fn default() -> Self {
        Shapes::new()
    }
}

impl Shapes {
    /// A tree holding only the root shape. Nothing is allocated until a field is added
    /// (the root is implicit until then), so classes made at run time, one per call of
    /// the function that declares them, cost no allocation for their shapes.
    pub fn new() -> Shapes {
        Shapes { shapes: Vec::new() }
    }

    /// The slot of field `name` in instances of `shape`.
    pub fn slot_of(&self, shape: ShapeId, name: Gc<ObjString>) -> Option<u32> {
        if self.shapes.is_empty() {
            return None;
        }
        let mut at = shape;
        loop {
            let s = &self.shapes[at as usize];
            match s.key {
                Some(key) if key == name => return Some(s.len - 1),
                Some(_) => at = s.parent,
                None => return None,
            }
        }
    }

    /// The shape after adding field `name` to `shape` (created on first use), or
    /// `DICTIONARY` when a bound is reached.
    pub fn add(&mut self, shape: ShapeId, name: Gc<ObjString>) -> ShapeId {
        if self.shapes.is_empty() {
            self.shapes.reserve_exact(4);
            self.shapes.push(Shape {
                parent: ROOT,
                key: None,
                len: 0,
                transitions: Transitions::default(),
            });
        }
        let s = &self.shapes[shape as usize];
        if let Some(next) = s.transitions.find(name) {
            return next;
        }
        if s.len >= MAX_SHAPE_FIELDS || self.shapes.len() >= MAX_SHAPES {
            return DICTIONARY;
        }
        let next = self.shapes.len() as ShapeId;
        let len = s.len + 1;
        self.shapes.push(Shape {
            parent: shape,
            key: Some(name),
            len,
            transitions: Transitions::default(),
        });
        self.shapes[shape as usize].transitions.add(name, next);
        next
    }

    /// The field names of `shape`, in slot order.
    pub fn keys(&self, shape: ShapeId) -> Vec<Gc<ObjString>> {
        let mut keys = Vec::new();
        if self.shapes.is_empty() {
            return keys;
        }
        let mut at = shape;
        while let Some(key) = self.shapes[at as usize].key {
            keys.push(key);
            at = self.shapes[at as usize].parent;
        }
        keys.reverse();
        keys
    }

    /// Marks every field name (the class traces its shapes: names must outlive them).
    pub fn mark(&self, heap: &mut Heap) {
        for s in &self.shapes {
            if let Some(key) = s.key {
                heap.mark(key);
            }
        }
    }

    /// Memory held by the tree, for the collector's accounting.
    pub fn heap_bytes(&self) -> usize {
        self.shapes.capacity() * std::mem::size_of::<Shape>()
            + self
                .shapes
                .iter()
                .map(|s| s.transitions.more.capacity() * 16)
                .sum::<usize>()
    }
}
