//! Files of a tenant dump: JSON written straight to disk, pages with real-looking next links.

use crate::IngestError;
use crate::powerplatform::wire::{ListPage, ODataPage};
use serde::Serialize;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A writer that counts what passes through it.
pub(crate) struct Counting<W> {
    inner: W,
    pub bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// The output directory, and how many files and bytes went into it.
pub(crate) struct Sink {
    root: PathBuf,
    pub files: u64,
    pub bytes: u64,
}

impl Sink {
    pub fn new(root: &Path) -> Sink {
        Sink { root: root.to_path_buf(), files: 0, bytes: 0 }
    }

    /// Write one file at `rel` (a `/`-separated path under the root) through `fill`.
    pub fn write_with<R>(
        &mut self,
        rel: &str,
        fill: impl FnOnce(&mut Counting<BufWriter<File>>) -> std::io::Result<R>,
    ) -> Result<R, IngestError> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| IngestError::write(parent, e))?;
        }
        let file = File::create(&path).map_err(|e| IngestError::write(&path, e))?;
        let mut out = Counting { inner: BufWriter::with_capacity(256 * 1024, file), bytes: 0 };
        let result = fill(&mut out).and_then(|r| out.flush().map(|()| r)).map_err(|e| IngestError::write(&path, e))?;
        self.files += 1;
        self.bytes += out.bytes;
        Ok(result)
    }

    pub fn write_json<T: Serialize>(&mut self, rel: &str, value: &T) -> Result<(), IngestError> {
        self.write_with(rel, |out| serde_json::to_writer(out, value).map_err(std::io::Error::other))
    }
}

/// How a paged list wraps its items.
pub(crate) enum Envelope {
    /// BAP, Power Apps, Flow: `{"value": [...], "nextLink": ...}`.
    List,
    /// Dataverse, Graph: `{"@odata.context": ..., "value": [...], "@odata.nextLink": ...}`.
    OData { context: String },
}

/// Writes `dir/page-00001.json`, `page-00002.json`, … of `page_size` items each. The last
/// page has no next link; an empty list still gets its first page, as the real APIs answer.
pub(crate) struct Pager<T> {
    dir: String,
    page_size: usize,
    envelope: Envelope,
    link: Box<dyn Fn(u32) -> String>,
    items: Vec<T>,
    page: u32,
    pub total: u64,
}

impl<T: Serialize> Pager<T> {
    pub fn new(dir: String, page_size: usize, envelope: Envelope, link: impl Fn(u32) -> String + 'static) -> Self {
        Pager {
            dir,
            page_size,
            envelope,
            link: Box::new(link),
            items: Vec::with_capacity(page_size),
            page: 0,
            total: 0,
        }
    }

    pub fn push(&mut self, sink: &mut Sink, item: T) -> Result<(), IngestError> {
        if self.items.len() == self.page_size {
            self.flush(sink, true)?;
        }
        self.items.push(item);
        self.total += 1;
        Ok(())
    }

    pub fn finish(mut self, sink: &mut Sink) -> Result<u64, IngestError> {
        self.flush(sink, false)?;
        Ok(self.total)
    }

    fn flush(&mut self, sink: &mut Sink, more: bool) -> Result<(), IngestError> {
        self.page += 1;
        let next_link = more.then(|| (self.link)(self.page + 1));
        let rel = format!("{}/page-{:05}.json", self.dir, self.page);
        let value = std::mem::take(&mut self.items);
        match &self.envelope {
            Envelope::List => sink.write_json(&rel, &ListPage { value, next_link })?,
            Envelope::OData { context } => {
                sink.write_json(&rel, &ODataPage { context: Some(context.clone()), value, next_link })?
            }
        }
        self.items.reserve(self.page_size);
        Ok(())
    }
}
