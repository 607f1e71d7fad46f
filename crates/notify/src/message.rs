//! A rendered message, the same for every channel: e-mail sends its subject, text and HTML;
//! chat channels build a card or blocks from its title, summary, facts and actions. It is what a
//! delivery keeps, so a retry sends exactly what the first attempt would have.

use serde::{Deserialize, Serialize};
use steward_store::notifications::MessageKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub kind: MessageKind,
    pub subject: String,
    /// The plain-text body (e-mail alternative, Slack fallback).
    pub text: String,
    /// The HTML body (e-mail).
    pub html: String,
    /// A few lines for chat cards.
    pub summary: String,
    /// Name/value pairs shown as a fact set (Teams) or fields (Slack).
    #[serde(default)]
    pub facts: Vec<Fact>,
    /// Buttons: links into Steward.
    #[serde(default)]
    pub actions: Vec<Action>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub label: String,
    pub url: String,
}

impl Message {
    /// Several held messages as one (daily and weekly digests).
    pub fn digest(messages: &[Message]) -> Message {
        if let [one] = messages {
            return one.clone();
        }
        let subject = format!("Steward digest: {} messages", messages.len());
        let text =
            messages.iter().map(|m| format!("## {}\n\n{}", m.subject, m.text.trim())).collect::<Vec<_>>().join("\n\n");
        let html = messages
            .iter()
            .map(|m| format!("<section><h2>{}</h2>{}</section>", escape(&m.subject), m.html))
            .collect::<Vec<_>>()
            .join("\n<hr>\n");
        let summary = messages.iter().map(|m| format!("• {}", m.subject)).collect::<Vec<_>>().join("\n");
        Message {
            kind: messages.first().map_or(MessageKind::Test, |m| m.kind),
            subject,
            text,
            html,
            summary,
            facts: Vec::new(),
            actions: messages.iter().flat_map(|m| m.actions.iter().cloned()).take(5).collect(),
        }
    }
}

/// HTML escaping for the few places that build HTML outside a template.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
