//! How figures read in every rendering of the report.

use chrono::NaiveDate;

/// `1234567` → `1,234,567`: board members read figures at a glance.
pub fn count(n: u64) -> String {
    steward_model::format::thousands(n)
}

/// `+12`, `−3` (a real minus sign) or `±0`: the sign is the point of a change column.
pub fn change(n: i64) -> String {
    match n {
        0 => "±0".into(),
        n if n > 0 => format!("+{}", count(n.unsigned_abs())),
        n => format!("−{}", count(n.unsigned_abs())),
    }
}

pub fn day(d: Option<NaiveDate>) -> String {
    d.map_or_else(|| "—".into(), |d| d.format("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands_and_changes_carry_a_sign() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(change(1200), "+1,200");
        assert_eq!(change(-3), "−3");
        assert_eq!(change(0), "±0");
        assert_eq!(day(None), "—");
    }
}
