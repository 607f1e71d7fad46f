//! Progress bars on a terminal, structured log lines otherwise.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;

/// Implements the ingest crate's progress trait with indicatif.
pub struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
    visible: bool,
}

impl TerminalProgress {
    pub fn new() -> Self {
        TerminalProgress { bar: Mutex::new(None), visible: std::io::stderr().is_terminal() }
    }
}

impl steward_ingest::Progress for TerminalProgress {
    fn stage(&self, name: &str, total: Option<u64>) {
        let Ok(mut slot) = self.bar.lock() else { return };
        if let Some(old) = slot.take() {
            old.finish();
        }
        if !self.visible {
            tracing::info!(stage = name, total, "started");
            return;
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n).with_style(
                ProgressStyle::with_template("{msg:>14} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            ),
            None => ProgressBar::new_spinner().with_style(
                ProgressStyle::with_template("{msg:>14} {spinner} {human_pos} ({per_sec})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            ),
        };
        bar.set_draw_target(ProgressDrawTarget::stderr());
        bar.set_message(name.to_string());
        *slot = Some(bar);
    }

    fn advance(&self, units: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(units);
        }
    }

    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish();
        }
    }
}
