//! Amounts and durations as fixed-point integers: hundredths of a currency unit, hundredths of
//! a minute. Parsed from and written as decimal text so that no figure goes through `f64`.

/// Parse a non-negative decimal with at most two decimals (`12`, `12.5`, `12.50`; a thousands
/// separator is not accepted) into hundredths. `what` names the figure in the error.
pub fn parse_hundredths(text: &str, what: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if t.starts_with('-') {
        return Err(format!("{what} cannot be negative (got '{t}')"));
    }
    let (whole, frac) = match t.split_once('.') {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || (t.contains('.') && frac.is_empty()) {
        return Err(format!("{what} must be a number such as 12 or 12.50 (got '{t}')"));
    }
    if frac.len() > 2 {
        return Err(format!("{what} has more than two decimals (got '{t}')"));
    }
    let too_big = || format!("{what} is too large (got '{t}')");
    let whole: i64 = whole.parse().map_err(|_| too_big())?;
    let frac: i64 = if frac.is_empty() { 0 } else { format!("{frac:0<2}").parse().map_err(|_| too_big())? };
    whole.checked_mul(100).and_then(|w| w.checked_add(frac)).ok_or_else(too_big)
}

/// Hundredths written back as a decimal: `1250` → `12.50`, `-5` → `-0.05`.
pub fn format_hundredths(value: i64) -> String {
    let sign = if value < 0 { "-" } else { "" };
    let v = value.unsigned_abs();
    format!("{sign}{}.{:02}", v / 100, v % 100)
}

/// An amount for people: `12,345.60 EUR`.
pub fn format_money(value: i64, currency: &str) -> String {
    let plain = format_hundredths(value);
    let (sign, rest) = plain.strip_prefix('-').map_or(("", plain.as_str()), |r| ("-", r));
    let (whole, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{frac} {currency}")
}

/// `a × b / divisor`, rounded half away from zero, in 128 bits so no product overflows; the
/// result saturates at the `i64` range.
pub fn mul_div(a: i128, b: i128, divisor: i128) -> i64 {
    if divisor == 0 {
        return 0;
    }
    let n = a * b;
    let q = n / divisor;
    let r = n % divisor;
    let rounded = if 2 * r.abs() >= divisor.abs() { q + n.signum() * divisor.signum() } else { q };
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimals_to_hundredths() {
        assert_eq!(parse_hundredths("12", "x"), Ok(1200));
        assert_eq!(parse_hundredths(" 12.5 ", "x"), Ok(1250));
        assert_eq!(parse_hundredths("0.05", "x"), Ok(5));
        for bad in ["", "-1", "1.234", "1,000", "abc", "1.", ".5", "1e3", "99999999999999999999"] {
            assert!(parse_hundredths(bad, "minutes saved").is_err(), "{bad:?} accepted");
        }
        assert!(parse_hundredths("1.234", "cost avoided").unwrap_err().contains("cost avoided"));
    }

    #[test]
    fn formats_back() {
        assert_eq!(format_hundredths(1250), "12.50");
        assert_eq!(format_hundredths(-5), "-0.05");
        assert_eq!(format_money(1_234_560, "EUR"), "12,345.60 EUR");
        assert_eq!(format_money(99, "EUR"), "0.99 EUR");
        assert_eq!(format_money(-10_000_000, "USD"), "-100,000.00 USD");
    }

    #[test]
    fn mul_div_rounds_half_away_from_zero() {
        assert_eq!(mul_div(1, 5, 10), 1);
        assert_eq!(mul_div(1, 4, 10), 0);
        assert_eq!(mul_div(-1, 5, 10), -1);
        assert_eq!(mul_div(i128::from(i64::MAX), 10, 1), i64::MAX);
        assert_eq!(mul_div(3, 3, 0), 0);
    }
}
