//! Trends over the rollups: daily series with moving averages and growth, sudden drops of
//! busy resources, and resources nobody uses (the candidates of clean-up campaigns).
//!
//! The arithmetic lives in plain functions over series ([`moving_average`], [`growth`],
//! [`sudden_drop`]) so that it is tested without a database; the async functions only read
//! the store ([`steward_store::UsageReads`] and the row-level reads) and feed them.

mod anomalies;
mod inactive;
mod series;
mod top;
mod window;

pub use anomalies::{Anomaly, AnomalyQuery, AnomalyReport, DropFigures, DropParams, anomalies, is_busy, sudden_drop};
pub use inactive::{InactiveQuery, InactiveReport, InactiveResource, inactive};
pub use series::{Growth, Trend, TrendPoint, fill_periods, growth, moving_average, trend};
pub use top::{StatusReport, TopReport, status, top};
pub use window::{Window, newest_day};
