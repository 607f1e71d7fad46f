//! The words of each message kind: a subject, a text body, an HTML body and a short chat body,
//! as minijinja templates. The built-ins live in `crates/notify/templates/` and are compiled in;
//! a file of the same name in `templates_dir` (steward.toml) replaces one, read once at start.
//!
//! Why minijinja and not askama (which the server's pages use): askama compiles templates into
//! the binary, so operators could not change a message without rebuilding Steward; minijinja
//! loads them at run time with the same Jinja syntax, auto-escapes `.html` templates and reports
//! errors with the template name and line.

use crate::NotifyError;
use crate::message::{Action, Fact, Message};
use minijinja::{Environment, UndefinedBehavior};
use serde_json::Value;
use std::path::Path;
use steward_store::notifications::MessageKind;

/// The parts of a message kind, by file suffix.
pub const PARTS: [&str; 4] = ["subject", "txt", "html", "chat"];

macro_rules! builtins {
    ($($kind:literal),*) => {
        &[$(
            ($kind, [
                include_str!(concat!("../templates/", $kind, ".subject")),
                include_str!(concat!("../templates/", $kind, ".txt")),
                include_str!(concat!("../templates/", $kind, ".html")),
                include_str!(concat!("../templates/", $kind, ".chat")),
            ]),
        )*]
    };
}

const BUILTIN: &[(&str, [&str; 4])] =
    builtins!("board_digest", "success_candidates", "violation", "campaign_step", "welcome", "maker_summary", "test");

/// Every template, built-in or overridden, ready to render.
pub struct Templates {
    env: Environment<'static>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").finish_non_exhaustive()
    }
}

fn name(kind: &str, part: &str) -> String {
    format!("{kind}.{part}")
}

impl Templates {
    /// The built-in templates only.
    pub fn builtin() -> Result<Templates, NotifyError> {
        Templates::with_overrides(None)
    }

    /// The built-ins, each replaced by `<dir>/<kind>.<part>` when that file exists. A file that
    /// does not parse is refused at start, naming it, rather than failing at send time.
    pub fn with_overrides(dir: Option<&Path>) -> Result<Templates, NotifyError> {
        let mut env = Environment::new();
        // A misspelt variable fails the render (and the snapshot tests) instead of sending
        // "Hello ,"; `{% if x %}` on a missing value is still allowed, for optional parts.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { minijinja::AutoEscape::Html } else { minijinja::AutoEscape::None }
        });
        // HTML escaping without minijinja's `/` → `&#x2f;`, which is valid but turns every link
        // in an e-mail into `https:&#x2f;&#x2f;…` for anyone reading the source.
        env.set_formatter(|out, state, value| {
            if state.auto_escape() == minijinja::AutoEscape::Html
                && !value.is_safe()
                && let Some(text) = value.as_str()
            {
                return out.write_str(&crate::message::escape(text)).map_err(minijinja::Error::from);
            }
            minijinja::escape_formatter(out, state, value)
        });
        env.set_keep_trailing_newline(false);
        env.set_trim_blocks(true);
        for (kind, sources) in BUILTIN {
            for (part, builtin) in PARTS.iter().zip(sources.iter()) {
                let template = name(kind, part);
                let source = match dir.map(|d| d.join(&template)).filter(|p| p.is_file()) {
                    Some(path) => std::fs::read_to_string(&path).map_err(|e| NotifyError::Template {
                        name: path.display().to_string(),
                        reason: format!("cannot read it: {e}"),
                    })?,
                    None => (*builtin).to_string(),
                };
                env.add_template_owned(template.clone(), source)
                    .map_err(|e| NotifyError::Template { name: template, reason: e.to_string() })?;
            }
        }
        Ok(Templates { env })
    }

    fn render_part(&self, kind: MessageKind, part: &str, context: &Value) -> Result<String, NotifyError> {
        let template = name(kind.as_str(), part);
        let t = self
            .env
            .get_template(&template)
            .map_err(|e| NotifyError::Template { name: template.clone(), reason: e.to_string() })?;
        t.render(context).map_err(|e| NotifyError::Template { name: template, reason: format!("{e:#}") })
    }

    /// Render every part of a kind with a builder's context. `facts` and `actions` in the
    /// context (arrays of `{name, value}` and `{label, url}`) become the card's facts and
    /// buttons.
    pub fn render(&self, kind: MessageKind, context: &Value) -> Result<Message, NotifyError> {
        let subject = self.render_part(kind, "subject", context)?.lines().next().unwrap_or_default().trim().to_string();
        let facts: Vec<Fact> = context
            .get("facts")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| NotifyError::Template { name: kind.to_string(), reason: format!("facts: {e}") })?
            .unwrap_or_default();
        let actions: Vec<Action> = context
            .get("actions")
            .cloned()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| NotifyError::Template { name: kind.to_string(), reason: format!("actions: {e}") })?
            .unwrap_or_default();
        Ok(Message {
            kind,
            subject,
            text: self.render_part(kind, "txt", context)?.trim().to_string() + "\n",
            html: self.render_part(kind, "html", context)?.trim().to_string(),
            summary: self.render_part(kind, "chat", context)?.trim().to_string(),
            facts,
            actions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let t = Templates::builtin().expect("templates");
        let m = t
            .render(
                MessageKind::Test,
                &json!({"base_url": "https://s.example/<x>", "sent_at": "now", "channel": "email"}),
            )
            .expect("render");
        assert!(m.html.contains("https://s.example/&lt;x&gt;"), "{}", m.html);
        assert!(m.text.contains("https://s.example/<x>"), "{}", m.text);
        assert_eq!(m.subject, "Steward test message");
    }

    #[test]
    fn files_override_builtins_and_bad_ones_are_refused_by_name() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("test.subject"), "Ping from {{ channel }}").expect("write");
        let t = Templates::with_overrides(Some(dir.path())).expect("templates");
        let m = t.render(MessageKind::Test, &json!({"base_url": "b", "sent_at": "s", "channel": "slack"})).expect("r");
        assert_eq!(m.subject, "Ping from slack");
        assert!(m.text.contains("slack channel works"), "other parts stay built in");

        std::fs::write(dir.path().join("welcome.txt"), "{% if %}").expect("write");
        let err = Templates::with_overrides(Some(dir.path())).expect_err("bad template").to_string();
        assert!(err.contains("welcome.txt"), "{err}");
    }
}
