//! Random Lox programs from a seed, for differential testing against clox and for fuzzing.
//!
//! Two kinds of program come out of this module:
//!
//! * [`program`] writes a *valid* program: it compiles under clox's limits, and it
//!   terminates quickly. It declares globals and locals (with shadowing in nested
//!   blocks), computes with numbers, strings, booleans and `nil`, prints every kind of
//!   value, branches, loops with counters, calls functions (recursion only with a depth
//!   bound), makes closures (counters, closures created in loops, closures sharing an
//!   upvalue, closures nested three deep), and declares classes with fields, methods,
//!   `init`, `this`, inheritance and `super` calls. Some programs also contain a
//!   deliberate runtime error (a type error, an undefined name, a bad call...), so
//!   that error messages and the line of the failing statement get compared too.
//! * [`mutated`] takes a valid program and deletes, duplicates, swaps, replaces or
//!   inserts a few tokens, to provoke compile errors and exercise the parser's
//!   recovery. A mutated program may still compile, and it may then even loop
//!   forever (when a mutation breaks a loop counter), so run it with a time limit.
//!
//! Generation is deterministic: the same seed gives the same text on every machine
//! and every build, because the module has its own pseudo-random generator
//! ([`Rng`], SplitMix64) and never looks at anything but the seed and the
//! [`Config`].
//!
//! The generator keeps programs well typed and bounded by tracking, for every
//! variable in scope, its static type, an upper bound on the length of the strings it
//! may hold, and (for functions) an upper bound on the work one call does. Every call
//! site charges its callee's cost, multiplied by the iteration counts of the loops
//! around it, to the enclosing function, and a function or program that has spent
//! its budget stops calling. clox's per-function limits (256 constants, 256 locals)
//! are respected with a wide margin by counting what each statement adds.
//!
//! ```
//! use loxide_testgen as testgen;
//! let source = testgen::program(7);
//! assert_eq!(source, testgen::program(7));
//! assert!(loxide::driver::compile(&source, loxide::ir::Limits::Clox).is_ok());
//! let broken = testgen::mutated(7);
//! assert_ne!(broken, source);
//! ```

/// A small, fast pseudo-random generator (SplitMix64) with a 64-bit state.
///
/// It is not cryptographic; it only has to be deterministic and well mixed, so that
/// nearby seeds give unrelated programs.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A generator whose sequence is determined by `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n`; `n` must not be zero.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "testgen::Rng::below needs a non-empty range");
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            lo
        } else {
            lo + self.below(hi - lo + 1)
        }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    /// A random element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// A random element of a non-empty slice, copied.
    pub fn choose<T: Copy>(&mut self, items: &[T]) -> T {
        *self.pick(items)
    }

    /// An index into `weights`, chosen with probability proportional to its weight.
    /// At least one weight must be positive.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut roll = self.below(total);
        for (index, &weight) in weights.iter().enumerate() {
            if roll < u64::from(weight) {
                return index;
            }
            roll -= u64::from(weight);
        }
        unreachable!("testgen::Rng::weighted rolls below the total weight")
    }
}

/// The knobs of the valid-program generator. [`Config::default`] gives programs of
/// roughly 30 to 300 lines that run in a few milliseconds.
#[derive(Clone, Debug)]
pub struct Config {
    /// The most top-level items (statements and declarations) a program has; it has
    /// at least a quarter as many.
    pub max_items: usize,
    /// The most statements a block or function body has.
    pub max_block: usize,
    /// How deeply statements nest (blocks, branches, loops, function bodies).
    pub max_depth: usize,
    /// How deeply expressions nest.
    pub max_expr_depth: usize,
    /// The most statements a program has in all.
    pub max_statements: usize,
    /// The percentage of programs that contain deliberate runtime errors.
    pub error_percent: u32,
    /// An upper bound on the work a whole program does, in statements executed.
    pub run_budget: u64,
    /// An upper bound on the work one call of a generated function does.
    pub call_budget: u64,
    /// The percentage of top-level items that probe clox's per-function limits (a
    /// function or block with about 256 constants or locals); such a program usually
    /// does not compile. Zero for valid programs.
    pub limit_percent: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_items: 24,
            max_block: 5,
            max_depth: 4,
            max_expr_depth: 3,
            max_statements: 180,
            error_percent: 35,
            run_budget: 60_000,
            call_budget: 2_000,
            limit_percent: 0,
        }
    }
}

/// A valid Lox program for `seed`, with the default [`Config`].
pub fn program(seed: u64) -> String {
    program_with(seed, &Config::default())
}

/// A valid Lox program for `seed` and `config`.
pub fn program_with(seed: u64, config: &Config) -> String {
    Generator::new(seed, config).program()
}

/// A program for `seed` with a few tokens mutated (see [`mutate`]). It starts from
/// `program(seed)`, except that one seed in ten starts from a program that also probes
/// clox's limits (see [`Config::limit_percent`]), so that limit errors meet syntax
/// errors too.
pub fn mutated(seed: u64) -> String {
    // The mutations draw from a generator of their own, so that the program they
    // start from is exactly the one its seed gives.
    let base = if seed % 10 == 9 {
        program_with(
            seed,
            &Config {
                limit_percent: 15,
                ..Config::default()
            },
        )
    } else {
        program(seed)
    };
    mutate(&base, seed ^ 0x6D75_7461_7465_2121)
}

/// Applies one to three random mutations to `source`. Most work on tokens: deleting
/// one or a few, duplicating one, swapping one with its neighbour, replacing one, or
/// inserting a new one (sometimes a character Lox does not know, or an unterminated
/// string). Others work on lines (duplicating, deleting or swapping one), or insert a
/// small snippet that is a semantic error in many places (`return` at top level,
/// `this` outside a class, a local read in its own initializer, a duplicate local...).
pub fn mutate(source: &str, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut text = source.to_owned();
    let count = 1 + rng.weighted(&[12, 6, 2, 1, 1]);
    for _ in 0..count {
        let tokens = token_spans(&text);
        if tokens.is_empty() {
            text.push_str(random_token(&mut rng, &[]));
            continue;
        }
        let names: Vec<&str> = tokens
            .iter()
            .map(|&(start, end)| &text[start..end])
            .filter(|t| {
                t.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && !is_keyword(t)
            })
            .collect();
        let fresh = random_token(&mut rng, &names).to_owned();
        let name = if names.is_empty() {
            "x".to_owned()
        } else {
            (rng.choose(&names)).to_owned()
        };
        let i = rng.below(tokens.len() as u64) as usize;
        let (start, end) = tokens[i];
        let token = text[start..end].to_owned();
        text = match rng.weighted(&[5, 3, 3, 3, 4, 2, 2, 1, 1, 3, 2]) {
            0 => format!("{}{}", &text[..start], &text[end..]),
            1 => format!("{}{token} {token}{}", &text[..start], &text[end..]),
            2 if i + 1 < tokens.len() => {
                let (next_start, next_end) = tokens[i + 1];
                let next = &text[next_start..next_end];
                let between = &text[end..next_start];
                format!(
                    "{}{next}{between}{token}{}",
                    &text[..start],
                    &text[next_end..]
                )
            }
            3 => format!("{}{fresh}{}", &text[..start], &text[end..]),
            5 => {
                // Delete a run of tokens.
                let last = (i + rng.range(1, 4) as usize).min(tokens.len() - 1);
                format!("{}{}", &text[..start], &text[tokens[last].1..])
            }
            6..=8 => {
                let mut lines: Vec<&str> = text.split('\n').collect();
                let at = rng.below(lines.len() as u64) as usize;
                match rng.below(3) {
                    0 => lines.insert(at, lines[at]),
                    1 => {
                        lines.remove(at);
                    }
                    _ if at + 1 < lines.len() => lines.swap(at, at + 1),
                    _ => lines.insert(at, lines[at]),
                }
                lines.join("\n")
            }
            9 => {
                // A snippet at the start of a line.
                let line_start = text[..start].rfind('\n').map_or(0, |n| n + 1);
                let snippet = semantic_snippet(&mut rng, &name);
                format!("{}{snippet} {}", &text[..line_start], &text[line_start..])
            }
            10 if !names.is_empty() && is_name(&token) => {
                // Another name from the program where one was.
                format!("{}{name}{}", &text[..start], &text[end..])
            }
            _ => format!("{}{fresh} {}", &text[..start], &text[start..]),
        };
    }
    if rng.chance(1, 40) {
        // Carriage returns and tabs are whitespace; only a newline ends a line.
        text = if rng.chance(1, 2) {
            text.replace('\n', "\r\n")
        } else {
            text.replace("  ", "\t")
        };
    }
    text
}

/// Whether a token is an identifier (or keyword).
fn is_name(token: &str) -> bool {
    token.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
}

fn is_keyword(token: &str) -> bool {
    matches!(
        token,
        "and"
            | "class"
            | "else"
            | "false"
            | "for"
            | "fun"
            | "if"
            | "nil"
            | "or"
            | "print"
            | "return"
            | "super"
            | "this"
            | "true"
            | "var"
            | "while"
    )
}

/// A statement or fragment that is a compile error in many (not all) places.
fn semantic_snippet(rng: &mut Rng, name: &str) -> String {
    match rng.below(16) {
        0 => "return 1;".into(),
        1 => "return;".into(),
        2 => "this.field = 1;".into(),
        3 => "print this;".into(),
        4 => "super.method();".into(),
        5 => "print super.method;".into(),
        6 => format!("var {name} = {name};"),
        7 => format!("{{ var {name} = {name}; }}"),
        8 => format!("{{ var {name}; var {name}; }}"),
        9 => format!("class {name} < {name} {{}}"),
        10 => format!("fun {name}(a, a) {{}}"),
        11 => format!("class {name} {{ init() {{ return 1; }} }}"),
        12 => format!("{name} + 1 = 2;"),
        13 => format!("fun {name}() {{ {name} = ; }}"),
        14 => format!("class {name} {{ method() {{ super.method(); }} }}"),
        _ => format!(
            "fun outer() {{ var {name}; fun inner() {{ return {name} = {name}; }} return this; }}"
        ),
    }
}

/// A token to insert: punctuation, a keyword, a literal, a name from the program, a
/// character Lox rejects, or (rarely) an unterminated string.
fn random_token<'a>(rng: &mut Rng, names: &[&'a str]) -> &'a str {
    const TOKENS: &[&str] = &[
        "(", ")", "{", "}", ";", ",", ".", "=", "==", "!=", "!", "<", "<=", ">", ">=", "+", "-",
        "*", "/", "and", "or", "var", "fun", "class", "return", "this", "super", "print", "if",
        "else", "for", "while", "nil", "true", "false", "1", "2.5", "\"s\"", "x", "init",
    ];
    match rng.weighted(&[40, 8, 2, 1]) {
        0 => rng.choose(TOKENS),
        1 if !names.is_empty() => rng.choose(names),
        2 => rng.choose(&["@", "#", "&", "|", "$", "?", ":", "~", "^", "[", "]", "\\"]),
        3 => "\"unterminated",
        _ => rng.choose(TOKENS),
    }
}

/// The byte spans of a text's Lox tokens, skipping whitespace and `//` comments. It is
/// lenient (an unterminated string runs to the end; any other character is a token of
/// its own), since it only has to cut text into pieces for mutation.
fn token_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && bytes.get(i + 1) == Some(&b'/') {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else if c.is_ascii_digit() {
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
        } else if matches!(c, b'!' | b'=' | b'<' | b'>') && bytes.get(i + 1) == Some(&b'=') {
            i += 2;
        } else {
            // One character, which may be several bytes of UTF-8.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        spans.push((start, i));
    }
    spans
}

// ----- Types and scopes ----------------------------------------------------------------

/// The type of a value a function returns or a parameter or field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ret {
    Num,
    Str,
    Bool,
    Nil,
    /// Unknown: the value is only printed, compared with `==` or tested for truth.
    Any,
}

/// A function's signature: parameter types and return type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sig {
    arity: u8,
    params: [Ret; MAX_ARITY],
    ret: Ret,
}

/// The static type of a variable or expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ty {
    Num,
    Str,
    Bool,
    Nil,
    Any,
    Fun(Sig),
    /// An instance of the class with this index in `Generator::classes`.
    Inst(usize),
    /// The class with this index.
    Class(usize),
}

impl From<Ret> for Ty {
    fn from(ret: Ret) -> Ty {
        match ret {
            Ret::Num => Ty::Num,
            Ret::Str => Ty::Str,
            Ret::Bool => Ty::Bool,
            Ret::Nil => Ty::Nil,
            Ret::Any => Ty::Any,
        }
    }
}

/// How a recursive function must be called for its recursion to stay shallow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Recursion {
    /// Not recursive: any arguments will do.
    None,
    /// One recursive call per level; the argument is the depth.
    Linear,
    /// Two recursive calls per level (Fibonacci-like); the argument is the depth.
    Double,
}

/// A variable in scope.
#[derive(Clone, Debug)]
struct Var {
    name: String,
    ty: Ty,
    /// False for loop counters and declared functions and classes, which are never
    /// assigned (a loop whose counter is assigned might not terminate).
    assignable: bool,
    /// Declared in the global scope (global names are constants in clox).
    global: bool,
    /// The longest string the variable can hold (strings only).
    strlen: u64,
    /// The most work one call does (functions only).
    cost: u64,
    recursion: Recursion,
}

/// A method, as seen through a class (so inherited ones included).
#[derive(Clone, Debug)]
struct Method {
    name: String,
    sig: Sig,
    /// The most work one call does, for this method and every override of it.
    cost: u64,
}

/// A class declared by the program.
#[derive(Clone, Debug)]
struct Class {
    superclass: Option<usize>,
    /// Fields set by the initializer, inherited ones included.
    fields: Vec<(String, Ret)>,
    /// Methods other than `init`, inherited ones included.
    methods: Vec<Method>,
    /// The constructor's signature (`init`'s, or arity 0 with none).
    ctor: Sig,
    /// The most work a constructor call does.
    ctor_cost: u64,
    /// Whether the class or a superclass declares `init`.
    has_init: bool,
}

/// What kind of function is being generated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Script,
    Function,
    Method,
    Initializer,
}

/// The function being generated (the script is one too).
#[derive(Clone, Debug)]
struct FnCtx {
    kind: Kind,
    ret: Ret,
    /// The work the function does so far.
    cost: u64,
    /// The product of the iteration counts of the loops around the current point.
    mult: u64,
    /// The work the function may do.
    budget: u64,
    /// Roughly how many constants clox puts in this function's chunk so far.
    consts: u32,
    /// Roughly how many locals (parameters included) are live at this point.
    locals: u32,
    /// What `this` and `super` may do here, inside a method.
    this: Option<This>,
}

/// Inside a method (or a function nested in one): the class of `this`, and which
/// methods may be called on `this` and `super`. A method may only call methods that
/// come before it in its class's method list, so that dynamic dispatch through
/// overrides can never recurse.
#[derive(Clone, Copy, Debug)]
struct This {
    class: usize,
    /// Methods `0..this_methods` of the class may be called on `this`.
    this_methods: usize,
    /// Methods `0..n` of the superclass may be called on `super`; `None` without one.
    super_methods: Option<usize>,
}

/// The most parameters a generated function has.
const MAX_ARITY: usize = 4;
/// The longest string a parameter, field or return value holds.
const STORED_STR: u64 = 256;
/// The longest string a variable is declared with.
const DECLARED_STR: u64 = 2_000;
/// The most constants a generated function uses (clox allows 256).
const MAX_CONSTS: u32 = 170;
/// The most locals a generated function has live at once (clox allows 256).
const MAX_LOCALS: u32 = 150;

/// The longest string a call returning `ret` can return.
fn returned_len(ret: Ret) -> u64 {
    match ret {
        Ret::Str | Ret::Any => STORED_STR,
        _ => 0,
    }
}

/// Operator precedences, as in clox's Pratt parser.
const P_ASSIGN: u8 = 1;
const P_OR: u8 = 2;
const P_AND: u8 = 3;
const P_EQUALITY: u8 = 4;
const P_COMPARISON: u8 = 5;
const P_TERM: u8 = 6;
const P_FACTOR: u8 = 7;
const P_UNARY: u8 = 8;
const P_CALL: u8 = 9;
const P_PRIMARY: u8 = 10;

/// A generated expression: its text, the precedence of its outermost operator, and
/// (for strings) an upper bound on the length of its value.
#[derive(Clone, Debug)]
struct Ex {
    text: String,
    prec: u8,
    len: u64,
}

impl Ex {
    fn new(text: impl Into<String>, prec: u8) -> Ex {
        Ex {
            text: text.into(),
            prec,
            len: 0,
        }
    }

    fn string(text: impl Into<String>, prec: u8, len: u64) -> Ex {
        Ex {
            text: text.into(),
            prec,
            len,
        }
    }

    /// The text, in parentheses unless it binds at least as tightly as `min`.
    fn at(&self, min: u8) -> String {
        if self.prec >= min {
            self.text.clone()
        } else {
            format!("({})", self.text)
        }
    }
}

const WORDS: &[&str] = &[
    "a",
    "b",
    "lox",
    "clox",
    "hello",
    "world",
    "x",
    "yz",
    "foo",
    "bar",
    "baz",
    "the end",
    "",
    " ",
    "42",
    "Lox!",
    "tree",
    "walk",
    "byte code",
    "nil",
    "true",
    "-",
    "=",
    "{}",
    "()",
    "// not a comment",
    "h\u{e9}llo",
    "\u{65e5}\u{672c}",
    "tab\there",
    "1.50",
    "\\",
];

/// The valid-program generator's state.
struct Generator<'c> {
    config: &'c Config,
    rng: Rng,
    out: String,
    indent: usize,
    next_id: u32,
    /// Scopes, outermost (globals) first; each lists its variables in order.
    scopes: Vec<Vec<Var>>,
    /// The functions being generated, outermost (the script) first.
    fns: Vec<FnCtx>,
    classes: Vec<Class>,
    /// Names whose initializer is being generated (a local cannot read itself there).
    declaring: Vec<String>,
    statements: usize,
    /// The chance, per thousand, that an expression is a deliberate runtime error.
    error_per_mille: u64,
}

impl<'c> Generator<'c> {
    fn new(seed: u64, config: &'c Config) -> Generator<'c> {
        let mut rng = Rng::new(seed);
        let error_per_mille = if rng.chance(u64::from(config.error_percent), 100) {
            rng.range(2, 12)
        } else {
            0
        };
        Generator {
            config,
            rng,
            out: String::new(),
            indent: 0,
            next_id: 0,
            scopes: vec![Vec::new()],
            fns: vec![FnCtx {
                kind: Kind::Script,
                ret: Ret::Nil,
                cost: 0,
                mult: 1,
                budget: config.run_budget,
                consts: 0,
                locals: 0,
                this: None,
            }],
            classes: Vec::new(),
            declaring: Vec::new(),
            statements: 0,
            error_per_mille,
        }
    }

    fn program(mut self) -> String {
        let max = self.config.max_items.max(1) as u64;
        let items = self.rng.range((max / 4).max(1), max);
        for _ in 0..items {
            if !self.room() {
                break;
            }
            self.top_item();
        }
        if self.out.is_empty() {
            self.line("print \"empty\";");
        }
        self.out
    }

    // ----- Output -----------------------------------------------------------------------

    fn line(&mut self, text: &str) {
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A line break followed by the current indentation plus two levels, for
    /// expressions that continue on the next line.
    fn continuation(&self) -> String {
        format!("\n{}", "  ".repeat(self.indent + 2))
    }

    /// A fresh name with one of `prefixes`.
    fn fresh_one(&mut self, prefixes: &[&str]) -> String {
        let prefix = self.rng.choose(prefixes);
        self.fresh(prefix)
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{}", self.next_id)
    }

    // ----- Budgets ----------------------------------------------------------------------

    fn ctx(&self) -> &FnCtx {
        self.fns
            .last()
            .expect("the script context is always present")
    }

    fn ctx_mut(&mut self) -> &mut FnCtx {
        self.fns
            .last_mut()
            .expect("the script context is always present")
    }

    /// Whether the current function can do `units` more work at the current point.
    fn afford(&self, units: u64) -> bool {
        let ctx = self.ctx();
        ctx.cost.saturating_add(ctx.mult.saturating_mul(units)) <= ctx.budget
    }

    fn spend(&mut self, units: u64) {
        let ctx = self.ctx_mut();
        ctx.cost = ctx.cost.saturating_add(ctx.mult.saturating_mul(units));
    }

    fn konst(&mut self, n: u32) {
        self.ctx_mut().consts += n;
    }

    /// Whether another statement fits in the current function and program.
    fn room(&self) -> bool {
        let ctx = self.ctx();
        self.statements < self.config.max_statements
            && ctx.consts < MAX_CONSTS
            && ctx.locals < MAX_LOCALS
            && self.afford(1)
    }

    // ----- Scopes -----------------------------------------------------------------------

    fn push_scope(&mut self) {
        self.scopes.push(Vec::new());
    }

    fn pop_scope(&mut self) {
        let scope = self.scopes.pop().expect("scopes are balanced");
        let ctx = self.ctx_mut();
        ctx.locals = ctx.locals.saturating_sub(scope.len() as u32);
    }

    fn in_global_scope(&self) -> bool {
        self.scopes.len() == 1
    }

    fn declare(&mut self, name: String, ty: Ty) -> &mut Var {
        let global = self.in_global_scope();
        if global {
            self.konst(1);
        } else {
            self.ctx_mut().locals += 1;
        }
        let scope = self.scopes.last_mut().expect("there is always a scope");
        scope.push(Var {
            name,
            ty,
            assignable: true,
            global,
            strlen: 0,
            cost: 0,
            recursion: Recursion::None,
        });
        scope.last_mut().expect("just pushed")
    }

    /// The positions of the visible (not shadowed) variables that satisfy `keep`.
    fn visible(&self, keep: impl Fn(&Var) -> bool) -> Vec<(usize, usize)> {
        let mut seen: Vec<&str> = Vec::new();
        let mut found = Vec::new();
        for (s, scope) in self.scopes.iter().enumerate().rev() {
            for (v, var) in scope.iter().enumerate().rev() {
                if seen.contains(&var.name.as_str()) {
                    continue;
                }
                seen.push(&var.name);
                if !self.declaring.contains(&var.name) && keep(var) {
                    found.push((s, v));
                }
            }
        }
        found
    }

    fn pick_var(&mut self, keep: impl Fn(&Var) -> bool) -> Option<Var> {
        let found = self.visible(keep);
        if found.is_empty() {
            return None;
        }
        let (s, v) = self.rng.choose(&found);
        Some(self.scopes[s][v].clone())
    }

    /// Names a variable: charges a constant if it is global.
    fn use_var(&mut self, var: &Var) -> String {
        if var.global {
            self.konst(1);
        }
        var.name.clone()
    }

    fn errors_on(&self) -> bool {
        self.error_per_mille > 0
    }

    // ----- Literals ---------------------------------------------------------------------

    fn number_literal(&mut self) -> String {
        self.konst(1);
        match self.rng.weighted(&[10, 4, 3, 1, 1, 1]) {
            0 => self.rng.below(20).to_string(),
            1 => self.rng.below(1000).to_string(),
            2 => format!(
                "{}.{}",
                self.rng.below(100),
                self.rng.pick(&["5", "25", "125", "75", "1", "01"])
            ),
            3 => self
                .rng
                .pick(&["1000000", "123456789", "999999", "100000", "4294967296"])
                .to_string(),
            4 => self
                .rng
                .pick(&[
                    "0.1",
                    "0.001",
                    "0.0001",
                    "0.00001",
                    "3.14159",
                    "2.718281828",
                ])
                .to_string(),
            _ => "0".to_string(),
        }
    }

    fn string_literal(&mut self) -> Ex {
        self.konst(1);
        let mut text = (self.rng.choose(WORDS)).to_string();
        if self.rng.chance(1, 4) {
            text.push_str(self.rng.choose(WORDS));
        }
        if self.rng.chance(1, 60) {
            // A string that spans lines moves every later line number.
            text.push('\n');
            text.push_str(self.rng.choose(WORDS));
        }
        let len = text.len() as u64;
        Ex::string(format!("\"{text}\""), P_PRIMARY, len)
    }

    // ----- Expressions ------------------------------------------------------------------

    /// An expression of type `want` (`Num`, `Str`, `Bool`, `Nil` or `Any`).
    fn expr(&mut self, want: Ty, depth: usize) -> Ex {
        if self.errors_on() && self.rng.below(1000) < self.error_per_mille {
            return self.error_expr();
        }
        let leaf = depth >= self.config.max_expr_depth;
        match want {
            Ty::Num => self.num_expr(depth, leaf),
            Ty::Str => self.str_expr(depth, leaf),
            Ty::Bool => self.bool_expr(depth, leaf),
            Ty::Nil => self.nil_expr(depth, leaf),
            _ => self.any_expr(depth, leaf),
        }
    }

    /// An expression whose string value (if any) is at most `cap` long; falls back to
    /// a literal if a few tries come out longer.
    fn bounded(&mut self, want: Ty, depth: usize, cap: u64) -> Ex {
        for _ in 0..3 {
            let ex = self.expr(want, depth);
            if ex.len <= cap {
                return ex;
            }
        }
        match want {
            Ty::Str | Ty::Any => self.string_literal(),
            _ => self.expr(want, self.config.max_expr_depth),
        }
    }

    fn var_of(&mut self, ty: Ty) -> Option<Ex> {
        let var = self.pick_var(|v| v.ty == ty)?;
        let name = self.use_var(&var);
        Some(Ex::string(name, P_PRIMARY, var.strlen))
    }

    fn num_expr(&mut self, depth: usize, leaf: bool) -> Ex {
        let choice = if leaf {
            self.rng.weighted(&[3, 4])
        } else {
            self.rng.weighted(&[3, 4, 8, 1, 3, 3, 2, 1, 1, 1])
        };
        match choice {
            1 => self
                .var_of(Ty::Num)
                .unwrap_or_else(|| Ex::new(self.number_literal(), P_PRIMARY)),
            2 => {
                let (op, prec) = self.rng.choose(&[
                    ("+", P_TERM),
                    ("-", P_TERM),
                    ("*", P_FACTOR),
                    ("/", P_FACTOR),
                ]);
                let left = self.expr(Ty::Num, depth + 1);
                let right = self.expr(Ty::Num, depth + 1);
                let gap = if self.rng.chance(1, 25) {
                    self.continuation()
                } else {
                    " ".into()
                };
                Ex::new(
                    format!("{} {op}{gap}{}", left.at(prec), right.at(prec + 1)),
                    prec,
                )
            }
            3 => {
                let operand = self.expr(Ty::Num, depth + 1);
                Ex::new(format!("-{}", operand.at(P_UNARY)), P_UNARY)
            }
            4 => self
                .call_expr(Ret::Num, depth)
                .unwrap_or_else(|| Ex::new(self.number_literal(), P_PRIMARY)),
            5 => self
                .property_expr(Ret::Num, depth)
                .unwrap_or_else(|| Ex::new(self.number_literal(), P_PRIMARY)),
            6 => self.logical_expr(Ty::Num, depth),
            7 => {
                let inner = self.expr(Ty::Num, depth + 1);
                Ex::new(format!("({})", inner.text), P_PRIMARY)
            }
            8 => self
                .assign_expr(Ty::Num, depth)
                .unwrap_or_else(|| Ex::new(self.number_literal(), P_PRIMARY)),
            9 => self
                .set_expr(Ret::Num, depth)
                .unwrap_or_else(|| Ex::new(self.number_literal(), P_PRIMARY)),
            _ => Ex::new(self.number_literal(), P_PRIMARY),
        }
    }

    fn str_expr(&mut self, depth: usize, leaf: bool) -> Ex {
        let choice = if leaf {
            self.rng.weighted(&[3, 3])
        } else {
            self.rng.weighted(&[3, 3, 6, 2, 2, 1, 1, 1])
        };
        match choice {
            1 => self
                .var_of(Ty::Str)
                .unwrap_or_else(|| self.string_literal()),
            2 => {
                let left = self.expr(Ty::Str, depth + 1);
                let right = self.expr(Ty::Str, depth + 1);
                let len = left.len.saturating_add(right.len);
                Ex::string(
                    format!("{} + {}", left.at(P_TERM), right.at(P_TERM + 1)),
                    P_TERM,
                    len,
                )
            }
            3 => self
                .call_expr(Ret::Str, depth)
                .unwrap_or_else(|| self.string_literal()),
            4 => self
                .property_expr(Ret::Str, depth)
                .unwrap_or_else(|| self.string_literal()),
            5 => self.logical_expr(Ty::Str, depth),
            6 => {
                let inner = self.expr(Ty::Str, depth + 1);
                Ex::string(format!("({})", inner.text), P_PRIMARY, inner.len)
            }
            7 => self
                .set_expr(Ret::Str, depth)
                .unwrap_or_else(|| self.string_literal()),
            _ => self.string_literal(),
        }
    }

    fn bool_expr(&mut self, depth: usize, leaf: bool) -> Ex {
        let choice = if leaf {
            self.rng.weighted(&[2, 3])
        } else {
            self.rng.weighted(&[2, 3, 6, 5, 2, 3, 2, 1, 1])
        };
        match choice {
            1 => self
                .var_of(Ty::Bool)
                .unwrap_or_else(|| Ex::new(self.rng.choose(&["true", "false"]), P_PRIMARY)),
            2 => {
                let op = self.rng.choose(&["<", "<=", ">", ">="]);
                let left = self.expr(Ty::Num, depth + 1);
                let right = self.expr(Ty::Num, depth + 1);
                Ex::new(
                    format!(
                        "{} {op} {}",
                        left.at(P_COMPARISON),
                        right.at(P_COMPARISON + 1)
                    ),
                    P_COMPARISON,
                )
            }
            3 => {
                let op = self.rng.choose(&["==", "!="]);
                let ty = *self
                    .rng
                    .pick(&[Ty::Num, Ty::Str, Ty::Bool, Ty::Nil, Ty::Any]);
                let left = self.expr(ty, depth + 1);
                // Comparing a variable or literal with itself makes `true` likelier.
                let right = if left.prec == P_PRIMARY && self.rng.chance(1, 3) {
                    left.clone()
                } else {
                    self.expr(ty, depth + 1)
                };
                Ex::new(
                    format!("{} {op} {}", left.at(P_EQUALITY), right.at(P_EQUALITY + 1)),
                    P_EQUALITY,
                )
            }
            4 => {
                let operand = self.expr(Ty::Any, depth + 1);
                Ex::new(format!("!{}", operand.at(P_UNARY)), P_UNARY)
            }
            5 => self.logical_expr(Ty::Bool, depth),
            6 => self
                .call_expr(Ret::Bool, depth)
                .unwrap_or_else(|| Ex::new("true", P_PRIMARY)),
            7 => self
                .property_expr(Ret::Bool, depth)
                .unwrap_or_else(|| Ex::new("false", P_PRIMARY)),
            8 => self
                .assign_expr(Ty::Bool, depth)
                .unwrap_or_else(|| Ex::new("true", P_PRIMARY)),
            _ => Ex::new(self.rng.choose(&["true", "false"]), P_PRIMARY),
        }
    }

    fn nil_expr(&mut self, depth: usize, leaf: bool) -> Ex {
        let choice = if leaf {
            self.rng.weighted(&[3, 2])
        } else {
            self.rng.weighted(&[3, 2, 2, 1])
        };
        match choice {
            1 => self
                .var_of(Ty::Nil)
                .unwrap_or_else(|| Ex::new("nil", P_PRIMARY)),
            2 => self
                .call_expr(Ret::Nil, depth)
                .unwrap_or_else(|| Ex::new("nil", P_PRIMARY)),
            3 => self.logical_expr(Ty::Nil, depth),
            _ => Ex::new("nil", P_PRIMARY),
        }
    }

    fn any_expr(&mut self, depth: usize, leaf: bool) -> Ex {
        let choice = if leaf {
            self.rng.weighted(&[4, 2, 2, 1, 3])
        } else {
            self.rng.weighted(&[4, 2, 2, 1, 3, 3, 1, 1])
        };
        match choice {
            0 => self.expr(Ty::Num, depth),
            1 => self.expr(Ty::Str, depth),
            2 => self.expr(Ty::Bool, depth),
            3 => self.expr(Ty::Nil, depth),
            4 => self.object_expr(depth, leaf),
            5 => self
                .call_expr(Ret::Any, depth)
                .unwrap_or_else(|| self.object_expr(depth, true)),
            6 => {
                let op = self.rng.choose(&["and", "or"]);
                let (prec, right_prec) = if op == "and" {
                    (P_AND, P_EQUALITY)
                } else {
                    (P_OR, P_AND)
                };
                let left = self.expr(Ty::Any, depth + 1);
                let right = self.expr(Ty::Any, depth + 1);
                let len = left.len.saturating_add(right.len);
                Ex::string(
                    format!("{} {op} {}", left.at(prec), right.at(right_prec)),
                    prec,
                    len,
                )
            }
            _ => self
                .property_expr(Ret::Any, depth)
                .unwrap_or_else(|| self.object_expr(depth, true)),
        }
    }

    /// A value that is not a number, string, boolean or nil: a function, a class, an
    /// instance, a bound method or a native function. Falls back to a literal.
    fn object_expr(&mut self, depth: usize, leaf: bool) -> Ex {
        let choice = self.rng.weighted(&[4, 2, 2, 1, 1, 1]);
        match choice {
            0 => {
                if let Some(var) = self
                    .pick_var(|v| matches!(v.ty, Ty::Fun(_) | Ty::Inst(_) | Ty::Class(_) | Ty::Any))
                {
                    return Ex::string(self.use_var(&var), P_PRIMARY, var.strlen);
                }
            }
            1 if !leaf => {
                if let Some(ex) = self.construct_expr(depth) {
                    return ex.0;
                }
            }
            2 => {
                if let Some((source, class)) = self.instance_source(depth, true) {
                    let methods = self.classes[class].methods.clone();
                    if !methods.is_empty() {
                        let method = self.rng.pick(&methods).clone();
                        self.konst(1);
                        return Ex::new(format!("{}.{}", source.at(P_CALL), method.name), P_CALL);
                    }
                }
            }
            3 => {
                self.konst(1);
                return Ex::new("clock", P_PRIMARY);
            }
            5 if !leaf => {
                // Calling `init` again re-initializes the instance and returns it.
                if let Some(var) = self.pick_var(|v| matches!(v.ty, Ty::Inst(_))) {
                    let Ty::Inst(class) = var.ty else {
                        unreachable!("filtered on instance types")
                    };
                    let info = self.classes[class].clone();
                    if info.has_init && self.afford(info.ctor_cost) {
                        self.spend(info.ctor_cost);
                        self.konst(1);
                        let name = self.use_var(&var);
                        let args = self.arguments(info.ctor, Recursion::None, depth);
                        return Ex::new(format!("{name}.init({args})"), P_CALL);
                    }
                }
            }
            _ => {
                if let Some((source, _)) = self.instance_source(depth, true) {
                    return source;
                }
            }
        }
        if self.rng.chance(1, 2) {
            Ex::new(self.number_literal(), P_PRIMARY)
        } else {
            self.string_literal()
        }
    }

    /// `L and R` or `L or R` whose value has type `want` whichever way it goes.
    fn logical_expr(&mut self, want: Ty, depth: usize) -> Ex {
        let truthy = matches!(want, Ty::Num | Ty::Str);
        let (text, prec, len) = match (want, self.rng.below(3)) {
            (Ty::Bool, _) | (Ty::Any, _) => {
                let op = self.rng.choose(&["and", "or"]);
                let (prec, right_prec) = if op == "and" {
                    (P_AND, P_EQUALITY)
                } else {
                    (P_OR, P_AND)
                };
                let left = self.expr(want, depth + 1);
                let right = self.expr(want, depth + 1);
                (
                    format!("{} {op} {}", left.at(prec), right.at(right_prec)),
                    prec,
                    left.len.max(right.len),
                )
            }
            (_, 0) if truthy => {
                // Numbers and strings are always true, so `L and R` is R.
                let ty = self.rng.choose(&[Ty::Num, Ty::Str]);
                let left = self.expr(ty, depth + 1);
                let right = self.expr(want, depth + 1);
                (
                    format!("{} and {}", left.at(P_AND), right.at(P_EQUALITY)),
                    P_AND,
                    right.len,
                )
            }
            (_, 1) if truthy => {
                // `L or R` is L, and R is never evaluated: it may be anything.
                let left = self.expr(want, depth + 1);
                let right = self.expr(Ty::Any, depth + 1);
                (
                    format!("{} or {}", left.at(P_OR), right.at(P_AND)),
                    P_OR,
                    left.len,
                )
            }
            (Ty::Nil, 0) => {
                let right = self.expr(Ty::Any, depth + 1);
                (format!("nil and {}", right.at(P_EQUALITY)), P_AND, 0)
            }
            _ => {
                let left = self.rng.choose(&["nil", "false"]);
                let right = self.expr(want, depth + 1);
                (format!("{left} or {}", right.at(P_AND)), P_OR, right.len)
            }
        };
        Ex::string(text, prec, len)
    }

    /// `(x = value)` for an assignable variable of type `ty` (numbers and booleans).
    fn assign_expr(&mut self, ty: Ty, depth: usize) -> Option<Ex> {
        let var = self.pick_var(|v| v.assignable && v.ty == ty)?;
        let value = self.expr(ty, depth + 1);
        let name = self.use_var(&var);
        Some(Ex::new(
            format!("{name} = {}", value.at(P_ASSIGN)),
            P_ASSIGN,
        ))
    }

    /// `source.field = value` for a field of type `ret`: an assignment expression.
    fn set_expr(&mut self, ret: Ret, depth: usize) -> Option<Ex> {
        let (target, class) = self.instance_source(depth, true)?;
        let fields: Vec<String> = self.classes[class]
            .fields
            .iter()
            .filter(|f| f.1 == ret)
            .map(|f| f.0.clone())
            .collect();
        if fields.is_empty() {
            return None;
        }
        let field = self.rng.pick(&fields).clone();
        let value = self.bounded(ret.into(), depth + 1, STORED_STR);
        self.konst(1);
        Some(Ex::string(
            format!("{}.{field} = {}", target.at(P_CALL), value.at(P_ASSIGN)),
            P_ASSIGN,
            value.len,
        ))
    }

    /// Arguments for a call with signature `sig`, or small depths for a recursive one.
    fn arguments(&mut self, sig: Sig, recursion: Recursion, depth: usize) -> String {
        let mut args = Vec::new();
        for &param in &sig.params[..sig.arity as usize] {
            let arg = match recursion {
                Recursion::None => self.bounded(param.into(), depth + 1, STORED_STR).text,
                Recursion::Linear => {
                    self.konst(1);
                    if self.errors_on() && self.rng.chance(1, 8) {
                        "100".into()
                    } else {
                        self.rng.below(9).to_string()
                    }
                }
                Recursion::Double => {
                    self.konst(1);
                    self.rng.below(8).to_string()
                }
            };
            args.push(arg);
        }
        if args.len() > 1 && self.rng.chance(1, 20) {
            // Arguments on lines of their own move the call's closing parenthesis.
            let gap = self.continuation();
            format!("{gap}{}{gap}", args.join(&format!(",{gap}")))
        } else {
            args.join(", ")
        }
    }

    /// The cost of one call of a function with this recursion and body cost.
    fn recursion_cost(recursion: Recursion, cost: u64) -> u64 {
        match recursion {
            Recursion::None => cost,
            Recursion::Linear => cost.saturating_mul(10),
            Recursion::Double => cost.saturating_mul(1 << 9),
        }
    }

    /// A call of a function, bound method or method returning `ret` (anything, for
    /// `Any`), if one is visible and affordable.
    fn call_expr(&mut self, ret: Ret, depth: usize) -> Option<Ex> {
        if self.rng.chance(1, 3)
            && let Some(ex) = self.method_call_expr(ret, depth)
        {
            return Some(ex);
        }
        let ctx_cost_ok = |g: &Generator, var: &Var| g.afford(var.cost);
        let found =
            self.visible(|v| matches!(v.ty, Ty::Fun(sig) if ret == Ret::Any || sig.ret == ret));
        let found: Vec<_> = found
            .into_iter()
            .filter(|&(s, v)| ctx_cost_ok(self, &self.scopes[s][v]))
            .collect();
        if found.is_empty() {
            return if ret == Ret::Any {
                self.construct_expr(depth).map(|c| c.0)
            } else {
                None
            };
        }
        let (s, v) = self.rng.choose(&found);
        let var = self.scopes[s][v].clone();
        let Ty::Fun(sig) = var.ty else {
            unreachable!("filtered on function types")
        };
        self.spend(var.cost);
        let name = self.use_var(&var);
        let args = self.arguments(sig, var.recursion, depth);
        Some(Ex::string(
            format!("{name}({args})"),
            P_CALL,
            returned_len(sig.ret),
        ))
    }

    /// An expression that evaluates to an instance: an instance variable, `this`, or
    /// (unless `vars_only`) a constructor call. Returns it with its class.
    fn instance_source(&mut self, depth: usize, vars_only: bool) -> Option<(Ex, usize)> {
        let mut options: Vec<(Ex, usize)> = Vec::new();
        if let Some(this) = self.ctx().this {
            options.push((Ex::new("this", P_PRIMARY), this.class));
        }
        if let Some(var) = self.pick_var(|v| matches!(v.ty, Ty::Inst(_))) {
            let Ty::Inst(class) = var.ty else {
                unreachable!("filtered on instance types")
            };
            let name = self.use_var(&var);
            options.push((Ex::new(name, P_PRIMARY), class));
        }
        if !vars_only
            && (options.is_empty() || self.rng.chance(1, 4))
            && let Some(made) = self.construct_expr(depth)
        {
            options.push(made);
        }
        if options.is_empty() {
            return None;
        }
        let index = self.rng.below(options.len() as u64) as usize;
        Some(options.swap_remove(index))
    }

    /// `Class(args)`, for a visible class whose constructor is affordable.
    fn construct_expr(&mut self, depth: usize) -> Option<(Ex, usize)> {
        let found = self.visible(|v| matches!(v.ty, Ty::Class(_)));
        let found: Vec<_> = found
            .into_iter()
            .filter(|&(s, v)| {
                let Ty::Class(c) = self.scopes[s][v].ty else {
                    return false;
                };
                self.afford(self.classes[c].ctor_cost)
            })
            .collect();
        if found.is_empty() {
            return None;
        }
        let (s, v) = self.rng.choose(&found);
        let var = self.scopes[s][v].clone();
        let Ty::Class(class) = var.ty else {
            unreachable!("filtered on class types")
        };
        self.spend(self.classes[class].ctor_cost);
        let name = self.use_var(&var);
        let args = self.arguments(self.classes[class].ctor, Recursion::None, depth);
        Some((Ex::new(format!("{name}({args})"), P_CALL), class))
    }

    /// `source.method(args)` for a method returning `ret`, or `super.method(args)`.
    fn method_call_expr(&mut self, ret: Ret, depth: usize) -> Option<Ex> {
        let this = self.ctx().this;
        if let Some(This {
            class,
            super_methods: Some(limit),
            ..
        }) = this
            && self.rng.chance(1, 3)
        {
            let superclass = self.classes[class]
                .superclass
                .expect("super methods imply a superclass");
            let methods: Vec<Method> = self.classes[superclass]
                .methods
                .iter()
                .take(limit)
                .filter(|m| (ret == Ret::Any || m.sig.ret == ret) && self.afford(m.cost))
                .cloned()
                .collect();
            if !methods.is_empty() {
                let method = self.rng.pick(&methods).clone();
                self.spend(method.cost);
                self.konst(1);
                let args = self.arguments(method.sig, Recursion::None, depth);
                return Some(Ex::string(
                    format!("super.{}({args})", method.name),
                    P_CALL,
                    returned_len(method.sig.ret),
                ));
            }
        }
        let (source, class) = self.instance_source(depth, false)?;
        let limit = match this {
            Some(this) if source.text == "this" => this.this_methods,
            _ => usize::MAX,
        };
        let methods: Vec<Method> = self.classes[class]
            .methods
            .iter()
            .take(limit)
            .filter(|m| (ret == Ret::Any || m.sig.ret == ret) && self.afford(m.cost))
            .cloned()
            .collect();
        if methods.is_empty() {
            return None;
        }
        let method = self.rng.pick(&methods).clone();
        self.spend(method.cost);
        self.konst(1);
        let args = self.arguments(method.sig, Recursion::None, depth);
        Some(Ex::string(
            format!("{}.{}({args})", source.at(P_CALL), method.name),
            P_CALL,
            returned_len(method.sig.ret),
        ))
    }

    /// `source.field` for a field of type `ret` (any field, for `Any`).
    fn property_expr(&mut self, ret: Ret, depth: usize) -> Option<Ex> {
        let vars_only = self.rng.chance(3, 4);
        let (source, class) = self.instance_source(depth, vars_only)?;
        let fields: Vec<(String, Ret)> = self.classes[class]
            .fields
            .iter()
            .filter(|f| ret == Ret::Any || f.1 == ret)
            .cloned()
            .collect();
        if fields.is_empty() {
            return None;
        }
        let (field, ty) = self.rng.pick(&fields).clone();
        self.konst(1);
        let len = if ty == Ret::Str { STORED_STR } else { 0 };
        Some(Ex::string(
            format!("{}.{field}", source.at(P_CALL)),
            P_CALL,
            len,
        ))
    }

    /// An expression that fails at run time, with one of clox's runtime errors.
    fn error_expr(&mut self) -> Ex {
        self.konst(2);
        match self.rng.below(11) {
            0 => Ex::new("-\"not a number\"", P_UNARY),
            1 => Ex::new(format!("{} < \"b\"", self.rng.below(5)), P_COMPARISON),
            2 => Ex::new(
                format!(
                    "{} + {}",
                    self.rng.pick(&["true", "nil", "1", "\"s\""]),
                    self.rng.pick(&["false", "nil"])
                ),
                P_TERM,
            ),
            3 => Ex::new(format!("\"text\" * {}", self.rng.below(5)), P_FACTOR),
            4 => Ex::new(self.fresh("undefined"), P_PRIMARY),
            5 => Ex::new(
                format!(
                    "{}()",
                    self.rng.pick(&["\"not callable\"", "nil", "true", "(3)"])
                ),
                P_CALL,
            ),
            6 => Ex::new(
                format!(
                    "({}).{}",
                    self.rng.pick(&["1", "nil", "\"s\"", "true"]),
                    self.fresh("prop")
                ),
                P_CALL,
            ),
            7 => Ex::new(format!("\"s\".{}()", self.fresh("method")), P_CALL),
            8 => {
                // A call with the wrong number of arguments.
                if let Some(var) =
                    self.pick_var(|v| matches!(v.ty, Ty::Fun(_)) && v.recursion == Recursion::None)
                {
                    let Ty::Fun(sig) = var.ty else {
                        unreachable!("filtered on function types")
                    };
                    let count = if sig.arity == 0 || self.rng.chance(1, 2) {
                        sig.arity + 1
                    } else {
                        sig.arity - 1
                    };
                    let args: Vec<String> = (0..count).map(|i| i.to_string()).collect();
                    let name = self.use_var(&var);
                    return Ex::new(format!("{name}({})", args.join(", ")), P_CALL);
                }
                Ex::new("nil(1)", P_CALL)
            }
            9 => {
                if let Some((source, _)) = self.instance_source(self.config.max_expr_depth, true) {
                    let name = self.fresh("missing");
                    return Ex::new(format!("{}.{name}", source.at(P_CALL)), P_CALL);
                }
                Ex::new("nil.field", P_CALL)
            }
            _ => {
                if let Some(var) = self.pick_var(|v| matches!(v.ty, Ty::Class(_))) {
                    let Ty::Class(class) = var.ty else {
                        unreachable!("filtered on class types")
                    };
                    let count =
                        self.classes[class].ctor.arity as usize + 1 + self.rng.below(2) as usize;
                    let args: Vec<String> = (0..count).map(|i| i.to_string()).collect();
                    let name = self.use_var(&var);
                    return Ex::new(format!("{name}({})", args.join(", ")), P_CALL);
                }
                Ex::new("-nil", P_UNARY)
            }
        }
    }

    // ----- Statements -------------------------------------------------------------------

    /// A random type for a new variable, parameter or return value.
    fn value_type(&mut self) -> Ret {
        self.rng.choose(&[
            Ret::Num,
            Ret::Num,
            Ret::Str,
            Ret::Str,
            Ret::Bool,
            Ret::Nil,
            Ret::Any,
        ])
    }

    fn top_item(&mut self) {
        if self.rng.chance(u64::from(self.config.limit_percent), 100) {
            return self.limits_template();
        }
        let choice = self
            .rng
            .weighted(&[40, 12, 8, 3, 3, 2, 2, 3, 2, 4, 1, 2, 1]);
        match choice {
            0 => self.statement(0, true),
            1 => self.function_declaration(0, true),
            2 => self.class_declaration(0),
            3 => self.counter_template(),
            4 => self.loop_closures_template(),
            5 => self.shared_upvalue_template(),
            6 => self.nested_closures_template(),
            7 => self.accumulate_template(),
            8 => self.linked_list_template(),
            9 => self.recursion_template(),
            10 => self.mutual_recursion_template(),
            11 => self.bound_method_template(),
            _ => self.bad_superclass_template(),
        }
    }

    /// One statement at nesting `depth`; declarations only where `decl_ok` (a branch
    /// or loop body that is not a block cannot be a declaration).
    fn statement(&mut self, depth: usize, decl_ok: bool) {
        if !self.room() {
            // Out of room: nothing, or a statement that does nothing where the grammar
            // needs one.
            if !decl_ok {
                self.line("nil;");
            }
            return;
        }
        self.statements += 1;
        self.spend(1);
        if self.rng.chance(1, 40) {
            let words = self.rng.choose(WORDS);
            self.line(&format!("// {}", words.replace('\n', " ")));
        }
        let nested = depth < self.config.max_depth;
        let in_fn = self.ctx().kind != Kind::Script;
        let weights = [
            30,                                    // print
            if decl_ok { 15 } else { 0 },          // var
            10,                                    // assignment
            if nested { 8 } else { 0 },            // if
            if nested { 4 } else { 0 },            // while
            if nested { 4 } else { 0 },            // for
            if nested { 4 } else { 0 },            // block
            if decl_ok && nested { 4 } else { 0 }, // function
            if decl_ok && nested { 1 } else { 0 }, // class
            5,                                     // call statement
            if in_fn { 2 } else { 0 },             // return
            3,                                     // field assignment
            if self.errors_on() { 1 } else { 0 },  // error statement
            if decl_ok && nested { 1 } else { 0 }, // shadowing block
        ];
        match self.rng.weighted(&weights) {
            0 => self.print_statement(),
            1 => self.var_declaration(),
            2 => self.assignment_statement(),
            3 => self.if_statement(depth),
            4 => self.while_statement(depth, decl_ok),
            5 => self.for_statement(depth, decl_ok),
            6 => self.block_statement(depth, false),
            7 => self.function_declaration(depth, false),
            8 => self.class_declaration(depth),
            9 => self.call_statement(),
            10 => self.return_statement(),
            11 => self.field_assignment(),
            12 => self.error_statement(),
            _ => self.block_statement(depth, true),
        }
    }

    fn print_statement(&mut self) {
        let ty = self.rng.choose(&[
            Ty::Num,
            Ty::Num,
            Ty::Str,
            Ty::Bool,
            Ty::Nil,
            Ty::Any,
            Ty::Any,
        ]);
        let ex = self.expr(ty, 0);
        self.line(&format!("print {};", ex.text));
    }

    /// `var name = value;` with a type of the generator's choosing.
    fn var_declaration(&mut self) {
        let name = self.fresh_one(&["v", "x", "local_", "tmp", "value"]);
        let ty = self.rng.choose(&[
            Ty::Num,
            Ty::Num,
            Ty::Str,
            Ty::Str,
            Ty::Bool,
            Ty::Nil,
            Ty::Any,
            Ty::Inst(0),
        ]);
        self.declare_with(name, ty);
    }

    /// Declares `name` with an initializer of type `ty`. An `Inst` type means "an
    /// instance of some class", and falls back to `Any` when there is none.
    fn declare_with(&mut self, name: String, ty: Ty) {
        self.declaring.push(name.clone());
        let (ty, init) = match ty {
            Ty::Inst(_) => match self.instance_source(1, false) {
                Some((ex, class)) => (Ty::Inst(class), Some(ex)),
                None => (Ty::Any, Some(self.expr(Ty::Any, 1))),
            },
            Ty::Nil if self.rng.chance(1, 2) => (Ty::Nil, None),
            ty => (ty, Some(self.bounded(ty, 0, DECLARED_STR))),
        };
        self.declaring.pop();
        let len = init.as_ref().map_or(0, |ex| ex.len);
        match &init {
            Some(ex) => self.line(&format!("var {name} = {};", ex.text)),
            None => self.line(&format!("var {name};")),
        }
        let var = self.declare(name, ty);
        var.strlen = len.max(64);
    }

    fn assignment_statement(&mut self) {
        let Some(var) = self.pick_var(|v| v.assignable && !matches!(v.ty, Ty::Class(_))) else {
            return self.print_statement();
        };
        let value = match var.ty {
            Ty::Fun(sig) => {
                // Another function of the same signature that costs no more.
                let cost = var.cost;
                let name = var.name.clone();
                let Some(other) = self.pick_var(|v| {
                    v.ty == Ty::Fun(sig)
                        && v.cost <= cost
                        && v.recursion == var.recursion
                        && v.name != name
                }) else {
                    return self.print_statement();
                };
                Ex::new(self.use_var(&other), P_PRIMARY)
            }
            Ty::Inst(class) => {
                let Some(other) = self.pick_var(|v| v.ty == Ty::Inst(class)) else {
                    return self.print_statement();
                };
                Ex::new(self.use_var(&other), P_PRIMARY)
            }
            Ty::Str => self.bounded(Ty::Str, 0, var.strlen),
            Ty::Any => self.bounded(Ty::Any, 0, var.strlen),
            ty => self.expr(ty, 0),
        };
        let name = self.use_var(&var);
        self.line(&format!("{name} = {};", value.text));
    }

    fn if_statement(&mut self, depth: usize) {
        let ty = self.rng.choose(&[Ty::Bool, Ty::Bool, Ty::Bool, Ty::Any]);
        let cond = self.expr(ty, 0);
        self.line(&format!("if ({})", cond.text));
        self.body(depth);
        if self.rng.chance(1, 2) {
            self.line("else");
            self.body(depth);
        }
    }

    /// The body of a branch or loop: a block, or a single non-declaration statement.
    fn body(&mut self, depth: usize) {
        if self.rng.chance(2, 3) {
            self.block(depth + 1, |g, d| g.statements_in_block(d));
        } else {
            self.indent += 1;
            self.statement(depth + 1, false);
            self.indent -= 1;
        }
    }

    /// `{ ... }` on lines of their own, with a scope; `inside` writes the contents.
    fn block(&mut self, depth: usize, inside: impl FnOnce(&mut Self, usize)) {
        self.line("{");
        self.indent += 1;
        self.push_scope();
        inside(self, depth);
        self.pop_scope();
        self.indent -= 1;
        self.line("}");
    }

    fn statements_in_block(&mut self, depth: usize) {
        let count = self.rng.range(1, self.config.max_block as u64);
        for _ in 0..count {
            self.statement(depth, true);
        }
    }

    /// An iteration count for a loop: small, and within what the function can afford.
    fn iterations(&mut self) -> u64 {
        let want = match self.rng.weighted(&[6, 3, 1]) {
            0 => self.rng.below(4),
            1 => self.rng.range(4, 12),
            _ => self.rng.range(12, 60),
        };
        let mut count = want;
        while count > 0 && !self.afford(count.saturating_mul(3)) {
            count /= 2;
        }
        count
    }

    /// Runs `body` with the loop multiplier scaled by `count` iterations.
    fn in_loop(&mut self, count: u64, body: impl FnOnce(&mut Self)) {
        self.spend(count);
        let saved = self.ctx().mult;
        self.ctx_mut().mult = saved.saturating_mul(count.max(1));
        body(self);
        self.ctx_mut().mult = saved;
    }

    /// Declares an unassignable loop counter (loops stay bounded).
    fn declare_counter(&mut self, name: &str) {
        let var = self.declare(name.to_owned(), Ty::Num);
        var.assignable = false;
    }

    /// Writes the statements `inside` makes in a block if they include a declaration
    /// where one is not allowed (`decl_ok` false), or else in the current scope.
    fn maybe_braced(&mut self, depth: usize, decl_ok: bool, inside: impl FnOnce(&mut Self, usize)) {
        if decl_ok {
            inside(self, depth);
        } else {
            self.block(depth, inside);
        }
    }

    fn while_statement(&mut self, depth: usize, decl_ok: bool) {
        let count = self.iterations();
        let counter = self.fresh("w");
        self.maybe_braced(depth, decl_ok, |g, depth| {
            g.konst(2);
            g.line(&format!("var {counter} = 0;"));
            g.declare_counter(&counter);
            g.line(&format!("while ({counter} < {count}) {{"));
            g.indent += 1;
            g.push_scope();
            g.in_loop(count, |g| {
                let n = g.rng.range(1, g.config.max_block as u64);
                for _ in 0..n {
                    g.statement(depth + 1, true);
                }
            });
            g.konst(1);
            g.line(&format!("{counter} = {counter} + 1;"));
            g.pop_scope();
            g.indent -= 1;
            g.line("}");
        });
    }

    fn for_statement(&mut self, depth: usize, decl_ok: bool) {
        let count = self.iterations();
        let counter = self.fresh("i");
        self.konst(3);
        let style = self.rng.below(4);
        let (before, header, after) = match style {
            0 => (
                None,
                format!("for (var {counter} = 0; {counter} < {count}; {counter} = {counter} + 1)"),
                None,
            ),
            1 => (
                None,
                format!("for (var {counter} = {count}; {counter} > 0; {counter} = {counter} - 1)"),
                None,
            ),
            2 => (
                Some(format!("var {counter} = 0;")),
                format!("for (; {counter} < {count}; {counter} = {counter} + 1)"),
                None,
            ),
            _ => (
                None,
                format!("for (var {counter} = 0; {counter} < {count};)"),
                Some(format!("{counter} = {counter} + 1;")),
            ),
        };
        // A counter declared before the loop lives in the enclosing scope; one declared
        // in the loop's initializer clause gets a scope of its own (as in clox).
        let braced = before.is_some() && !decl_ok;
        let wrap = |g: &mut Self, depth: usize, inside: &mut dyn FnMut(&mut Self, usize)| {
            if braced {
                g.block(depth, |g, d| inside(g, d));
            } else if before.is_some() {
                inside(g, depth);
            } else {
                g.push_scope();
                inside(g, depth);
                g.pop_scope();
            }
        };
        wrap(self, depth, &mut |g, depth| {
            if let Some(before) = &before {
                g.line(before);
            }
            g.declare_counter(&counter);
            g.line(&header);
            g.in_loop(count, |g| {
                if after.is_some() || g.rng.chance(2, 3) {
                    g.line("{");
                    g.indent += 1;
                    g.push_scope();
                    let n = g.rng.range(1, g.config.max_block as u64);
                    for _ in 0..n {
                        g.statement(depth + 1, true);
                    }
                    if let Some(after) = &after {
                        g.line(after);
                    }
                    g.pop_scope();
                    g.indent -= 1;
                    g.line("}");
                } else {
                    g.indent += 1;
                    g.statement(depth + 1, false);
                    g.indent -= 1;
                }
            });
        });
    }

    /// A block; with `shadow`, it starts by redeclaring a visible name, maybe with
    /// another type, and prints it.
    fn block_statement(&mut self, depth: usize, shadow: bool) {
        self.block(depth + 1, |g, depth| {
            if shadow
                && let Some(var) =
                    g.pick_var(|v| matches!(v.ty, Ty::Num | Ty::Str | Ty::Bool | Ty::Nil))
            {
                let ty = *g.rng.pick(&[Ty::Num, Ty::Str, Ty::Bool, Ty::Nil]);
                g.declare_with(var.name.clone(), ty);
                let shown = g.use_var(&var);
                g.line(&format!("print {shown};"));
            }
            g.statements_in_block(depth);
        });
    }

    fn call_statement(&mut self) {
        let ret = self.value_type();
        match self.call_expr(ret, 0) {
            Some(call) => self.line(&format!("{};", call.text)),
            None => self.print_statement(),
        }
    }

    fn return_statement(&mut self) {
        let ctx = self.ctx().clone();
        match ctx.kind {
            Kind::Initializer => self.line("return;"),
            Kind::Script => self.print_statement(),
            _ => {
                let value = self.return_value(ctx.ret);
                self.line(&format!("return{value};"));
            }
        }
    }

    /// The text after `return` for a function returning `ret` (with a leading space).
    fn return_value(&mut self, ret: Ret) -> String {
        if ret == Ret::Nil && self.rng.chance(1, 2) {
            return String::new();
        }
        format!(" {}", self.bounded(ret.into(), 0, STORED_STR).text)
    }

    fn field_assignment(&mut self) {
        let Some((target, class)) = self.instance_source(0, true) else {
            return self.print_statement();
        };
        let fields = self.classes[class].fields.clone();
        if fields.is_empty() {
            return self.print_statement();
        }
        let (field, ty) = self.rng.pick(&fields).clone();
        let value = self.bounded(ty.into(), 0, STORED_STR);
        self.konst(1);
        self.line(&format!("{}.{field} = {};", target.at(P_CALL), value.text));
    }

    fn error_statement(&mut self) {
        self.konst(2);
        match self.rng.below(3) {
            0 => {
                let name = self.fresh("undefined");
                self.line(&format!("{name} = 1;"));
            }
            1 => {
                let field = self.fresh("field");
                let target = self.rng.pick(&["1", "nil", "\"s\"", "true"]);
                self.line(&format!("({target}).{field} = 2;"));
            }
            _ => {
                let ex = self.error_expr();
                self.line(&format!("print {};", ex.text));
            }
        }
    }

    // ----- Functions --------------------------------------------------------------------

    /// A fresh signature.
    fn signature(&mut self) -> Sig {
        let arity = self.rng.weighted(&[3, 4, 3, 1, 1]) as u8;
        let mut params = [Ret::Any; MAX_ARITY];
        for param in params.iter_mut().take(arity as usize) {
            *param = *self
                .rng
                .pick(&[Ret::Num, Ret::Num, Ret::Str, Ret::Bool, Ret::Any]);
        }
        Sig {
            arity,
            params,
            ret: self.value_type(),
        }
    }

    /// Enters a function body: a new context and a scope with the parameters.
    ///
    /// `this` is the method context for a method; other functions inherit their
    /// parent's. Initializers (and functions in them) get none: before all fields are
    /// set, a method called on `this` might read one that is not there yet.
    fn enter_function(
        &mut self,
        kind: Kind,
        sig: Sig,
        names: &[String],
        budget: u64,
        this: Option<This>,
    ) {
        let parent = self.ctx().clone();
        let this = match kind {
            Kind::Method => this,
            Kind::Initializer => None,
            _ => parent.this,
        };
        self.fns.push(FnCtx {
            kind,
            ret: sig.ret,
            cost: 0,
            mult: 1,
            budget,
            consts: 0,
            locals: 1,
            this,
        });
        self.push_scope();
        for (name, &ty) in names.iter().zip(&sig.params) {
            let var = self.declare(name.clone(), ty.into());
            var.strlen = STORED_STR;
        }
    }

    /// Leaves a function body; returns the work one call does.
    fn leave_function(&mut self) -> u64 {
        self.pop_scope();
        let ctx = self.fns.pop().expect("entered before");
        ctx.cost.max(1)
    }

    fn param_names(&mut self, sig: Sig) -> Vec<String> {
        (0..sig.arity)
            .map(|_| self.fresh_one(&["p", "arg", "n", "s"]))
            .collect()
    }

    /// A function body: some statements, then a return of the right type.
    fn function_body(&mut self, depth: usize, ret: Ret) {
        let n = self.rng.range(1, self.config.max_block as u64);
        for _ in 0..n {
            self.statement(depth + 1, true);
        }
        if ret != Ret::Nil || self.rng.chance(1, 3) {
            let value = self.return_value(ret);
            self.line(&format!("return{value};"));
        }
    }

    /// `fun name(params) { ... }`, then (usually) a call. A top-level item is at
    /// depth 0; `top` functions are always called, so their code runs.
    fn function_declaration(&mut self, depth: usize, top: bool) {
        let name = self.fresh_one(&["f", "fn", "compute", "helper"]);
        let sig = self.signature();
        let params = self.param_names(sig);
        self.konst(1);
        self.line(&format!("fun {name}({}) {{", params.join(", ")));
        self.indent += 1;
        self.enter_function(Kind::Function, sig, &params, self.config.call_budget, None);
        self.function_body(depth, sig.ret);
        let cost = self.leave_function();
        self.indent -= 1;
        self.line("}");
        let var = self.declare(name.clone(), Ty::Fun(sig));
        var.assignable = false;
        var.cost = cost;
        if (top || self.rng.chance(2, 3)) && self.afford(cost) {
            self.spend(cost);
            let var = self
                .scopes
                .last()
                .and_then(|s| s.last())
                .cloned()
                .expect("just declared");
            let name = self.use_var(&var);
            let args = self.arguments(sig, Recursion::None, 0);
            if self.rng.chance(2, 3) {
                self.line(&format!("print {name}({args});"));
            } else {
                self.line(&format!("{name}({args});"));
            }
        }
    }

    // ----- Classes ----------------------------------------------------------------------

    /// A class, maybe a subclass, with fields, an initializer and methods; then an
    /// instance, some of its methods called, and maybe a subclass of it.
    fn class_declaration(&mut self, depth: usize) {
        let class = self.class_definition(depth);
        if self.rng.chance(1, 3) && self.room() {
            self.use_class(class);
        }
    }

    fn class_definition(&mut self, depth: usize) -> usize {
        let name = self.fresh_one(&["C", "Class", "Shape", "Node"]);
        let superclass = if self.rng.chance(2, 5) {
            self.pick_var(|v| matches!(v.ty, Ty::Class(_)))
        } else {
            None
        };
        let id = self.classes.len();
        let super_id = superclass.as_ref().map(|var| {
            let Ty::Class(c) = var.ty else {
                unreachable!("filtered on class types")
            };
            c
        });
        let inherited = super_id.map(|s| self.classes[s].clone());
        self.classes.push(Class {
            superclass: super_id,
            fields: inherited.as_ref().map_or(Vec::new(), |c| c.fields.clone()),
            methods: inherited.as_ref().map_or(Vec::new(), |c| c.methods.clone()),
            ctor: inherited.as_ref().map_or(
                Sig {
                    arity: 0,
                    params: [Ret::Any; MAX_ARITY],
                    ret: Ret::Nil,
                },
                |c| c.ctor,
            ),
            ctor_cost: inherited.as_ref().map_or(1, |c| c.ctor_cost),
            has_init: inherited.as_ref().is_some_and(|c| c.has_init),
        });
        self.konst(2);
        match &superclass {
            Some(var) => {
                let super_name = self.use_var(var);
                self.line(&format!("class {name} < {super_name} {{"));
            }
            None => self.line(&format!("class {name} {{")),
        }
        self.indent += 1;
        // Method bodies are charged to the methods, not to the enclosing function.
        if self.rng.chance(3, 4) {
            self.initializer(id, depth);
        }
        let own = self.rng.range(0, 3);
        for _ in 0..own {
            if self.ctx().consts >= MAX_CONSTS {
                break;
            }
            self.method(id, depth);
        }
        self.indent -= 1;
        self.line("}");
        let var = self.declare(name, Ty::Class(id));
        var.assignable = false;
        id
    }

    /// `init(params) { super.init(...); this.field = ...; ... }`.
    fn initializer(&mut self, class: usize, depth: usize) {
        let mut sig = self.signature();
        sig.ret = Ret::Nil;
        let params = self.param_names(sig);
        self.konst(1);
        self.line(&format!("init({}) {{", params.join(", ")));
        self.indent += 1;
        self.enter_function(
            Kind::Initializer,
            sig,
            &params,
            self.config.call_budget,
            None,
        );
        let superclass = self.classes[class].superclass;
        if let Some(s) = superclass
            && self.classes[s].has_init
        {
            let parent = self.classes[s].clone();
            self.spend(parent.ctor_cost);
            self.konst(1);
            let args = self.arguments(parent.ctor, Recursion::None, 0);
            self.line(&format!("super.init({args});"));
        }
        let count = self.rng.range(0, 3);
        for _ in 0..count {
            let field = self.fresh_one(&["field", "f", "name", "size"]);
            let ty = self.rng.choose(&[Ret::Num, Ret::Str, Ret::Bool]);
            let value = self.bounded(ty.into(), 0, STORED_STR);
            self.konst(1);
            self.line(&format!("this.{field} = {};", value.text));
            self.classes[class].fields.push((field, ty));
        }
        if self.rng.chance(1, 3) {
            self.statement(depth + 1, true);
        }
        if self.rng.chance(1, 8) {
            self.line("return;");
        }
        let cost = self.leave_function();
        self.indent -= 1;
        self.line("}");
        self.classes[class].ctor = sig;
        self.classes[class].ctor_cost = cost;
        self.classes[class].has_init = true;
    }

    /// A new method, or an override of an inherited one (same signature, no costlier).
    fn method(&mut self, class: usize, depth: usize) {
        let inherited = self.classes[class].methods.clone();
        let overriding = !inherited.is_empty() && self.rng.chance(1, 2);
        let super_count = self.classes[class]
            .superclass
            .map(|s| self.classes[s].methods.len());
        let (name, sig, budget, index) = if overriding {
            let index = self.rng.below(inherited.len() as u64) as usize;
            let m = inherited[index].clone();
            (m.name, m.sig, m.cost, index)
        } else {
            let name = self.fresh_one(&["m", "get", "describe", "step"]);
            (
                name,
                self.signature(),
                self.config.call_budget,
                inherited.len(),
            )
        };
        // Only methods before this one may be called through `this` (and through
        // `super`, this one's inherited version too): no dispatch cycles.
        let this = This {
            class,
            this_methods: index,
            super_methods: super_count.map(|n| n.min(index + 1)),
        };
        let params = self.param_names(sig);
        self.konst(1);
        self.line(&format!("{name}({}) {{", params.join(", ")));
        self.indent += 1;
        // Keep room for the final return.
        self.enter_function(
            Kind::Method,
            sig,
            &params,
            budget.saturating_sub(1).max(1),
            Some(this),
        );
        self.function_body(depth, sig.ret);
        let cost = self.leave_function();
        self.indent -= 1;
        self.line("}");
        if !overriding {
            // Overrides get the same budget, so callers may charge this much for any.
            let cost = cost.saturating_mul(3).saturating_add(4);
            self.classes[class].methods.push(Method { name, sig, cost });
        }
    }

    /// Makes an instance of `class`, prints it and some of its properties, and calls
    /// some methods.
    fn use_class(&mut self, class: usize) {
        let Some(var) = self.pick_var(|v| v.ty == Ty::Class(class)) else {
            return;
        };
        let info = self.classes[class].clone();
        if !self.afford(info.ctor_cost.saturating_add(10)) {
            return;
        }
        self.spend(info.ctor_cost);
        let object = self.fresh("obj");
        let class_name = self.use_var(&var);
        let args = self.arguments(info.ctor, Recursion::None, 0);
        self.line(&format!("var {object} = {class_name}({args});"));
        self.declare(object.clone(), Ty::Inst(class));
        self.line(&format!("print {object};"));
        if self.rng.chance(1, 3) {
            self.line(&format!("print {class_name};"));
        }
        for (field, _) in info.fields.iter().take(2) {
            self.konst(1);
            self.line(&format!("print {object}.{field};"));
        }
        for method in info.methods.iter().take(3) {
            if !self.afford(method.cost) {
                continue;
            }
            self.spend(method.cost);
            self.konst(1);
            let args = self.arguments(method.sig, Recursion::None, 0);
            self.line(&format!("print {object}.{}({args});", method.name));
        }
    }

    // ----- Templates --------------------------------------------------------------------

    /// A closure counter: a maker function returning a closure over its local.
    fn counter_template(&mut self) {
        let maker = self.fresh("makeCounter");
        let count = self.fresh("count");
        let step = self.number_literal();
        self.konst(6);
        self.line(&format!("fun {maker}(start) {{"));
        self.line(&format!("  var {count} = start;"));
        self.line("  fun increment() {");
        self.line(&format!("    {count} = {count} + {step};"));
        self.line(&format!("    return {count};"));
        self.line("  }");
        self.line("  return increment;");
        self.line("}");
        let sig = Sig {
            arity: 0,
            params: [Ret::Any; MAX_ARITY],
            ret: Ret::Num,
        };
        let first = self.fresh("counter");
        let second = self.fresh("counter");
        let (a, b) = (self.number_literal(), self.number_literal());
        self.line(&format!("var {first} = {maker}({a});"));
        self.line(&format!("var {second} = {maker}({b});"));
        self.line(&format!("print {first}();"));
        self.line(&format!("print {first}();"));
        self.line(&format!("print {second}();"));
        self.line(&format!("print {first}();"));
        self.line(&format!("print {first};"));
        let maker_sig = Sig {
            arity: 1,
            params: [Ret::Num; MAX_ARITY],
            ret: Ret::Any,
        };
        for (name, ty) in [
            (maker, Ty::Fun(maker_sig)),
            (first, Ty::Fun(sig)),
            (second, Ty::Fun(sig)),
        ] {
            let var = self.declare(name, ty);
            var.assignable = false;
            var.cost = 3;
        }
    }

    /// Closures made in a loop: each captures the shared loop variable and a local
    /// of its own iteration.
    fn loop_closures_template(&mut self) {
        let (first, last, i) = (self.fresh("first"), self.fresh("last"), self.fresh("i"));
        let count = self.rng.range(1, 6);
        let factor = self.number_literal();
        self.konst(10);
        self.line("{");
        self.indent += 1;
        self.line(&format!("var {first};"));
        self.line(&format!("var {last};"));
        self.line(&format!(
            "for (var {i} = 0; {i} < {count}; {i} = {i} + 1) {{"
        ));
        self.line(&format!("  var own = {i} * {factor};"));
        self.line("  fun capture() {");
        self.line(&format!("    return own + {i};"));
        self.line("  }");
        self.line(&format!("  if ({first} == nil) {first} = capture;"));
        self.line(&format!("  {last} = capture;"));
        if self.rng.chance(1, 2) {
            self.line("  print capture();");
        }
        self.line("}");
        self.line(&format!("print {first}();"));
        self.line(&format!("print {last}();"));
        self.line(&format!("print {first} == {last};"));
        self.indent -= 1;
        self.line("}");
        self.spend(count * 4 + 4);
    }

    /// Two closures sharing one upvalue: one changes it, the other sees the change.
    fn shared_upvalue_template(&mut self) {
        let maker = self.fresh("pair");
        let getter = self.fresh("get");
        let shared = self.fresh("shared");
        let initial = self.string_literal().text;
        let (x, y) = (self.string_literal().text, self.string_literal().text);
        self.konst(8);
        self.line(&format!("var {getter};"));
        self.line(&format!("fun {maker}() {{"));
        self.line(&format!("  var {shared} = {initial};"));
        self.line(&format!("  fun get() {{ return {shared}; }}"));
        self.line(&format!(
            "  fun set(value) {{ {shared} = {shared} + value; }}"
        ));
        self.line(&format!("  {getter} = get;"));
        self.line(&format!("  set({x});"));
        self.line("  print get();");
        self.line("  return set;");
        self.line("}");
        let setter = self.fresh("set");
        self.line(&format!("var {setter} = {maker}();"));
        self.line(&format!("print {getter}();"));
        self.line(&format!("{setter}({y});"));
        self.line(&format!("print {getter}();"));
        self.spend(10);
    }

    /// Closures nested three deep, each level capturing from the ones around it.
    fn nested_closures_template(&mut self) {
        let outer = self.fresh("outer");
        let (a, b) = (self.number_literal(), self.number_literal());
        self.konst(8);
        self.line(&format!("fun {outer}() {{"));
        self.line(&format!("  var a = {a};"));
        self.line("  fun middle() {");
        self.line(&format!("    var b = {b};"));
        self.line("    fun inner() {");
        self.line("      a = a + b;");
        self.line("      b = b + 1;");
        self.line("      return a * b;");
        self.line("    }");
        self.line("    return inner;");
        self.line("  }");
        self.line("  var first = middle();");
        self.line("  var second = middle();");
        self.line("  print first();");
        self.line("  print second();");
        self.line("  print first();");
        self.line("  return a;");
        self.line("}");
        self.line(&format!("print {outer}();"));
        self.spend(12);
    }

    /// A string built up in a loop, with garbage on the side (makes the GC run).
    fn accumulate_template(&mut self) {
        let (text, i) = (self.fresh("text"), self.fresh("i"));
        let mut count = self.rng.range(50, 400);
        while count > 1 && !self.afford(count * 4) {
            count /= 2;
        }
        let piece = self.string_literal().text;
        self.konst(8);
        self.line(&format!("var {text} = \"\";"));
        self.line(&format!(
            "for (var {i} = 0; {i} < {count}; {i} = {i} + 1) {{"
        ));
        self.line(&format!("  {text} = {text} + {piece} + \"-\";"));
        self.line(&format!("  var garbage = {text} + {text};"));
        self.line("}");
        self.line(&format!("print {text};"));
        self.line(&format!("print {text} == {text} + \"\";"));
        self.spend(count * 3);
    }

    /// A linked list of instances built in a loop, then walked (the GC must keep
    /// every node alive).
    fn linked_list_template(&mut self) {
        let (node, list, i, total, cursor) = (
            self.fresh("Node"),
            self.fresh("list"),
            self.fresh("i"),
            self.fresh("total"),
            self.fresh("cursor"),
        );
        let mut count = self.rng.range(10, 300);
        while count > 1 && !self.afford(count * 6) {
            count /= 2;
        }
        self.konst(16);
        self.line(&format!("class {node} {{"));
        self.line("  init(value, next) {");
        self.line("    this.value = value;");
        self.line("    this.next = next;");
        self.line("    this.label = \"node \" + \"label\";");
        self.line("  }");
        self.line("}");
        self.line(&format!("var {list} = nil;"));
        self.line(&format!(
            "for (var {i} = 0; {i} < {count}; {i} = {i} + 1) {{"
        ));
        self.line(&format!("  {list} = {node}({i}, {list});"));
        self.line("}");
        self.line(&format!("var {total} = 0;"));
        self.line(&format!("var {cursor} = {list};"));
        self.line(&format!("while ({cursor} != nil) {{"));
        self.line(&format!("  {total} = {total} + {cursor}.value;"));
        self.line(&format!("  {cursor} = {cursor}.next;"));
        self.line("}");
        self.line(&format!("print {total};"));
        self.spend(count * 5);
    }

    /// A recursive function with a depth parameter, called with a small depth.
    fn recursion_template(&mut self) {
        let name = self.fresh("recurse");
        let double = self.rng.chance(1, 3);
        let base = self.number_literal();
        self.konst(6);
        self.line(&format!("fun {name}(n) {{"));
        self.line(&format!("  if (n < 2) return n + {base};"));
        if double {
            self.line(&format!("  return {name}(n - 1) + {name}(n - 2);"));
        } else {
            let op = self.rng.choose(&["+", "*", "-"]);
            self.line(&format!("  return n {op} {name}(n - 1);"));
        }
        self.line("}");
        let recursion = if double {
            Recursion::Double
        } else {
            Recursion::Linear
        };
        let sig = Sig {
            arity: 1,
            params: [Ret::Num; MAX_ARITY],
            ret: Ret::Num,
        };
        let cost = Self::recursion_cost(recursion, 2);
        let var = self.declare(name.clone(), Ty::Fun(sig));
        var.assignable = false;
        var.cost = cost;
        var.recursion = recursion;
        let var = var.clone();
        if self.afford(cost) {
            self.spend(cost);
            let name = self.use_var(&var);
            let args = self.arguments(sig, recursion, 0);
            self.line(&format!("print {name}({args});"));
        }
    }

    /// Two global functions that call each other (a forward reference to a global).
    fn mutual_recursion_template(&mut self) {
        if !self.in_global_scope() {
            return;
        }
        let (even, odd) = (self.fresh("isEven"), self.fresh("isOdd"));
        let n = self.rng.below(30);
        self.konst(10);
        self.line(&format!("fun {even}(n) {{"));
        self.line("  if (n == 0) return true;");
        self.line(&format!("  return {odd}(n - 1);"));
        self.line("}");
        self.line(&format!("fun {odd}(n) {{"));
        self.line("  if (n == 0) return false;");
        self.line(&format!("  return {even}(n - 1);"));
        self.line("}");
        self.line(&format!("print {even}({n});"));
        self.line(&format!("print {odd}({n});"));
        self.spend(2 * n + 2);
    }

    /// A bound method taken from an instance, stored, and called later; and a method
    /// that returns a closure capturing `this`.
    fn bound_method_template(&mut self) {
        let class = self.fresh("Greeter");
        let (object, bound, closure) = (
            self.fresh("greeter"),
            self.fresh("bound"),
            self.fresh("closure"),
        );
        let name = self.string_literal().text;
        let other = self.string_literal().text;
        self.konst(16);
        self.line(&format!("class {class} {{"));
        self.line("  init(name) { this.name = name; }");
        self.line("  greet(whom) { return this.name + \" greets \" + whom; }");
        self.line("  later() {");
        self.line("    fun callback() { return this.greet(\"later\"); }");
        self.line("    return callback;");
        self.line("  }");
        self.line("}");
        self.line(&format!("var {object} = {class}({name});"));
        self.line(&format!("var {bound} = {object}.greet;"));
        self.line(&format!("var {closure} = {object}.later();"));
        self.line(&format!("{object}.name = {other};"));
        self.line(&format!("print {bound}(\"you\");"));
        self.line(&format!("print {closure}();"));
        self.line(&format!("print {bound};"));
        self.spend(12);
    }

    /// A function, block or stretch of top-level code with about as many constants or
    /// locals as clox allows in one function, give or take a few.
    fn limits_template(&mut self) {
        let count = self.rng.range(245, 265);
        match self.rng.below(4) {
            0 => {
                // Every literal is a constant of its own in clox, even a repeated one.
                let name = self.fresh("constants");
                self.line(&format!("fun {name}() {{"));
                for i in 0..count {
                    let value = if i % 3 == 0 {
                        format!("\"s{}\"", i % 7)
                    } else {
                        (i % 11).to_string()
                    };
                    self.line(&format!("  print {value};"));
                }
                self.line("}");
                self.line(&format!("{name}();"));
            }
            1 => {
                let in_function = self.rng.chance(1, 2);
                let name = self.fresh("locals");
                self.line(
                    if in_function {
                        format!("fun {name}() {{")
                    } else {
                        "{".to_owned()
                    }
                    .as_str(),
                );
                for i in 0..count {
                    self.line(&format!("  var {name}_{i} = {i};"));
                }
                self.line(&format!("  print {name}_0 + {name}_{};", count - 1));
                self.line("}");
                if in_function {
                    self.line(&format!("{name}();"));
                }
            }
            2 => {
                // At top level, every use of a global name is a constant of the script.
                let name = self.fresh("total");
                self.line(&format!("var {name} = 0;"));
                for _ in 0..count / 2 {
                    self.line(&format!("{name} = {name} + 1;"));
                }
                self.line(&format!("print {name};"));
            }
            _ => {
                // A closure capturing many locals of the function around it.
                let name = self.fresh("captures");
                let count = count.min(250);
                self.line(&format!("fun {name}() {{"));
                for i in 0..count {
                    self.line(&format!("  var c{i} = {i};"));
                }
                let sum: Vec<String> = (0..count).map(|i| format!("c{i}")).collect();
                self.line(&format!("  fun inner() {{ return {}; }}", sum.join(" + ")));
                self.line("  return inner();");
                self.line("}");
                self.line(&format!("print {name}();"));
            }
        }
        self.ctx_mut().consts = MAX_CONSTS;
    }

    /// A class whose superclass is not a class (a runtime error), in erroneous
    /// programs only.
    fn bad_superclass_template(&mut self) {
        if !self.errors_on() {
            return self.statement(0, true);
        }
        let (not_class, class) = (self.fresh("NotAClass"), self.fresh("Sub"));
        self.konst(4);
        let value = self.rng.choose(&["\"text\"", "1", "nil", "clock"]);
        self.line(&format!("var {not_class} = {value};"));
        self.line(&format!("class {class} < {not_class} {{}}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_program() {
        for seed in 0..20 {
            assert_eq!(program(seed), program(seed));
            assert_eq!(mutated(seed), mutated(seed));
        }
        assert_ne!(program(1), program(2));
    }

    #[test]
    fn the_generator_is_stable_across_builds() {
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn valid_programs_compile_under_clox_limits() {
        for seed in 0..200 {
            let source = program(seed);
            if let Err(e) = loxide::driver::compile(&source, loxide::ir::Limits::Clox) {
                panic!("seed {seed} does not compile:\n{e}\n{source}");
            }
        }
    }

    #[test]
    fn programs_without_deliberate_errors_run_cleanly() {
        use loxide::vm::{Options, SharedBuffer, Vm};
        let config = Config {
            error_percent: 0,
            ..Config::default()
        };
        for seed in 0..300 {
            let source = program_with(seed, &config);
            let compiled = loxide::driver::compile(&source, loxide::ir::Limits::Clox)
                .unwrap_or_else(|e| panic!("seed {seed} does not compile:\n{e}\n{source}"));
            let mut vm = Vm::with_output(Options::clox(), Box::new(SharedBuffer::new()));
            if let Err(e) = vm.run(&compiled) {
                panic!("seed {seed} fails at run time:\n{e}\n{source}");
            }
        }
    }

    #[test]
    fn token_spans_cut_lox_text() {
        let text = "var x = \"a b\"; // note\nprint x >= 1.5;";
        let tokens: Vec<&str> = token_spans(text)
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(
            tokens,
            [
                "var", "x", "=", "\"a b\"", ";", "print", "x", ">=", "1.5", ";"
            ]
        );
    }
}
