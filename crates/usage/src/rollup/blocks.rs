//! A JSON-lines file read in blocks of whole lines by the parser threads themselves.
//!
//! Each parser reads its next block into its own buffer under a lock, then parses it on the same
//! core while the text is still in its cache. A reader thread handing blocks over cost a fifth
//! of the rollup's CPU time (profile, 1M records): the copy out of the page cache into a
//! buffer last touched by another core, the line splitting and a third thread on two cores.
//! Line numbers are not counted here: a parser counts the lines of its block as it walks them,
//! and the few error lines are numbered at the end ([`LineNumbers`]).

use crate::UsageError;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes read per block: large enough that the lock is rare, small enough that two blocks in
/// flight stay in the caches' reach of a few MB.
pub const BLOCK_BYTES: usize = 4 << 20;

pub struct Blocks {
    path: PathBuf,
    state: Mutex<State>,
}

struct State {
    file: std::fs::File,
    /// The partial last line of the previous block.
    carry: Vec<u8>,
    next_seq: u64,
    done: bool,
}

impl Blocks {
    pub fn open(path: &Path) -> Result<Self, UsageError> {
        let file = std::fs::File::open(path).map_err(|source| UsageError::Read { path: path.into(), source })?;
        Ok(Self { path: path.into(), state: Mutex::new(State { file, carry: Vec::new(), next_seq: 0, done: false }) })
    }

    /// Read the next block of whole lines into `buf` (replacing its content): the block's
    /// sequence number (0, 1, …), or `None` at the end of the file.
    pub fn next_into(&self, buf: &mut Vec<u8>) -> Result<Option<u64>, UsageError> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let s = &mut *state;
        buf.clear();
        buf.append(&mut s.carry);
        while !s.done {
            let before = buf.len();
            // `read_to_end` appends without zeroing the buffer first.
            let n = (&mut s.file)
                .take(BLOCK_BYTES as u64)
                .read_to_end(buf)
                .map_err(|source| UsageError::Read { path: self.path.clone(), source })?;
            if n < BLOCK_BYTES {
                s.done = true;
                break;
            }
            // Keep the partial last line for the next block; a line longer than a block
            // makes this one longer.
            if let Some(end) = memchr::memrchr(b'\n', &buf[before..]) {
                s.carry.extend_from_slice(&buf[before + end + 1..]);
                buf.truncate(before + end + 1);
                break;
            }
        }
        if buf.is_empty() {
            return Ok(None);
        }
        let seq = s.next_seq;
        s.next_seq += 1;
        Ok(Some(seq))
    }
}

/// Where a record is before lines are numbered: its block, and the newlines before it there.
pub type At = (u64, u64);

/// Newlines per block, gathered from the parsers, to number the lines of errors.
#[derive(Default)]
pub struct LineNumbers {
    newlines: Vec<(u64, u64)>,
}

impl LineNumbers {
    pub fn add(&mut self, seq: u64, newlines: u64) {
        self.newlines.push((seq, newlines));
    }

    pub fn extend(&mut self, other: LineNumbers) {
        self.newlines.extend(other.newlines);
    }

    /// Line numbers (from 1) of records, in the order given.
    pub fn lines(mut self, at: &[At]) -> Vec<u64> {
        self.newlines.sort_unstable();
        // First line of each block: 1 plus the newlines of the blocks before it.
        let mut first = Vec::with_capacity(self.newlines.len());
        let mut line = 1u64;
        for &(_, n) in &self.newlines {
            first.push(line);
            line += n;
        }
        at.iter()
            .map(|&(seq, before)| {
                let i = self.newlines.partition_point(|&(s, _)| s < seq);
                first.get(i).copied().unwrap_or(line) + before
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    #[test]
    fn blocks_hold_whole_lines_in_order_and_lines_are_numbered_across_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        // Lines of varied lengths, one longer than a block, a blank one, no final newline.
        let mut expected = Vec::new();
        for i in 0..40usize {
            let pad = match i {
                17 => "y".repeat(BLOCK_BYTES + 1000),
                _ => "x".repeat((i * 7919) % (BLOCK_BYTES / 5)),
            };
            expected.push(format!("{{\"Id\":\"{i}\",\"pad\":\"{pad}\"}}"));
        }
        let mut text = expected.join("\n");
        text.insert_str(text.find("\"Id\":\"5\"").unwrap() - 1, "   \n");
        f.write_all(text.as_bytes()).unwrap();
        drop(f);
        let blocks = Blocks::open(&path).unwrap();
        let (mut buf, mut got, mut at, mut numbers) = (Vec::new(), Vec::new(), Vec::new(), LineNumbers::default());
        let mut seqs = Vec::new();
        while let Some(seq) = blocks.next_into(&mut buf).unwrap() {
            seqs.push(seq);
            let mut newlines = 0;
            for line in buf.split(|&b| b == b'\n') {
                if !line.trim_ascii().is_empty() {
                    got.push(String::from_utf8(line.to_vec()).unwrap());
                    at.push((seq, newlines));
                }
                newlines += 1;
            }
            numbers.add(seq, newlines - 1);
        }
        assert!(seqs.len() > 2, "several blocks: {}", seqs.len());
        assert_eq!(seqs, (0..seqs.len() as u64).collect::<Vec<_>>());
        assert_eq!(got, expected);
        let lines = numbers.lines(&at);
        let mut want: Vec<u64> = (1..=5).collect();
        want.extend(7..=41);
        assert_eq!(lines, want, "the blank line 6 is skipped but counted");
    }
}
