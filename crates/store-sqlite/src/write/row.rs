//! A resource turned into column values on the caller's thread, for the writer thread.
//!
//! The writer thread is the bottleneck of an import, so everything that does not need the
//! connection happens before a row is sent: the content hash, the JSON columns, the lowercased
//! name, the hash of the id (see bulk.rs). The `Resource` itself is dropped here too: freeing its
//! nested parts (attribute maps, owner and reference lists) on the writer thread cost ~2.5 s of
//! its ~9 s at 1M resources, and a row of one text buffer frees in two calls.
//!
//! The resource is serialised once. Its JSON is what `steward_store::content_hash` hashes, and
//! the JSON columns are exactly the values of its `owners`, `sharing`, `connection_references`
//! and `attributes` fields within it (same compact serializer), so they are cut out of it
//! instead of being serialised a second time.

use crate::convert::{desc_sort_key, millis};
use serde::Serialize;
use std::cell::Cell;
use std::io;
use steward_model::{Resource, ShareRole};

/// A text column: a range of [`ResourceRow::text`], or absent (SQL NULL).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

const NULL: Span = Span { start: u32::MAX, end: u32::MAX };

/// The text columns, in [`ResourceRow::spans`] order.
#[derive(Debug, Clone, Copy)]
#[repr(usize)]
pub enum Text {
    Id,
    TenantId,
    EnvironmentId,
    Platform,
    DisplayName,
    NameKey,
    Description,
    CreatedBy,
    Owners,
    Sharing,
    ConnectionReferences,
    SolutionId,
    Attributes,
    ContentHash,
}

const TEXT_COLUMNS: usize = Text::ContentHash as usize + 1;

#[derive(Debug)]
pub struct ResourceRow {
    /// Every text column back to back, then the owners' principal ids and the connector ids.
    text: String,
    spans: [Span; TEXT_COLUMNS],
    /// Owner rows (principal id, role) and connector ids, for the child tables.
    owners: Vec<(Span, ShareRole)>,
    connectors: Vec<Span>,
    /// xxh3 of the id: the key of a bulk load's id map.
    pub id_hash: u64,
    pub kind: &'static str,
    pub state: &'static str,
    pub created_at: Option<i64>,
    pub modified_at: Option<i64>,
    pub published_at: Option<i64>,
    pub deleted_at: Option<i64>,
    pub created_sort: i64,
    pub modified_sort: i64,
    pub shared_users: u32,
    pub shared_groups: u32,
    pub shared_with_everyone: bool,
    pub quarantined: bool,
}

impl ResourceRow {
    pub fn new(resource: Resource) -> ResourceRow {
        let json = Fields::serialize(&resource);
        let r = &resource;
        let mut text = String::with_capacity(json.json.len() + 256);
        let mut spans = [NULL; TEXT_COLUMNS];
        let mut put = |text: &mut String, column: Text, value: Option<&str>| {
            if let Some(value) = value {
                let start = text.len();
                text.push_str(value);
                spans[column as usize] = span(start, text.len());
            }
        };
        put(&mut text, Text::Id, Some(&r.id));
        put(&mut text, Text::TenantId, Some(&r.tenant_id));
        put(&mut text, Text::EnvironmentId, Some(&r.environment_id));
        put(&mut text, Text::Platform, Some(&r.platform));
        put(&mut text, Text::DisplayName, Some(&r.display_name));
        put(&mut text, Text::NameKey, Some(&r.display_name.to_lowercase()));
        put(&mut text, Text::Description, r.description.as_deref());
        put(&mut text, Text::CreatedBy, r.created_by.as_deref());
        put(&mut text, Text::SolutionId, r.solution_id.as_deref());
        for (column, field) in
            [Text::Owners, Text::Sharing, Text::ConnectionReferences, Text::Attributes].into_iter().zip(json.spans)
        {
            put(&mut text, column, json.json.get(field.0..field.1));
        }
        put(&mut text, Text::ContentHash, Some(&format!("{:016x}", xxhash_rust::xxh3::xxh3_64(json.json.as_bytes()))));
        let mut owners = Vec::with_capacity(r.owners.len());
        for owner in &r.owners {
            let start = text.len();
            text.push_str(&owner.principal_id);
            owners.push((span(start, text.len()), owner.role));
        }
        let mut connectors = Vec::with_capacity(r.connection_references.len());
        for reference in &r.connection_references {
            let start = text.len();
            text.push_str(&reference.connector_id);
            connectors.push(span(start, text.len()));
        }
        ResourceRow {
            id_hash: xxhash_rust::xxh3::xxh3_64(r.id.as_bytes()),
            kind: r.kind.as_str(),
            state: r.state.as_str(),
            created_at: millis(&r.created_at),
            modified_at: millis(&r.modified_at),
            published_at: millis(&r.published_at),
            deleted_at: millis(&r.deleted_at),
            created_sort: desc_sort_key(&r.created_at),
            modified_sort: desc_sort_key(&r.modified_at),
            shared_users: r.shared_users,
            shared_groups: r.shared_groups,
            shared_with_everyone: r.shared_with_everyone,
            quarantined: r.quarantined,
            text,
            spans,
            owners,
            connectors,
        }
    }

    fn get(&self, span: Span) -> Option<&str> {
        self.text.get(span.start as usize..span.end as usize)
    }

    /// A text column; `None` for SQL NULL.
    pub fn text(&self, column: Text) -> Option<&str> {
        self.get(self.spans[column as usize])
    }

    /// A text column that is never NULL.
    pub fn required(&self, column: Text) -> &str {
        self.text(column).unwrap_or_default()
    }

    pub fn id(&self) -> &str {
        self.required(Text::Id)
    }

    pub fn content_hash(&self) -> &str {
        self.required(Text::ContentHash)
    }

    /// (principal id, role) of every owner, in order.
    pub fn owners(&self) -> impl Iterator<Item = (&str, ShareRole)> {
        self.owners.iter().map(|(span, role)| (self.get(*span).unwrap_or_default(), *role))
    }

    /// The connector id of every connection reference, in order.
    pub fn connectors(&self) -> impl Iterator<Item = &str> {
        self.connectors.iter().map(|span| self.get(*span).unwrap_or_default())
    }
}

fn span(start: usize, end: usize) -> Span {
    // A resource's text is far below 4 GiB; a larger one would be cut off at the store's limit anyway.
    Span { start: u32::try_from(start).unwrap_or(u32::MAX), end: u32::try_from(end).unwrap_or(u32::MAX) }
}

/// The fields of a resource stored as JSON columns, in [`Fields::spans`] order.
const JSON_FIELDS: [&str; 4] = ["owners", "sharing", "connection_references", "attributes"];

/// The JSON of a resource and where its JSON-column fields are within it.
struct Fields {
    json: String,
    /// Byte range of the value of each of [`JSON_FIELDS`] in `json`; `usize::MAX` when absent.
    spans: [(usize, usize); JSON_FIELDS.len()],
}

impl Fields {
    fn serialize(resource: &Resource) -> Fields {
        let position = Cell::new(0);
        let mut spans = [(usize::MAX, usize::MAX); JSON_FIELDS.len()];
        let mut serializer = serde_json::Serializer::with_formatter(
            Sink { buf: Vec::with_capacity(2048), position: &position },
            FieldFormatter {
                position: &position,
                depth: 0,
                in_key: false,
                key: String::with_capacity(32),
                current: None,
                spans: &mut spans,
            },
        );
        // Serialising our own model types into memory cannot fail (no maps with non-string
        // keys); on failure the JSON is empty, as `steward_store::content_hash` would hash it.
        let ok = resource.serialize(&mut serializer).is_ok();
        let buf = if ok { serializer.into_inner().buf } else { Vec::new() };
        // serde_json writes UTF-8 only.
        Fields { json: String::from_utf8(buf).unwrap_or_default(), spans }
    }
}

/// The output buffer, publishing its length for [`FieldFormatter`].
struct Sink<'a> {
    buf: Vec<u8>,
    position: &'a Cell<usize>,
}

impl io::Write for Sink<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        self.position.set(self.buf.len());
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// serde_json's compact formatter (the one `serde_json::to_vec` uses: every method not written
/// here is the trait's default, and the ones written here write what the defaults write), noting
/// where the value of each field of the top-level object starts and ends.
struct FieldFormatter<'a> {
    position: &'a Cell<usize>,
    depth: usize,
    in_key: bool,
    /// The top-level key being written, and the index in [`JSON_FIELDS`] of the value being written.
    key: String,
    current: Option<usize>,
    spans: &'a mut [(usize, usize); JSON_FIELDS.len()],
}

impl serde_json::ser::Formatter for FieldFormatter<'_> {
    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        writer.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        writer.write_all(b"]")
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth += 1;
        writer.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.depth -= 1;
        writer.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        if self.depth == 1 {
            self.in_key = true;
            self.key.clear();
        }
        if first { Ok(()) } else { writer.write_all(b",") }
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.in_key = false;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        if self.in_key {
            self.key.push_str(fragment);
        }
        writer.write_all(fragment.as_bytes())
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b":")?;
        if self.depth == 1 {
            self.current = JSON_FIELDS.iter().position(|name| *name == self.key);
            if let Some(i) = self.current {
                self.spans[i].0 = self.position.get();
            }
        }
        Ok(())
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        if self.depth == 1
            && let Some(i) = self.current.take()
        {
            self.spans[i].1 = self.position.get();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::convert::to_json;
    use steward_model::{ConnectionReference, ConnectorTier, Owner, Share, ShareTarget};

    fn check(resource: Resource) {
        let expected_hash = steward_store::content_hash(&resource);
        let expected = [
            (Text::Owners, to_json(&resource.owners)),
            (Text::Sharing, to_json(&resource.sharing)),
            (Text::ConnectionReferences, to_json(&resource.connection_references)),
            (Text::Attributes, to_json(&resource.attributes)),
        ];
        let owners: Vec<(String, ShareRole)> =
            resource.owners.iter().map(|o| (o.principal_id.clone(), o.role)).collect();
        let connectors: Vec<String> = resource.connection_references.iter().map(|c| c.connector_id.clone()).collect();
        let (id, name_key, description) =
            (resource.id.clone(), resource.display_name.to_lowercase(), resource.description.clone());
        let row = ResourceRow::new(resource);
        assert_eq!(row.content_hash(), expected_hash);
        for (column, json) in expected {
            assert_eq!(row.text(column), Some(json.as_str()), "{column:?}");
        }
        assert_eq!(row.id(), id);
        assert_eq!(row.text(Text::NameKey), Some(name_key.as_str()));
        assert_eq!(row.text(Text::Description), description.as_deref());
        assert_eq!(row.owners().map(|(p, r)| (p.to_string(), r)).collect::<Vec<_>>(), owners);
        assert_eq!(row.connectors().map(str::to_string).collect::<Vec<_>>(), connectors);
    }

    #[test]
    fn one_serialisation_gives_the_content_hash_and_the_json_columns() {
        let mut r = steward_store::conformance::resource(
            "tenant-1",
            "env-1",
            "r-1",
            steward_model::ResourceKind::CanvasApp,
            "Invoice tracker",
        );
        check(r.clone());
        r.display_name = "Ünïcödé \"quoted\" \\ tab\t name".into();
        r.description = Some("line\nbreak {\"key\": [1, 2]}".into());
        r.owners = vec![
            Owner { principal_id: "p-\"1\"".into(), role: ShareRole::Owner },
            Owner { principal_id: "p-2".into(), role: ShareRole::CanEdit },
        ];
        r.sharing =
            vec![Share { target: ShareTarget::Everyone, principal_id: String::new(), role: ShareRole::CanView }];
        r.connection_references = vec![ConnectionReference {
            connector_id: "shared_sql".into(),
            display_name: "SQL, \"Server\"".into(),
            tier: ConnectorTier::Premium,
        }];
        r.attributes.insert("nested".into(), serde_json::json!({"owners": [{"a": 1.5}], "x": null, "é": "\u{1}"}));
        r.attributes.insert("attributes".into(), serde_json::json!([[], {}, "}"]));
        r.created_by = None;
        r.solution_id = Some("sol".into());
        check(r.clone());
        r.owners.clear();
        r.connection_references.clear();
        r.attributes.clear();
        check(r);
    }
}
