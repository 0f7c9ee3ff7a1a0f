//! Fuzz target: arbitrary bytes as a Lox or Potato program, through the whole pipeline
//! and a step-limited run (`loxide_fuzz::source`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| loxide_fuzz::source(data));
