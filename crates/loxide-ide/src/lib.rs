//! Editor support for Lox and Potato: what an editor asks about a document, answered
//! from the data the compiler's own stages make.
//!
//! `analysis::analyze` compiles a document once through the ordinary pipeline, up to
//! lowering (`loxide::driver::check_observed`), with an observer that keeps what editors need: the tokens
//! (`text`), every declaration and name use with its binding (`index`), and the
//! semantic warnings (`warnings`). The compile errors are the driver's own, so the
//! editor shows exactly what `lox` reports. `server` speaks the Language Server
//! Protocol over standard input and output (`lox lsp`); `lines` converts byte offsets
//! to the protocol's UTF-16 positions.
//!
//! Nothing here changes how a program compiles or runs: the warnings are advice, shown
//! by `lox check`, the rich and JSON error formats and the language server, never by
//! clox's format.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod analysis;
pub mod features;
pub mod index;
pub mod lines;
pub mod server;
pub mod text;
pub mod warnings;

pub use analysis::{Analysis, analyze};
