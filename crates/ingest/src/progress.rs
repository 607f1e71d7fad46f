//! Progress reporting for long operations; the CLI draws bars, tests and servers ignore it.

/// Receives progress of a long operation. Implementations must tolerate calls from any thread.
pub trait Progress: Send + Sync {
    /// Start a named stage; `total` is the number of units when known in advance.
    fn stage(&self, name: &str, total: Option<u64>);
    /// `units` more units of the current stage are done.
    fn advance(&self, units: u64);
    /// The operation is over (successfully or not).
    fn finish(&self);
}

/// Reports nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _name: &str, _total: Option<u64>) {}
    fn advance(&self, _units: u64) {}
    fn finish(&self) {}
}
