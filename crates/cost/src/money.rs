//! Money in integer minor units (cents), and splits that add back up exactly.
//!
//! A cost split between cost centres must sum to the cost, to the cent, whatever the weights:
//! otherwise a chargeback report does not reconcile with the bill. [`split`] uses the
//! largest-remainder method: each share gets the floor of its exact quotient, and the cents left
//! over go one each to the shares with the largest remainders (ties to the earlier share, so the
//! result is deterministic).

/// Split `total` minor units in proportion to `weights`. The result has one amount per weight
/// and sums to `total` exactly. Zero weights get zero; when every weight is zero the total is
/// split evenly. Negative totals (credits) split like their absolute value, negated.
/// An empty `weights` answers an empty vector (the caller must place the total elsewhere).
pub fn split(total: i64, weights: &[u64]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    let even;
    let weights = if weights.iter().all(|w| *w == 0) {
        even = vec![1u64; weights.len()];
        &even[..]
    } else {
        weights
    };
    let sum: u128 = weights.iter().map(|w| u128::from(*w)).sum();
    let magnitude = u128::from(total.unsigned_abs());
    let mut shares: Vec<u128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        // u64 × u64 fits u128, so the exact quotient needs no floating point.
        let exact = magnitude * u128::from(*w);
        shares.push(exact / sum);
        remainders.push((exact % sum, i));
    }
    let given: u128 = shares.iter().sum();
    let left = (magnitude - given) as usize;
    // Largest remainder first; equal remainders in input order.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take(left) {
        shares[i] += 1;
    }
    shares
        .into_iter()
        .map(|s| {
            // Each share is at most |total|, so with the total's sign it fits i64 (even i64::MIN).
            let s = s as i128;
            (if total < 0 { -s } else { s }) as i64
        })
        .collect()
}

/// `quantity × unit price`, rounded half away from zero to a minor unit.
pub fn times(quantity: f64, unit_price: i64) -> i64 {
    let v = quantity * unit_price as f64;
    if v.is_finite() { v.round() as i64 } else { 0 }
}

/// Minor units as a decimal with two places (`12345` → `123.45`), for CSV and pages.
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

/// Minor units with thousands separators and the currency (`1,234.50 USD`).
pub fn display(minor: i64, currency: &str) -> String {
    let d = decimal(minor);
    let (sign, rest) = d.strip_prefix('-').map_or(("", d.as_str()), |r| ("-", r));
    let (int, frac) = rest.split_once('.').unwrap_or((rest, "00"));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{frac} {currency}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn splits_a_cent_by_largest_remainder() {
        assert_eq!(split(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(split(-100, &[1, 1, 1]), vec![-34, -33, -33]);
        assert_eq!(split(10, &[0, 0]), vec![5, 5]);
        assert_eq!(split(10, &[0, 3]), vec![0, 10]);
        assert_eq!(split(7, &[2, 1, 1]), vec![3, 2, 2], "3.5, 1.75, 1.75: the two .75s get the cents");
        assert!(split(5, &[]).is_empty());
    }

    /// Property: over random totals (including i64 extremes) and random weights (including
    /// zeros and huge ones), the parts sum to the total exactly, each part is within one minor
    /// unit of its exact share, and zero weights get nothing unless every weight is zero.
    #[test]
    fn splits_always_add_back_up() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for case in 0..20_000 {
            let total: i64 = match case % 5 {
                0 => rng.random_range(-1_000..1_000),
                1 => rng.random(),
                2 => i64::MAX - rng.random_range(0..3),
                3 => i64::MIN + rng.random_range(0..3),
                _ => rng.random_range(-10_000_000_000..10_000_000_000),
            };
            let n = rng.random_range(1..12);
            let weights: Vec<u64> = (0..n)
                .map(|_| match rng.random_range(0..4) {
                    0 => 0,
                    1 => rng.random(),
                    _ => rng.random_range(0..1000),
                })
                .collect();
            let parts = split(total, &weights);
            assert_eq!(parts.len(), weights.len());
            let sum: i128 = parts.iter().map(|p| i128::from(*p)).sum();
            assert_eq!(sum, i128::from(total), "total {total} weights {weights:?} parts {parts:?}");
            let wsum: u128 = weights.iter().map(|w| u128::from(*w)).sum();
            for (p, w) in parts.iter().zip(&weights) {
                if let Some(exact) = (u128::from(total.unsigned_abs()) * u128::from(*w)).checked_div(wsum) {
                    let got = u128::from(p.unsigned_abs());
                    assert!(got == exact || got == exact + 1, "part {p} for weight {w}, exact floor {exact}");
                    if *w == 0 {
                        assert_eq!(*p, 0);
                    }
                    assert!(*p == 0 || (*p < 0) == (total < 0), "a part has the total's sign");
                }
            }
        }
    }

    #[test]
    fn formats_amounts() {
        assert_eq!(decimal(12345), "123.45");
        assert_eq!(decimal(-5), "-0.05");
        assert_eq!(display(123456789, "USD"), "1,234,567.89 USD");
        assert_eq!(display(-100, "EUR"), "-1.00 EUR");
        assert_eq!(times(2.5, 4000), 10000);
    }
}
