//! loxide's compiler: a resolved program (from `loxide-syntax`) to bytecode (of
//! `loxide-bytecode`).
//!
//! `ir` lowers the core tree to a linear IR with labels and checks every limit the
//! encoding has; `ir::optimize` folds constants and fuses instructions; `encode` picks
//! encodings, resolves labels and builds line tables. The result still has to pass the
//! bytecode verifier before anything runs it.
#![forbid(unsafe_code)]

pub mod encode;
pub mod ir;

// Semantic analysis rejects functions nested deeper than the verifier accepts, so a
// program that compiles also verifies.
const _: () = assert!(
    loxide_syntax::sema::MAX_FUNCTION_NESTING == loxide_bytecode::verify::MAX_FUNCTION_NESTING
);
