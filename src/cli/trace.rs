//! Folding long runtime traces, so that a runaway recursion fits on a screen: a trace
//! deeper than clox's 64 frames shows each run of repeated frames once, as Python does,
//! followed by a line that counts the repetitions:
//!
//! ```text
//! Stack overflow.
//! [line 1] in f()
//! [previous line repeated 99,998 more times]
//! [line 1] in script
//! ```
//!
//! A cycle of up to `MAX_PERIOD` frames (mutual recursion) folds the same way
//! (`[previous 2 lines repeated …]`), and if the folded trace is still longer than
//! `MAX_LINES`, its middle is left out (`[... 1,234 more frames ...]`). Traces of at
//! most 64 frames, and every trace under `--limits=clox`, are printed exactly as clox
//! prints them. The trade-off: the folded form is not clox's, so tools that read
//! traces line by line see the fold lines; they are in brackets, never `[line N]`.
//!
//! The folding is generic over the frame type, so the tests can fold rendered lines
//! the same way (tests/suite/hostile_source.rs includes this file).

/// Traces this deep or less are never folded: clox's own frame limit.
pub const FOLD_ABOVE: usize = 64;
/// The longest cycle of frames that folds (mutual recursion of up to 8 functions).
pub const MAX_PERIOD: usize = 8;
/// A block folds when it occurs at least this many times in a row.
pub const MIN_REPEATS: usize = 3;
/// The most lines a folded trace keeps; beyond that, the middle is left out.
pub const MAX_LINES: usize = 48;

/// One line of a folded trace.
#[derive(Debug, PartialEq, Eq)]
pub enum Line<'a, T> {
    /// A frame, shown as is.
    Frame(&'a T),
    /// The `lines` lines above occur `times` more times here.
    Repeated { lines: usize, times: usize },
    /// This many frames are left out.
    Omitted(usize),
}

/// Folds `frames` (innermost first) when there are more than `FOLD_ABOVE` of them;
/// otherwise returns them unchanged.
pub fn fold<T: PartialEq>(frames: &[T]) -> Vec<Line<'_, T>> {
    if frames.len() <= FOLD_ABOVE {
        return frames.iter().map(Line::Frame).collect();
    }
    // Each folded line with the number of frames it stands for.
    let mut folded: Vec<(Line<'_, T>, usize)> = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let (period, copies) = longest_cycle_at(frames, i);
        if copies >= MIN_REPEATS {
            folded.extend(frames[i..i + period].iter().map(|f| (Line::Frame(f), 1)));
            let times = copies - 1;
            folded.push((
                Line::Repeated {
                    lines: period,
                    times,
                },
                times * period,
            ));
            i += copies * period;
        } else {
            folded.push((Line::Frame(&frames[i]), 1));
            i += 1;
        }
    }
    if folded.len() <= MAX_LINES {
        return folded.into_iter().map(|(line, _)| line).collect();
    }
    // Keep both ends: where the program failed, and how it got there.
    let keep = MAX_LINES / 2;
    let tail_start = folded.len() - keep;
    let omitted: usize = folded[keep..tail_start].iter().map(|(_, n)| n).sum();
    let mut lines = Vec::with_capacity(MAX_LINES + 1);
    let mut entries = folded.into_iter();
    lines.extend(entries.by_ref().take(keep).map(|(line, _)| line));
    lines.push(Line::Omitted(omitted));
    lines.extend(entries.skip(tail_start - keep).map(|(line, _)| line));
    lines
}

/// The cycle starting at `start` that covers the most frames: its length and how many
/// copies of it follow one another (1 when nothing repeats).
fn longest_cycle_at<T: PartialEq>(frames: &[T], start: usize) -> (usize, usize) {
    let mut best = (1, 1);
    for period in 1..=MAX_PERIOD {
        let block = match frames.get(start..start + period) {
            Some(block) => block,
            None => break,
        };
        let mut copies = 1;
        while frames
            .get(start + copies * period..start + (copies + 1) * period)
            .is_some_and(|next| next == block)
        {
            copies += 1;
        }
        if copies >= MIN_REPEATS && copies * period > best.0 * best.1 {
            best = (period, copies);
        }
    }
    best
}

/// Renders a fold line (`Repeated` or `Omitted`); frames are rendered by the caller.
pub fn fold_line(lines: usize, times: usize) -> String {
    match lines {
        1 => format!("[previous line repeated {} more times]", thousands(times)),
        n => format!(
            "[previous {n} lines repeated {} more times]",
            thousands(times)
        ),
    }
}

/// The line for `Omitted(frames)`.
pub fn omitted_line(frames: usize) -> String {
    format!("[... {} more frames ...]", thousands(frames))
}

/// `n` with commas between groups of three digits: `99,998`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folds a trace written as one letter per frame and renders it as letters and
    /// `(lines x times)` / `(-n)` markers.
    fn folded(frames: &str) -> String {
        let frames: Vec<char> = frames.chars().collect();
        fold(&frames)
            .iter()
            .map(|line| match line {
                Line::Frame(c) => c.to_string(),
                Line::Repeated { lines, times } => format!("({lines}x{times})"),
                Line::Omitted(n) => format!("(-{n})"),
            })
            .collect()
    }

    #[test]
    fn short_traces_are_kept_whole() {
        let trace = "a".repeat(FOLD_ABOVE);
        assert_eq!(folded(&trace), trace);
    }

    #[test]
    fn repeated_frames_and_cycles_fold() {
        // (trace, folded)
        let cases = [
            (
                format!("{}s", "f".repeat(99_999)),
                "f(1x99998)s".to_string(),
            ),
            (format!("x{}s", "fg".repeat(40)), "xfg(2x39)s".to_string()),
            (
                format!("{}ab{}s", "f".repeat(70), "g".repeat(2)),
                "f(1x69)abggs".into(),
            ),
            (
                format!("{}{}s", "abc".repeat(30), "d".repeat(30)),
                "abc(3x29)d(1x29)s".into(),
            ),
        ];
        for (trace, expected) in cases {
            assert_eq!(folded(&trace), expected, "{trace}");
        }
    }

    #[test]
    fn the_middle_of_a_trace_that_does_not_fold_is_left_out() {
        let trace: String = (0..100u32)
            .map(|i| char::from_u32(0x100 + i).unwrap())
            .collect();
        let out = folded(&trace);
        let chars: Vec<char> = trace.chars().collect();
        let head: String = chars[..MAX_LINES / 2].iter().collect();
        let tail: String = chars[100 - MAX_LINES / 2..].iter().collect();
        assert_eq!(out, format!("{head}(-{}){tail}", 100 - MAX_LINES));
    }

    #[test]
    fn counts_have_thousands_separators() {
        for (n, text) in [(0, "0"), (999, "999"), (1000, "1,000"), (99_998, "99,998")] {
            assert_eq!(thousands(n), text);
        }
        assert_eq!(fold_line(1, 5), "[previous line repeated 5 more times]");
        assert_eq!(
            fold_line(2, 1000),
            "[previous 2 lines repeated 1,000 more times]"
        );
    }
}
