//! Policy sets: a directory (or one file) of policies, `set.yaml`, the built-in pack, overrides.

use super::node::{self, Node, Value};
use super::policy::{self, EFFECTS, LEVELS, Loaded, choice, param_value, unknown_key};
use super::{LoadError, LoadErrorKind, io_error, read_text};
use crate::cel::ParamValue;
use crate::model::{Effect, Level, PolicySet};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The optional file at the root of a set's directory (`set.yml` is accepted too).
pub const SET_FILE: &str = "set.yaml";

const SET_KEYS: &[&str] = &["version", "include_builtin", "overrides"];
const OVERRIDE_KEYS: &[&str] = &["params", "level", "effect", "tracked", "disabled"];

/// Directories nested deeper than this are not read (it also stops symbolic-link loops).
const MAX_DEPTH: usize = 16;

/// Loads a policy set from a directory (every `*.yaml`/`*.yml` below it, recursively, in path
/// order; hidden files and directories skipped) or from one file.
///
/// The set's version is `version:` of `set.yaml`, else `version_hint` (e.g. the tag or
/// directory name the caller knows the set by). Problems are returned beside the set: a bad
/// policy is left out, the others load; with duplicate ids the first is kept and both places
/// are reported.
pub fn load_set(path: impl AsRef<Path>, version_hint: &str) -> (PolicySet, Vec<LoadError>) {
    let path = path.as_ref();
    let mut errors = Vec::new();
    let mut set = PolicySet { version: version_hint.to_string(), policies: Vec::new() };
    let metadata = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            errors.push(io_error(&path.display().to_string(), format!("cannot read the policy set: {e}")));
            return (set, errors);
        }
    };

    // What to read: (file as shown in errors, name recorded as the policy's source, path).
    let mut files: Vec<(String, String, PathBuf)> = Vec::new();
    let mut set_file = None;
    let is_set_file = |p: &Path| p.file_name().is_some_and(|n| n == SET_FILE || n == "set.yml");
    if metadata.is_dir() || is_set_file(path) {
        let root = if metadata.is_dir() { path } else { path.parent().unwrap_or(Path::new(".")) };
        let mut relative = Vec::new();
        walk(root, Path::new(""), 0, &mut relative, &mut errors);
        relative.sort();
        for rel in relative {
            let full = root.join(&rel);
            if rel.parent() == Some(Path::new("")) && is_set_file(&rel) {
                set_file = Some(full);
                continue;
            }
            let shown = full.display().to_string();
            let name = rel.components().map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/");
            files.push((shown, name, full));
        }
    } else {
        let shown = path.display().to_string();
        let name = path.file_name().map_or_else(|| shown.clone(), |n| n.to_string_lossy().into_owned());
        files.push((shown, name, path.to_path_buf()));
    }

    let config = match &set_file {
        Some(file) => read_set_file(file, &mut errors),
        None => SetConfig::default(),
    };
    if let Some(version) = &config.version {
        set.version = version.clone();
    }

    let mut loaded: Vec<(Loaded, String, bool)> = Vec::new();
    if config.include_builtin {
        for (name, text) in crate::builtin::FILES {
            let (policies, errs) = policy::read_policies(name, name, text);
            errors.extend(errs);
            loaded.extend(policies.into_iter().map(|p| (p, name.to_string(), true)));
        }
    }
    for (shown, name, full) in &files {
        match read_text(full) {
            Ok(text) => {
                let (policies, errs) = policy::read_policies(shown, name, &text);
                errors.extend(errs);
                loaded.extend(policies.into_iter().map(|p| (p, shown.clone(), false)));
            }
            Err(message) => errors.push(io_error(shown, message)),
        }
    }

    let mut kept: Vec<Loaded> = Vec::new();
    let mut first: HashMap<String, (String, u32, u32, bool)> = HashMap::new();
    for (item, shown, builtin) in loaded {
        let id = item.policy.id.clone();
        let (line, column) = (item.policy.source.line, item.column);
        if let Some((first_file, first_line, first_column, first_builtin)) = first.get(&id) {
            let hint = if *first_builtin {
                "it is a built-in policy: give yours another id, or tune the built-in one with \
                 `overrides:` in set.yaml, or set `include_builtin: false`"
            } else {
                "ids must be unique in a set: rename one of them"
            };
            errors.push(LoadError {
                file: shown.clone(),
                line,
                column,
                policy_id: Some(id.clone()),
                kind: LoadErrorKind::Duplicate,
                message: format!(
                    "duplicate id, already defined at {first_file}:{first_line}; this one is \
                     skipped; {hint}"
                ),
            });
            errors.push(LoadError {
                file: first_file.clone(),
                line: *first_line,
                column: *first_column,
                policy_id: Some(id),
                kind: LoadErrorKind::Duplicate,
                message: format!("duplicate id, defined again at {shown}:{line}; this one is kept; {hint}"),
            });
            continue;
        }
        first.insert(id, (shown, line, column, builtin));
        kept.push(item);
    }

    if let Some(file) = &set_file {
        apply_overrides(file, &config.overrides, &mut kept, &mut errors);
    }
    set.policies = kept.into_iter().map(|l| l.policy).collect();
    (set, errors)
}

/// Collects the `*.yaml`/`*.yml` files below `dir`, as paths relative to the set's root.
fn walk(root: &Path, rel: &Path, depth: usize, out: &mut Vec<PathBuf>, errors: &mut Vec<LoadError>) {
    let dir = root.join(rel);
    if depth > MAX_DEPTH {
        errors.push(io_error(
            &dir.display().to_string(),
            format!("directories nested deeper than {MAX_DEPTH} levels are not read"),
        ));
        return;
    }
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) => {
            errors.push(io_error(&dir.display().to_string(), format!("cannot list the directory: {e}")));
            return;
        }
    };
    for entry in entries {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                errors.push(io_error(&dir.display().to_string(), format!("cannot list the directory: {e}")));
                continue;
            }
        };
        let name = entry.file_name();
        // Hidden entries: `.git`, editor swap files, CI configuration.
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let rel = rel.join(&name);
        let full = root.join(&rel);
        match std::fs::metadata(&full) {
            Ok(m) if m.is_dir() => walk(root, &rel, depth + 1, out, errors),
            Ok(m) if m.is_file() => {
                let yaml = full.extension().is_some_and(|e| e == "yaml" || e == "yml");
                if yaml {
                    out.push(rel);
                }
            }
            Ok(_) => {}
            Err(e) => errors.push(io_error(&full.display().to_string(), format!("cannot read: {e}"))),
        }
    }
}

#[derive(Default)]
struct SetConfig {
    version: Option<String>,
    include_builtin: bool,
    overrides: Vec<Override>,
}

struct Override {
    id: String,
    /// The id's key in set.yaml, for errors.
    at: Node,
    params: Vec<(String, ParamValue, Node)>,
    level: Option<Level>,
    effect: Option<Effect>,
    tracked: Option<bool>,
    disabled: bool,
}

fn set_error(errors: &mut Vec<LoadError>, file: &str, node: &Node, message: String) {
    errors.push(LoadError {
        file: file.to_string(),
        line: node.line,
        column: node.column,
        policy_id: None,
        kind: LoadErrorKind::Set,
        message,
    });
}

/// Reads `set.yaml`; its problems are reported and the parts that are right still apply.
fn read_set_file(path: &Path, errors: &mut Vec<LoadError>) -> SetConfig {
    let file = path.display().to_string();
    let mut config = SetConfig::default();
    let text = match read_text(path) {
        Ok(text) => text,
        Err(message) => {
            errors.push(io_error(&file, message));
            return config;
        }
    };
    let documents = match node::parse(&text) {
        Ok(documents) => documents,
        Err(e) => {
            errors.push(LoadError {
                file,
                line: e.line,
                column: e.column,
                policy_id: None,
                kind: LoadErrorKind::Syntax,
                message: format!("YAML syntax error: {}; fix the syntax (the set's settings were ignored)", e.message),
            });
            return config;
        }
    };
    let Some(document) = documents.first() else {
        return config;
    };
    if let Some(extra) = documents.get(1) {
        set_error(errors, &file, extra, "set.yaml holds one document; remove the `---` and what follows".into());
    }
    let entries = match &document.value {
        Value::Map(entries) => entries,
        Value::Null => return config,
        _ => {
            set_error(
                errors,
                &file,
                document,
                format!("set.yaml must be a mapping (version, include_builtin, overrides), found {}", document.kind()),
            );
            return config;
        }
    };
    let mut seen = HashSet::new();
    for (key, value) in entries {
        let name = key.key_text(&text);
        if !seen.insert(name.clone()) {
            set_error(errors, &file, key, format!("`{name}` is given twice; keep one"));
            continue;
        }
        match name.as_str() {
            "version" => match value.as_text(&text) {
                Some(v) if is_version_label(&v) => config.version = Some(v),
                _ => set_error(
                    errors,
                    &file,
                    value,
                    "`version` must be a short label of letters, digits, `.`, `_` or `-` (e.g. \
                     `v3`)"
                        .into(),
                ),
            },
            "include_builtin" => match value.value {
                Value::Bool(b) => config.include_builtin = b,
                _ => set_error(
                    errors,
                    &file,
                    value,
                    format!("`include_builtin` must be true or false, found {}", value.kind()),
                ),
            },
            "overrides" => config.overrides = read_overrides(&file, &text, value, errors),
            _ => set_error(errors, &file, key, unknown_key("set.yaml", &name, SET_KEYS)),
        }
    }
    config
}

pub(crate) fn is_version_label(v: &str) -> bool {
    !v.is_empty() && v.len() <= 64 && v.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn read_overrides(file: &str, text: &str, node: &Node, errors: &mut Vec<LoadError>) -> Vec<Override> {
    let entries = match &node.value {
        Value::Map(entries) => entries,
        Value::Null => return Vec::new(),
        _ => {
            set_error(
                errors,
                file,
                node,
                format!(
                    "`overrides` must map policy ids to changes (`app-overshared: {{ level: \
                     could }}`), found {}",
                    node.kind()
                ),
            );
            return Vec::new();
        }
    };
    let mut out: Vec<Override> = Vec::new();
    for (key, value) in entries {
        let id = key.key_text(text);
        if out.iter().any(|o| o.id == id) {
            set_error(errors, file, key, format!("`{id}` is overridden twice; merge the two entries"));
            continue;
        }
        let Value::Map(changes) = &value.value else {
            set_error(
                errors,
                file,
                value,
                format!(
                    "the override of `{id}` must be a mapping (params, level, effect, tracked, \
                     disabled), found {}",
                    value.kind()
                ),
            );
            continue;
        };
        let mut o = Override {
            id: id.clone(),
            at: key.clone(),
            params: Vec::new(),
            level: None,
            effect: None,
            tracked: None,
            disabled: false,
        };
        let mut seen = HashSet::new();
        for (ck, cv) in changes {
            let name = ck.key_text(text);
            if !seen.insert(name.clone()) {
                set_error(errors, file, ck, format!("`{name}` is given twice; keep one"));
                continue;
            }
            let result = match name.as_str() {
                "level" => choice("level", cv, text, LEVELS).map(|l| o.level = Some(l)),
                "effect" => choice("effect", cv, text, EFFECTS).map(|e| o.effect = Some(e)),
                "tracked" | "disabled" => match cv.value {
                    Value::Bool(b) if name == "tracked" => {
                        o.tracked = Some(b);
                        Ok(())
                    }
                    Value::Bool(b) => {
                        o.disabled = b;
                        Ok(())
                    }
                    _ => Err(format!("`{name}` must be true or false, found {}", cv.kind())),
                },
                "params" => match &cv.value {
                    Value::Map(params) => {
                        for (pk, pv) in params {
                            let pname = pk.key_text(text);
                            match param_value(pv, text) {
                                Ok(v) => o.params.push((pname, v, pk.clone())),
                                Err(m) => {
                                    set_error(errors, file, pv, format!("override of `{id}`: param `{pname}`: {m}"))
                                }
                            }
                        }
                        Ok(())
                    }
                    _ => Err(format!("`params` must be a mapping of names to values, found {}", cv.kind())),
                },
                _ => Err(unknown_key("override", &name, OVERRIDE_KEYS)),
            };
            if let Err(message) = result {
                let at = if OVERRIDE_KEYS.contains(&name.as_str()) { cv } else { ck };
                set_error(errors, file, at, format!("override of `{id}`: {message}"));
            }
        }
        out.push(o);
    }
    out
}

fn apply_overrides(path: &Path, overrides: &[Override], policies: &mut Vec<Loaded>, errors: &mut Vec<LoadError>) {
    let file = path.display().to_string();
    // Policies that failed to load are already reported; an override of one is not news.
    let failed: HashSet<String> = errors.iter().filter_map(|e| e.policy_id.clone()).collect();
    let mut disabled = HashSet::new();
    for o in overrides {
        let Some(loaded) = policies.iter_mut().find(|l| l.policy.id == o.id) else {
            if !failed.contains(&o.id) {
                let ids: Vec<&str> = policies.iter().map(|l| l.policy.id.as_str()).collect();
                let hint = policy::suggest(&o.id, &ids).map(|n| format!("did you mean `{n}`? ")).unwrap_or_default();
                set_error(
                    errors,
                    &file,
                    &o.at,
                    format!(
                        "override of `{}`: the set has no such policy; {hint}check the id (`steward \
                         policy list` shows them) or set `include_builtin: true` for a built-in one",
                        o.id
                    ),
                );
            }
            continue;
        };
        let policy = &mut loaded.policy;
        for (name, value, at) in &o.params {
            let Some(current) = policy.params.get(name) else {
                let known: Vec<&str> = policy.params.keys().map(String::as_str).collect();
                set_error(
                    errors,
                    &file,
                    at,
                    format!(
                        "override of `{}`: the policy has no param `{name}`; its params: {}",
                        o.id,
                        if known.is_empty() { "none".to_string() } else { known.join(", ") }
                    ),
                );
                continue;
            };
            match coerce(current, value) {
                Some(v) => {
                    policy.params.insert(name.clone(), v);
                }
                None => set_error(
                    errors,
                    &file,
                    at,
                    format!(
                        "override of `{}`: param `{name}` is {} in the policy; give {} too",
                        o.id,
                        param_kind(current),
                        param_kind(current)
                    ),
                ),
            }
        }
        if let Some(level) = o.level {
            policy.level = level;
            if !loaded.tracked_explicit {
                loaded.policy.tracked = level == Level::Must;
            }
        }
        let policy = &mut loaded.policy;
        if let Some(effect) = o.effect {
            policy.effect = effect;
        }
        if let Some(tracked) = o.tracked {
            policy.tracked = tracked;
        }
        if o.disabled {
            disabled.insert(o.id.clone());
        }
    }
    policies.retain(|l| !disabled.contains(&l.policy.id));
}

/// The override's value in the type of the policy's own param (an integer may stand for a
/// decimal number), or `None` when they do not match.
fn coerce(current: &ParamValue, value: &ParamValue) -> Option<ParamValue> {
    match (current, value) {
        (ParamValue::Int(_), ParamValue::Int(v)) => Some(ParamValue::Int(*v)),
        (ParamValue::Double(_), ParamValue::Double(v)) => Some(ParamValue::Double(*v)),
        (ParamValue::Double(_), ParamValue::Int(v)) => Some(ParamValue::Double(*v as f64)),
        (ParamValue::Bool(_), ParamValue::Bool(v)) => Some(ParamValue::Bool(*v)),
        (ParamValue::String(_), ParamValue::String(v)) => Some(ParamValue::String(v.clone())),
        (ParamValue::List(_), ParamValue::List(v)) => Some(ParamValue::List(v.clone())),
        _ => None,
    }
}

fn param_kind(value: &ParamValue) -> &'static str {
    match value {
        ParamValue::Int(_) => "a whole number",
        ParamValue::Double(_) => "a number",
        ParamValue::Bool(_) => "true or false",
        ParamValue::String(_) => "text",
        ParamValue::List(_) => "a list of text",
    }
}
