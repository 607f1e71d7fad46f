//! The authorization matrix of docs/security.md, generated from the route registry so that the
//! documentation cannot drift from what the server enforces. A test compares the two; run
//! `STEWARD_UPDATE_DOCS=1 cargo test -p steward-server authorization_matrix` to rewrite it.

use crate::routes::{Access, Endpoint};

/// Who an access level admits, in words.
pub fn who(access: Access) -> &'static str {
    match access {
        Access::Public => "anyone, signed in or not",
        Access::Read => "every signed-in role (makers: their own resources)",
        Access::Rate => "every signed-in role may write",
        Access::Maker => "maker, environment_admin, admin (the handler checks ownership)",
        Access::EnvAdmin => "environment_admin (their environments), admin",
        Access::Admin => "admin",
    }
}

/// The matrix as a Markdown table, by path then method.
pub fn markdown(endpoints: &[Endpoint]) -> String {
    let mut rows: Vec<&Endpoint> = endpoints.iter().collect();
    rows.sort_by(|a, b| a.path.cmp(b.path).then_with(|| a.method.as_str().cmp(b.method.as_str())));
    let mut out = String::from("| Path | Method | Access | Who may call it |\n|---|---|---|---|\n");
    for e in rows {
        out.push_str(&format!("| `{}` | {} | {} | {} |\n", e.path, e.method, e.access.as_str(), who(e.access)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: &str = "<!-- authorization-matrix:start (generated from the route registry; do not edit) -->\n";
    const END: &str = "<!-- authorization-matrix:end -->";

    #[test]
    fn authorization_matrix_in_the_docs_matches_the_registry() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/security.md");
        let Ok(doc) = std::fs::read_to_string(&path) else {
            panic!("{} is missing; it documents the authorization matrix", path.display());
        };
        let (Some(start), Some(end)) = (doc.find(START), doc.find(END)) else {
            panic!("docs/security.md has no authorization matrix between {START:?} and {END:?}");
        };
        let table = markdown(&crate::routes::endpoints());
        let current = &doc[start + START.len()..end];
        if current == table {
            return;
        }
        if std::env::var_os("STEWARD_UPDATE_DOCS").is_some() {
            let updated = format!("{}{START}{table}{}", &doc[..start], &doc[end..]);
            if let Err(e) = std::fs::write(&path, updated) {
                panic!("cannot rewrite {}: {e}", path.display());
            }
            return;
        }
        panic!(
            "the authorization matrix in docs/security.md is out of date with the route registry; run \
             `STEWARD_UPDATE_DOCS=1 cargo test -p steward-server authorization_matrix` and commit docs/security.md"
        );
    }
}
