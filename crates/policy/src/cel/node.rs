//! The compiled form of a condition: one small tree per result type, so that evaluation never
//! dispatches on a runtime type, reads facts through plain function pointers, and borrows
//! every string it can (fields, constants). Only `+` on strings or lists, `lowerAscii()` on a
//! string with capitals, `map`/`filter` and list literals with non-constant elements allocate.
//!
//! Runtime errors follow CEL: integer overflow, division or remainder by zero, a list index
//! out of range, an ordering comparison with NaN and an out-of-range `int()` are errors;
//! `&&`, `||`, `exists` and `all` absorb an error when another operand decides the result, as
//! in cel-go and the `cel` crate. A condition that ends in an error does not hold (the policy
//! does not fire), and the evaluator counts it.

use crate::facts::Ctx;
use std::borrow::Cow;

/// Why an evaluation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalError {
    Overflow,
    DivisionByZero,
    IndexOutOfRange,
    /// `<`, `<=`, `>`, `>=` with NaN.
    NotComparable,
}

impl std::fmt::Display for EvalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EvalError::Overflow => "integer overflow",
            EvalError::DivisionByZero => "division by zero",
            EvalError::IndexOutOfRange => "list index out of range",
            EvalError::NotComparable => "NaN cannot be ordered",
        })
    }
}

pub(crate) type R<T> = Result<T, EvalError>;

/// A value held by a comprehension variable or a list element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scalar<'a> {
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(Cow<'a, str>),
}

impl Scalar<'_> {
    pub fn borrowed(&self) -> Scalar<'_> {
        match self {
            Scalar::Str(s) => Scalar::Str(Cow::Borrowed(s)),
            Scalar::Bool(b) => Scalar::Bool(*b),
            Scalar::Int(i) => Scalar::Int(*i),
            Scalar::Double(d) => Scalar::Double(*d),
        }
    }
}

/// CEL equality between two scalars of compatible types: ints and doubles compare as numbers.
pub(crate) fn scalar_eq(a: &Scalar<'_>, b: &Scalar<'_>) -> bool {
    match (a, b) {
        (Scalar::Bool(x), Scalar::Bool(y)) => x == y,
        (Scalar::Int(x), Scalar::Int(y)) => x == y,
        (Scalar::Double(x), Scalar::Double(y)) => x == y,
        (Scalar::Int(x), Scalar::Double(y)) | (Scalar::Double(y), Scalar::Int(x)) => (*x as f64) == *y,
        (Scalar::Str(x), Scalar::Str(y)) => x == y,
        _ => false,
    }
}

/// Comprehension variables, by slot.
pub(crate) type Frame<'a> = [Scalar<'a>];

/// The most comprehensions one condition may nest.
pub(crate) const MAX_SLOTS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub fn flip(self) -> Cmp {
        match self {
            Cmp::Lt => Cmp::Gt,
            Cmp::Le => Cmp::Ge,
            Cmp::Gt => Cmp::Lt,
            Cmp::Ge => Cmp::Le,
            c => c,
        }
    }

    fn ord<T: Ord>(self, a: T, b: T) -> bool {
        match self {
            Cmp::Eq => a == b,
            Cmp::Ne => a != b,
            Cmp::Lt => a < b,
            Cmp::Le => a <= b,
            Cmp::Gt => a > b,
            Cmp::Ge => a >= b,
        }
    }

    /// Doubles: equality with NaN is false (`!=` true), ordering with NaN an error.
    fn float(self, a: f64, b: f64) -> R<bool> {
        match self {
            Cmp::Eq => Ok(a == b),
            Cmp::Ne => Ok(a != b),
            _ => match a.partial_cmp(&b) {
                Some(o) => Ok(self.ord(o, std::cmp::Ordering::Equal)),
                None => Err(EvalError::NotComparable),
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

pub(crate) fn int_arith(op: Arith, a: i64, b: i64) -> R<i64> {
    match op {
        Arith::Add => a.checked_add(b).ok_or(EvalError::Overflow),
        Arith::Sub => a.checked_sub(b).ok_or(EvalError::Overflow),
        Arith::Mul => a.checked_mul(b).ok_or(EvalError::Overflow),
        Arith::Div if b == 0 => Err(EvalError::DivisionByZero),
        Arith::Div => a.checked_div(b).ok_or(EvalError::Overflow),
        Arith::Rem if b == 0 => Err(EvalError::DivisionByZero),
        Arith::Rem => a.checked_rem(b).ok_or(EvalError::Overflow),
    }
}

pub(crate) fn double_arith(op: Arith, a: f64, b: f64) -> f64 {
    match op {
        Arith::Add => a + b,
        Arith::Sub => a - b,
        Arith::Mul => a * b,
        Arith::Div => a / b,
        // Rejected by the compiler (CEL has no double remainder).
        Arith::Rem => f64::NAN,
    }
}

/// CEL's `int(double)`: truncation, an error outside (i64::MIN, i64::MAX) and for NaN.
pub(crate) fn double_to_int(d: f64) -> R<i64> {
    if d > i64::MIN as f64 && d < i64::MAX as f64 { Ok(d as i64) } else { Err(EvalError::Overflow) }
}

/// Case-insensitive (ASCII) tests against a needle known to have no ASCII capitals: what
/// `s.lowerAscii().contains("x")` means, without building the lowered string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FoldOp {
    Eq,
    Contains,
    StartsWith,
    EndsWith,
}

fn fold_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_ascii_lowercase() == *y)
}

impl FoldOp {
    fn test(self, hay: &str, needle: &str) -> bool {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        match self {
            FoldOp::Eq => fold_eq(h, n),
            FoldOp::StartsWith => h.len() >= n.len() && fold_eq(&h[..n.len()], n),
            FoldOp::EndsWith => h.len() >= n.len() && fold_eq(&h[h.len() - n.len()..], n),
            // A UTF-8 needle can only match at character boundaries, so bytes are enough.
            FoldOp::Contains => match n.split_first() {
                None => true,
                Some((first, rest)) => {
                    h.len() >= n.len()
                        && (0..=h.len() - n.len())
                            .any(|i| h[i].to_ascii_lowercase() == *first && fold_eq(&h[i + 1..i + n.len()], rest))
                }
            },
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    Contains,
    StartsWith,
    EndsWith,
}

pub(crate) type GetBool = fn(Ctx<'_>) -> bool;
pub(crate) type GetInt = fn(Ctx<'_>) -> i64;
pub(crate) type GetStr = for<'a> fn(Ctx<'a>) -> &'a str;
pub(crate) type GetEnum = fn(Ctx<'_>) -> u8;
pub(crate) type GetList = for<'a> fn(Ctx<'a>) -> &'a [std::sync::Arc<str>];

pub(crate) enum B {
    Const(bool),
    Field(GetBool),
    Var(u8),
    Not(Box<B>),
    And(Box<B>, Box<B>),
    Or(Box<B>, Box<B>),
    Cond(Box<B>, Box<B>, Box<B>),
    /// The hot path: `resource.age_days > params.days`.
    IntFieldCmp(GetInt, Cmp, i64),
    CmpInt(Cmp, Box<I>, Box<I>),
    CmpDouble(Cmp, Box<D>, Box<D>),
    CmpIntDouble(Cmp, Box<I>, Box<D>),
    CmpStr(Cmp, Box<S>, Box<S>),
    /// `resource.justification == ""`: no copy-on-write wrapper, lengths first.
    StrFieldEq(GetStr, Box<str>, bool),
    EqBool(bool, Box<B>, Box<B>),
    /// `field == "literal"` on a closed-set field: compares spellings' indexes.
    EnumEq(GetEnum, u8, bool),
    /// `field in [...]` on a closed-set field: a bit per spelling.
    EnumIn(GetEnum, u64),
    EqList(bool, Box<L>, Box<L>),
    /// `x in list` for any list.
    In(Box<N>, Box<L>),
    /// `s in ["a", "b"]` with constant strings.
    StrInConst(Box<S>, Box<[Box<str>]>),
    StrOp(StrOp, Box<S>, Box<S>),
    Fold(FoldOp, Box<S>, Box<str>),
    Matches(Box<S>, Box<regex::Regex>),
    Exists(Box<L>, u8, Box<B>),
    All(Box<L>, u8, Box<B>),
    ExistsOne(Box<L>, u8, Box<B>),
    Index(Box<L>, Box<I>),
}

pub(crate) enum I {
    Const(i64),
    Field(GetInt),
    Var(u8),
    Neg(Box<I>),
    Arith(Arith, Box<I>, Box<I>),
    SizeStr(Box<S>),
    SizeList(Box<L>),
    Cond(Box<B>, Box<I>, Box<I>),
    Index(Box<L>, Box<I>),
    FromDouble(Box<D>),
}

pub(crate) enum D {
    Const(f64),
    Var(u8),
    Neg(Box<D>),
    Arith(Arith, Box<D>, Box<D>),
    Cond(Box<B>, Box<D>, Box<D>),
    Index(Box<L>, Box<I>),
    FromInt(Box<I>),
}

pub(crate) enum S {
    Const(Box<str>),
    Field(GetStr),
    Enum(GetEnum, &'static [&'static str]),
    Var(u8),
    Concat(Box<S>, Box<S>),
    Lower(Box<S>),
    Cond(Box<B>, Box<S>, Box<S>),
    Index(Box<L>, Box<I>),
}

pub(crate) enum L {
    Field(GetList),
    Const(Box<[Scalar<'static>]>),
    Literal(Vec<N>),
    Concat(Box<L>, Box<L>),
    Cond(Box<B>, Box<L>, Box<L>),
    /// `map` (and `map` with a filter, and `filter`: the value is then the variable).
    Map {
        src: Box<L>,
        slot: u8,
        filter: Option<Box<B>>,
        value: Box<N>,
    },
}

/// A node of any type (list elements, `in` operands, map values).
pub(crate) enum N {
    B(B),
    I(I),
    D(D),
    S(S),
}

/// A list value: borrowed from the facts or the program where possible.
pub(crate) enum ListVal<'a> {
    Field(&'a [std::sync::Arc<str>]),
    Const(&'a [Scalar<'static>]),
    Owned(Vec<Scalar<'a>>),
}

impl<'a> ListVal<'a> {
    pub fn len(&self) -> usize {
        match self {
            ListVal::Field(v) => v.len(),
            ListVal::Const(v) => v.len(),
            ListVal::Owned(v) => v.len(),
        }
    }

    /// Element `i` (callers check the index).
    pub fn get(&self, i: usize) -> Option<Scalar<'a>> {
        match self {
            ListVal::Field(v) => v.get(i).map(|s| Scalar::Str(Cow::Borrowed(&**s))),
            ListVal::Const(v) => v.get(i).map(|s| s.borrowed()),
            ListVal::Owned(v) => v.get(i).cloned(),
        }
    }

    fn contains(&self, x: &Scalar<'_>) -> bool {
        match (self, x) {
            (ListVal::Field(v), Scalar::Str(s)) => v.iter().any(|e| **e == **s),
            (ListVal::Const(v), x) => v.iter().any(|e| scalar_eq(e, x)),
            (ListVal::Owned(v), x) => v.iter().any(|e| scalar_eq(e, x)),
            _ => false,
        }
    }

    fn eq(&self, other: &ListVal<'_>) -> bool {
        let n = self.len();
        n == other.len()
            && (0..n).all(|i| match (self.get(i), other.get(i)) {
                (Some(a), Some(b)) => scalar_eq(&a, &b),
                _ => false,
            })
    }

    fn into_owned_vec(self) -> Vec<Scalar<'a>> {
        match self {
            ListVal::Owned(v) => v,
            other => (0..other.len()).filter_map(|i| other.get(i)).collect(),
        }
    }
}

fn index(i: i64, len: usize) -> R<usize> {
    usize::try_from(i).ok().filter(|i| *i < len).ok_or(EvalError::IndexOutOfRange)
}

/// A rough, static cost of evaluating a node: how `&&` and `||` order their operands (CEL's
/// `&&` and `||` are commutative, so the cheap, selective test runs first and the regular
/// expression only when it matters).
impl B {
    pub fn cost(&self) -> u32 {
        match self {
            B::Const(_) => 0,
            B::Field(_) | B::Var(_) | B::IntFieldCmp(..) | B::EnumEq(..) | B::EnumIn(..) => 1,
            B::StrFieldEq(..) => 2,
            B::Not(b) => b.cost(),
            B::And(a, b) | B::Or(a, b) => a.cost().saturating_add(b.cost()),
            B::Cond(k, a, b) => k.cost().saturating_add(a.cost().max(b.cost())),
            B::CmpInt(_, a, b) => 1 + a.cost().saturating_add(b.cost()),
            B::CmpDouble(_, a, b) => 1 + a.cost().saturating_add(b.cost()),
            B::CmpIntDouble(_, a, b) => 1 + a.cost().saturating_add(b.cost()),
            B::CmpStr(_, a, b) => 2 + a.cost().saturating_add(b.cost()),
            B::EqBool(_, a, b) => 1 + a.cost().saturating_add(b.cost()),
            B::EqList(_, a, b) => 8 + a.cost().saturating_add(b.cost()),
            B::In(x, l) => 8 + x.cost().saturating_add(l.cost()),
            B::StrInConst(s, set) => s.cost().saturating_add(u32::try_from(set.len()).unwrap_or(u32::MAX)),
            B::StrOp(_, a, b) => 4 + a.cost().saturating_add(b.cost()),
            B::Fold(_, s, _) => 8 + s.cost(),
            B::Matches(s, _) => 50 + s.cost(),
            B::Exists(l, _, p) | B::All(l, _, p) | B::ExistsOne(l, _, p) => {
                l.cost().saturating_add(p.cost().saturating_add(2).saturating_mul(4))
            }
            B::Index(l, i) => 2 + l.cost().saturating_add(i.cost()),
        }
    }
}

impl I {
    fn cost(&self) -> u32 {
        match self {
            I::Const(_) => 0,
            I::Field(_) | I::Var(_) => 1,
            I::Neg(a) => 1 + a.cost(),
            I::Arith(_, a, b) => 1 + a.cost().saturating_add(b.cost()),
            I::SizeStr(s) => 2 + s.cost(),
            I::SizeList(l) => 1 + l.cost(),
            I::Cond(k, a, b) => k.cost().saturating_add(a.cost().max(b.cost())),
            I::Index(l, i) => 2 + l.cost().saturating_add(i.cost()),
            I::FromDouble(d) => 1 + d.cost(),
        }
    }
}

impl D {
    fn cost(&self) -> u32 {
        match self {
            D::Const(_) => 0,
            D::Var(_) => 1,
            D::Neg(a) => 1 + a.cost(),
            D::Arith(_, a, b) => 1 + a.cost().saturating_add(b.cost()),
            D::Cond(k, a, b) => k.cost().saturating_add(a.cost().max(b.cost())),
            D::Index(l, i) => 2 + l.cost().saturating_add(i.cost()),
            D::FromInt(i) => 1 + i.cost(),
        }
    }
}

impl S {
    fn cost(&self) -> u32 {
        match self {
            S::Const(_) => 0,
            S::Field(_) | S::Enum(..) | S::Var(_) => 1,
            S::Concat(a, b) => 20 + a.cost().saturating_add(b.cost()),
            S::Lower(s) => 10 + s.cost(),
            S::Cond(k, a, b) => k.cost().saturating_add(a.cost().max(b.cost())),
            S::Index(l, i) => 2 + l.cost().saturating_add(i.cost()),
        }
    }
}

impl L {
    fn cost(&self) -> u32 {
        match self {
            L::Const(_) => 0,
            L::Field(_) => 1,
            L::Literal(items) => items.iter().fold(10u32, |c, n| c.saturating_add(n.cost())),
            L::Concat(a, b) => 30 + a.cost().saturating_add(b.cost()),
            L::Cond(k, a, b) => k.cost().saturating_add(a.cost().max(b.cost())),
            L::Map { src, filter, value, .. } => {
                let body = filter.as_ref().map_or(0, |f| f.cost()).saturating_add(value.cost()).saturating_add(2);
                30u32.saturating_add(src.cost()).saturating_add(body.saturating_mul(4))
            }
        }
    }
}

impl N {
    fn cost(&self) -> u32 {
        match self {
            N::B(b) => b.cost(),
            N::I(i) => i.cost(),
            N::D(d) => d.cost(),
            N::S(s) => s.cost(),
        }
    }
}

impl B {
    pub fn eval<'a>(&'a self, c: Ctx<'a>, f: &mut Frame<'a>) -> R<bool> {
        Ok(match self {
            B::Const(b) => *b,
            B::Field(g) => g(c),
            B::Var(s) => matches!(f[*s as usize], Scalar::Bool(true)),
            B::Not(b) => !b.eval(c, f)?,
            B::And(a, b) => match a.eval(c, f) {
                Ok(false) => false,
                Ok(true) => b.eval(c, f)?,
                Err(e) => match b.eval(c, f) {
                    Ok(false) => false,
                    _ => return Err(e),
                },
            },
            B::Or(a, b) => match a.eval(c, f) {
                Ok(true) => true,
                Ok(false) => b.eval(c, f)?,
                Err(e) => match b.eval(c, f) {
                    Ok(true) => true,
                    _ => return Err(e),
                },
            },
            B::Cond(k, a, b) => {
                if k.eval(c, f)? {
                    a.eval(c, f)?
                } else {
                    b.eval(c, f)?
                }
            }
            B::IntFieldCmp(g, op, k) => op.ord(g(c), *k),
            B::CmpInt(op, a, b) => {
                let x = a.eval(c, f)?;
                op.ord(x, b.eval(c, f)?)
            }
            B::CmpDouble(op, a, b) => {
                let x = a.eval(c, f)?;
                op.float(x, b.eval(c, f)?)?
            }
            B::CmpIntDouble(op, a, b) => {
                let x = a.eval(c, f)? as f64;
                op.float(x, b.eval(c, f)?)?
            }
            B::CmpStr(op, a, b) => {
                let x = a.eval(c, f)?;
                op.ord(&*x, &*b.eval(c, f)?)
            }
            B::StrFieldEq(g, k, eq) => {
                let v = g(c);
                (v.len() == k.len() && v == &**k) == *eq
            }
            B::EqBool(eq, a, b) => {
                let x = a.eval(c, f)?;
                (x == b.eval(c, f)?) == *eq
            }
            B::EnumEq(g, v, eq) => (g(c) == *v) == *eq,
            B::EnumIn(g, mask) => mask & (1u64 << g(c)) != 0,
            B::EqList(eq, a, b) => {
                let x = a.eval(c, f)?;
                x.eq(&b.eval(c, f)?) == *eq
            }
            B::In(x, l) => {
                let x = x.eval(c, f)?;
                l.eval(c, f)?.contains(&x)
            }
            B::StrInConst(s, set) => {
                let s = s.eval(c, f)?;
                set.iter().any(|e| **e == *s)
            }
            B::StrOp(op, a, b) => {
                let x = a.eval(c, f)?;
                let y = b.eval(c, f)?;
                match op {
                    StrOp::Contains => x.contains(&*y),
                    StrOp::StartsWith => x.starts_with(&*y),
                    StrOp::EndsWith => x.ends_with(&*y),
                }
            }
            B::Fold(op, s, needle) => op.test(&s.eval(c, f)?, needle),
            B::Matches(s, re) => re.is_match(&s.eval(c, f)?),
            B::Exists(l, slot, p) => return quantify(l, *slot, p, true, c, f),
            B::All(l, slot, p) => return quantify(l, *slot, p, false, c, f),
            B::ExistsOne(l, slot, p) => {
                let l = l.eval(c, f)?;
                let mut n = 0u64;
                for i in 0..l.len() {
                    if let Some(x) = l.get(i) {
                        f[*slot as usize] = x;
                    }
                    n += u64::from(p.eval(c, f)?);
                }
                n == 1
            }
            B::Index(l, i) => {
                let l = l.eval(c, f)?;
                let i = index(i.eval(c, f)?, l.len())?;
                matches!(l.get(i), Some(Scalar::Bool(true)))
            }
        })
    }
}

/// `exists` (`decisive` = true) and `all` (`decisive` = false): the first element whose
/// predicate gives the decisive value decides; otherwise an error met on the way wins over the
/// other value, as CEL's error-absorbing `||` and `&&` over the elements would.
fn quantify<'a>(list: &'a L, slot: u8, predicate: &'a B, decisive: bool, c: Ctx<'a>, f: &mut Frame<'a>) -> R<bool> {
    let l = list.eval(c, f)?;
    let mut err = None;
    for i in 0..l.len() {
        if let Some(x) = l.get(i) {
            f[slot as usize] = x;
        }
        match predicate.eval(c, f) {
            Ok(v) if v == decisive => return Ok(decisive),
            Ok(_) => {}
            Err(e) => err = Some(e),
        }
    }
    err.map_or(Ok(!decisive), Err)
}

impl I {
    pub fn eval<'a>(&'a self, c: Ctx<'a>, f: &mut Frame<'a>) -> R<i64> {
        Ok(match self {
            I::Const(v) => *v,
            I::Field(g) => g(c),
            I::Var(s) => match f[*s as usize] {
                Scalar::Int(v) => v,
                _ => 0,
            },
            I::Neg(a) => a.eval(c, f)?.checked_neg().ok_or(EvalError::Overflow)?,
            I::Arith(op, a, b) => {
                let x = a.eval(c, f)?;
                int_arith(*op, x, b.eval(c, f)?)?
            }
            I::SizeStr(s) => {
                let s = s.eval(c, f)?;
                // CEL counts code points.
                let n = if s.is_ascii() { s.len() } else { s.chars().count() };
                i64::try_from(n).unwrap_or(i64::MAX)
            }
            I::SizeList(l) => i64::try_from(l.eval(c, f)?.len()).unwrap_or(i64::MAX),
            I::Cond(k, a, b) => {
                if k.eval(c, f)? {
                    a.eval(c, f)?
                } else {
                    b.eval(c, f)?
                }
            }
            I::Index(l, i) => {
                let l = l.eval(c, f)?;
                let i = index(i.eval(c, f)?, l.len())?;
                match l.get(i) {
                    Some(Scalar::Int(v)) => v,
                    _ => 0,
                }
            }
            I::FromDouble(d) => double_to_int(d.eval(c, f)?)?,
        })
    }
}

impl D {
    pub fn eval<'a>(&'a self, c: Ctx<'a>, f: &mut Frame<'a>) -> R<f64> {
        Ok(match self {
            D::Const(v) => *v,
            D::Var(s) => match f[*s as usize] {
                Scalar::Double(v) => v,
                _ => 0.0,
            },
            D::Neg(a) => -a.eval(c, f)?,
            D::Arith(op, a, b) => {
                let x = a.eval(c, f)?;
                double_arith(*op, x, b.eval(c, f)?)
            }
            D::Cond(k, a, b) => {
                if k.eval(c, f)? {
                    a.eval(c, f)?
                } else {
                    b.eval(c, f)?
                }
            }
            D::Index(l, i) => {
                let l = l.eval(c, f)?;
                let i = index(i.eval(c, f)?, l.len())?;
                match l.get(i) {
                    Some(Scalar::Double(v)) => v,
                    _ => 0.0,
                }
            }
            D::FromInt(i) => i.eval(c, f)? as f64,
        })
    }
}

impl S {
    pub fn eval<'a>(&'a self, c: Ctx<'a>, f: &mut Frame<'a>) -> R<Cow<'a, str>> {
        Ok(match self {
            S::Const(s) => Cow::Borrowed(s),
            S::Field(g) => Cow::Borrowed(g(c)),
            S::Enum(g, values) => Cow::Borrowed(values.get(usize::from(g(c))).copied().unwrap_or("")),
            S::Var(s) => match &f[*s as usize] {
                Scalar::Str(s) => s.clone(),
                _ => Cow::Borrowed(""),
            },
            S::Concat(a, b) => {
                let x = a.eval(c, f)?;
                let y = b.eval(c, f)?;
                Cow::Owned(format!("{x}{y}"))
            }
            S::Lower(s) => {
                let s = s.eval(c, f)?;
                if s.bytes().any(|b| b.is_ascii_uppercase()) { Cow::Owned(s.to_ascii_lowercase()) } else { s }
            }
            S::Cond(k, a, b) => {
                if k.eval(c, f)? {
                    a.eval(c, f)?
                } else {
                    b.eval(c, f)?
                }
            }
            S::Index(l, i) => {
                let l = l.eval(c, f)?;
                let i = index(i.eval(c, f)?, l.len())?;
                match l.get(i) {
                    Some(Scalar::Str(s)) => s,
                    _ => Cow::Borrowed(""),
                }
            }
        })
    }
}

impl L {
    pub fn eval<'a>(&'a self, c: Ctx<'a>, f: &mut Frame<'a>) -> R<ListVal<'a>> {
        Ok(match self {
            L::Field(g) => ListVal::Field(g(c)),
            L::Const(v) => ListVal::Const(v),
            L::Literal(items) => {
                let mut v = Vec::with_capacity(items.len());
                for n in items {
                    v.push(n.eval(c, f)?);
                }
                ListVal::Owned(v)
            }
            L::Concat(a, b) => {
                let mut x = a.eval(c, f)?.into_owned_vec();
                x.extend(b.eval(c, f)?.into_owned_vec());
                ListVal::Owned(x)
            }
            L::Cond(k, a, b) => {
                if k.eval(c, f)? {
                    a.eval(c, f)?
                } else {
                    b.eval(c, f)?
                }
            }
            L::Map { src, slot, filter, value } => {
                let l = src.eval(c, f)?;
                let mut out = Vec::with_capacity(l.len());
                for i in 0..l.len() {
                    if let Some(x) = l.get(i) {
                        f[*slot as usize] = x;
                    }
                    if let Some(p) = filter
                        && !p.eval(c, f)?
                    {
                        continue;
                    }
                    out.push(value.eval(c, f)?);
                }
                ListVal::Owned(out)
            }
        })
    }
}

impl N {
    pub fn eval<'a>(&'a self, c: Ctx<'a>, f: &mut Frame<'a>) -> R<Scalar<'a>> {
        Ok(match self {
            N::B(b) => Scalar::Bool(b.eval(c, f)?),
            N::I(i) => Scalar::Int(i.eval(c, f)?),
            N::D(d) => Scalar::Double(d.eval(c, f)?),
            N::S(s) => Scalar::Str(s.eval(c, f)?),
        })
    }
}
