//! Runs annotated Lox programs and judges them by their annotations, for the project's
//! corpus (`tests/suite.rs`) and for the book's test suite (the `book-suite` program);
//! one parser and one checker serve both, so a file means the same in either, at the
//! cost of the project's additions (`// args:` lines, Potato's `#` comments) being read
//! in the book's files too, which never use them.
//!
//! The pipeline has one module per step:
//!
//! * [`annotation`] reads what a test file expects (`// expect: ...` and friends).
//! * [`execute`] runs an interpreter on a file with a time limit and collects what it
//!   printed and its exit status.
//! * [`check`] compares the two and describes every difference.
//! * [`corpus`] finds test files, runs many of them in parallel, and prints the report.
//! * [`book`] chooses the files of the book's checkout that the book's clox suite runs.
//!
//! Two more modules test `lox playground`: [`http`], a minimal client, and [`load`],
//! the load test (also the `playground-load` program).
//!
//! The checks are the book's runner's, and so are the failure messages (each on one
//! line). It differs in three small ways: a file gets [`execute::TIMEOUT`] to finish,
//! output splits into lines at every break Python knows (the book's runner splits at
//! LF, CR and CRLF only), and a file expecting both compile and runtime errors is run
//! and judged by its runtime error instead of being set aside as a broken test (the
//! book has no such file).
//!
//! Nothing here knows about loxide itself: the interpreter is any program that takes a
//! file path, and the library has no dependencies.

pub mod annotation;
pub mod book;
pub mod check;
pub mod corpus;
pub mod execute;
pub mod http;
pub mod load;

/// The exit status clox uses for compile errors (`EX_DATAERR`).
pub const EXIT_COMPILE_ERROR: i32 = 65;

/// The exit status clox uses for runtime errors (`EX_SOFTWARE`).
pub const EXIT_RUNTIME_ERROR: i32 = 70;
