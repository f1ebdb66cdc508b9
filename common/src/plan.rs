//! The plan model shared by every tool: an ordered list of [`Change`]s.
//!
//! A plan is pure data. It is rendered by [`crate::render`], saved as JSON with
//! `plan --out`, and checked again by `apply --plan`. It never holds a secret:
//! fields marked [`FieldChange::sensitive`] carry no values, and statements are
//! written in their redacted display form by the tools.

use serde::{Deserialize, Serialize};

/// Version of the plan JSON format (see `docs/plan-format.md`).
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// What a change does to one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The object does not exist yet and will be created (`+`).
    Create,
    /// The object exists and is changed in place (`~`).
    Update,
    /// The object will be removed (`-`).
    Delete,
    /// The object is removed and created again (`-/+`).
    Replace,
}

impl Action {
    /// Terraform-style symbol for the action.
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Delete => "-",
            Action::Replace => "-/+",
        }
    }

    /// Lower-case verb used in summaries ("create", "update", ...).
    pub fn verb(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Replace => "replace",
        }
    }
}

/// One field of an object whose value changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// Field name, e.g. `partitions` or `config.retention.ms`.
    pub name: String,
    /// Live value; `None` when the field is not set.
    pub before: Option<String>,
    /// Desired value; `None` when the field is removed.
    pub after: Option<String>,
    /// A sensitive field's values are never stored nor shown.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
}

impl FieldChange {
    /// A field whose value changes from `before` to `after`.
    pub fn new(
        name: impl Into<String>,
        before: Option<impl Into<String>>,
        after: Option<impl Into<String>>,
    ) -> Self {
        FieldChange {
            name: name.into(),
            before: before.map(Into::into),
            after: after.map(Into::into),
            sensitive: false,
        }
    }

    /// A sensitive field (a password): only the fact that it changes is recorded.
    pub fn sensitive(name: impl Into<String>, was_set: bool) -> Self {
        FieldChange {
            name: name.into(),
            before: was_set.then(|| "(sensitive)".to_string()),
            after: Some("(sensitive)".to_string()),
            sensitive: true,
        }
    }
}

/// One change to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// Stable address of the object, e.g. `role.analyst`, `topic.orders`.
    pub address: String,
    /// What happens to the object.
    pub action: Action,
    /// Field-level before/after values.
    #[serde(default)]
    pub fields: Vec<FieldChange>,
    /// The exact statements or API calls that apply will run, secrets redacted.
    #[serde(default)]
    pub statements: Vec<String>,
    /// Why this change is destructive; `None` when it is not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive: Option<String>,
}

impl Change {
    /// A new change with no fields or statements.
    pub fn new(address: impl Into<String>, action: Action) -> Self {
        Change {
            address: address.into(),
            action,
            fields: Vec::new(),
            statements: Vec::new(),
            destructive: None,
        }
    }

    /// Adds a field change.
    pub fn field(mut self, field: FieldChange) -> Self {
        self.fields.push(field);
        self
    }

    /// Adds a statement (already redacted).
    pub fn statement(mut self, statement: impl Into<String>) -> Self {
        self.statements.push(statement.into());
        self
    }

    /// Marks the change destructive with a reason.
    pub fn destructive(mut self, reason: impl Into<String>) -> Self {
        self.destructive = Some(reason.into());
        self
    }

    /// True when the change is destructive.
    pub fn is_destructive(&self) -> bool {
        self.destructive.is_some()
    }
}

/// A change together with the tool-specific operations that carry it out.
///
/// The operations are never serialized: a saved plan is re-derived from the
/// configuration and live state at apply time and compared with the file.
#[derive(Debug, Clone)]
pub struct Planned<Op> {
    /// What is shown and saved.
    pub change: Change,
    /// What apply executes, in order.
    pub ops: Vec<Op>,
}

impl<Op> Planned<Op> {
    /// Pairs a change with its operations.
    pub fn new(change: Change, ops: Vec<Op>) -> Self {
        Planned { change, ops }
    }
}

/// A finding that is not a change: e.g. an unmanaged object left alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    /// Address of the object concerned.
    pub address: String,
    /// What the user should know.
    pub message: String,
}

/// A computed plan, as rendered and saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Plan JSON format version ([`PLAN_FORMAT_VERSION`]).
    pub format_version: u32,
    /// Tool that produced the plan (`grant`, `kafka-config`, `athena`).
    pub tool: String,
    /// What the plan targets (a redacted URL, a cluster, a region/catalog).
    pub target: String,
    /// SHA-256 of the live state the plan was computed from.
    pub live_fingerprint: String,
    /// SHA-256 of the resolved desired state (secrets hashed, never stored).
    pub config_fingerprint: String,
    /// Ordered changes.
    pub changes: Vec<Change>,
    /// Informational findings (unmanaged objects, skipped items).
    #[serde(default)]
    pub notes: Vec<Note>,
}

/// Counts of changes per action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Objects created.
    pub create: usize,
    /// Objects updated in place.
    pub update: usize,
    /// Objects deleted.
    pub delete: usize,
    /// Objects replaced.
    pub replace: usize,
    /// Changes flagged destructive.
    pub destructive: usize,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// Counts the changes per action.
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Delete => s.delete += 1,
                Action::Replace => s.replace += 1,
            }
            if c.is_destructive() {
                s.destructive += 1;
            }
        }
        s
    }

    /// The destructive changes.
    pub fn destructive_changes(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.is_destructive())
    }
}

impl Summary {
    /// The one-line total, e.g. `Plan: 2 to create, 1 to update, 0 to delete, 0 to replace.`
    pub fn line(&self) -> String {
        format!(
            "Plan: {} to create, {} to update, {} to delete, {} to replace.",
            self.create, self.update, self.delete, self.replace
        )
    }
}

/// SHA-256 of a value's canonical JSON form, as lower-case hex.
///
/// Live and desired states use ordered maps so that equal states hash equally.
pub fn fingerprint<T: Serialize + ?Sized>(value: &T) -> String {
    use sha2::{Digest, Sha256};
    /// Feeds the JSON to the hash as it is written: the same bytes as
    /// `to_vec`, without holding the serialized state in memory.
    struct Feed(Sha256);
    impl std::io::Write for Feed {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.update(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    // Buffered: serde_json writes token by token, the hash takes blocks.
    let mut feed = std::io::BufWriter::with_capacity(64 * 1024, Feed(Sha256::new()));
    let digest = match (serde_json::to_writer(&mut feed, value), feed.into_inner()) {
        (Ok(()), Ok(feed)) => feed.0.finalize(),
        // As before: what fails to serialize hashes as no bytes.
        _ => Sha256::digest([]),
    };
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
