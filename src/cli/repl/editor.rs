//! What the line editor knows of the language: tab completion of keywords and defined
//! names, and highlighting of the line being typed (keywords, strings, numbers,
//! comments, and the bracket matching the one at the cursor). The trade-off: the
//! highlighter scans the line with a few rules of its own instead of the real lexer,
//! so it cannot disagree with the compiler about anything but colours, and it never
//! sees the earlier lines of a multi-line input.

use std::borrow::Cow;
use std::cell::Cell;

use loxide::frontend::Lang;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

/// Lox's reserved words.
pub const LOX_KEYWORDS: [&str; 16] = [
    "and", "class", "else", "false", "for", "fun", "if", "nil", "or", "print", "return", "super",
    "this", "true", "var", "while",
];
/// Potato's reserved words.
pub const POTATO_KEYWORDS: [&str; 5] = ["say", "potato", "equals?", "is", "gains"];
/// The functions every program starts with.
pub const NATIVES: [&str; 1] = ["clock"];
/// The REPL's own commands, completed at the start of a line.
pub const COMMANDS: [&str; 4] = [":help", ":quit", ":load", ":dump"];

const BOLD_MAGENTA: &str = "\x1b[1;35m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const GREY: &str = "\x1b[90m";
const MATCH: &str = "\x1b[1;4;33m";
const RESET: &str = "\x1b[0m";

/// The REPL's editor helper.
pub struct LineHelper {
    lang: Lang,
    /// Globals defined so far (updated after each input).
    pub globals: Vec<String>,
    /// Colour the input (off with `NO_COLOR`).
    colour: bool,
    /// Set by `highlight_char`: show the bracket matching the cursor's.
    brackets: Cell<bool>,
}

impl LineHelper {
    pub fn new(lang: Lang, colour: bool) -> LineHelper {
        LineHelper {
            lang,
            globals: Vec::new(),
            colour,
            brackets: Cell::new(false),
        }
    }

    fn keywords(&self) -> &'static [&'static str] {
        match self.lang {
            Lang::Lox => &LOX_KEYWORDS,
            Lang::Potato => &POTATO_KEYWORDS,
        }
    }

    /// Whether `c` can be part of a name being completed.
    fn in_word(&self, c: char) -> bool {
        match self.lang {
            Lang::Lox => c.is_alphanumeric() || c == '_',
            Lang::Potato => !c.is_whitespace() && !matches!(c, '(' | ')' | ',' | '"' | '#'),
        }
    }

    /// The completions of the word that ends at `pos`: its start and the candidates,
    /// sorted, without duplicates.
    pub fn completions(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .take_while(|&(_, c)| self.in_word(c) || c == ':')
            .last()
            .map_or(pos, |(i, _)| i);
        let word = &line[start..pos];
        if word.starts_with(':') {
            if !before[..start].trim().is_empty() {
                return (pos, Vec::new());
            }
            let found = COMMANDS.iter().filter(|c| c.starts_with(word));
            return (start, found.map(|c| c.to_string()).collect());
        }
        if word.is_empty() {
            return (pos, Vec::new());
        }
        let mut found: Vec<String> = self
            .keywords()
            .iter()
            .chain(NATIVES.iter())
            .map(|s| s.to_string())
            .chain(self.globals.iter().cloned())
            .filter(|name| name.starts_with(word))
            .collect();
        found.sort();
        found.dedup();
        (start, found)
    }
}

impl Completer for LineHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, words) = self.completions(line, pos);
        let pairs = words
            .into_iter()
            .map(|word| Pair {
                display: word.clone(),
                replacement: word,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for LineHelper {
    type Hint = String;
}

impl Validator for LineHelper {}

impl Helper for LineHelper {}

impl Highlighter for LineHelper {
    fn highlight<'l>(&self, line: &'l str, pos: usize) -> Cow<'l, str> {
        if !self.colour || line.is_empty() {
            return Cow::Borrowed(line);
        }
        let matching = if self.brackets.get() {
            matching_bracket(line, pos)
        } else {
            None
        };
        Cow::Owned(highlight(line, self.lang, self.keywords(), matching))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, kind: CmdKind) -> bool {
        // The final refresh (Enter) shows the line without the bracket mark.
        self.brackets.set(kind != CmdKind::ForcedRefresh);
        self.colour
    }
}

/// The line with ANSI colours: keywords, strings, numbers, comments, and the bracket at
/// byte `matching`.
pub fn highlight(line: &str, lang: Lang, keywords: &[&str], matching: Option<usize>) -> String {
    let comment = match lang {
        Lang::Lox => "//",
        Lang::Potato => "#",
    };
    let mut out = String::with_capacity(line.len() * 2);
    let mut rest = line.char_indices().peekable();
    while let Some((i, c)) = rest.next() {
        let colour_span = |out: &mut String, colour: &str, end: usize| {
            out.push_str(colour);
            out.push_str(&line[i..end]);
            out.push_str(RESET);
        };
        if line[i..].starts_with(comment) {
            colour_span(&mut out, GREY, line.len());
            break;
        }
        if c == '"' {
            let end = line[i + 1..].find('"').map_or(line.len(), |at| i + at + 2);
            colour_span(&mut out, GREEN, end);
            while rest.next_if(|&(j, _)| j < end).is_some() {}
            continue;
        }
        if Some(i) == matching {
            out.push_str(MATCH);
            out.push(c);
            out.push_str(RESET);
            continue;
        }
        let word_char = |c: char| match lang {
            Lang::Lox => c.is_alphanumeric() || c == '_',
            Lang::Potato => !c.is_whitespace() && !matches!(c, '(' | ')' | ',' | '"' | '#'),
        };
        if word_char(c) {
            let end = line[i..]
                .char_indices()
                .find(|&(_, c)| !word_char(c) || (lang == Lang::Lox && c == '.'))
                .map_or(line.len(), |(at, _)| i + at);
            let mut end = end;
            if c.is_ascii_digit() {
                // A number, with its fraction.
                end = line[i..]
                    .char_indices()
                    .find(|&(_, c)| !(c.is_ascii_digit() || c == '.'))
                    .map_or(line.len(), |(at, _)| i + at);
                colour_span(&mut out, CYAN, end);
            } else if keywords.contains(&&line[i..end]) {
                colour_span(&mut out, BOLD_MAGENTA, end);
            } else {
                out.push_str(&line[i..end]);
            }
            while rest.next_if(|&(j, _)| j < end).is_some() {}
            continue;
        }
        out.push(c);
    }
    out
}

/// The byte offset of the bracket matching the one at the cursor (or just before it),
/// skipping strings.
pub fn matching_bracket(line: &str, pos: usize) -> Option<usize> {
    let bytes = line.as_bytes();
    let at = [pos, pos.wrapping_sub(1)]
        .into_iter()
        .find(|&i| i < bytes.len() && b"(){}[]".contains(&bytes[i]))?;
    let (open, close, forward) = match bytes[at] {
        b'(' => (b'(', b')', true),
        b'{' => (b'{', b'}', true),
        b'[' => (b'[', b']', true),
        b')' => (b'(', b')', false),
        b'}' => (b'{', b'}', false),
        _ => (b'[', b']', false),
    };
    let in_string = strings_mask(bytes);
    let mut depth = 0usize;
    let indices: Box<dyn Iterator<Item = usize>> = if forward {
        Box::new(at..bytes.len())
    } else {
        Box::new((0..=at).rev())
    };
    for i in indices {
        if in_string[i] {
            continue;
        }
        if bytes[i] == open {
            if forward {
                depth += 1;
            } else {
                depth -= 1;
            }
        } else if bytes[i] == close {
            if forward {
                depth -= 1;
            } else {
                depth += 1;
            }
        }
        if depth == 0 {
            return (i != at).then_some(i);
        }
    }
    None
}

/// For each byte, whether it is inside a string literal.
fn strings_mask(bytes: &[u8]) -> Vec<bool> {
    let mut inside = false;
    bytes
        .iter()
        .map(|&b| {
            if b == b'"' {
                inside = !inside;
                true
            } else {
                inside
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_offers_keywords_natives_globals_and_commands() {
        let mut helper = LineHelper::new(Lang::Lox, false);
        helper.globals = vec!["counter".into(), "count".into()];
        // (line, cursor, start, candidates)
        let cases: [(&str, usize, usize, &[&str]); 6] = [
            ("pr", 2, 0, &["print"]),
            ("print cou", 9, 6, &["count", "counter"]),
            ("var x = cl", 10, 8, &["class", "clock"]),
            (":l", 2, 0, &[":load"]),
            ("print :l", 8, 8, &[]),
            ("print ", 6, 6, &[]),
        ];
        for (line, pos, start, expected) in cases {
            let (at, found) = helper.completions(line, pos);
            let found: Vec<&str> = found.iter().map(String::as_str).collect();
            assert_eq!((at, found.as_slice()), (start, expected), "{line:?}");
        }
        let potato = LineHelper::new(Lang::Potato, false);
        assert_eq!(potato.completions("equ", 3).1, ["equals?"]);
    }

    #[test]
    fn brackets_match_across_nesting_and_skip_strings() {
        // (line, cursor, match)
        let cases = [
            ("f(a, (b))", 1, Some(8)),
            ("f(a, (b))", 9, Some(1)),
            ("f(a, (b))", 5, Some(7)),
            ("{ print \")\"; }", 0, Some(13)),
            ("f(a", 1, None),
            ("abc", 1, None),
        ];
        for (line, pos, expected) in cases {
            assert_eq!(matching_bracket(line, pos), expected, "{line:?} at {pos}");
        }
    }

    #[test]
    fn highlighting_keeps_the_text_and_colours_the_words() {
        let line = "var s = \"if\" + 1.5; // if";
        let out = highlight(line, Lang::Lox, &LOX_KEYWORDS, None);
        let plain: String = strip_ansi(&out);
        assert_eq!(plain, line);
        assert!(
            out.contains(&format!("{BOLD_MAGENTA}var{RESET}")),
            "{out:?}"
        );
        assert!(out.contains(&format!("{GREEN}\"if\"{RESET}")), "{out:?}");
        assert!(out.contains(&format!("{CYAN}1.5{RESET}")), "{out:?}");
        assert!(out.contains(&format!("{GREY}// if{RESET}")), "{out:?}");
        let out = highlight("f(x)", Lang::Lox, &LOX_KEYWORDS, Some(3));
        assert_eq!(out, format!("f(x{MATCH}){RESET}"));
    }

    fn strip_ansi(text: &str) -> String {
        let mut out = String::new();
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}
