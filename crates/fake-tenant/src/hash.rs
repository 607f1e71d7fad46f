//! Deterministic hashing: every "random" choice of the fake tenant (faults, mutations, licences)
//! is a pure function of a seed and a few integers, so runs are reproducible.

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A well-mixed value for (seed, a, b, c).
pub(crate) fn mix(seed: u64, a: u64, b: u64, c: u64) -> u64 {
    splitmix(splitmix(splitmix(splitmix(seed) ^ a) ^ b) ^ c)
}

/// A uniform value in `[0, 1)` for (seed, a, b, c).
pub(crate) fn unit(seed: u64, a: u64, b: u64, c: u64) -> f64 {
    (mix(seed, a, b, c) >> 11) as f64 / (1u64 << 53) as f64
}

/// A GUID-shaped lowercase id (version 4 layout) for (seed, a, b, c).
pub(crate) fn guid(seed: u64, a: u64, b: u64, c: u64) -> String {
    let hi = mix(seed, a, b, c);
    let lo = splitmix(hi ^ 0x5A5A_5A5A_5A5A_5A5A);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        hi >> 32,
        (hi >> 16) & 0xffff,
        hi & 0x0fff,
        0x8000 | ((lo >> 48) & 0x3fff),
        lo & 0xffff_ffff_ffff
    )
}

/// A 64-bit digest of some bytes (FNV-1a, then mixed), for query fingerprints and token MACs.
pub(crate) fn digest(seed: u64, bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    splitmix(h)
}

/// A step through `0..n` that visits every index once (coprime with `n`), for choosing
/// exactly k distinct items deterministically.
pub(crate) fn coprime_stride(n: u64, seed: u64) -> u64 {
    if n <= 1 {
        return 1;
    }
    let mut a = (mix(seed, 1, n, 0) % n).max(1);
    while gcd(a, n) != 1 {
        a = a % (n - 1) + 1;
    }
    a
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_are_shaped_and_stable() {
        let g = guid(1, 2, 3, 4);
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert_eq!(g, guid(1, 2, 3, 4));
        assert_ne!(g, guid(1, 2, 3, 5));
    }

    #[test]
    fn a_coprime_stride_visits_every_index() {
        for n in [1u64, 2, 7, 12, 100, 97] {
            let s = coprime_stride(n, 9);
            let mut seen: Vec<u64> = (0..n).map(|i| (i * s) % n).collect();
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len() as u64, n);
        }
    }
}
