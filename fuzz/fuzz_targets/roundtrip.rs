//! Fuzz target: what compiles runs the same from its bytecode file as directly
//! (`loxide_fuzz::roundtrip`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| loxide_fuzz::roundtrip(data));
