//! Reading policy files (helper files fills this in).
