//! From the `cel` crate's syntax tree to the typed tree of [`super::node`].

use super::node::{Arith, B, Cmp, D, FoldOp, I, L, MAX_SLOTS, N, S, Scalar, StrOp};
use super::{CompileError, ParamValue, Params, Program};
use crate::facts::fields::{self, FieldDef, Get};
use crate::facts::{Ctx, NO_RESOURCE, Subject};
use cel::common::ast::{ComprehensionExpr, Expr, IdedExpr, LiteralValue, SourceInfo, operators};
use std::borrow::Cow;

/// Longest condition accepted. Conditions are a few lines; the limit keeps a pasted file or a
/// generated monster from reaching the parser's and the compiler's recursion.
const MAX_SOURCE: usize = 8 * 1024;
/// Deepest syntax tree accepted (the parser stops nesting at 96 levels; operator chains such as
/// `a + b + c + …` can go deeper).
const MAX_DEPTH: usize = 200;

/// The element type of a list. `Any` is the empty list literal's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Elem {
    Bool,
    Int,
    Double,
    String,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    Double,
    String,
    List(Elem),
}

impl std::fmt::Display for Ty {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::Double => "double",
            Ty::String => "string",
            Ty::List(Elem::Bool) => "list(bool)",
            Ty::List(Elem::Int) => "list(int)",
            Ty::List(Elem::Double) => "list(double)",
            Ty::List(Elem::String) => "list(string)",
            Ty::List(Elem::Any) => "list",
        })
    }
}

impl Elem {
    fn ty(self) -> Option<Ty> {
        match self {
            Elem::Bool => Some(Ty::Bool),
            Elem::Int => Some(Ty::Int),
            Elem::Double => Some(Ty::Double),
            Elem::String => Some(Ty::String),
            Elem::Any => None,
        }
    }

    fn of(ty: Ty) -> Option<Elem> {
        match ty {
            Ty::Bool => Some(Elem::Bool),
            Ty::Int => Some(Elem::Int),
            Ty::Double => Some(Elem::Double),
            Ty::String => Some(Elem::String),
            Ty::List(_) => None,
        }
    }

    /// The element type of a list holding both (None when they cannot share a list).
    fn join(a: Elem, b: Elem) -> Option<Elem> {
        match (a, b) {
            (Elem::Any, x) | (x, Elem::Any) => Some(x),
            (x, y) if x == y => Some(x),
            _ => None,
        }
    }
}

fn numeric(ty: Ty) -> bool {
    matches!(ty, Ty::Int | Ty::Double)
}

/// Whether a value of type `a` can equal one of type `b` (CEL compares ints with doubles).
fn comparable(a: Ty, b: Ty) -> bool {
    a == b
        || (numeric(a) && numeric(b))
        || matches!((a, b), (Ty::List(x), Ty::List(y)) if Elem::join(x, y).is_some()
            || matches!((x, y), (Elem::Int, Elem::Double) | (Elem::Double, Elem::Int)))
}

/// A compiled sub-expression and whether it is constant (reads no fact and no variable).
struct Typed {
    t: T,
    konst: bool,
}

enum T {
    B(B),
    I(I),
    D(D),
    S(S),
    L(L, Elem),
}

impl T {
    fn ty(&self) -> Ty {
        match self {
            T::B(_) => Ty::Bool,
            T::I(_) => Ty::Int,
            T::D(_) => Ty::Double,
            T::S(_) => Ty::String,
            T::L(_, e) => Ty::List(*e),
        }
    }

    fn scalar(self) -> Option<N> {
        Some(match self {
            T::B(b) => N::B(b),
            T::I(i) => N::I(i),
            T::D(d) => N::D(d),
            T::S(s) => N::S(s),
            T::L(..) => return None,
        })
    }
}

fn bx<X>(x: X) -> Box<X> {
    Box::new(x)
}

/// Evaluates a constant sub-expression now; `None` when it fails (the error then happens at
/// run time, as CEL would have it).
fn fold(t: T) -> T {
    let c = Ctx::resource(&NO_RESOURCE);
    let mut frame: [Scalar<'_>; MAX_SLOTS] = std::array::from_fn(|_| Scalar::Bool(false));
    let folded = match &t {
        T::B(B::Const(_)) | T::I(I::Const(_)) | T::D(D::Const(_)) | T::S(S::Const(_)) | T::L(L::Const(_), _) => None,
        T::B(b) => b.eval(c, &mut frame).ok().map(|v| T::B(B::Const(v))),
        T::I(i) => i.eval(c, &mut frame).ok().map(|v| T::I(I::Const(v))),
        T::D(d) => d.eval(c, &mut frame).ok().map(|v| T::D(D::Const(v))),
        T::S(s) => s.eval(c, &mut frame).ok().map(|v| T::S(S::Const(v.into_owned().into_boxed_str()))),
        T::L(l, e) => l.eval(c, &mut frame).ok().map(|v| {
            let items: Vec<Scalar<'static>> = (0..v.len()).filter_map(|i| v.get(i)).map(to_static).collect();
            T::L(L::Const(items.into_boxed_slice()), *e)
        }),
    };
    folded.unwrap_or(t)
}

fn to_static(s: Scalar<'_>) -> Scalar<'static> {
    match s {
        Scalar::Bool(b) => Scalar::Bool(b),
        Scalar::Int(i) => Scalar::Int(i),
        Scalar::Double(d) => Scalar::Double(d),
        Scalar::Str(s) => Scalar::Str(Cow::Owned(s.into_owned())),
    }
}

/// Edit distance, for "did you mean".
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(row[j]).min(row[j + 1]) };
            prev = cur;
        }
    }
    row[b.len()]
}

/// Names close to `name`: within a third of its length in edits, or containing it, or
/// contained in it; the closest three.
fn close<'n>(name: &str, candidates: impl Iterator<Item = &'n str>) -> Vec<&'n str> {
    let mut scored: Vec<(usize, &str)> = candidates
        .filter_map(|c| {
            let d = distance(name, c);
            let near = d <= (name.len() / 3).max(2) || (name.len() >= 3 && (c.contains(name) || name.contains(c)));
            near.then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn suggestion(prefix: &str, names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("{prefix}{n}")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => format!("; did you mean {}?", quoted[0]),
        _ => format!("; did you mean one of {}?", quoted.join(", ")),
    }
}

struct Compiler<'p> {
    src: &'p str,
    info: &'p SourceInfo,
    subject: Subject,
    params: &'p Params,
    /// Comprehension variables in scope, innermost last: name, slot, type.
    scope: Vec<(String, u8, Elem)>,
    slots: usize,
    reads: Vec<&'static FieldDef>,
    depth: usize,
}

/// Compiles a condition for a subject with the policy's parameters.
pub fn compile(source: &str, subject: Subject, params: &Params) -> Result<Program, CompileError> {
    if source.len() > MAX_SOURCE {
        return Err(CompileError {
            offset: 0,
            len: source.len(),
            message: format!("the condition is {} bytes long; the limit is {MAX_SOURCE}", source.len()),
        });
    }
    if source.trim().is_empty() {
        return Err(CompileError { offset: 0, len: source.len(), message: "the condition is empty".into() });
    }
    // The parser is generated code; a panic in it must not take the policy set down with it.
    let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        cel::parser::Parser::new().parse_with_source_info(source)
    }));
    let (expr, info) = match parsed {
        Ok(Ok(ok)) => ok,
        Ok(Err(errors)) => return Err(parse_error(source, &errors)),
        Err(_) => {
            return Err(CompileError {
                offset: 0,
                len: source.len(),
                message: "the CEL parser failed on this condition".into(),
            });
        }
    };
    let mut c = Compiler {
        src: source,
        info: &info,
        subject,
        params,
        scope: Vec::new(),
        slots: 0,
        reads: Vec::new(),
        depth: 0,
    };
    let root = c.node(&expr)?;
    match root.t {
        T::B(b) => Ok(Program { root: b, subject, reads: c.reads, slots: c.slots }),
        other => Err(c.err(&expr, format!("the condition must be a bool, not {}", other.ty()))),
    }
}

fn parse_error(source: &str, errors: &cel::ParseErrors) -> CompileError {
    let Some(first) = errors.errors.first() else {
        return CompileError { offset: 0, len: source.len(), message: "syntax error".into() };
    };
    // (line, column), both from 1, column in characters.
    let (line, col) = first.pos;
    let mut offset = 0;
    if line >= 1 {
        let line_start: usize =
            source.split_inclusive('\n').take(usize::try_from(line - 1).unwrap_or(0)).map(str::len).sum();
        let rest = &source[line_start.min(source.len())..];
        let col = usize::try_from(col.max(1) - 1).unwrap_or(0);
        offset = line_start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i);
    }
    let offset = offset.min(source.len());
    let len = source[offset..].chars().next().map_or(0, char::len_utf8);
    let message = first.msg.strip_prefix("Syntax error: ").unwrap_or(&first.msg).to_string();
    CompileError { offset, len, message: format!("syntax error: {message}") }
}

impl Compiler<'_> {
    /// An error at an expression's token.
    fn err(&self, e: &IdedExpr, message: impl Into<String>) -> CompileError {
        let (offset, len) = match self.info.offset_for(e.id) {
            Some((start, stop)) => {
                let start = (start as usize).min(self.src.len());
                let stop = (stop as usize).max(start).min(self.src.len().saturating_sub(1));
                (start, (stop + 1).saturating_sub(start).max(1))
            }
            None => (0, self.src.len()),
        };
        let mut len = len.min(self.src.len() - offset);
        // Token ends are the last character's first byte: widen to a whole character.
        while !self.src.is_char_boundary(offset + len) {
            len += 1;
        }
        CompileError { offset, len, message: message.into() }
    }

    /// An error at a name written at or after an expression's token (`resource.nmae`: the
    /// select node's token is the dot).
    fn err_at_name(&self, e: &IdedExpr, name: &str, message: impl Into<String>) -> CompileError {
        let mut err = self.err(e, message);
        if let Some(i) = self.src.get(err.offset..).and_then(|rest| rest.find(name)) {
            err.offset += i;
            err.len = name.len();
        }
        err
    }

    fn node(&mut self, e: &IdedExpr) -> Result<Typed, CompileError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err(e, format!("the condition nests more than {MAX_DEPTH} levels deep")));
        }
        let r = self.node_inner(e);
        self.depth -= 1;
        r
    }

    /// Wraps a node built from children: constant when they all are, and then folded.
    fn made(&self, t: T, children: &[bool]) -> Typed {
        let konst = children.iter().all(|k| *k);
        if konst { Typed { t: fold(t), konst } } else { Typed { t, konst } }
    }

    fn node_inner(&mut self, e: &IdedExpr) -> Result<Typed, CompileError> {
        match &e.expr {
            Expr::Literal(lit) => {
                let t = match lit {
                    LiteralValue::Boolean(b) => T::B(B::Const(*b.inner())),
                    LiteralValue::Int(i) => T::I(I::Const(*i.inner())),
                    LiteralValue::Double(d) => T::D(D::Const(*d.inner())),
                    LiteralValue::String(s) => T::S(S::Const(s.inner().into())),
                    LiteralValue::UInt(_) => {
                        return Err(self.err(e, "unsigned integers are not supported: drop the `u` suffix"));
                    }
                    LiteralValue::Bytes(_) => return Err(self.err(e, "bytes literals are not supported")),
                    LiteralValue::Null => {
                        return Err(
                            self.err(e, "null is not supported: every fact is always present (\"\" or 0 when unknown)")
                        );
                    }
                };
                Ok(Typed { t, konst: true })
            }
            Expr::Ident(name) => self.ident(e, name),
            Expr::Select(sel) => {
                if sel.test {
                    return Err(
                        self.err(e, "has() is not needed: every fact is always present (\"\" or 0 when unknown)")
                    );
                }
                match &sel.operand.expr {
                    Expr::Ident(var) => self.select(e, &sel.operand, var, &sel.field),
                    _ => Err(self.err_at_name(
                        e,
                        &sel.field,
                        format!(
                            "no field `{}` here: only resource, usage, environment, owner and params have fields",
                            sel.field
                        ),
                    )),
                }
            }
            Expr::Call(call) => self.call(e, &call.func_name, call.target.as_deref(), &call.args),
            Expr::List(list) => {
                if !list.optional_indices.is_empty() {
                    return Err(self.err(e, "optional list elements are not supported"));
                }
                let mut elem = Elem::Any;
                let mut items = Vec::with_capacity(list.elements.len());
                let mut konst = true;
                for item in &list.elements {
                    let t = self.node(item)?;
                    let ty = t.t.ty();
                    let Some(el) = Elem::of(ty) else {
                        return Err(self.err(item, "lists of lists are not supported"));
                    };
                    elem = Elem::join(elem, el).ok_or_else(|| {
                        self.err(
                            item,
                            format!("a list holds one type: this element is {ty}, the first {}", Ty::List(elem)),
                        )
                    })?;
                    konst &= t.konst;
                    items.extend(t.t.scalar());
                }
                Ok(self.made(T::L(L::Literal(items), elem), &[konst]))
            }
            Expr::Comprehension(c) => self.comprehension(e, c),
            Expr::Map(_) => Err(self.err(e, "map literals are not supported")),
            Expr::Struct(_) => Err(self.err(e, "message literals are not supported")),
            Expr::Unspecified => Err(self.err(e, "incomplete expression")),
        }
    }

    fn variable_names(&self) -> Vec<&'static str> {
        let mut v: Vec<&'static str> = fields::variables(self.subject).iter().map(|(n, _)| *n).collect();
        v.push("params");
        v
    }

    fn ident(&mut self, e: &IdedExpr, name: &str) -> Result<Typed, CompileError> {
        if let Some((_, slot, elem)) = self.scope.iter().rev().find(|(n, ..)| n == name) {
            let slot = *slot;
            let t = match elem {
                Elem::Bool => T::B(B::Var(slot)),
                Elem::Int => T::I(I::Var(slot)),
                Elem::Double => T::D(D::Var(slot)),
                Elem::String | Elem::Any => T::S(S::Var(slot)),
            };
            return Ok(Typed { t, konst: false });
        }
        let vars = self.variable_names();
        if name == "params" {
            return Err(
                self.err(e, format!("params is a map: name a parameter, e.g. params.x ({})", self.param_list()))
            );
        }
        if vars.contains(&name) {
            return Err(
                self.err(e, format!("{name} is an object: name one of its fields, e.g. {name}.{}", first_field(name)))
            );
        }
        if self.subject == Subject::Environment && ["resource", "usage", "owner"].contains(&name) {
            return Err(self.err(e, format!("an environment policy sees only environment and params, not {name}")));
        }
        let mut names: Vec<&str> = vars.clone();
        names.extend(self.scope.iter().map(|(n, ..)| n.as_str()));
        let near = close(name, names.iter().copied());
        Err(self.err(
            e,
            format!("unknown variable `{name}`{}; the variables are {}", suggestion("", &near), vars.join(", ")),
        ))
    }

    fn param_list(&self) -> String {
        if self.params.is_empty() {
            "this policy has no parameters".into()
        } else {
            let names: Vec<&str> = self.params.keys().map(String::as_str).collect();
            format!("this policy's parameters: {}", names.join(", "))
        }
    }

    fn select(&mut self, e: &IdedExpr, operand: &IdedExpr, var: &str, field: &str) -> Result<Typed, CompileError> {
        if let Some((_, _, elem)) = self.scope.iter().rev().find(|(n, ..)| n == var) {
            let ty = elem.ty().map_or("a value".to_string(), |t| format!("a {t}"));
            return Err(self.err_at_name(e, field, format!("{var} is {ty}; it has no field `{field}`")));
        }
        if var == "params" {
            return match self.params.get(field) {
                Some(v) => Ok(Typed { t: param(v), konst: true }),
                None => {
                    let near = close(field, self.params.keys().map(String::as_str));
                    Err(self.err_at_name(
                        e,
                        field,
                        format!("unknown parameter `{field}`{} ({})", suggestion("params.", &near), self.param_list()),
                    ))
                }
            };
        }
        let Some((_, defs)) = fields::variables(self.subject).iter().find(|(n, _)| *n == var) else {
            if self.subject == Subject::Environment && ["resource", "usage", "owner"].contains(&var) {
                // At the field access (`.orphaned`): the loader's tests pin this column.
                return Err(self.err(e, format!("an environment policy sees only environment and params, not {var}")));
            }
            let vars = self.variable_names();
            let near = close(var, vars.iter().copied());
            return Err(self.err(
                operand,
                format!("unknown variable `{var}`{}; the variables are {}", suggestion("", &near), vars.join(", ")),
            ));
        };
        let Some(def) = defs.iter().find(|d| d.info.name == field) else {
            let near = close(field, defs.iter().map(|d| d.info.name));
            let message = if near.is_empty() {
                let all: Vec<&str> = defs.iter().map(|d| d.info.name).collect();
                format!("unknown field {var}.{field}; {var} has {}", all.join(", "))
            } else {
                format!("unknown field {var}.{field}{}", suggestion(&format!("{var}."), &near))
            };
            return Err(self.err_at_name(e, field, message));
        };
        if !self.reads.iter().any(|d| std::ptr::eq(*d, def)) {
            self.reads.push(def);
        }
        let t = match def.get {
            Get::Bool(g) => T::B(B::Field(g)),
            Get::Int(g) => T::I(I::Field(g)),
            Get::Str(g) => T::S(S::Field(g)),
            Get::Enum(g, values) => T::S(S::Enum(g, values)),
            Get::List(g) => T::L(L::Field(g), Elem::String),
        };
        Ok(Typed { t, konst: false })
    }

    fn arity(&self, e: &IdedExpr, name: &str, args: &[IdedExpr], n: usize) -> Result<(), CompileError> {
        if args.len() == n {
            Ok(())
        } else {
            Err(self
                .err(e, format!("{name}() takes {n} argument{}, not {}", if n == 1 { "" } else { "s" }, args.len())))
        }
    }

    fn bool_of(&self, e: &IdedExpr, t: Typed, what: &str) -> Result<(B, bool), CompileError> {
        match t.t {
            T::B(b) => Ok((b, t.konst)),
            other => Err(self.err(e, format!("{what} needs a bool, not {}", other.ty()))),
        }
    }

    fn str_of(&self, e: &IdedExpr, t: Typed, what: &str) -> Result<(S, bool), CompileError> {
        match t.t {
            T::S(s) => Ok((s, t.konst)),
            other => Err(self.err(e, format!("{what} needs a string, not {}", other.ty()))),
        }
    }

    fn call(
        &mut self,
        e: &IdedExpr,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Result<Typed, CompileError> {
        match (name, target) {
            (operators::LOGICAL_AND | operators::LOGICAL_OR, None) if args.len() == 2 => {
                let what = if name == operators::LOGICAL_AND { "&&" } else { "||" };
                let a = self.node(&args[0])?;
                let (a, ka) = self.bool_of(&args[0], a, what)?;
                let b = self.node(&args[1])?;
                let (b, kb) = self.bool_of(&args[1], b, what)?;
                let t = logical(name == operators::LOGICAL_AND, a, b);
                Ok(self.made(T::B(t), &[ka, kb]))
            }
            (operators::LOGICAL_NOT, None) if args.len() == 1 => {
                let a = self.node(&args[0])?;
                let (a, k) = self.bool_of(&args[0], a, "!")?;
                Ok(self.made(T::B(B::Not(bx(a))), &[k]))
            }
            (operators::NEGATE, None) if args.len() == 1 => {
                let a = self.node(&args[0])?;
                let k = a.konst;
                match a.t {
                    T::I(i) => Ok(self.made(T::I(I::Neg(bx(i))), &[k])),
                    T::D(d) => Ok(self.made(T::D(D::Neg(bx(d))), &[k])),
                    other => Err(self.err(e, format!("unary - needs a number, not {}", other.ty()))),
                }
            }
            (operators::CONDITIONAL, None) if args.len() == 3 => self.conditional(e, args),
            (
                operators::EQUALS
                | operators::NOT_EQUALS
                | operators::LESS
                | operators::LESS_EQUALS
                | operators::GREATER
                | operators::GREATER_EQUALS,
                None,
            ) if args.len() == 2 => self.compare(e, name, args),
            (operators::ADD | operators::SUBSTRACT | operators::MULTIPLY | operators::DIVIDE | operators::MODULO, None)
                if args.len() == 2 =>
            {
                self.arith(e, name, args)
            }
            (operators::IN, None) if args.len() == 2 => self.is_in(e, args),
            (operators::INDEX, None) if args.len() == 2 => self.index(e, args),
            ("size", None) => {
                self.arity(e, "size", args, 1)?;
                self.size(e, &args[0])
            }
            ("size", Some(t)) => {
                self.arity(e, "size", args, 0)?;
                self.size(e, t)
            }
            ("contains" | "startsWith" | "endsWith", Some(t)) => {
                self.arity(e, name, args, 1)?;
                self.str_op(e, name, t, &args[0])
            }
            ("matches", Some(t)) => {
                self.arity(e, name, args, 1)?;
                self.matches(t, &args[0])
            }
            ("matches", None) => {
                self.arity(e, name, args, 2)?;
                self.matches(&args[0], &args[1])
            }
            ("lowerAscii", Some(t)) => {
                self.arity(e, name, args, 0)?;
                let s = self.node(t)?;
                let (s, k) = self.str_of(t, s, "lowerAscii()")?;
                Ok(self.made(T::S(S::Lower(bx(s))), &[k]))
            }
            ("double", None) => {
                self.arity(e, name, args, 1)?;
                let a = self.node(&args[0])?;
                let k = a.konst;
                match a.t {
                    T::I(i) => Ok(self.made(T::D(D::FromInt(bx(i))), &[k])),
                    T::D(d) => Ok(Typed { t: T::D(d), konst: k }),
                    other => Err(self.err(&args[0], format!("double() converts an int, not {}", other.ty()))),
                }
            }
            ("int", None) => {
                self.arity(e, name, args, 1)?;
                let a = self.node(&args[0])?;
                let k = a.konst;
                match a.t {
                    T::D(d) => Ok(self.made(T::I(I::FromDouble(bx(d))), &[k])),
                    T::I(i) => Ok(Typed { t: T::I(i), konst: k }),
                    other => Err(self.err(&args[0], format!("int() converts a double, not {}", other.ty()))),
                }
            }
            ("contains" | "startsWith" | "endsWith" | "lowerAscii", None) => {
                Err(self.err(e, format!("{name}() is a method: write s.{name}(…)")))
            }
            (
                operators::LOGICAL_AND
                | operators::LOGICAL_OR
                | operators::LOGICAL_NOT
                | operators::NEGATE
                | operators::CONDITIONAL
                | operators::EQUALS
                | operators::NOT_EQUALS
                | operators::LESS
                | operators::LESS_EQUALS
                | operators::GREATER
                | operators::GREATER_EQUALS
                | operators::ADD
                | operators::SUBSTRACT
                | operators::MULTIPLY
                | operators::DIVIDE
                | operators::MODULO
                | operators::IN
                | operators::INDEX,
                _,
            ) => Err(self.err(e, format!("malformed operator {name}"))),
            (operators::OPT_INDEX | operators::OPT_SELECT, _) => Err(self.err(e, "optional syntax is not supported")),
            (_, Some(_)) => Err(self.err(
                e,
                format!(
                    "unknown method {name}(); the methods are size, contains, startsWith, endsWith, matches, lowerAscii, and the macros exists, all, exists_one, map, filter"
                ),
            )),
            (_, None) => Err(self.err(
                e,
                format!("unknown function {name}(); the functions are size, matches, int, double"),
            )),
        }
    }

    fn conditional(&mut self, e: &IdedExpr, args: &[IdedExpr]) -> Result<Typed, CompileError> {
        let k = self.node(&args[0])?;
        let (k, kk) = self.bool_of(&args[0], k, "the condition of ? :")?;
        let a = self.node(&args[1])?;
        let b = self.node(&args[2])?;
        let ks = [kk, a.konst, b.konst];
        let k = bx(k);
        let t = match (a.t, b.t) {
            (T::B(a), T::B(b)) => T::B(B::Cond(k, bx(a), bx(b))),
            (T::I(a), T::I(b)) => T::I(I::Cond(k, bx(a), bx(b))),
            (T::D(a), T::D(b)) => T::D(D::Cond(k, bx(a), bx(b))),
            (T::S(a), T::S(b)) => T::S(S::Cond(k, bx(a), bx(b))),
            (T::L(a, x), T::L(b, y)) if Elem::join(x, y).is_some() => {
                T::L(L::Cond(k, bx(a), bx(b)), Elem::join(x, y).unwrap_or(Elem::Any))
            }
            (a, b) => {
                return Err(
                    self.err(e, format!("both branches of ? : must have one type, not {} and {}", a.ty(), b.ty()))
                );
            }
        };
        Ok(self.made(t, &ks))
    }

    fn compare(&mut self, e: &IdedExpr, name: &str, args: &[IdedExpr]) -> Result<Typed, CompileError> {
        let op = match name {
            operators::EQUALS => Cmp::Eq,
            operators::NOT_EQUALS => Cmp::Ne,
            operators::LESS => Cmp::Lt,
            operators::LESS_EQUALS => Cmp::Le,
            operators::GREATER => Cmp::Gt,
            _ => Cmp::Ge,
        };
        let sym = match op {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        };
        let a = self.node(&args[0])?;
        let b = self.node(&args[1])?;
        let (ta, tb) = (a.t.ty(), b.t.ty());
        let ks = [a.konst, b.konst];
        let equality = matches!(op, Cmp::Eq | Cmp::Ne);
        if !comparable(ta, tb) {
            return Err(self.err(e, format!("cannot compare {ta} with {tb} using {sym}")));
        }
        if !equality && !matches!((ta, tb), (Ty::Int | Ty::Double, Ty::Int | Ty::Double) | (Ty::String, Ty::String)) {
            return Err(self.err(e, format!("{sym} orders numbers and strings, not {ta}")));
        }
        let eq = op == Cmp::Eq;
        let t = match (a.t, b.t) {
            // Closed-set fields against a literal: compare spellings' indexes.
            (T::S(S::Enum(g, values)), T::S(S::Const(lit))) | (T::S(S::Const(lit)), T::S(S::Enum(g, values)))
                if equality =>
            {
                let at = if ks[0] { &args[0] } else { &args[1] };
                let index = self.enum_index(at, values, &lit)?;
                T::B(B::EnumEq(g, index, eq))
            }
            (T::S(S::Lower(s)), T::S(S::Const(lit))) | (T::S(S::Const(lit)), T::S(S::Lower(s)))
                if equality && !lit.bytes().any(|b| b.is_ascii_uppercase()) =>
            {
                let f = B::Fold(FoldOp::Eq, s, lit);
                T::B(if eq { f } else { B::Not(bx(f)) })
            }
            (T::S(S::Field(g)), T::S(S::Const(k))) | (T::S(S::Const(k)), T::S(S::Field(g))) if equality => {
                T::B(B::StrFieldEq(g, k, eq))
            }
            (T::I(I::Field(g)), T::I(I::Const(k))) => T::B(B::IntFieldCmp(g, op, k)),
            (T::I(I::Const(k)), T::I(I::Field(g))) => T::B(B::IntFieldCmp(g, op.flip(), k)),
            (T::I(a), T::I(b)) => T::B(B::CmpInt(op, bx(a), bx(b))),
            (T::D(a), T::D(b)) => T::B(B::CmpDouble(op, bx(a), bx(b))),
            (T::I(a), T::D(b)) => T::B(B::CmpIntDouble(op, bx(a), bx(b))),
            (T::D(a), T::I(b)) => T::B(B::CmpIntDouble(op.flip(), bx(b), bx(a))),
            (T::S(a), T::S(b)) => T::B(B::CmpStr(op, bx(a), bx(b))),
            (T::B(a), T::B(b)) => T::B(B::EqBool(eq, bx(a), bx(b))),
            (T::L(a, _), T::L(b, _)) => T::B(B::EqList(eq, bx(a), bx(b))),
            _ => return Err(self.err(e, format!("cannot compare {ta} with {tb} using {sym}"))),
        };
        Ok(self.made(t, &ks))
    }

    /// The index of a literal among a closed-set field's spellings; a literal the field can
    /// never hold is an error.
    fn enum_index(&self, at: &IdedExpr, values: &[&str], lit: &str) -> Result<u8, CompileError> {
        match values.iter().position(|v| *v == lit) {
            Some(i) => Ok(u8::try_from(i).unwrap_or(u8::MAX)),
            None => {
                let shown: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                Err(self
                    .err(at, format!("\"{lit}\" is never a value of this field; its values are {}", shown.join(", "))))
            }
        }
    }

    fn arith(&mut self, e: &IdedExpr, name: &str, args: &[IdedExpr]) -> Result<Typed, CompileError> {
        let (op, sym) = match name {
            operators::ADD => (Arith::Add, "+"),
            operators::SUBSTRACT => (Arith::Sub, "-"),
            operators::MULTIPLY => (Arith::Mul, "*"),
            operators::DIVIDE => (Arith::Div, "/"),
            _ => (Arith::Rem, "%"),
        };
        let a = self.node(&args[0])?;
        let b = self.node(&args[1])?;
        let (ta, tb) = (a.t.ty(), b.t.ty());
        let ks = [a.konst, b.konst];
        let t = match (a.t, b.t) {
            (T::I(a), T::I(b)) => T::I(I::Arith(op, bx(a), bx(b))),
            (T::D(a), T::D(b)) if op != Arith::Rem => T::D(D::Arith(op, bx(a), bx(b))),
            (T::S(a), T::S(b)) if op == Arith::Add => T::S(S::Concat(bx(a), bx(b))),
            (T::L(a, x), T::L(b, y)) if op == Arith::Add && Elem::join(x, y).is_some() => {
                T::L(L::Concat(bx(a), bx(b)), Elem::join(x, y).unwrap_or(Elem::Any))
            }
            _ if numeric(ta) && numeric(tb) && ta != tb => {
                return Err(self.err(
                    e,
                    format!("{ta} {sym} {tb}: CEL does not mix ints and doubles in arithmetic; convert one with double() or int()"),
                ));
            }
            _ => return Err(self.err(e, format!("{sym} is not defined for {ta} and {tb}"))),
        };
        // Arithmetic on parameters (`params.days * 30`) folds here; an error does not (it
        // happens at run time, as in CEL).
        Ok(self.made(t, &ks))
    }

    fn is_in(&mut self, e: &IdedExpr, args: &[IdedExpr]) -> Result<Typed, CompileError> {
        let x = self.node(&args[0])?;
        let l = self.node(&args[1])?;
        let ks = [x.konst, l.konst];
        let tx = x.t.ty();
        let T::L(list, elem) = l.t else {
            return Err(self.err(&args[1], format!("`in` needs a list on its right, not {}", l.t.ty())));
        };
        if Elem::of(tx).is_none() {
            return Err(self.err(&args[0], "lists of lists are not supported"));
        }
        if elem != Elem::Any && !comparable(tx, elem.ty().unwrap_or(tx)) {
            return Err(self.err(e, format!("{tx} is never in a {}", Ty::List(elem))));
        }
        let t = match (x.t, list) {
            (T::S(S::Enum(g, values)), L::Const(items)) => {
                let mut mask = 0u64;
                for item in items.iter() {
                    if let Scalar::Str(s) = item {
                        mask |= 1u64 << self.enum_index(&args[1], values, s)?;
                    }
                }
                B::EnumIn(g, mask)
            }
            (T::S(s), L::Const(items)) => {
                let set: Vec<Box<str>> = items
                    .iter()
                    .filter_map(|i| match i {
                        Scalar::Str(s) => Some(Box::<str>::from(&**s)),
                        _ => None,
                    })
                    .collect();
                B::StrInConst(bx(s), set.into_boxed_slice())
            }
            (x, list) => match x.scalar() {
                Some(n) => B::In(bx(n), bx(list)),
                None => return Err(self.err(&args[0], "lists of lists are not supported")),
            },
        };
        Ok(self.made(T::B(t), &ks))
    }

    fn index(&mut self, e: &IdedExpr, args: &[IdedExpr]) -> Result<Typed, CompileError> {
        let l = self.node(&args[0])?;
        let i = self.node(&args[1])?;
        let ks = [l.konst, i.konst];
        let T::L(list, elem) = l.t else {
            return Err(self.err(e, format!("[ ] indexes a list, not {}", l.t.ty())));
        };
        let T::I(i) = i.t else {
            return Err(self.err(&args[1], format!("a list index is an int, not {}", i.t.ty())));
        };
        let (list, i) = (bx(list), bx(i));
        let t = match elem {
            Elem::Bool => T::B(B::Index(list, i)),
            Elem::Int => T::I(I::Index(list, i)),
            Elem::Double => T::D(D::Index(list, i)),
            Elem::String => T::S(S::Index(list, i)),
            Elem::Any => return Err(self.err(e, "indexing an empty list")),
        };
        Ok(self.made(t, &ks))
    }

    fn size(&mut self, e: &IdedExpr, of: &IdedExpr) -> Result<Typed, CompileError> {
        let a = self.node(of)?;
        let k = a.konst;
        match a.t {
            T::S(s) => Ok(self.made(T::I(I::SizeStr(bx(s))), &[k])),
            T::L(l, _) => Ok(self.made(T::I(I::SizeList(bx(l))), &[k])),
            other => Err(self.err(e, format!("size() measures a string or a list, not {}", other.ty()))),
        }
    }

    fn str_op(&mut self, e: &IdedExpr, name: &str, target: &IdedExpr, arg: &IdedExpr) -> Result<Typed, CompileError> {
        let t = self.node(target)?;
        if let (T::L(..), "contains") = (&t.t, name) {
            return Err(self.err(e, "contains() is for strings; for a list write `x in list`"));
        }
        let (s, ks) = self.str_of(target, t, &format!("{name}()"))?;
        let a = self.node(arg)?;
        let (a, ka) = self.str_of(arg, a, &format!("the argument of {name}()"))?;
        let (op, fold) = match name {
            "contains" => (StrOp::Contains, FoldOp::Contains),
            "startsWith" => (StrOp::StartsWith, FoldOp::StartsWith),
            _ => (StrOp::EndsWith, FoldOp::EndsWith),
        };
        let t = match (s, a) {
            (S::Lower(inner), S::Const(needle)) if !needle.bytes().any(|b| b.is_ascii_uppercase()) => {
                B::Fold(fold, inner, needle)
            }
            (s, a) => B::StrOp(op, bx(s), bx(a)),
        };
        Ok(self.made(T::B(t), &[ks, ka]))
    }

    fn matches(&mut self, target: &IdedExpr, pattern: &IdedExpr) -> Result<Typed, CompileError> {
        let t = self.node(target)?;
        let (s, ks) = self.str_of(target, t, "matches()")?;
        let p = self.node(pattern)?;
        let (p, _) = self.str_of(pattern, p, "the pattern of matches()")?;
        let S::Const(p) = p else {
            return Err(self.err(pattern, "the pattern of matches() must be a constant (a literal or a parameter)"));
        };
        let re =
            regex::Regex::new(&p).map_err(|err| self.err(pattern, format!("invalid regular expression: {err}")))?;
        Ok(self.made(T::B(B::Matches(bx(s), bx(re))), &[ks]))
    }

    fn comprehension(&mut self, e: &IdedExpr, c: &ComprehensionExpr) -> Result<Typed, CompileError> {
        if c.iter_var2.is_some() {
            return Err(self.err(e, "two-variable comprehensions are not supported"));
        }
        let shape = Shape::of(c).ok_or_else(|| self.err(e, "unsupported comprehension"))?;
        let range = self.node(&c.iter_range)?;
        let T::L(list, elem) = range.t else {
            return Err(
                self.err(&c.iter_range, format!("{}() iterates over a list, not {}", shape.name(), range.t.ty()))
            );
        };
        if elem == Elem::Any {
            return Err(self.err(&c.iter_range, format!("{}() over an empty list literal", shape.name())));
        }
        if self.scope.len() >= MAX_SLOTS {
            return Err(self.err(e, format!("more than {MAX_SLOTS} nested macros")));
        }
        let slot = u8::try_from(self.scope.len()).unwrap_or(u8::MAX);
        self.scope.push((c.iter_var.clone(), slot, elem));
        self.slots = self.slots.max(self.scope.len());
        let body = self.shape_body(&shape);
        self.scope.pop();
        let list = bx(list);
        let t = match (shape, body?) {
            (Shape::Exists(_), (Some(p), None)) => T::B(B::Exists(list, slot, bx(p))),
            (Shape::All(_), (Some(p), None)) => T::B(B::All(list, slot, bx(p))),
            (Shape::ExistsOne(_), (Some(p), None)) => T::B(B::ExistsOne(list, slot, bx(p))),
            (Shape::Map { .. }, (filter, Some((value, velem)))) => {
                T::L(L::Map { src: list, slot, filter: filter.map(bx), value: bx(value) }, velem)
            }
            _ => return Err(self.err(e, "unsupported comprehension")),
        };
        // Never folded, even over a constant list: the body may read an outer macro's variable,
        // and constant macros are rare enough not to matter.
        Ok(Typed { t, konst: false })
    }

    /// Compiles a macro's body: the predicate (exists, all, exists_one, the filter of map) and
    /// the value (map).
    fn shape_body(&mut self, shape: &Shape<'_>) -> Result<MacroBody, CompileError> {
        let mut pred = None;
        if let Some(p) = shape.predicate() {
            let t = self.node(p)?;
            let (b, _) = self.bool_of(p, t, &format!("the predicate of {}()", shape.name()))?;
            pred = Some(b);
        }
        let mut value = None;
        if let Shape::Map { value: v, .. } = shape {
            let t = self.node(v)?;
            let ty = t.t.ty();
            let Some(elem) = Elem::of(ty) else {
                return Err(self.err(v, "map() must give a bool, int, double or string"));
            };
            value = t.t.scalar().map(|n| (n, elem));
        }
        Ok((pred, value))
    }
}

/// `a && b` or `a || b`, with chains of the same operator flattened and their operands run
/// cheapest first. CEL defines both as commutative (an error on one side is absorbed when the
/// other decides), so the order changes the cost, never the result.
fn logical(and: bool, a: B, b: B) -> B {
    fn flatten(and: bool, b: B, out: &mut Vec<B>) {
        match b {
            B::And(x, y) if and => {
                flatten(and, *x, out);
                flatten(and, *y, out);
            }
            B::Or(x, y) if !and => {
                flatten(and, *x, out);
                flatten(and, *y, out);
            }
            other => out.push(other),
        }
    }
    let mut terms = Vec::new();
    flatten(and, a, &mut terms);
    flatten(and, b, &mut terms);
    terms.sort_by_key(B::cost);
    let mut terms = terms.into_iter();
    let first = terms.next().unwrap_or(B::Const(and));
    terms.fold(first, |acc, t| if and { B::And(bx(acc), bx(t)) } else { B::Or(bx(acc), bx(t)) })
}

fn first_field(var: &str) -> &'static str {
    match var {
        "usage" => "uses_30d",
        "owner" => "upn",
        "environment" => "type",
        _ => "name",
    }
}

fn param(v: &ParamValue) -> T {
    match v {
        ParamValue::Bool(b) => T::B(B::Const(*b)),
        ParamValue::Int(i) => T::I(I::Const(*i)),
        ParamValue::Double(d) => T::D(D::Const(*d)),
        ParamValue::String(s) => T::S(S::Const(s.as_str().into())),
        ParamValue::List(items) => T::L(
            L::Const(items.iter().map(|s| Scalar::Str(Cow::Owned(s.clone()))).collect()),
            // An empty parameter list is still a list of strings.
            Elem::String,
        ),
    }
}

/// A macro's compiled predicate and value.
type MacroBody = (Option<B>, Option<(N, Elem)>);

/// The macros, recognised by the shape the parser expands them to (`@result` cannot be written
/// in a condition, so these shapes come from the macros only).
enum Shape<'e> {
    Exists(&'e IdedExpr),
    All(&'e IdedExpr),
    ExistsOne(&'e IdedExpr),
    Map { filter: Option<&'e IdedExpr>, value: &'e IdedExpr, filter_only: bool },
}

impl<'e> Shape<'e> {
    fn name(&self) -> &'static str {
        match self {
            Shape::Exists(_) => "exists",
            Shape::All(_) => "all",
            Shape::ExistsOne(_) => "exists_one",
            Shape::Map { filter_only: true, .. } => "filter",
            Shape::Map { .. } => "map",
        }
    }

    fn predicate(&self) -> Option<&'e IdedExpr> {
        match self {
            Shape::Exists(p) | Shape::All(p) | Shape::ExistsOne(p) => Some(p),
            Shape::Map { filter, .. } => *filter,
        }
    }

    fn of(c: &'e ComprehensionExpr) -> Option<Shape<'e>> {
        let accu = c.accu_var.as_str();
        let is_accu = |e: &IdedExpr| matches!(&e.expr, Expr::Ident(n) if n == accu);
        let call = |e: &'e IdedExpr, name: &str, n: usize| match &e.expr {
            Expr::Call(call) if call.func_name == name && call.target.is_none() && call.args.len() == n => {
                Some(&call.args[..])
            }
            _ => None,
        };
        // `@result + [value]`
        let append = |e: &'e IdedExpr| {
            let args = call(e, operators::ADD, 2)?;
            if !is_accu(&args[0]) {
                return None;
            }
            match &args[1].expr {
                Expr::List(l) if l.elements.len() == 1 => Some(&l.elements[0]),
                _ => None,
            }
        };
        match &c.accu_init.expr {
            Expr::Literal(LiteralValue::Boolean(b)) => {
                let name = if *b.inner() { operators::LOGICAL_AND } else { operators::LOGICAL_OR };
                let args = call(&c.loop_step, name, 2)?;
                if !is_accu(&args[0]) || !is_accu(&c.result) {
                    return None;
                }
                Some(if *b.inner() { Shape::All(&args[1]) } else { Shape::Exists(&args[1]) })
            }
            Expr::Literal(LiteralValue::Int(_)) => {
                let args = call(&c.loop_step, operators::CONDITIONAL, 3)?;
                call(&c.result, operators::EQUALS, 2)?;
                Some(Shape::ExistsOne(&args[0]))
            }
            Expr::List(l) if l.elements.is_empty() && is_accu(&c.result) => {
                if let Some(value) = append(&c.loop_step) {
                    return Some(Shape::Map { filter: None, value, filter_only: false });
                }
                let args = call(&c.loop_step, operators::CONDITIONAL, 3)?;
                let value = append(&args[1])?;
                if !is_accu(&args[2]) {
                    return None;
                }
                let filter_only = matches!(&value.expr, Expr::Ident(n) if *n == c.iter_var);
                Some(Shape::Map { filter: Some(&args[0]), value, filter_only })
            }
            _ => None,
        }
    }
}
