//! What the language server answers, one function per request, each over an
//! `Analysis` and byte offsets. Results are the protocol's JSON, with ranges already in
//! the protocol's UTF-16 positions (`Analysis::range`).

use std::ops::Range;

use serde_json::{Value, json};

use loxide::Lang;
use loxide::frontend::{lox, potato};

use crate::analysis::Analysis;
use crate::index::{Access, Decl, Kind, Occurrence, Receiver, ReceiverUse, Storage, Target};
use crate::text::{self, Class};

/// The names of the semantic token types, in the legend's order.
pub const TOKEN_TYPES: [&str; 11] = [
    "keyword",
    "string",
    "number",
    "operator",
    "comment",
    "variable",
    "parameter",
    "function",
    "class",
    "method",
    "property",
];

/// The names of the semantic token modifiers, in the legend's order (bit 0 first).
pub const TOKEN_MODIFIERS: [&str; 2] = ["declaration", "defaultLibrary"];

/// The functions every program can call without declaring them.
const NATIVES: [(&str, &str); 1] = [("clock", "clock()")];

impl Analysis {
    /// The protocol range of a byte span.
    pub fn range(&self, span: &Range<usize>) -> Value {
        let start = self.lines.position(&self.text, span.start);
        let end = self.lines.position(&self.text, span.end);
        json!({
            "start": {"line": start.line, "character": start.character},
            "end": {"line": end.line, "character": end.character},
        })
    }

    fn function_name(&self, f: usize) -> &str {
        self.index
            .functions
            .get(f)
            .map_or("script", |f| f.name.as_str())
    }

    /// A function's signature, `add(a, b)`.
    fn signature(&self, f: usize) -> String {
        match self.index.functions.get(f) {
            Some(f) => format!("{}({})", f.name, f.params.join(", ")),
            None => "?()".into(),
        }
    }

    /// The parameters a declaration's call takes: a function's or method's, or a
    /// class's `init`'s.
    fn call_params(&self, decl: &Decl) -> Option<(String, Vec<String>)> {
        let index = &self.index;
        let f = match decl.kind {
            Kind::Function | Kind::Method | Kind::Initializer => decl.defines?,
            Kind::Class => {
                let me = index
                    .global(&decl.name)
                    .filter(|&i| index.decls[i].span == decl.span);
                let me = match me {
                    Some(me) => me,
                    None => index.decls.iter().position(|d| d.span == decl.span)?,
                };
                match index
                    .methods_of(me)
                    .iter()
                    .map(|&m| &index.decls[m])
                    .find(|d| d.kind == Kind::Initializer)
                {
                    Some(init) => init.defines?,
                    None => return Some((format!("{}()", decl.name), Vec::new())),
                }
            }
            _ => return None,
        };
        let params = index.functions.get(f)?.params.clone();
        Some((format!("{}({})", decl.name, params.join(", ")), params))
    }

    /// What a declaration is, in words: `local 'i', slot 1 of 'main'`.
    fn describe_decl(&self, d: &Decl, through: Option<&Occurrence>) -> String {
        let owner = self.function_name(d.function);
        let scope = match d.storage {
            Storage::Global(_) => "global",
            _ => "local",
        };
        let mut text = match d.kind {
            Kind::Variable => match d.storage {
                Storage::Global(slot) => {
                    format!("global variable `{}`, global slot {slot}", d.name)
                }
                Storage::Local(slot) => {
                    format!("local `{}`, slot {slot} of `{owner}`", d.name)
                }
                _ => format!("variable `{}`", d.name),
            },
            Kind::Parameter => match d.storage {
                Storage::Local(slot) => {
                    format!("parameter `{}` of `{owner}`, slot {slot}", d.name)
                }
                _ => format!("parameter `{}` of `{owner}`", d.name),
            },
            Kind::Function => {
                let signature = d.defines.map_or(d.name.clone(), |f| self.signature(f));
                match d.storage {
                    Storage::Local(slot) => {
                        format!("local function `{signature}`, slot {slot} of `{owner}`")
                    }
                    _ => format!("{scope} function `{signature}`"),
                }
            }
            Kind::Class => {
                let mut text = format!("{scope} class `{}`", d.name);
                if let Some(superclass) = &d.superclass {
                    text.push_str(&format!(" < `{superclass}`"));
                }
                text
            }
            Kind::Method | Kind::Initializer => {
                let class = d
                    .class
                    .and_then(|c| self.index.decls.get(c))
                    .map_or("?", |c| c.name.as_str());
                let signature = d.defines.map_or(d.name.clone(), |f| self.signature(f));
                let what = if d.kind == Kind::Method {
                    "method"
                } else {
                    "initializer"
                };
                format!("{what} `{signature}` of class `{class}`")
            }
        };
        if let Some(o) = through
            && let Storage::Upvalue(i) = o.storage
        {
            text = format!(
                "upvalue `{}` captured from `{owner}` (upvalue {i} of `{}`); {text}",
                d.name,
                self.function_name(o.function)
            );
        } else if d.captured {
            text.push_str(", captured by a closure");
        }
        let line = self.lines.position(&self.text, d.span.start).line + 1;
        format!("{text}\n\ndeclared on line {line}")
    }

    /// What a `this` or `super` is, in words: the instance of which class, and how the
    /// function it is in reaches it.
    fn describe_receiver(&self, r: &ReceiverUse) -> String {
        let index = &self.index;
        let method = r.method.and_then(|m| index.decls.get(m));
        let class = method
            .and_then(|m| m.class)
            .and_then(|c| index.decls.get(c));
        let (Some(method), Some(class)) = (method, class) else {
            return match r.keyword {
                Receiver::This => "`this`, outside any method".into(),
                Receiver::Super => "`super`, outside any method".into(),
            };
        };
        let signature = method
            .defines
            .map_or(method.name.clone(), |f| self.signature(f));
        // `this` is slot 0 of the method; `super` a hidden local of the function the
        // class is declared in, which the methods capture.
        let origin = match r.keyword {
            Receiver::This => method
                .defines
                .map_or(method.name.as_str(), |f| self.function_name(f)),
            Receiver::Super => self.function_name(class.function),
        };
        let here = self.function_name(r.function);
        let reached = match r.storage {
            Storage::Local(slot) => format!("slot {slot} of `{here}`"),
            Storage::Upvalue(i) => {
                format!("upvalue {i} of `{here}`, captured from `{origin}`")
            }
            Storage::Global(_) | Storage::Property => "?".into(),
        };
        match r.keyword {
            Receiver::This => format!(
                "`this`: the instance of class `{}` that method `{signature}` runs on \
                 ({reached})",
                class.name
            ),
            Receiver::Super => match &class.superclass {
                Some(superclass) => format!(
                    "`super`: the superclass `{superclass}` of class `{}`; `super.name` \
                     finds `{superclass}`'s method and binds it to `this` \
                     (the hidden variable `super`, {reached})",
                    class.name
                ),
                None => format!("`super`, in class `{}` which has no superclass", class.name),
            },
        }
    }

    /// Hover: what the name under the cursor is and where it lives.
    pub fn hover(&self, offset: usize) -> Value {
        let Some(o) = self.index.occurrence_at(offset) else {
            return match self.index.receiver_at(offset) {
                Some(r) => json!({
                    "contents": {"kind": "markdown", "value": self.describe_receiver(r)},
                    "range": self.range(&r.span),
                }),
                None => Value::Null,
            };
        };
        let text = match &o.target {
            Target::Decl(i) => self.describe_decl(&self.index.decls[*i], Some(o)),
            Target::Global(name) => match self.index.decl_for(&o.target) {
                Some(d) => self.describe_decl(d, Some(o)),
                None => match NATIVES.iter().find(|(n, _)| n == name) {
                    Some((_, signature)) => format!("native function `{signature}`"),
                    None => format!("global `{name}`, not declared in this file"),
                },
            },
            Target::Property(name) => {
                let methods = self.index.definitions(&o.target);
                if methods.is_empty() {
                    format!("field `{name}`")
                } else if o.access == Access::Declaration {
                    let own = methods
                        .iter()
                        .find(|d| d.span == o.span)
                        .unwrap_or(&methods[0]);
                    self.describe_decl(own, None)
                } else {
                    methods
                        .iter()
                        .map(|d| self.describe_decl(d, None))
                        .collect::<Vec<_>>()
                        .join("\n\n---\n\n")
                }
            }
        };
        json!({
            "contents": {"kind": "markdown", "value": text},
            "range": self.range(&o.span),
        })
    }

    /// The target under the cursor.
    pub fn target_at(&self, offset: usize) -> Option<(&Occurrence, Target)> {
        let o = self.index.occurrence_at(offset)?;
        Some((o, o.target.clone()))
    }

    /// Go to definition: the spans that define the name under the cursor.
    pub fn definition(&self, offset: usize) -> Vec<Range<usize>> {
        let Some((_, target)) = self.target_at(offset) else {
            return Vec::new();
        };
        self.index
            .definitions(&target)
            .into_iter()
            .map(|d| d.span.clone())
            .collect()
    }

    /// Find references: every occurrence of the name under the cursor.
    pub fn references(&self, offset: usize, include_declaration: bool) -> Vec<Range<usize>> {
        let Some((_, target)) = self.target_at(offset) else {
            return Vec::new();
        };
        self.index
            .occurrences_of(&target)
            .into_iter()
            .filter(|o| include_declaration || o.access != Access::Declaration)
            .map(|o| o.span.clone())
            .collect()
    }

    /// Document highlight: the occurrences of the name under the cursor, with the
    /// protocol's kind (2 read, 3 write).
    pub fn highlights(&self, offset: usize) -> Value {
        let Some((_, target)) = self.target_at(offset) else {
            return Value::Null;
        };
        let items: Vec<Value> = self
            .index
            .occurrences_of(&target)
            .into_iter()
            .map(|o| {
                let kind = if o.access == Access::Read { 2 } else { 3 };
                json!({"range": self.range(&o.span), "kind": kind})
            })
            .collect();
        Value::Array(items)
    }

    /// Whether a rename can start at the cursor: the name's span, or why not.
    pub fn prepare_rename(&self, offset: usize) -> Result<Range<usize>, String> {
        let (o, target) = self
            .target_at(offset)
            .ok_or_else(|| "There is no name to rename here.".to_string())?;
        match &target {
            Target::Property(name) if name == "init" => {
                Err("'init' is what makes a method an initializer; it cannot be renamed.".into())
            }
            Target::Global(_) if self.index.definition_slice(&target).is_empty() => {
                Err("This name is not declared in this file.".into())
            }
            _ => Ok(o.span.clone()),
        }
    }

    /// Rename: the spans to replace with `new_name`, or why not.
    pub fn rename(&self, offset: usize, new_name: &str) -> Result<Vec<Range<usize>>, String> {
        self.prepare_rename(offset)?;
        if !is_identifier(new_name, self.lang) {
            return Err(format!("'{new_name}' is not a valid name."));
        }
        if new_name == "init" {
            return Err("A name cannot be renamed to 'init'.".into());
        }
        Ok(self.references(offset, true))
    }

    /// Document symbols: classes with their methods, functions, and top-level
    /// variables.
    pub fn document_symbols(&self) -> Value {
        let index = &self.index;
        let symbol = |d: &Decl, kind: u32, children: Vec<Value>| {
            let detail = match d.kind {
                Kind::Function | Kind::Method | Kind::Initializer => {
                    d.defines.map(|f| self.signature(f))
                }
                _ => None,
            };
            let mut v = json!({
                "name": d.name,
                "kind": kind,
                "range": self.range(&d.extent),
                "selectionRange": self.range(&d.span),
                "children": children,
            });
            if let Some(detail) = detail {
                v["detail"] = json!(detail);
            }
            v
        };
        let mut out = Vec::new();
        for (i, d) in index.decls.iter().enumerate() {
            if d.function != 0 {
                continue;
            }
            match d.kind {
                // Variable 13, Function 12, Class 5, Method 6, Constructor 9.
                Kind::Variable => out.push(symbol(d, 13, Vec::new())),
                Kind::Function => out.push(symbol(d, 12, Vec::new())),
                Kind::Class => {
                    let methods = index
                        .methods_of(i)
                        .iter()
                        .map(|&m| &index.decls[m])
                        .map(|m| {
                            let kind = if m.kind == Kind::Initializer { 9 } else { 6 };
                            symbol(m, kind, Vec::new())
                        })
                        .collect();
                    out.push(symbol(d, 5, methods));
                }
                _ => {}
            }
        }
        Value::Array(out)
    }

    /// Completion: the names in scope at the cursor and the keywords, or after a `.`
    /// the property names the document uses.
    pub fn completion(&self, offset: usize) -> Value {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let word_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
            .last()
            .map_or(offset, |(at, _)| at);
        let after_dot = self.lang == Lang::Lox && before[..word_start].ends_with('.');
        let mut items: Vec<Value> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        if after_dot {
            for o in &self.index.occurrences {
                if let Target::Property(name) = &o.target
                    && seen.insert(name.clone())
                {
                    let methods = self.index.definitions(&o.target);
                    // Method 2, Field 5.
                    let (kind, detail) = match methods.first() {
                        Some(m) => (2, m.defines.map(|f| self.signature(f))),
                        None => (5, None),
                    };
                    items.push(json!({"label": name, "kind": kind, "detail": detail}));
                }
            }
            return json!({"isIncomplete": false, "items": items});
        }
        // Innermost first: among the visible declarations of a name, the one whose
        // visibility is narrowest is the one the name means here.
        let mut visible: Vec<&Decl> = self
            .index
            .decls
            .iter()
            .filter(|d| {
                !matches!(d.kind, Kind::Method | Kind::Initializer)
                    && d.visible.start <= offset
                    && offset <= d.visible.end
                    && !(d.span.start <= offset && offset <= d.span.end)
            })
            .collect();
        visible.sort_by_key(|d| d.visible.end - d.visible.start);
        for d in visible {
            if !seen.insert(d.name.clone()) {
                continue;
            }
            // Variable 6, Function 3, Class 7.
            let kind = match d.kind {
                Kind::Function => 3,
                Kind::Class => 7,
                _ => 6,
            };
            let detail = self.describe_decl(d, None);
            let detail = detail.split("\n\n").next().unwrap_or("").to_string();
            items.push(json!({"label": d.name, "kind": kind, "detail": detail}));
        }
        if self.lang == Lang::Lox {
            for (name, signature) in NATIVES {
                if seen.insert(name.to_string()) {
                    items.push(json!({"label": name, "kind": 3, "detail": format!("native function `{signature}`")}));
                }
            }
        }
        for keyword in text::keywords(self.lang) {
            // Keyword 14.
            items.push(json!({"label": keyword, "kind": 14}));
        }
        json!({"isIncomplete": false, "items": items})
    }

    /// Signature help: the call whose parentheses hold the cursor, and which argument
    /// it is in.
    pub fn signature_help(&self, offset: usize) -> Value {
        let tokens = &self.tokens;
        let last = tokens.partition_point(|t| t.start < offset);
        let mut depth = 0usize;
        let mut active = 0usize;
        let mut open = None;
        for i in (0..last).rev() {
            let t = tokens[i];
            if t.end > offset {
                continue;
            }
            match t.class {
                Class::CloseParen => depth += 1,
                Class::OpenParen if depth == 0 => {
                    open = Some(i);
                    break;
                }
                Class::OpenParen => depth -= 1,
                Class::Comma if depth == 0 => active += 1,
                Class::OpenBlock | Class::CloseBlock => return Value::Null,
                Class::Other if self.text.get(t.start..t.end) != Some(".") => return Value::Null,
                _ => {}
            }
        }
        let Some(open) = open.filter(|&o| o > 0) else {
            return Value::Null;
        };
        let callee = tokens[open - 1];
        if callee.class != Class::Identifier {
            return Value::Null;
        }
        let Some(o) = self.index.occurrence_at(callee.start) else {
            return Value::Null;
        };
        let decl = self.index.decl_for(&o.target);
        let (label, params) = match decl.and_then(|d| self.call_params(d)) {
            Some(found) => found,
            None => match &o.target {
                Target::Global(name) if NATIVES.iter().any(|(n, _)| n == name) => {
                    (format!("{name}()"), Vec::new())
                }
                _ => return Value::Null,
            },
        };
        let parameters: Vec<Value> = params.iter().map(|p| json!({"label": p})).collect();
        json!({
            "signatures": [{"label": label, "parameters": parameters}],
            "activeSignature": 0,
            "activeParameter": active,
        })
    }

    /// Semantic tokens of the whole document, encoded as the protocol's relative
    /// integers (five per token). Tokens that span lines (strings) are split per line.
    pub fn semantic_tokens(&self) -> Vec<u32> {
        let mut pieces: Vec<(Range<usize>, u32, u32)> = Vec::new();
        for t in &self.tokens {
            let ty = match t.class {
                Class::Keyword => 0,
                Class::String => 1,
                Class::Number => 2,
                Class::Operator => 3,
                Class::Identifier => {
                    let (ty, modifiers) = self.identifier_type(t.start..t.end);
                    pieces.push((t.start..t.end, ty, modifiers));
                    continue;
                }
                _ => continue,
            };
            pieces.push((t.start..t.end, ty, 0));
        }
        for c in text::comments(&self.text, &self.tokens, self.lang) {
            pieces.push((c, 4, 0));
        }
        pieces.sort_by_key(|p| p.0.start);
        let mut data = Vec::with_capacity(pieces.len() * 5);
        let (mut prev_line, mut prev_start) = (0u32, 0u32);
        for (span, ty, modifiers) in pieces {
            let mut start = span.start;
            while start < span.end {
                let line = self.lines.line_of(start);
                let line_end = self.lines.line_range(&self.text, line).end;
                let end = span.end.min(line_end.max(start));
                let from = self.lines.position(&self.text, start);
                let length: usize = self
                    .text
                    .get(start..end)
                    .map_or(0, |s| s.chars().map(char::len_utf16).sum());
                if length > 0 {
                    let delta_line = from.line - prev_line;
                    let delta_start = if delta_line == 0 {
                        from.character - prev_start
                    } else {
                        from.character
                    };
                    data.extend([delta_line, delta_start, length as u32, ty, modifiers]);
                    prev_line = from.line;
                    prev_start = from.character;
                }
                // Continue on the next line, if the token goes on there.
                match self.lines.line_range(&self.text, line + 1) {
                    next if line + 1 < self.lines.line_count() => start = next.start,
                    _ => break,
                }
            }
        }
        data
    }

    fn identifier_type(&self, span: Range<usize>) -> (u32, u32) {
        let Some(o) = self
            .index
            .occurrence_at(span.start)
            .filter(|o| o.span == span)
        else {
            return (5, 0);
        };
        let declaration = u32::from(o.access == Access::Declaration);
        let ty = match &o.target {
            Target::Property(_) => {
                if self.index.definition_slice(&o.target).is_empty() {
                    10
                } else {
                    9
                }
            }
            target => match self.index.decl_for(target) {
                Some(d) => match d.kind {
                    Kind::Variable => 5,
                    Kind::Parameter => 6,
                    Kind::Function => 7,
                    Kind::Class => 8,
                    Kind::Method | Kind::Initializer => 9,
                },
                None => match target {
                    Target::Global(name) if NATIVES.iter().any(|(n, _)| n == name) => {
                        return (7, 2);
                    }
                    _ => 5,
                },
            },
        };
        (ty, declaration)
    }
}

/// Whether `name` is one identifier token of the language (and no keyword).
pub fn is_identifier(name: &str, lang: Lang) -> bool {
    let tokens = match lang {
        Lang::Lox => text::classify(&lox::lexer::scan(name)),
        Lang::Potato => text::classify(&potato::lexer::scan(name)),
    };
    let words: Vec<_> = tokens
        .iter()
        .filter(|t| t.class != Class::Eof && t.end > t.start)
        .collect();
    words.len() == 1
        && words[0].class == Class::Identifier
        && words[0].start == 0
        && words[0].end == name.len()
}
