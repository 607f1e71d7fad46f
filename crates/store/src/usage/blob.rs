//! Sorted integer sets as little-endian blobs: the ledger (u64 record hashes) and the actor sets
//! of rollup rows (u32 actor ids). Both are merged, never rewritten from scratch.

use crate::{Result, StoreError};

pub fn encode_u64(values: &[u64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn encode_u32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn decode_u64(bytes: &[u8], what: &str) -> Result<Vec<u64>> {
    if !bytes.len().is_multiple_of(8) {
        return Err(corrupt(what, bytes.len(), 8));
    }
    Ok(bytes.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default())).collect())
}

pub fn decode_u32(bytes: &[u8], what: &str) -> Result<Vec<u32>> {
    if !bytes.len().is_multiple_of(4) {
        return Err(corrupt(what, bytes.len(), 4));
    }
    Ok(bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap_or_default())).collect())
}

fn corrupt(what: &str, len: usize, width: usize) -> StoreError {
    StoreError::Corrupt { what: what.to_string(), reason: format!("{len} bytes is not a multiple of {width}") }
}

/// The union of two sorted, distinct sequences, sorted and distinct.
pub fn union<T: Ord + Copy>(a: &[T], b: &[T]) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            std::cmp::Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_merges_and_drops_repeats() {
        assert_eq!(union(&[1u32, 3, 5], &[2, 3, 9]), vec![1, 2, 3, 5, 9]);
        assert_eq!(union::<u32>(&[], &[4]), vec![4]);
    }

    #[test]
    fn round_trips_and_rejects_torn_blobs() {
        assert_eq!(decode_u64(&encode_u64(&[1, u64::MAX]), "x").unwrap(), vec![1, u64::MAX]);
        assert_eq!(decode_u32(&encode_u32(&[7, 8]), "x").unwrap(), vec![7, 8]);
        assert!(decode_u32(&[1, 2, 3], "actor set").unwrap_err().to_string().contains("actor set"));
    }
}
