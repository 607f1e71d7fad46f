//! Deterministic randomness without global state: every value is a pure function of the seed
//! and a few integers (a tag saying what is drawn, and indices saying for which item), so any
//! page, user or audit blob can be produced on its own, in any order, in constant memory.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A well-mixed 64-bit value for (seed, tag, a, b).
pub fn mix(seed: u64, tag: u64, a: u64, b: u64) -> u64 {
    splitmix(splitmix(splitmix(seed ^ splitmix(tag)) ^ a) ^ b)
}

/// A uniform value in `[0, 1)` for (seed, tag, a, b).
pub fn unit(seed: u64, tag: u64, a: u64, b: u64) -> f64 {
    to_unit(mix(seed, tag, a, b))
}

pub fn to_unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// An index in `0..n` for (seed, tag, a, b); `n` must be positive.
pub fn pick(seed: u64, tag: u64, a: u64, b: u64, n: usize) -> usize {
    (mix(seed, tag, a, b) % n.max(1) as u64) as usize
}

/// A ChaCha8 stream for one item (a resource, an environment, an audit blob).
pub fn rng(seed: u64, tag: u64, a: u64, b: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed, tag, a, b))
}

/// A lowercase GUID (version 4 layout) for (seed, tag, a, b).
pub fn guid(seed: u64, tag: u64, a: u64, b: u64) -> String {
    let hi = mix(seed, tag, a, b);
    let lo = splitmix(hi ^ 0xA5A5_A5A5_A5A5_A5A5);
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&hi.to_le_bytes());
    bytes[8..].copy_from_slice(&lo.to_le_bytes());
    uuid::Builder::from_random_bytes(bytes).into_uuid().to_string()
}

/// What is being drawn; distinct tags give independent streams.
pub mod tag {
    pub const TENANT: u64 = 1;
    pub const ENV: u64 = 2;
    pub const ENV_ID: u64 = 3;
    pub const GROUP_ID: u64 = 4;
    pub const USER_ID: u64 = 5;
    pub const USER: u64 = 6;
    pub const LEAVER: u64 = 7;
    pub const RESOURCE_ID: u64 = 8;
    pub const RESOURCE: u64 = 9;
    pub const KIND: u64 = 10;
    pub const USED: u64 = 11;
    pub const OWNER: u64 = 12;
    pub const NAME: u64 = 13;
    pub const POLICY_ID: u64 = 14;
    pub const CUSTOM_CONNECTOR: u64 = 15;
    pub const DAY: u64 = 16;
    pub const BLOB: u64 = 17;
    pub const ENV_SIZE: u64 = 18;
    pub const CONNECTION_ID: u64 = 19;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_depend_on_every_input_and_nothing_else() {
        assert_eq!(guid(1, 2, 3, 4), guid(1, 2, 3, 4));
        assert_ne!(guid(1, 2, 3, 4), guid(2, 2, 3, 4));
        assert_ne!(guid(1, 2, 3, 4), guid(1, 3, 3, 4));
        assert_ne!(guid(1, 2, 3, 4), guid(1, 2, 4, 4));
        assert_ne!(guid(1, 2, 3, 4), guid(1, 2, 3, 5));
        let g = guid(7, 1, 0, 0);
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        let u = unit(1, 1, 1, 1);
        assert!((0.0..1.0).contains(&u));
    }
}
