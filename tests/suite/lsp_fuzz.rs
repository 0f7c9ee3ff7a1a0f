//! The editor's analysis under heavy editing: every prefix of a large program, and
//! thousands of random edits (insertions of tokens, garbage and multi-byte characters,
//! deletions of random ranges), each followed by every kind of question at random
//! places. Nothing may panic, and every range answered must lie in the document.

use loxide::Lang;
use loxide_ide::{Analysis, analyze};
use serde_json::Value;

/// A small deterministic generator (xorshift64*), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// The start of the character `at` is in.
fn floor(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Checks that every range in a JSON answer lies within the document.
fn check_ranges(a: &Analysis, answer: &Value) {
    match answer {
        Value::Object(map) => {
            if let (Some(start), Some(end)) = (map.get("start"), map.get("end"))
                && let (Some(l1), Some(l2)) = (start["line"].as_u64(), end["line"].as_u64())
            {
                let lines = a.lines.line_count() as u64;
                assert!(l1 <= l2 && l2 < lines, "range {answer} in {lines} lines");
            }
            map.values().for_each(|v| check_ranges(a, v));
        }
        Value::Array(items) => items.iter().for_each(|v| check_ranges(a, v)),
        _ => {}
    }
}

/// Asks every question the server answers at `offset`.
fn ask_everything(a: &Analysis, offset: usize) {
    check_ranges(a, &a.hover(offset));
    check_ranges(a, &a.highlights(offset));
    check_ranges(a, &a.completion(offset));
    check_ranges(a, &a.signature_help(offset));
    for span in a
        .definition(offset)
        .iter()
        .chain(&a.references(offset, true))
    {
        assert!(span.start <= span.end && span.end <= a.text.len());
        assert!(a.text.is_char_boundary(span.start) && a.text.is_char_boundary(span.end));
    }
    let _ = a.rename(offset, "renamed");
    let _ = a.prepare_rename(offset);
}

fn ask_about_the_whole(a: &Analysis) {
    check_ranges(a, &a.document_symbols());
    assert_eq!(a.semantic_tokens().len() % 5, 0);
    for e in &a.errors {
        assert!(
            e.span.start <= e.span.end && e.span.end <= a.text.len(),
            "{e:?}"
        );
    }
    for w in &a.warnings {
        assert!(
            w.span.start <= w.span.end && w.span.end <= a.text.len(),
            "{w:?}"
        );
    }
}

fn source(path: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn every_prefix_of_a_large_program_is_answered() {
    for (path, lang) in [
        ("bench/hashmap.lox", Lang::Lox),
        ("docs/examples/counter.potato", Lang::Potato),
    ] {
        let text = source(path);
        let mut rng = Rng(0x5eed ^ text.len() as u64);
        for end in (0..=text.len()).filter(|&at| text.is_char_boundary(at)) {
            let prefix = &text[..end];
            let a = analyze(prefix, lang);
            ask_everything(&a, rng.below(end + 1));
            ask_everything(&a, end);
            if end % 97 == 0 {
                ask_about_the_whole(&a);
            }
        }
    }
}

#[test]
fn random_edits_never_break_the_analysis() {
    const SNIPPETS: &[&str] = &[
        "(",
        ")",
        "{",
        "}",
        ";",
        ",",
        ".",
        "=",
        "+",
        "-",
        "!",
        "\"",
        "var ",
        "fun ",
        "class ",
        "return ",
        "this",
        "super",
        "print ",
        "if (",
        "while (",
        "for (",
        "x",
        "count",
        " < ",
        "init",
        "\n",
        "  ",
        "🐝",
        "é",
        "\r\n",
        "// c\n",
        "1.5",
        "nil",
        "say ",
        " is ",
        " gains ",
        "#",
        "\t",
        "\u{0}",
        "fun f(a, b) { return a + b; }",
    ];
    for (path, lang) in [
        ("bench/raytrace.lox", Lang::Lox),
        ("docs/examples/seed.potato", Lang::Potato),
    ] {
        let mut text = source(path);
        let mut rng = Rng(0xdead_beef ^ text.len() as u64);
        for _ in 0..1500 {
            if rng.below(3) == 0 && !text.is_empty() {
                let a = floor(&text, rng.below(text.len() + 1));
                let b = floor(&text, a + rng.below(40));
                text.replace_range(a..b.max(a), "");
            } else {
                let at = floor(&text, rng.below(text.len() + 1));
                text.insert_str(at, SNIPPETS[rng.below(SNIPPETS.len())]);
            }
            let a = analyze(&text, lang);
            for _ in 0..4 {
                ask_everything(&a, rng.below(text.len() + 1));
            }
            ask_about_the_whole(&a);
        }
    }
}
