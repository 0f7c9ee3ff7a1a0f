//! The bytecode file format: a `Module` to bytes and back, specified in `docs/bytecode.md`.
//!
//! The trade-off: a plain, fixed layout (little-endian, explicit widths, `u32` lengths,
//! no pointer sizes, no timestamps, no compression, no checksum) that is byte-identical
//! on every machine and that the decoder can check one field at a time, every length
//! against the bytes that remain before anything is allocated for it. A checksum would
//! stop no hostile file and would hide the verifier from mutation tests, so there is
//! none. This module only decodes structure; what the code means is the verifier's job
//! (`load` runs both).

use std::fmt;

use super::verify::{self, MaxStack, Verified};
use super::{Constant, Dialect, Function, LineRun, Module, SpanTable, UpvalueDesc};

/// The first eight bytes of every bytecode file. `0x89` is a UTF-8 continuation byte,
/// which can never start UTF-8 text, so no Lox or Potato source starts this way; as in
/// PNG, `\r\n` and `\n` reveal line-ending conversion and `\x1a` stops `type` on DOS.
pub const MAGIC: [u8; 8] = *b"\x89LOX\r\n\x1a\n";

/// The format version this build writes and the only one it reads. Version 2 widened
/// constant, name, function and global operands from 16 to 24 bits; version 3 added
/// each function's span table.
pub const VERSION: u16 = 3;

/// Functions per file: as many as one function's constants can name, far more than any
/// real program has (each needs source text). The loader checks a count against the
/// bytes left in the file before it sizes any table by it.
pub const MAX_FUNCTIONS: usize = 1 << 24;
/// Code bytes per function: 256 MiB, some twenty million lines of source in one function.
/// The verifier keeps two bits per code byte and a few bytes per jump target, so this
/// bounds what a hostile (but honestly sized) file can make it hold.
pub const MAX_CODE_BYTES: usize = 1 << 28;
/// Bytes per string (names and string constants): 64 MiB, far beyond any literal.
pub const MAX_STRING_BYTES: usize = 1 << 26;
pub use super::{MAX_CONSTANTS, MAX_GLOBALS, MAX_UPVALUES};

/// The header byte of a front-end: a readable letter in a hex dump.
pub const fn dialect_tag(dialect: Dialect) -> u8 {
    match dialect {
        Dialect::Lox => b'L',
        Dialect::Potato => b'P',
    }
}

/// The front-end of a header byte.
pub fn dialect_of_tag(tag: u8) -> Option<Dialect> {
    match tag {
        b'L' => Some(Dialect::Lox),
        b'P' => Some(Dialect::Potato),
        _ => None,
    }
}

/// Constant tags.
const TAG_NUMBER: u8 = b'n';
const TAG_STRING: u8 = b's';
const TAG_FUNCTION: u8 = b'f';

/// The fewest bytes each encoded item takes, to check a count against what remains.
const MIN_STRING: usize = 4;
const MIN_FUNCTION: usize = MIN_STRING + 1 + 4 + 4 + 4 + 4 + 4;
const MIN_CONSTANT: usize = 1 + 4;
const UPVALUE_BYTES: usize = 2;
const LINE_RUN_BYTES: usize = 8;

/// True when `bytes` are a bytecode file rather than source text: they start with the
/// magic's first byte, which no source can start with. Anything else is source.
pub fn is_bytecode(bytes: &[u8]) -> bool {
    bytes.first() == Some(&MAGIC[0])
}

/// Encodes a module. Deterministic: the same module always gives the same bytes. A
/// module from the compiler is far inside every cap; one that is not writes a count
/// the reader rejects (`write_to` refuses it instead).
pub fn write(module: &Module) -> Vec<u8> {
    let mut out = Vec::new();
    encode(module, &mut out, |_| Ok(())).expect("a vector takes any bytes");
    out
}

/// Writes a module's bytes to `out` as it encodes them, without a copy of them all in
/// memory, after checking every count against the cap the reader applies: a module the
/// reader would refuse is an error of kind `InvalidData` and nothing is written.
pub fn write_to(module: &Module, out: &mut impl std::io::Write) -> std::io::Result<()> {
    check_caps(module).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    // Encoded a function at a time through one buffer, so the peak is one function's.
    let mut buffer = Vec::new();
    encode(module, &mut buffer, |buffer| {
        out.write_all(buffer)?;
        buffer.clear();
        Ok(())
    })
}

/// Checks every count of a module against the cap `read` applies to it.
pub fn check_caps(module: &Module) -> Result<(), String> {
    let over = |what: &str, n: usize, cap: usize| {
        if n > cap {
            Err(format!("{n} {what} exceed the format's limit of {cap}"))
        } else {
            Ok(())
        }
    };
    over("global names", module.globals.len(), MAX_GLOBALS)?;
    over("functions", module.functions.len(), MAX_FUNCTIONS)?;
    let strings = module
        .globals
        .iter()
        .chain(module.functions.iter().map(|f| &f.name));
    for s in strings {
        over("bytes in a name", s.len(), MAX_STRING_BYTES)?;
    }
    for f in &module.functions {
        over("upvalues", f.upvalues.len(), MAX_UPVALUES)?;
        over("code bytes", f.code.len(), MAX_CODE_BYTES)?;
        over("constants", f.constants.len(), MAX_CONSTANTS)?;
        over("line runs", f.lines.len(), f.code.len())?;
        over(
            "span table bytes",
            f.spans.len(),
            f.code.len().saturating_mul(15),
        )?;
        for c in &f.constants {
            if let Constant::Str(s) = c {
                over("bytes in a string constant", s.len(), MAX_STRING_BYTES)?;
            }
        }
    }
    Ok(())
}

/// Encodes a module into `out`, handing it to `flush` after the header and after each
/// function.
fn encode(
    module: &Module,
    out: &mut Vec<u8>,
    mut flush: impl FnMut(&mut Vec<u8>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.push(dialect_tag(module.dialect));
    out.push(0);
    put_len(out, module.globals.len());
    for name in &module.globals {
        put_str(out, name);
    }
    put_len(out, module.functions.len());
    flush(out)?;
    for f in &module.functions {
        put_str(out, &f.name);
        out.push(f.arity);
        out.extend_from_slice(&f.max_stack.to_le_bytes());
        put_len(out, f.upvalues.len());
        for u in &f.upvalues {
            out.push(u.is_local as u8);
            out.push(u.index);
        }
        put_len(out, f.code.len());
        out.extend_from_slice(&f.code);
        put_len(out, f.constants.len());
        for c in &f.constants {
            match c {
                Constant::Number(n) => {
                    out.push(TAG_NUMBER);
                    out.extend_from_slice(&n.to_bits().to_le_bytes());
                }
                Constant::Str(s) => {
                    out.push(TAG_STRING);
                    put_str(out, s);
                }
                Constant::Function(i) => {
                    out.push(TAG_FUNCTION);
                    out.extend_from_slice(&i.to_le_bytes());
                }
            }
        }
        put_len(out, f.lines.len());
        for run in &f.lines {
            out.extend_from_slice(&run.offset.to_le_bytes());
            out.extend_from_slice(&run.line.to_le_bytes());
        }
        put_len(out, f.spans.len());
        out.extend_from_slice(f.spans.as_bytes());
        flush(out)?;
    }
    Ok(())
}

/// Lengths are `u32`; a length past a cap is caught by `check_caps` (or, for `write`,
/// by the reader).
fn put_len(out: &mut Vec<u8>, len: usize) {
    out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Why a file could not be decoded: where (byte offset, and the function being read)
/// and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub offset: usize,
    pub function: Option<usize>,
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid bytecode file at byte {}", self.offset)?;
        if let Some(index) = self.function {
            write!(f, " (function #{index})")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// Decodes the structure of a file: header, lengths, strings, constant tags, line
/// tables and upvalue descriptors. The result still has to pass `verify::verify`.
///
/// Everything it allocates is sized by the file, so it is reserved fallibly: a file
/// too large for the memory left is an error (`out of memory for ...`), never an abort.
pub fn read(bytes: &[u8]) -> Result<Module, Error> {
    let mut r = Reader {
        bytes,
        pos: 0,
        function: None,
        out_of_memory: None,
    };
    read_module(&mut r).map_err(|mut e| {
        // The message of a failed reservation is written only now, when what was read
        // so far has been freed: there was no memory for it before.
        if let Some((n, what)) = r.out_of_memory.take() {
            e.message = format!("out of memory for {n} {what}");
        }
        e
    })
}

fn read_module(r: &mut Reader) -> Result<Module, Error> {
    let bytes = r.bytes;
    let magic = r
        .take(MAGIC.len(), "the magic number")
        .map_err(|_| r.error_at(0, not_bytecode()))?;
    if magic != MAGIC {
        return Err(r.error_at(0, not_bytecode()));
    }
    let version = r.u16("the format version")?;
    if version != VERSION {
        return Err(r.error_at(
            8,
            format!("format version {version} is not supported (this lox reads version {VERSION})"),
        ));
    }
    let tag = r.u8("the front-end tag")?;
    let dialect = dialect_of_tag(tag)
        .ok_or_else(|| r.error_at(10, format!("unknown front-end tag {tag:#04x}")))?;
    let reserved = r.u8("the reserved byte")?;
    if reserved != 0 {
        return Err(r.error_at(11, format!("the reserved byte is {reserved:#04x}, not 0")));
    }
    let n_globals = r.count("global names", MIN_STRING, MAX_GLOBALS)?;
    let mut globals = r.vec(n_globals, "global names")?;
    for _ in 0..n_globals {
        globals.push(r.string("a global name")?);
    }
    let n_functions = r.count("functions", MIN_FUNCTION, MAX_FUNCTIONS)?;
    let mut functions = r.vec(n_functions, "functions")?;
    for index in 0..n_functions {
        r.function = Some(index);
        functions.push(r.function()?);
    }
    r.function = None;
    if r.pos != bytes.len() {
        return Err(r.error(format!(
            "{} unexpected bytes after the last function",
            bytes.len() - r.pos
        )));
    }
    Ok(Module {
        functions,
        globals,
        dialect,
    })
}

fn not_bytecode() -> String {
    "not a loxide bytecode file (the magic number is wrong)".into()
}

/// A file that failed to decode or to verify.
#[derive(Debug, PartialEq)]
pub enum LoadError {
    File(Error),
    Verify(verify::Error),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::File(e) => e.fmt(f),
            LoadError::Verify(e) => e.fmt(f),
        }
    }
}

/// Decodes and verifies a file: the only way a file's code reaches the VM.
pub fn load(bytes: &[u8]) -> Result<Verified, LoadError> {
    let module = read(bytes).map_err(LoadError::File)?;
    let verified = verify::verify(module, MaxStack::Check).map_err(LoadError::Verify)?;
    Ok(verified)
}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
    function: Option<usize>,
    /// How many of what a failed reservation was for (see `read`).
    out_of_memory: Option<(usize, &'static str)>,
}

impl<'b> Reader<'b> {
    fn error(&self, message: String) -> Error {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, offset: usize, message: String) -> Error {
        Error {
            offset,
            function: self.function,
            message,
        }
    }

    /// An empty vector with room for `n` items, reserved fallibly: `n` is the file's
    /// (checked against the bytes that remain, but the items may be larger in memory
    /// than in the file), so a file too large for the memory there is is an error, not
    /// an abort.
    fn vec<T>(&mut self, n: usize, what: &'static str) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        match items.try_reserve_exact(n) {
            Ok(()) => Ok(items),
            Err(_) => Err(self.out_of_memory(n, what)),
        }
    }

    /// `take`, copied into memory reserved fallibly.
    fn take_vec(&mut self, n: usize, what: &'static str) -> Result<Vec<u8>, Error> {
        let mut copy = self.vec(n, "bytes")?;
        copy.extend_from_slice(self.take(n, what)?);
        Ok(copy)
    }

    /// The error of a failed reservation, which allocates nothing: `read` writes its
    /// message once the memory of what was read is given back.
    #[cold]
    fn out_of_memory(&mut self, n: usize, what: &'static str) -> Error {
        self.out_of_memory = Some((n, what));
        self.error(String::new())
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'b [u8], Error> {
        if n > self.remaining() {
            return Err(self.error(format!(
                "the file ends inside {what} ({n} bytes needed, {} remain)",
                self.remaining()
            )));
        }
        let slice = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(slice)
    }

    fn u8(&mut self, what: &str) -> Result<u8, Error> {
        Ok(self.take(1, what)?[0])
    }

    fn u16(&mut self, what: &str) -> Result<u16, Error> {
        let b = self.take(2, what)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, Error> {
        let b = self.take(4, what)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self, what: &str) -> Result<u64, Error> {
        let b = self.take(8, what)?;
        let mut array = [0u8; 8];
        array.copy_from_slice(b);
        Ok(u64::from_le_bytes(array))
    }

    /// A `u32` count of items of at least `min_size` bytes each, checked against the cap
    /// and against the bytes that remain, so that allocating for it is safe.
    fn count(&mut self, what: &str, min_size: usize, cap: usize) -> Result<usize, Error> {
        self.count_of("", what, min_size, cap)
    }

    /// `count` for "`prefix``what`", a phrase built only for an error message (this is
    /// the loader's hot path).
    fn count_of(
        &mut self,
        prefix: &str,
        what: &str,
        min_size: usize,
        cap: usize,
    ) -> Result<usize, Error> {
        let at = self.pos;
        if self.remaining() < 4 {
            return Err(self.error(format!(
                "the file ends inside the count of {prefix}{what} (4 bytes needed, {} remain)",
                self.remaining()
            )));
        }
        let n = self.u32("")? as usize;
        if n > cap {
            return Err(self.error_at(at, format!("{n} {prefix}{what} exceed the limit of {cap}")));
        }
        if n.saturating_mul(min_size) > self.remaining() {
            return Err(self.error_at(
                at,
                format!(
                    "{n} {prefix}{what} need at least {} bytes but only {} remain",
                    n * min_size,
                    self.remaining()
                ),
            ));
        }
        Ok(n)
    }

    fn string(&mut self, what: &'static str) -> Result<String, Error> {
        let len = self.count_of("bytes in ", what, 1, MAX_STRING_BYTES)?;
        let at = self.pos;
        let bytes = self.take(len, what)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                let mut copy = String::new();
                if copy.try_reserve_exact(len).is_err() {
                    return Err(self.out_of_memory(len, "bytes of a string"));
                }
                copy.push_str(s);
                Ok(copy)
            }
            Err(e) => {
                Err(self.error_at(at + e.valid_up_to(), format!("{what} is not valid UTF-8")))
            }
        }
    }

    fn function(&mut self) -> Result<Function, Error> {
        let name = self.string("the function's name")?;
        let arity = self.u8("the arity")?;
        let max_stack = self.u32("the maximum stack depth")?;
        let n_upvalues = self.count("upvalues", UPVALUE_BYTES, MAX_UPVALUES)?;
        let mut upvalues = self.vec(n_upvalues, "upvalues")?;
        for _ in 0..n_upvalues {
            let at = self.pos;
            let is_local = match self.u8("an upvalue")? {
                0 => false,
                1 => true,
                other => {
                    return Err(
                        self.error_at(at, format!("an upvalue's kind is {other}, not 0 or 1"))
                    );
                }
            };
            upvalues.push(UpvalueDesc {
                is_local,
                index: self.u8("an upvalue")?,
            });
        }
        let code_len = self.count("code bytes", 1, MAX_CODE_BYTES)?;
        let code = self.take_vec(code_len, "the code")?;
        let n_constants = self.count("constants", MIN_CONSTANT, MAX_CONSTANTS)?;
        let mut constants = self.vec(n_constants, "constants")?;
        for _ in 0..n_constants {
            let at = self.pos;
            constants.push(match self.u8("a constant")? {
                TAG_NUMBER => Constant::Number(f64::from_bits(self.u64("a number constant")?)),
                TAG_STRING => Constant::Str(self.string("a string constant")?),
                TAG_FUNCTION => Constant::Function(self.u32("a function constant")?),
                tag => return Err(self.error_at(at, format!("unknown constant tag {tag:#04x}"))),
            });
        }
        // Runs start at distinct offsets inside the code, so there are at most as many
        // runs as code bytes (the verifier checks the order).
        let n_runs = self.count("line runs", LINE_RUN_BYTES, code_len)?;
        let mut lines = self.vec(n_runs, "line runs")?;
        for _ in 0..n_runs {
            let offset = self.u32("a line run")?;
            let line = self.u32("a line run")?;
            lines.push(LineRun { offset, line });
        }
        // An entry takes at most fifteen bytes, and entries start at distinct offsets
        // inside the code (the verifier checks the table: `SpanTable::check`).
        let n_span_bytes = self.count("span table bytes", 1, code_len.saturating_mul(15))?;
        let spans = SpanTable::from_bytes(self.take_vec(n_span_bytes, "the span table")?);
        Ok(Function {
            name,
            arity,
            upvalues,
            code,
            constants,
            lines,
            spans,
            max_stack,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `fun f(a) { return a + 1; } print f(2);`, written by hand.
    fn sample() -> Module {
        use crate::Op;
        let f = Function {
            name: "f".into(),
            arity: 1,
            upvalues: Vec::new(),
            code: vec![Op::AddLocalConstant as u8, 1, 0, 0, Op::Return as u8],
            constants: vec![Constant::Number(1.0)],
            lines: vec![LineRun { offset: 0, line: 1 }],
            spans: Default::default(),
            max_stack: 0,
        };
        let script = Function {
            name: String::new(),
            arity: 0,
            upvalues: Vec::new(),
            code: vec![
                Op::Closure as u8,
                0,
                0,
                Op::DefineGlobal as u8,
                0,
                0,
                Op::GetGlobal as u8,
                0,
                0,
                Op::Constant as u8,
                2,
                0,
                Op::Call as u8,
                1,
                Op::Print as u8,
                Op::ReturnNil as u8,
            ],
            constants: vec![
                Constant::Function(1),
                Constant::Str("f".into()),
                Constant::Number(2.0),
            ],
            lines: vec![LineRun { offset: 0, line: 1 }],
            spans: Default::default(),
            max_stack: 0,
        };
        Module {
            functions: vec![script, f],
            globals: vec!["f".into()],
            dialect: Dialect::Lox,
        }
    }

    #[test]
    fn round_trips() {
        let module = sample();
        let bytes = write(&module);
        assert!(is_bytecode(&bytes));
        assert_eq!(read(&bytes), Ok(module));
    }

    #[test]
    fn magic_cannot_start_source() {
        assert!(std::str::from_utf8(&MAGIC[..1]).is_err());
        assert!(!is_bytecode(b"print 1;"));
        assert!(!is_bytecode(b""));
    }

    #[test]
    fn lying_lengths_are_rejected_before_allocation() {
        let mut bytes = write(&sample());
        // The global count sits right after the 12-byte header.
        bytes[12..16].copy_from_slice(&u32::MAX.to_le_bytes());
        let e = read(&bytes).unwrap_err();
        assert!(e.message.contains("exceed the limit"), "{e}");
        bytes[12..16].copy_from_slice(&60_000u32.to_le_bytes());
        let e = read(&bytes).unwrap_err();
        assert!(e.message.contains("only"), "{e}");
    }
}
