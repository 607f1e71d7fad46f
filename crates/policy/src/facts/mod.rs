//! The facts a policy condition can read (helper engine fills this in).

use serde::{Deserialize, Serialize};

/// What a policy looks at.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Subject {
    #[default]
    Resource,
    Environment,
}
