//! The `cel` crate's interpreter over the same facts: the reference the compiled programs are
//! tested against. Facts become `cel::Value` maps, one per variable, built from the schema
//! table, so a field added to the schema is covered without touching this file.

use super::{ParamValue, Params};
use crate::facts::fields::{self, Get};
use crate::facts::{Ctx, Subject};
use cel::Value;
use std::collections::HashMap;
use std::sync::Arc;

fn variable(c: Ctx<'_>, defs: &[fields::FieldDef]) -> Value {
    let mut map: HashMap<String, Value> = HashMap::new();
    for d in defs {
        let v = match d.get {
            Get::Bool(g) => Value::Bool(g(c)),
            Get::Int(g) => Value::Int(g(c)),
            Get::Str(g) => Value::String(Arc::new(g(c).to_string())),
            Get::Enum(g, values) => {
                Value::String(Arc::new(values.get(usize::from(g(c))).copied().unwrap_or("").to_string()))
            }
            Get::List(g) => {
                Value::List(Arc::new(g(c).iter().map(|s| Value::String(Arc::new(s.to_string()))).collect()))
            }
        };
        map.insert(d.info.name.to_string(), v);
    }
    Value::from(map)
}

fn params(params: &Params) -> Value {
    let map: HashMap<String, Value> = params
        .iter()
        .map(|(k, v)| {
            let v = match v {
                ParamValue::Bool(b) => Value::Bool(*b),
                ParamValue::Int(i) => Value::Int(*i),
                ParamValue::Double(d) => Value::Float(*d),
                ParamValue::String(s) => Value::String(Arc::new(s.clone())),
                ParamValue::List(l) => {
                    Value::List(Arc::new(l.iter().map(|s| Value::String(Arc::new(s.clone()))).collect()))
                }
            };
            (k.clone(), v)
        })
        .collect();
    Value::from(map)
}

/// Evaluates `source` with the `cel` crate (standard library plus the strings extension for
/// `lowerAscii`): `Ok(bool)`, or the error's text (also for a non-bool result).
pub(crate) fn eval(source: &str, subject: Subject, p: &Params, c: Ctx<'_>) -> Result<bool, String> {
    let mut env = cel::Env::stdlib();
    env.add_extension(cel::extensions::strings).map_err(|e| e.to_string())?;
    let env = Arc::new(env);
    let program = env.compile(source).map_err(|e| e.to_string())?;
    let mut ctx = cel::Context::with_env(env);
    for (name, defs) in fields::variables(subject) {
        ctx.add_variable_from_value(*name, variable(c, defs));
    }
    ctx.add_variable_from_value("params", params(p));
    match program.execute(&ctx) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("not a bool: {other:?}")),
        Err(e) => Err(e.to_string()),
    }
}
