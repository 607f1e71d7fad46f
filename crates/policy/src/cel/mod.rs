//! CEL conditions compiled against the fact schema (helper engine fills this in).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A policy parameter: constant when the condition is compiled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ParamValue {
    Bool(bool),
    Int(i64),
    Double(f64),
    String(String),
    List(Vec<String>),
}

pub type Params = BTreeMap<String, ParamValue>;
