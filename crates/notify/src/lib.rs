//! Steward's notifications (issue #9): the CoE reaching people where they are.
//!
//! - [`channel`]: how a message travels — e-mail over SMTP ([`channel::email`]), Microsoft Teams
//!   and Slack incoming webhooks, and generic webhooks signed with HMAC-SHA256
//!   ([`channel::webhook`], [`sign`]).
//! - [`templates`]: the words of each message kind, built in and overridable by files.
//! - [`messages`]: what Steward says and to whom, read from the store (board digest, success
//!   candidates, violations, campaign steps, welcome); [`maker_summary`]: the monthly summary to
//!   each maker, with the value of their resources ([`maker_value`], from `steward-value`).
//! - [`reach`]: the distinct people a maker's resources reached (summary and champions).
//! - [`dispatch`]: a message and its recipients' preferences become deliveries in the log, once
//!   per idempotency key, so a job that runs twice never sends twice.
//! - [`sender`]: due deliveries are sent, retried with backoff, and marked dead when they run
//!   out of attempts.
//! - [`nurture`]: champions suggested from data, the community directory, engagement figures.
//! - [`jobs`]: one job handler per message kind plus the sender, for the job runner.

pub mod channel;
pub mod config;
pub mod dispatch;
mod error;
pub mod jobs;
pub mod maker_summary;
pub mod maker_value;
pub mod message;
pub mod messages;
pub mod notifier;
pub mod nurture;
pub mod reach;
pub mod secret;
pub mod sender;
pub mod sign;
pub mod templates;

pub use config::NotifyConfig;
pub use error::NotifyError;
pub use message::Message;
pub use notifier::Notifier;
