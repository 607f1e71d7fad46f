//! A YAML document as a tree of nodes that each know where they were written.
//!
//! serde-saphyr deserializes straight into typed structs, which would make one bad entry fail
//! the whole file and leave most errors without a precise position. Instead each file is read
//! once into this generic tree (every node with its line, column and byte range), and the
//! policies are then built from it entry by entry, so a bad entry is reported at the exact key
//! and the other entries still load. Only a YAML syntax error loses the whole file.

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::fmt;

/// One YAML node and where it starts (1-based line and column; 0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub value: Value,
    pub line: u32,
    pub column: u32,
    /// Byte offset of the node's text in the file (for block scalars: where the content
    /// starts, after the `|`/`>` header line; for quoted scalars: the opening quote).
    pub offset: Option<usize>,
    /// Byte length of the node's text in the file, when known.
    pub len: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; duplicate keys are kept (and reported by the policy reader).
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// What the node is, for messages ("expected a string, found a list").
    pub fn kind(&self) -> &'static str {
        match self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The node as a string. Plain scalars YAML reads as numbers or booleans (`title: 2024`)
    /// are given back as written, since a text field wants the text.
    pub fn as_text(&self, source: &str) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                self.raw(source).map(str::to_string).or_else(|| Some(self.scalar_display()))
            }
            _ => None,
        }
    }

    /// The node's text in the file, if the span is known and lies on char boundaries.
    pub fn raw<'s>(&self, source: &'s str) -> Option<&'s str> {
        let start = self.offset?;
        let end = start.checked_add(self.len?)?;
        source.get(start..end)
    }

    fn scalar_display(&self) -> String {
        match &self.value {
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Str(s) => s.clone(),
            _ => String::new(),
        }
    }

    /// The string key of a mapping entry (keys YAML reads as numbers are given as written).
    pub fn key_text(&self, source: &str) -> String {
        self.as_text(source).unwrap_or_else(|| format!("<{}>", self.kind()))
    }
}

/// A YAML syntax error (the whole file is lost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// Reads every document of a YAML stream (`---` separates documents). An empty file gives no
/// documents.
pub(crate) fn parse(source: &str) -> Result<Vec<Node>, SyntaxError> {
    let options = serde_saphyr::options! {
        // Errors are rendered by the loader as `file:line:column: message`.
        with_snippet: false,
        // YAML 1.2 booleans only: `no`, `off` and `y` stay strings (the "Norway problem").
        strict_booleans: true,
        // Repeated keys reach the policy reader, which reports them at the key's line and
        // loses one policy rather than the whole file.
        duplicate_keys: serde_saphyr::DuplicateKeyPolicy::PassThrough,
    };
    match serde_saphyr::from_str_multiple_with_options::<Spanned<Raw>, Vec<_>>(source, options) {
        Ok(documents) => Ok(documents.into_iter().map(into_node).collect()),
        Err(error) => {
            let (line, column) = error.location().map(|l| (clamp(l.line()), clamp(l.column()))).unwrap_or((0, 0));
            let mut message = error.without_snippet().to_string();
            // The library appends the position, which the loader prints in front already.
            let suffix = format!(" at line {line}, column {column}");
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_string();
            }
            Err(SyntaxError { line, column, message })
        }
    }
}

fn clamp(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn into_node(spanned: Spanned<Raw>) -> Node {
    let location = spanned.referenced;
    let span = location.span();
    let value = match spanned.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(into_node).collect()),
        Raw::Map(entries) => Value::Map(entries.into_iter().map(|(k, v)| (into_node(k), into_node(v))).collect()),
    };
    Node {
        value,
        line: clamp(location.line()),
        column: clamp(location.column()),
        offset: span.byte_offset().and_then(|o| usize::try_from(o).ok()),
        len: span.byte_len().and_then(|o| usize::try_from(o).ok()),
    }
}

/// What serde-saphyr hands over; `Spanned` must wrap every child for it to record positions.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<Raw>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Raw, D::Error> {
        Raw::deserialize(deserializer)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Raw, E> {
        // Beyond i64 no policy field makes sense; keep the magnitude for the range message.
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }

    fn visit_i128<E>(self, v: i128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }

    fn visit_u128<E>(self, v: u128) -> Result<Raw, E> {
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }

    fn visit_char<E>(self, v: char) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }

    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry::<Spanned<Raw>, Spanned<Raw>>()? {
            entries.push(entry);
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_values_and_block_scalars() {
        let text = "policies:\n  - id: a\n    condition: |\n      x > 1\n        && y\n";
        let docs = parse(text).expect("valid YAML");
        assert_eq!(docs.len(), 1);
        let Value::Map(top) = &docs[0].value else { panic!("mapping expected") };
        let Value::Seq(items) = &top[0].1.value else { panic!("list expected") };
        let Value::Map(entry) = &items[0].value else { panic!("mapping expected") };
        assert_eq!((entry[0].0.line, entry[0].0.column), (2, 5));
        let condition = &entry[1].1;
        assert_eq!(condition.value, Value::Str("x > 1\n  && y\n".into()));
        // A block scalar's position is where its content starts, on the line after `|`.
        assert_eq!((condition.line, condition.column), (4, 7));
        assert_eq!(&text[condition.offset.expect("offset")..][..5], "x > 1");
    }

    #[test]
    fn yaml_1_1_booleans_stay_strings_and_numbers_keep_their_text() {
        let text = "a: no\nb: true\nc: 2024\nd: 1.50\n";
        let docs = parse(text).expect("valid YAML");
        let Value::Map(m) = &docs[0].value else { panic!("mapping expected") };
        assert_eq!(m[0].1.value, Value::Str("no".into()));
        assert_eq!(m[1].1.value, Value::Bool(true));
        assert_eq!(m[2].1.as_text(text).as_deref(), Some("2024"));
        assert_eq!(m[3].1.as_text(text).as_deref(), Some("1.50"));
    }

    #[test]
    fn duplicate_keys_reach_the_reader_and_syntax_errors_have_positions() {
        let docs = parse("a: 1\na: 2\n").expect("duplicates are passed through");
        let Value::Map(m) = &docs[0].value else { panic!("mapping expected") };
        assert_eq!(m.len(), 2);

        let err = parse("a: 1\n  b: 2\n").expect_err("bad indentation");
        assert_eq!((err.line, err.column), (2, 4));
        assert!(!err.message.contains("at line"), "{}", err.message);
    }

    #[test]
    fn empty_and_multi_document_streams() {
        assert!(parse("").expect("empty").is_empty());
        assert!(parse("# only a comment\n").expect("comment").is_empty());
        assert_eq!(parse("a: 1\n---\nb: 2\n").expect("two").len(), 2);
    }
}
