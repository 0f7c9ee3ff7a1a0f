//! Fuzz target: arbitrary bytes through the bytecode loader, the verifier and the VM.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| loxide_fuzz::loader(data));
