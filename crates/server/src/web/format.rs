//! How values read on a page.

use steward_model::Timestamp;

pub fn date(value: Option<Timestamp>) -> String {
    value.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_else(|| "—".into())
}

pub fn date_time(value: Option<Timestamp>) -> String {
    value.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_else(|| "—".into())
}

/// `1234567` → `1,234,567`: the pages and the board report write figures the same way.
pub use steward_report::format::count;

/// `non_critical` → `Non critical`, for enum spellings without a dedicated label.
pub fn humanize(snake: &str) -> String {
    let spaced = snake.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A platform id as its vendor writes it (`power_platform` → `Power Platform`); ids Steward
/// does not know are humanised.
pub fn platform(id: &str) -> String {
    match id {
        "power_platform" => "Power Platform".into(),
        "azure_openai" => "Azure OpenAI".into(),
        "appian" => "Appian".into(),
        "outsystems" => "OutSystems".into(),
        "mendix" => "Mendix".into(),
        other => humanize(other),
    }
}

/// Shorten a label that must fit a chart, keeping the whole in a tooltip elsewhere.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(1234567), "1,234,567");
    }

    #[test]
    fn labels_read_as_words() {
        assert_eq!(humanize("non_critical"), "Non critical");
        assert_eq!(platform("power_platform"), "Power Platform");
        assert_eq!(platform("low_code_x"), "Low code x");
        assert_eq!(truncate("Environment with a very long name", 10), "Environme…");
        assert_eq!(truncate("short", 10), "short");
    }
}
