//! Fast audit record reader (being written).
