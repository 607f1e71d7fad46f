//! A file of audit records cut into chunks of whole records, for parser threads.
//!
//! Two layouts are read: JSON lines (one record per line, what exports and the bench write) and
//! a JSON array of records (what the Management Activity API's content blobs are). JSON lines
//! stream in fixed-size chunks cut after a newline; an array is read whole (blobs are small) and
//! its elements located once.

use crate::UsageError;
use serde::Deserialize;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Bytes per chunk of a JSON-lines file: large enough that channel hops do not matter, small
/// enough that a few chunks per thread in flight stay a few tens of MB.
pub const CHUNK_BYTES: usize = 4 << 20;

/// Arrays above this size are refused: they would be read whole.
const MAX_ARRAY_BYTES: u64 = 2 << 30;

/// Whole records and where they are.
pub struct Chunk {
    pub text: Vec<u8>,
    /// Byte ranges of the records in `text`.
    pub records: Vec<Range<usize>>,
    /// Line number (from 1) of each record, for error messages.
    pub lines: Vec<u64>,
}

/// The file's layout, from its first non-blank byte.
pub enum Layout {
    Lines,
    Array,
}

pub fn detect(path: &Path) -> Result<Layout, UsageError> {
    let mut file = std::fs::File::open(path).map_err(|source| UsageError::Read { path: path.into(), source })?;
    let mut head = [0u8; 4096];
    let n = file.read(&mut head).map_err(|source| UsageError::Read { path: path.into(), source })?;
    match head[..n].iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'[') => Ok(Layout::Array),
        Some(b'{') | None => Ok(Layout::Lines),
        Some(other) => Err(UsageError::Invalid(format!(
            "{}: expected Office 365 audit records as JSON lines or a JSON array, but the file starts with '{}'",
            path.display(),
            char::from(*other).escape_default()
        ))),
    }
}

/// Reads a JSON-lines file chunk by chunk.
pub struct LineChunks {
    path: PathBuf,
    file: std::fs::File,
    carry: Vec<u8>,
    next_line: u64,
    done: bool,
}

impl LineChunks {
    pub fn open(path: &Path) -> Result<Self, UsageError> {
        let file = std::fs::File::open(path).map_err(|source| UsageError::Read { path: path.into(), source })?;
        Ok(Self { path: path.into(), file, carry: Vec::new(), next_line: 1, done: false })
    }

    /// The next chunk, or `None` at the end of the file.
    pub fn next_chunk(&mut self) -> Result<Option<Chunk>, UsageError> {
        if self.done {
            return Ok(None);
        }
        let mut text = Vec::new();
        text.append(&mut self.carry);
        // `read_to_end` appends without zeroing the buffer first.
        let n = (&mut self.file)
            .take(CHUNK_BYTES as u64)
            .read_to_end(&mut text)
            .map_err(|source| UsageError::Read { path: self.path.clone(), source })?;
        if n < CHUNK_BYTES {
            self.done = true;
        }
        if !self.done {
            // Keep the partial last line for the next chunk; a line longer than a chunk grows it.
            match memchr::memrchr(b'\n', &text) {
                Some(end) => self.carry = text.split_off(end + 1),
                None => {
                    self.carry = text;
                    return self.next_chunk();
                }
            }
        }
        if text.is_empty() {
            return Ok(None);
        }
        let mut records = Vec::new();
        let mut lines = Vec::new();
        let mut pos = 0;
        for end in memchr::memchr_iter(b'\n', &text).chain(std::iter::once(text.len())) {
            if end < pos {
                continue;
            }
            let line = trim(&text, pos..end);
            if !line.is_empty() {
                records.push(line);
                lines.push(self.next_line);
            }
            if end < text.len() {
                self.next_line += 1;
            }
            pos = end + 1;
        }
        Ok(Some(Chunk { text, records, lines }))
    }
}

fn trim(text: &[u8], r: Range<usize>) -> Range<usize> {
    let s = &text[r.clone()];
    let lead = s.iter().take_while(|b| b.is_ascii_whitespace()).count();
    let trail = s[lead..].iter().rev().take_while(|b| b.is_ascii_whitespace()).count();
    r.start + lead..r.end - trail
}

/// A JSON array of records, read whole, as one chunk.
pub fn array_chunk(path: &Path) -> Result<Chunk, UsageError> {
    let size = std::fs::metadata(path).map_err(|source| UsageError::Read { path: path.into(), source })?.len();
    if size > MAX_ARRAY_BYTES {
        return Err(UsageError::Invalid(format!(
            "{}: a JSON array of {size} bytes is too large to read whole; write the records as JSON lines \
             (one record per line), e.g. with `jq -c '.[]'`",
            path.display()
        )));
    }
    let text = std::fs::read(path).map_err(|source| UsageError::Read { path: path.into(), source })?;
    let elements: Vec<&serde_json::value::RawValue> = {
        let mut de = serde_json::Deserializer::from_slice(&text);
        let v = Vec::<&serde_json::value::RawValue>::deserialize(&mut de).map_err(|e| UsageError::Record {
            path: path.into(),
            line: e.line() as u64,
            reason: format!("not a JSON array of audit records: {e}"),
        })?;
        de.end().map_err(|e| UsageError::Record {
            path: path.into(),
            line: e.line() as u64,
            reason: format!("text after the array of records: {e}"),
        })?;
        v
    };
    let base = text.as_ptr() as usize;
    let mut records = Vec::with_capacity(elements.len());
    let mut lines = Vec::with_capacity(elements.len());
    let mut line = 1u64;
    let mut counted_to = 0usize;
    for e in &elements {
        let start = e.get().as_ptr() as usize - base;
        line += memchr::memchr_iter(b'\n', &text[counted_to..start]).count() as u64;
        counted_to = start;
        records.push(start..start + e.get().len());
        lines.push(line);
    }
    drop(elements);
    Ok(Chunk { text, records, lines })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::io::Write;

    #[test]
    fn lines_are_whole_across_chunks_with_line_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.jsonl");
        let mut f = std::fs::File::create(&path).unwrap();
        let long = "x".repeat(CHUNK_BYTES / 3);
        let mut expected = Vec::new();
        for i in 0..10 {
            let line = format!("{{\"Id\":\"{i}\",\"pad\":\"{long}\"}}");
            writeln!(f, "{line}").unwrap();
            if i == 4 {
                writeln!(f, "   ").unwrap();
            }
            expected.push(line);
        }
        drop(f);
        let mut chunks = LineChunks::open(&path).unwrap();
        let (mut got, mut lines) = (Vec::new(), Vec::new());
        while let Some(c) = chunks.next_chunk().unwrap() {
            for (r, l) in c.records.iter().zip(&c.lines) {
                got.push(String::from_utf8(c.text[r.clone()].to_vec()).unwrap());
                lines.push(*l);
            }
        }
        assert_eq!(got, expected);
        assert_eq!(lines, vec![1, 2, 3, 4, 5, 7, 8, 9, 10, 11], "the blank line 6 is skipped but counted");
    }

    #[test]
    fn arrays_give_their_elements_and_refuse_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blob.json");
        std::fs::write(&path, "[\n {\"Id\":\"a\"},\n {\"Id\":\"b\"}\n]").unwrap();
        assert!(matches!(detect(&path).unwrap(), Layout::Array));
        let c = array_chunk(&path).unwrap();
        let texts: Vec<_> = c.records.iter().map(|r| std::str::from_utf8(&c.text[r.clone()]).unwrap()).collect();
        assert_eq!(texts, vec!["{\"Id\":\"a\"}", "{\"Id\":\"b\"}"]);
        assert_eq!(c.lines, vec![2, 3]);
        std::fs::write(&path, "[{\"Id\":\"a\"},").unwrap();
        let err = array_chunk(&path).err().unwrap().to_string();
        assert!(err.contains("blob.json") && err.contains("not a JSON array"), "{err}");
        std::fs::write(&path, "Id,Operation\n").unwrap();
        let err = detect(&path).err().unwrap().to_string();
        assert!(err.contains("JSON lines or a JSON array"), "{err}");
    }
}
