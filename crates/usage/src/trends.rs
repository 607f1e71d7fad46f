//! Trends over the rollups (being written).
