//! Handlers by job kind.

use crate::JobHandler;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every handler a worker can run, by kind. A worker claims only the kinds registered here, so
/// a process without (say) the notification handlers leaves those jobs for one that has them.
#[derive(Clone, Default)]
pub struct Registry {
    handlers: BTreeMap<&'static str, Arc<dyn JobHandler>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    /// Add a handler; a second handler of the same kind replaces the first (logged), so a test
    /// or a deployment can override a shipped handler.
    pub fn register(&mut self, handler: impl JobHandler) -> &mut Registry {
        self.register_arc(Arc::new(handler))
    }

    pub fn register_arc(&mut self, handler: Arc<dyn JobHandler>) -> &mut Registry {
        let kind = handler.kind();
        if self.handlers.insert(kind, handler).is_some() {
            tracing::warn!(kind, "a second job handler of this kind replaces the first");
        }
        self
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn JobHandler>> {
        self.handlers.get(kind)
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<String> {
        self.handlers.keys().map(|k| k.to_string()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.handlers.is_empty()
    }
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").field("kinds", &self.handlers.keys().collect::<Vec<_>>()).finish()
    }
}
