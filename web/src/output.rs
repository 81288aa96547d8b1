//! What a run printed, as the page keeps it: the latest [`KEPT_BYTES`] of it, in order, with a
//! count of the lines that went. `while True: print(1)` prints megabytes a second; kept whole,
//! and drawn whole at every poll, it froze the page and then ran it out of memory.

use std::collections::VecDeque;

use threadlab_python::Stream;

/// How much output the page keeps and shows: a few thousand lines, more than a learner reads.
pub const KEPT_BYTES: usize = 64 * 1024;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct OutputLog {
    /// Runs of text from one stream, oldest first; neighbours always differ in stream.
    runs: VecDeque<(Stream, String)>,
    bytes: usize,
    dropped_lines: usize,
}

impl OutputLog {
    /// Appends `text` printed to `stream`, letting the oldest output go past [`KEPT_BYTES`].
    pub fn push(&mut self, stream: Stream, text: &str) {
        match self.runs.back_mut() {
            Some((last, run)) if *last == stream => run.push_str(text),
            _ => self.runs.push_back((stream, text.to_owned())),
        }
        self.bytes += text.len();
        while self.bytes > KEPT_BYTES {
            let Some((_, oldest)) = self.runs.front_mut() else {
                break;
            };
            let excess = self.bytes - KEPT_BYTES;
            if excess >= oldest.len() {
                self.dropped_lines += oldest.matches('\n').count();
                self.bytes -= oldest.len();
                self.runs.pop_front();
            } else {
                // Whole lines only: cut after the first newline at or beyond the excess (a
                // byte search: the excess may fall inside a character, a newline never does).
                let cut = oldest.as_bytes()[excess..]
                    .iter()
                    .position(|&byte| byte == b'\n')
                    .map_or(oldest.len(), |at| excess + at + 1);
                self.dropped_lines += oldest[..cut].matches('\n').count();
                self.bytes -= cut;
                if cut == oldest.len() {
                    self.runs.pop_front();
                } else {
                    oldest.drain(..cut);
                }
            }
        }
    }

    /// The kept output, in order.
    pub fn runs(&self) -> impl DoubleEndedIterator<Item = &(Stream, String)> {
        self.runs.iter()
    }

    /// Lines printed before the kept output begins.
    pub fn dropped_lines(&self) -> usize {
        self.dropped_lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_of_one_stream_merge_and_order_is_kept() {
        let mut log = OutputLog::default();
        log.push(Stream::Stdout, "a\n");
        log.push(Stream::Stdout, "b\n");
        log.push(Stream::Stderr, "oops\n");
        log.push(Stream::Stdout, "c\n");
        let runs: Vec<_> = log.runs().cloned().collect();
        assert_eq!(
            runs,
            vec![
                (Stream::Stdout, "a\nb\n".to_owned()),
                (Stream::Stderr, "oops\n".to_owned()),
                (Stream::Stdout, "c\n".to_owned()),
            ]
        );
        assert_eq!(log.dropped_lines(), 0);
    }

    #[test]
    fn a_flood_keeps_the_latest_whole_lines_and_counts_the_rest() {
        let mut log = OutputLog::default();
        for n in 0..100_000 {
            log.push(Stream::Stdout, &format!("line {n}\n"));
        }
        log.push(Stream::Stderr, "Traceback: the end\n");
        let kept: String = log.runs().map(|(_, text)| text.as_str()).collect();
        assert!(kept.len() <= KEPT_BYTES);
        assert!(kept.starts_with("line "), "{}", &kept[..20]);
        assert!(kept.ends_with("line 99999\nTraceback: the end\n"));
        let kept_lines = kept.matches('\n').count();
        assert_eq!(log.dropped_lines() + kept_lines, 100_001);
    }
}
