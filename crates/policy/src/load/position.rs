//! Mapping a byte offset inside a YAML string value back to the line and column of the file.
//!
//! The condition compiler reports errors as byte offsets into the condition *value*; the user
//! needs the place in the *file*. The two differ: a `|` block drops each line's indentation,
//! a `>` block or a multi-line plain scalar folds line breaks into spaces, quoted scalars have
//! escapes and doubled quotes. Rather than re-implementing YAML's scalar rules, the value is
//! aligned with the raw text: each non-blank character of the value is found in order in the
//! raw text, and blanks are matched one for one where the raw text has blanks. Whatever the
//! style, the non-blank characters of a condition appear in the file in the same order, so the
//! position is exact for them and at worst a few columns off on whitespace or escapes.

/// A 1-based line and column (in characters, as serde-saphyr counts them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineColumn {
    pub line: u32,
    pub column: u32,
}

/// Where byte `target` of `value` was written, given the scalar's raw text at
/// `source[start..end]` (as serde-saphyr spans it: the opening quote of a quoted scalar, the
/// first content character of a plain or block scalar). `None` when the span is unusable.
pub(crate) fn locate(source: &str, start: usize, end: Option<usize>, value: &str, target: usize) -> Option<LineColumn> {
    let end = end.unwrap_or(source.len()).min(source.len());
    let raw = source.get(start..end)?;
    let raw_chars: Vec<(usize, char)> = raw.char_indices().collect();
    let at = |r: usize| raw_chars.get(r).map_or(raw.len(), |&(i, _)| i);

    let mut r = 0;
    if matches!(raw_chars.first(), Some((_, '"' | '\''))) {
        r = 1;
    }
    let mut found = None;
    for (i, c) in value.char_indices() {
        if i >= target {
            found = Some(at(r));
            break;
        }
        if c.is_whitespace() {
            if raw_chars.get(r).is_some_and(|&(_, rc)| rc.is_whitespace()) {
                r += 1;
            }
        } else {
            match raw_chars[r.min(raw_chars.len())..].iter().position(|&(_, rc)| rc == c) {
                Some(k) => r += k + 1,
                // Lost alignment (an escape such as `\u00e9`): the best known position.
                None => {
                    found = Some(at(r));
                    break;
                }
            }
        }
    }
    let byte = start + found.unwrap_or_else(|| at(r));
    Some(line_column(source, byte))
}

/// The 1-based line and column of byte `byte` of `source` (clamped to the text).
pub(crate) fn line_column(source: &str, byte: usize) -> LineColumn {
    let mut byte = byte.min(source.len());
    while !source.is_char_boundary(byte) {
        byte -= 1;
    }
    let before = &source[..byte];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    LineColumn { line: u32::try_from(line).unwrap_or(u32::MAX), column: u32::try_from(column).unwrap_or(u32::MAX) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::node::{Value, parse};

    /// Parses `text` (one mapping with key `c`), and locates byte `target` of c's value.
    fn locate_in(text: &str, needle: &str) -> LineColumn {
        let docs = parse(text).expect("valid YAML");
        let Value::Map(entries) = &docs[0].value else { panic!("mapping expected") };
        let node = &entries[0].1;
        let Value::Str(value) = &node.value else { panic!("string expected") };
        let target = value.find(needle).expect("needle in value");
        let start = node.offset.expect("offset");
        locate(text, start, node.len.map(|l| start + l), value, target).expect("located")
    }

    fn lc(line: u32, column: u32) -> LineColumn {
        LineColumn { line, column }
    }

    #[test]
    fn plain_scalar_on_one_line() {
        assert_eq!(locate_in("c: resource.x > params.y\n", "params"), lc(1, 17));
    }

    #[test]
    fn literal_block_lines_and_their_indentation() {
        let text = "c: |\n  resource.a > 1\n    && resource.bad == 2\n";
        assert_eq!(locate_in(text, "resource.a"), lc(2, 3));
        assert_eq!(locate_in(text, "resource.bad"), lc(3, 8));
        assert_eq!(locate_in(text, "bad"), lc(3, 17));
    }

    #[test]
    fn literal_block_with_blank_lines_and_explicit_indent() {
        let text = "c: |2\n    resource.a\n\n    && oops\n";
        assert_eq!(locate_in(text, "oops"), lc(4, 8));
    }

    #[test]
    fn folded_block_and_multi_line_plain_scalar() {
        let text = "c: >-\n  resource.a > 1 &&\n  resource.oops\n";
        assert_eq!(locate_in(text, "oops"), lc(3, 12));
        let text = "c: resource.a > 1 &&\n  resource.oops\n";
        assert_eq!(locate_in(text, "oops"), lc(2, 12));
    }

    #[test]
    fn quoted_scalars_with_escapes() {
        assert_eq!(locate_in("c: \"a == \\\"x\\\" && oops\"\n", "oops"), lc(1, 19));
        assert_eq!(locate_in("c: 'it''s + oops'\n", "oops"), lc(1, 13));
    }

    #[test]
    fn offsets_past_the_end_and_made_up_spans_do_not_panic() {
        let text = "c: abc\n";
        assert_eq!(locate(text, 3, Some(6), "abc", 99), Some(lc(1, 7)));
        assert_eq!(locate(text, 99, None, "abc", 1), None);
        assert_eq!(line_column("é", 1), lc(1, 1));
    }
}
