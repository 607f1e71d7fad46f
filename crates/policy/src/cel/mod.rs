//! CEL conditions compiled against the fact schema.
//!
//! The `cel` crate parses a condition (macros expanded); [`compile`] turns the syntax tree
//! into a typed tree over the fact rows (module `node`): field names resolve to getters,
//! `params.x` folds into a constant, constant sub-expressions are folded, types are checked
//! (unknown field, wrong type, wrong arity, unsupported construct: a [`CompileError`] with the
//! byte offset of the culprit and close field names). Evaluating reads facts through
//! function pointers and does not allocate in the common case.
//!
//! The subset: literals (int, double, string, bool), `!`, unary `-`, `&&`, `||`, `? :`,
//! `== != < <= > >=` (int and double compare with each other), `+ - * / %` on numbers, `+` on
//! strings and lists, `in`, `size()`, `contains`, `startsWith`, `endsWith`, `matches` (a
//! constant pattern, compiled once), `lowerAscii`, `int()`, `double()`, list literals, `[i]`,
//! and the macros `exists`, `all`, `exists_one`, `map`, `filter`. Semantics are CEL's: the
//! differential test in this module runs every construct through the `cel` crate's
//! interpreter and compares. The one deliberate difference is stricter checking: comparing a
//! closed-set field (`resource.kind`, `environment.type`, …) with a string it can never hold
//! is a compile error rather than an always-false condition, because it is always a typo.

mod compile;
pub(crate) mod node;
#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;

pub use compile::compile;
pub use node::EvalError;

use crate::facts::fields::FieldDef;
use crate::facts::{Ctx, EnvironmentFacts, FieldInfo, ResourceFacts, Subject};
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

/// The facts a condition read, as (path, value) in order of first appearance. Paths are the
/// schema's (`resource.shared_users`), so gathering evidence allocates only the values that
/// are strings or lists.
pub type Evidence = Vec<(&'static str, serde_json::Value)>;

/// A condition that does not compile: where (a byte range of the condition) and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CompileError {
    /// Byte offset into the condition.
    pub offset: usize,
    /// Length in bytes of the offending text (at least 1 unless the condition is empty).
    pub len: usize,
    pub message: String,
}

/// A compiled condition. `Send + Sync`; evaluate it from as many threads as you like.
pub struct Program {
    root: node::B,
    subject: Subject,
    reads: Vec<&'static FieldDef>,
    /// Comprehension variables in use (0: no frame needed).
    slots: usize,
}

impl std::fmt::Debug for Program {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Program").field("subject", &self.subject).field("reads", &self.read_paths()).finish()
    }
}

impl Program {
    pub fn subject(&self) -> Subject {
        self.subject
    }

    /// The facts the condition reads, in order of first appearance.
    pub fn reads(&self) -> impl Iterator<Item = &'static FieldInfo> + '_ {
        self.reads.iter().map(|d| &d.info)
    }

    fn read_paths(&self) -> Vec<&'static str> {
        self.reads().map(FieldInfo::path).collect()
    }

    fn run(&self, c: Ctx<'_>) -> Result<bool, EvalError> {
        if self.slots == 0 {
            self.root.eval(c, &mut [])
        } else {
            let mut frame: [node::Scalar<'_>; node::MAX_SLOTS] = std::array::from_fn(|_| node::Scalar::Bool(false));
            self.root.eval(c, &mut frame)
        }
    }

    /// Whether the condition holds for a resource; an evaluation error (overflow, division by
    /// zero, index out of range) means it does not. An environment condition is evaluated
    /// against the resource's environment.
    pub fn eval_resource(&self, facts: &ResourceFacts) -> bool {
        self.try_eval_resource(facts).unwrap_or(false)
    }

    /// Like [`eval_resource`](Self::eval_resource), with the error.
    pub fn try_eval_resource(&self, facts: &ResourceFacts) -> Result<bool, EvalError> {
        self.run(Ctx::resource(facts))
    }

    /// Whether the condition holds for an environment. A resource condition never holds for
    /// an environment.
    pub fn eval_environment(&self, facts: &EnvironmentFacts) -> bool {
        self.try_eval_environment(facts).unwrap_or(false)
    }

    pub fn try_eval_environment(&self, facts: &EnvironmentFacts) -> Result<bool, EvalError> {
        match self.subject {
            Subject::Environment => self.run(Ctx::environment(facts)),
            Subject::Resource => Ok(false),
        }
    }

    fn evidence(&self, c: Ctx<'_>) -> Evidence {
        self.reads.iter().map(|d| (d.info.path, d.json(c))).collect()
    }

    /// The facts the condition reads, as (path, value) — recorded as a violation's evidence.
    pub fn evidence_resource(&self, facts: &ResourceFacts) -> Evidence {
        self.evidence(Ctx::resource(facts))
    }

    pub fn evidence_environment(&self, facts: &EnvironmentFacts) -> Evidence {
        self.evidence(Ctx::environment(facts))
    }
}
