//! The dynamic opcode profile (cargo feature `op-profile`): how often each opcode and
//! each pair of consecutive opcodes ran. It is how superinstructions are chosen. With
//! the feature off this module is empty and the interpreter loop does not call it.

use loxide_bytecode::Op;

/// Counts of executed opcodes and opcode pairs.
pub struct Profile {
    ops: Vec<u64>,
    pairs: Vec<u64>,
    previous: usize,
}

impl Default for Profile {
    fn default() -> Self {
        Profile {
            ops: vec![0; 256],
            pairs: vec![0; 256 * 256],
            previous: 0,
        }
    }
}

impl Profile {
    #[inline(always)]
    pub fn record(&mut self, byte: u8) {
        let byte = byte as usize;
        self.ops[byte] += 1;
        self.pairs[self.previous * 256 + byte] += 1;
        self.previous = byte;
    }

    /// The report: the most frequent opcodes and pairs, with their shares.
    pub fn report(&self) -> String {
        let name = |b: usize| Op::from_byte(b as u8).map(Op::name).unwrap_or("?");
        let total: u64 = self.ops.iter().sum::<u64>().max(1);
        let mut out = format!("== opcode profile: {total} instructions ==\n");
        let mut ops: Vec<(usize, u64)> = self
            .ops
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .collect();
        ops.sort_by(|a, b| b.1.cmp(&a.1));
        for (b, n) in ops.iter().take(30) {
            out.push_str(&format!(
                "{:>14} {:5.1}%  {}\n",
                n,
                100.0 * *n as f64 / total as f64,
                name(*b)
            ));
        }
        out.push_str("== opcode pairs ==\n");
        let mut pairs: Vec<(usize, u64)> = self
            .pairs
            .iter()
            .copied()
            .enumerate()
            .filter(|(_, n)| *n > 0)
            .collect();
        pairs.sort_by(|a, b| b.1.cmp(&a.1));
        for (p, n) in pairs.iter().take(40) {
            out.push_str(&format!(
                "{:>14} {:5.1}%  {} -> {}\n",
                n,
                100.0 * *n as f64 / total as f64,
                name(p / 256),
                name(p % 256)
            ));
        }
        out
    }
}
