//! Small text helpers for reasons and role summaries.

pub(crate) use steward_model::format::thousands;

/// `"1 user"`, `"1,200 users"`.
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_group_thousands_and_agree_in_number() {
        assert_eq!(count(4500, "user", "users"), "4,500 users");
        assert_eq!(count(1, "user", "users"), "1 user");
        assert_eq!(count(612, "user", "users"), "612 users");
    }
}
