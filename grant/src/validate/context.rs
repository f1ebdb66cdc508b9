//! What validating roles and databases shares: the accumulating context and
//! small checks.

use std::collections::BTreeSet;

use common::{did_you_mean, Diagnostics, SourceFile, Unique, YPath};

use crate::model::Desired;
use crate::privs::Privilege;
pub(super) use crate::sql::valid_name;

/// Whether a `privileges` list says `ALL`.
pub(super) fn says_all(list: &[String]) -> bool {
    list.iter().any(|p| {
        let up = p.trim().to_ascii_uppercase();
        up == "ALL" || up == "ALL PRIVILEGES"
    })
}

/// Parses a `privileges` list (`ALL` = every privilege `allowed`).
pub(super) fn parse_privileges(
    file: &SourceFile,
    path: &YPath,
    list: &[String],
    allowed: &[Privilege],
    what: &str,
    diags: &mut Diagnostics,
) -> BTreeSet<Privilege> {
    let mut out = BTreeSet::new();
    if list.is_empty() {
        diags.push(file.error(path, "`privileges` cannot be empty"));
    }
    for (i, p) in list.iter().enumerate() {
        let up = p.trim().to_ascii_uppercase();
        if up == "ALL" || up == "ALL PRIVILEGES" {
            out.extend(allowed.iter().copied());
            continue;
        }
        match Privilege::parse(p) {
            Some(pr) if allowed.contains(&pr) => {
                out.insert(pr);
            }
            Some(pr) => diags.push(
                file.error(
                    &path.index(i),
                    format!("privilege {pr} does not apply to {what}"),
                )
                .with_help(format!(
                    "{what} takes: {}, or ALL",
                    allowed
                        .iter()
                        .map(|p| p.sql())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
            None => {
                let mut d = file.error(&path.index(i), format!("unknown privilege `{p}`"));
                if let Some(s) = did_you_mean(&up, Privilege::NAMES) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                }
                diags.push(d);
            }
        }
    }
    out
}

/// What validating roles and databases accumulates.
pub(super) struct Cx<'a> {
    /// Errors so far.
    pub(super) diags: Diagnostics,
    /// The model being built.
    pub(super) desired: Desired,
    /// Role references, checked once every role is known.
    pub(super) refs: Vec<RoleRef<'a>>,
    /// member → group edges with their location, for the cycle check.
    pub(super) member_edges: Vec<(String, String, &'a SourceFile, YPath)>,
    /// Declared role names, for duplicates.
    pub(super) role_names: Unique<String>,
}

/// A role reference to check once all roles are known.
pub(super) struct RoleRef<'a> {
    pub(super) file: &'a SourceFile,
    pub(super) path: YPath,
    pub(super) name: String,
}
