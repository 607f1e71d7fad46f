//! The audit trail: every change made through the UI or the API, with who, what, before and
//! after (issue #6 item 6). Handlers call [`record`] after a change succeeded.
//!
//! Recording does not fail the request: the change has already happened, and answering 500
//! for it would invite the client to repeat it. A failure is logged at error level with the
//! entry, so the operator sees what the trail misses.

use crate::AppState;
use crate::auth::Caller;
use serde::Serialize;
use serde_json::Value;
use steward_store::auth::AuditEntry;

/// Record that `caller` did `action` (dotted, e.g. `exemption.add`) to `target` (`kind:id`,
/// e.g. `resource:r-00`), with the target as it was before and after (JSON, `None` for
/// creation or deletion).
pub async fn record(
    state: &AppState,
    caller: &Caller,
    action: &str,
    target: impl Into<String>,
    before: Option<Value>,
    after: Option<Value>,
) {
    record_as(state, &caller.username, caller.via.audit_label(), action, target.into(), before, after).await;
}

/// Record an event without a signed-in caller (a failed sign-in, named by the username tried).
pub async fn record_anonymous(
    state: &AppState,
    actor: &str,
    via: &str,
    action: &str,
    target: impl Into<String>,
    after: Option<Value>,
) {
    record_as(state, actor, via, action, target.into(), None, after).await;
}

/// Any serialisable value as the JSON an entry keeps (`None` when it cannot be serialised,
/// which for our own types does not happen).
pub fn json<T: Serialize + ?Sized>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Record a change made by something other than a signed-in caller (e.g. `oidc` applying the
/// provider's roles), named by `actor`.
pub async fn record_as(
    state: &AppState,
    actor: &str,
    via: &str,
    action: &str,
    target: String,
    before: Option<Value>,
    after: Option<Value>,
) {
    // Every change through the server passes here: kept estate figures and queue counts are
    // stale now.
    state.estate.invalidate();
    state.queues.invalidate();
    let entry = AuditEntry {
        id: 0,
        at: chrono::Utc::now(),
        actor: actor.to_string(),
        action: action.to_string(),
        target,
        before,
        after,
        via: via.to_string(),
    };
    if let Err(error) = state.store.append_audit(&entry).await {
        tracing::error!(
            %error,
            actor = %entry.actor,
            action = %entry.action,
            target = %entry.target,
            "the audit trail could not record a change that was made"
        );
    }
}
