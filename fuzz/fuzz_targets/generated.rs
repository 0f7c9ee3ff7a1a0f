//! Fuzz target: bytes as a seed and knobs for the program generator; the program runs
//! the same from source and from its bytecode file (`loxide_fuzz::generated`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| loxide_fuzz::generated(data));
