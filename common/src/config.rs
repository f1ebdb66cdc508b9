//! Loading configuration: a file or a directory of YAML files, `${VAR}`
//! substitution, typed deserialization with `file:line:column` errors, and
//! duplicate detection across files.
//!
//! Each file is parsed twice: by `serde_yaml` into a value tree for typed
//! deserialization, and by `yaml-rust2`'s event parser into a map from
//! [`YPath`] to position, so that any error found later — a type error, an
//! unknown key, a semantic rule in a tool — can point at the exact place.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_yaml::Value;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use crate::diagnostic::{did_you_mean, Diagnostic, Diagnostics, Location};

/// One step of a path into a YAML document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Seg {
    /// A mapping key.
    Key(String),
    /// A sequence index.
    Index(usize),
}

/// A path into a YAML document, e.g. `roles[2].name`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YPath(pub Vec<Seg>);

impl YPath {
    /// The document root.
    pub fn root() -> Self {
        YPath(Vec::new())
    }

    /// This path followed by a mapping key.
    pub fn key(&self, k: impl Into<String>) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Key(k.into()));
        YPath(v)
    }

    /// This path followed by a sequence index.
    pub fn index(&self, i: usize) -> Self {
        let mut v = self.0.clone();
        v.push(Seg::Index(i));
        YPath(v)
    }

    /// The path without its last step.
    pub fn parent(&self) -> Option<YPath> {
        if self.0.is_empty() {
            None
        } else {
            Some(YPath(self.0[..self.0.len() - 1].to_vec()))
        }
    }
}

impl fmt::Display for YPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("(root)");
        }
        for (i, s) in self.0.iter().enumerate() {
            match s {
                Seg::Key(k) if i == 0 => write!(f, "{k}")?,
                Seg::Key(k) => write!(f, ".{k}")?,
                Seg::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// Positions (1-based line and column) of every node and key in a document.
#[derive(Debug, Default, Clone)]
struct PositionIndex {
    values: HashMap<YPath, (usize, usize)>,
    keys: HashMap<YPath, (usize, usize)>,
}

enum Frame {
    Map {
        path: YPath,
        pending_key: Option<String>,
    },
    Seq {
        path: YPath,
        next: usize,
    },
}

#[derive(Default)]
struct IndexBuilder {
    stack: Vec<Frame>,
    index: PositionIndex,
    depth_docs: usize,
    /// Where a second document starts (`---`), if one does.
    second_document: Option<(usize, usize)>,
    /// Where the first repeated key of a mapping is written, if any.
    duplicate_key: Option<(usize, usize)>,
    /// Where the first alias (`*name`) is used, if any.
    first_alias: Option<(usize, usize)>,
}

fn pos(m: &Marker) -> (usize, usize) {
    (m.line().max(1), m.col() + 1)
}

impl IndexBuilder {
    /// The path of the node that starts now, or `None` when the event is a key.
    fn next_node_path(&mut self, mark: &Marker, scalar: Option<&str>) -> Option<YPath> {
        match self.stack.last_mut() {
            None => Some(YPath::root()),
            Some(Frame::Seq { path, next }) => {
                let p = path.index(*next);
                *next += 1;
                Some(p)
            }
            Some(Frame::Map { path, pending_key }) => match pending_key.take() {
                Some(k) => Some(path.key(k)),
                None => {
                    let key = scalar.unwrap_or("").to_string();
                    let at = pos(mark);
                    if self.index.keys.insert(path.key(key.clone()), at).is_some() {
                        self.duplicate_key.get_or_insert(at);
                    }
                    // A block mapping's start marker comes after its first key;
                    // the mapping starts where that key does.
                    if let Some(start) = self.index.values.get_mut(path) {
                        if at < *start {
                            *start = at;
                        }
                    }
                    *pending_key = Some(key);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for IndexBuilder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::DocumentStart => {
                self.depth_docs += 1;
                if self.depth_docs == 2 {
                    self.second_document = Some(pos(&mark));
                }
            }
            Event::Scalar(value, ..) => {
                if self.depth_docs > 1 {
                    return;
                }
                if let Some(p) = self.next_node_path(&mark, Some(&value)) {
                    self.index.values.insert(p, pos(&mark));
                }
            }
            Event::Alias(_) => {
                self.first_alias.get_or_insert(pos(&mark));
                if let Some(p) = self.next_node_path(&mark, Some("")) {
                    self.index.values.insert(p, pos(&mark));
                }
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_map = matches!(ev, Event::MappingStart(..));
                // A complex key (a mapping used as key) is not supported by the
                // tools; index it under an empty key.
                let p = self
                    .next_node_path(&mark, None)
                    .unwrap_or_else(|| YPath::root().key(""));
                self.index.values.insert(p.clone(), pos(&mark));
                self.stack.push(if is_map {
                    Frame::Map {
                        path: p,
                        pending_key: None,
                    }
                } else {
                    Frame::Seq { path: p, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

/// Whether `${VAR}` references must resolve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvMode {
    /// plan / apply: a missing variable without default is an error.
    Require,
    /// validate (offline, e.g. pre-commit without credentials): a missing
    /// variable is left as written.
    Lenient,
}

/// One parsed YAML file.
#[derive(Debug, Clone)]
pub struct SourceFile {
    path: PathBuf,
    text: String,
    /// Byte offset of the start of each line, for O(1) snippets.
    line_starts: Vec<usize>,
    value: Value,
    index: PositionIndex,
}

impl SourceFile {
    /// Parses `text` as the content of `path`, substituting `${VAR}` from `env`.
    pub fn parse(
        path: impl Into<PathBuf>,
        text: impl Into<String>,
        env: &dyn Fn(&str) -> Option<String>,
        mode: EnvMode,
    ) -> Result<SourceFile, Diagnostics> {
        let path = path.into();
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        let mut file = SourceFile {
            path,
            text,
            line_starts,
            value: Value::Null,
            index: PositionIndex::default(),
        };
        let mut builder = IndexBuilder::default();
        let mut parser = Parser::new_from_str(&file.text);
        // serde_yaml decides what is valid; a disagreement of the second
        // parser only costs precision of locations, never correctness.
        let _ = parser.load(&mut builder, true);
        let mut value: Value = if file.text.trim().is_empty() {
            Value::Null
        } else {
            serde_yaml::from_str(&file.text).map_err(|e| {
                let msg = e.to_string();
                // serde_yaml appends " at line N column M"; the location says it.
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
                let at = if msg.contains("more than one document") {
                    builder.second_document
                } else if msg.contains("duplicate entry") {
                    builder.duplicate_key
                } else {
                    None
                };
                // Errors serde_yaml does not locate (e.g. an alias expanding
                // past its repetition limit) point at the first alias, else
                // at the start of the file: never nowhere.
                let loc = at
                    .or_else(|| e.location().map(|l| (l.line(), l.column())))
                    .or(builder.first_alias)
                    .unwrap_or((1, 1));
                let loc = Some(file.location_at(loc.0, loc.1));
                let msg = if msg.contains("more than one document") {
                    "a file holds one YAML document: split the documents after `---` into separate files".to_string()
                } else {
                    crate::secret::hide_secret_in_parse_error(&msg)
                };
                Diagnostics::from(Diagnostic::at(loc, format!("invalid YAML: {msg}")))
            })?
        };
        file.index = builder.index;
        if let Value::Tagged(_) = value {
            return Err(Diagnostic::at(
                file.locate(&YPath::root()),
                "YAML tags are not supported here",
            )
            .into());
        }
        let mut diags = Diagnostics::new();
        substitute(&mut value, &YPath::root(), &file, env, mode, &mut diags);
        file.value = value;
        diags.into_result(file)
    }

    /// Reads and parses a file from disk.
    pub fn load(path: &Path, mode: EnvMode) -> Result<SourceFile, Diagnostics> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Diagnostics::from(Diagnostic::global(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        })?;
        SourceFile::parse(path, text, &|k| std::env::var(k).ok(), mode)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's text as read.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The parsed document after `${VAR}` substitution.
    pub fn value(&self) -> &Value {
        &self.value
    }

    fn location_at(&self, line: usize, column: usize) -> Location {
        let source_line = self
            .line_starts
            .get(line.saturating_sub(1))
            .and_then(|&start| self.text.get(start..))
            .and_then(|rest| rest.lines().next())
            .unwrap_or("");
        // A snippet must not print the value of a secret key or a URL's password.
        let source_line = crate::secret::redact_source_line(source_line);
        Location {
            file: self.path.clone(),
            line,
            column,
            source_line,
        }
    }

    /// Where the value at `path` starts; the nearest enclosing node when the
    /// path itself is not in the file (e.g. a missing key).
    pub fn locate(&self, path: &YPath) -> Option<Location> {
        let mut p = Some(path.clone());
        while let Some(cur) = p {
            if let Some(&(l, c)) = self.index.values.get(&cur) {
                return Some(self.location_at(l, c));
            }
            p = cur.parent();
        }
        Some(self.location_at(1, 1))
    }

    /// The text of the plain scalar at `path` exactly as written in the file
    /// (`1.50`, `0x1F`, `true`), unredacted — for callers that must keep a
    /// number or boolean as the user wrote it (grant-rs passwords).
    pub fn raw_scalar(&self, path: &YPath) -> Option<&str> {
        let &(line, col) = self.index.values.get(path)?;
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let from = start + self.text.get(start..)?.char_indices().nth(col - 1)?.0;
        let rest = self.text.get(from..)?;
        let end = rest
            .find(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | ']' | '#'))
            .unwrap_or(rest.len());
        Some(&rest[..end])
    }

    /// Where the key of the mapping entry at `path` is written; falls back to
    /// [`SourceFile::locate`].
    pub fn locate_key(&self, path: &YPath) -> Option<Location> {
        match self.index.keys.get(path) {
            Some(&(l, c)) => Some(self.location_at(l, c)),
            None => self.locate(path),
        }
    }

    /// Where `needle` is first written at or after the start of the value of
    /// `path`, on the same line or the next few.
    fn find_from(&self, path: &YPath, needle: &str) -> Option<Location> {
        let &(line, col) = self.index.values.get(path)?;
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let from = start + self.text.get(start..)?.char_indices().nth(col - 1)?.0;
        let window_end = self
            .line_starts
            .get(line + 4)
            .copied()
            .unwrap_or(self.text.len());
        let found = from + self.text.get(from..window_end)?.find(needle)?;
        let l = self.line_starts.partition_point(|&s| s <= found);
        let line_start = self.line_starts[l - 1];
        let c = self.text[line_start..found].chars().count() + 1;
        Some(self.location_at(l, c))
    }

    /// An error at the value of `path`.
    pub fn error(&self, path: &YPath, message: impl Into<String>) -> Diagnostic {
        Diagnostic::at(self.locate(path), message)
    }

    /// Deserializes the whole document into `T`.
    ///
    /// Unknown keys (with `#[serde(deny_unknown_fields)]`) get a "did you
    /// mean" suggestion; every error points at its place in the file.
    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, Diagnostic> {
        let empty = Value::Mapping(Default::default());
        let value = match &self.value {
            Value::Null => &empty,
            v => v,
        };
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = convert_path(e.path());
            let inner = e.into_inner().to_string();
            if let Some(rest) = inner.strip_prefix("unknown field `") {
                let field = rest.split('`').next().unwrap_or("");
                let expected: Vec<&str> = rest
                    .split("expected ")
                    .nth(1)
                    .map(|s| {
                        s.split('`')
                            .enumerate()
                            .filter(|(i, _)| i % 2 == 1)
                            .map(|(_, s)| s)
                            .collect()
                    })
                    .unwrap_or_default();
                let key_path = match path.0.last() {
                    Some(Seg::Key(k)) if k == field => path.clone(),
                    _ => path.key(field),
                };
                let mut d =
                    Diagnostic::at(self.locate_key(&key_path), format!("unknown key `{field}`"));
                if let Some(s) = did_you_mean(field, expected.iter().copied()) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                } else if !expected.is_empty() {
                    d = d.with_help(format!("expected one of: {}", expected.join(", ")));
                }
                d
            } else if inner.starts_with("missing field") {
                Diagnostic::at(self.locate(&path), inner)
            } else {
                let msg = inner
                    .split(" at line ")
                    .next()
                    .unwrap_or(&inner)
                    .to_string();
                let msg = if path_is_secret(&path) {
                    crate::secret::hide_secret_value(&msg)
                } else {
                    msg
                };
                let shown = if path.0.is_empty() {
                    msg
                } else {
                    format!("{path}: {msg}")
                };
                Diagnostic::at(self.locate(&path), shown)
            }
        })
    }
}

/// Whether a key on `path` names a secret ([`crate::secret::is_secret_key`]).
fn path_is_secret(path: &YPath) -> bool {
    path.0
        .iter()
        .any(|s| matches!(s, Seg::Key(k) if crate::secret::is_secret_key(k)))
}

fn convert_path(p: &serde_path_to_error::Path) -> YPath {
    use serde_path_to_error::Segment;
    YPath(
        p.iter()
            .filter_map(|s| match s {
                Segment::Seq { index } => Some(Seg::Index(*index)),
                Segment::Map { key } => Some(Seg::Key(key.clone())),
                Segment::Enum { variant } => Some(Seg::Key(variant.clone())),
                Segment::Unknown => None,
            })
            .collect(),
    )
}

fn substitute(
    v: &mut Value,
    path: &YPath,
    file: &SourceFile,
    env: &dyn Fn(&str) -> Option<String>,
    mode: EnvMode,
    diags: &mut Diagnostics,
) {
    match v {
        Value::String(s) if s.contains('$') => match expand_env(s, env, mode) {
            Ok(new) => *s = new,
            Err(msg) => {
                // Point at the `${` of the offending reference when it can be
                // found in the text as written (it cannot in a folded scalar).
                let needle = msg.split('`').nth(1).map(|name| format!("${{{name}"));
                let loc = needle
                    .and_then(|n| file.find_from(path, &n))
                    .or_else(|| file.locate(path));
                diags.push(Diagnostic::at(loc, msg));
            }
        },
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                substitute(item, &path.index(i), file, env, mode, diags);
            }
        }
        Value::Mapping(m) => {
            for (k, item) in m.iter_mut() {
                let key = match k {
                    Value::String(s) => s.clone(),
                    other => serde_yaml::to_string(other)
                        .unwrap_or_default()
                        .trim()
                        .to_string(),
                };
                substitute(item, &path.key(key), file, env, mode, diags);
            }
        }
        Value::Tagged(t) => substitute(&mut t.value, path, file, env, mode, diags),
        _ => {}
    }
}

/// Expands `${VAR}`, `${VAR:-default}` and grant-rs's `${VAR:default}` in
/// `s`; `$${` is a literal `${`.
pub fn expand_env(
    s: &str,
    env: &dyn Fn(&str) -> Option<String>,
    mode: EnvMode,
) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("${") {
            out.push_str("${");
            rest = tail;
            continue;
        }
        let Some(body_start) = after.strip_prefix('{') else {
            out.push('$');
            rest = after;
            continue;
        };
        let Some(end) = body_start.find('}') else {
            return Err(format!("unterminated `${{` in `{s}`"));
        };
        let body = &body_start[..end];
        // `${VAR:-default}` (shell) and `${VAR:default}` (grant-rs) both work.
        let (name, default) = match body.find(':') {
            Some(p) => {
                let rest = &body[p + 1..];
                (&body[..p], Some(rest.strip_prefix('-').unwrap_or(rest)))
            }
            None => (body, None),
        };
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            || name.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(format!(
                "invalid environment variable name `{name}` in `${{{body}}}`"
            ));
        }
        match (env(name), default) {
            (Some(v), _) => out.push_str(&v),
            (None, Some(d)) => out.push_str(d),
            (None, None) => match mode {
                EnvMode::Require => {
                    return Err(format!("environment variable `{name}` is not set"));
                }
                EnvMode::Lenient => {
                    out.push_str("${");
                    out.push_str(body);
                    out.push('}');
                }
            },
        }
        rest = &body_start[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// All configuration files given on the command line.
#[derive(Debug, Clone)]
pub struct Sources {
    /// The files, sorted by path.
    pub files: Vec<SourceFile>,
}

impl Sources {
    /// Loads a file, or every `*.yaml` / `*.yml` below a directory (sorted).
    pub fn load(path: &Path, mode: EnvMode) -> Result<Sources, Diagnostics> {
        let mut paths = Vec::new();
        if path.is_dir() {
            collect_yaml(path, &mut paths).map_err(|e| {
                Diagnostics::from(Diagnostic::global(format!(
                    "cannot read directory {}: {e}",
                    path.display()
                )))
            })?;
            paths.sort();
            if paths.is_empty() {
                return Err(Diagnostic::global(format!(
                    "no *.yaml or *.yml files in {}",
                    path.display()
                ))
                .into());
            }
        } else {
            paths.push(path.to_path_buf());
        }
        let mut diags = Diagnostics::new();
        let mut files = Vec::new();
        for p in paths {
            match SourceFile::load(&p, mode) {
                Ok(f) => files.push(f),
                Err(d) => diags.extend(d),
            }
        }
        diags.into_result(Sources { files })
    }

    /// Deserializes every file into `T` (one document type per tool),
    /// collecting the errors of all files.
    pub fn deserialize_all<T: DeserializeOwned>(
        &self,
    ) -> Result<Vec<(&SourceFile, T)>, Diagnostics> {
        let mut diags = Diagnostics::new();
        let mut out = Vec::new();
        for f in &self.files {
            match f.deserialize::<T>() {
                Ok(t) => out.push((f, t)),
                Err(d) => diags.push(d),
            }
        }
        diags.into_result(out)
    }
}

fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let p = entry?.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        if p.is_dir() {
            collect_yaml(&p, out)?;
        } else if matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(p);
        }
    }
    Ok(())
}

/// Detects the same object declared twice, across files or within one.
#[derive(Debug, Default)]
pub struct Unique<K: Ord> {
    seen: BTreeMap<K, Option<Location>>,
}

impl<K: Ord + fmt::Display> Unique<K> {
    /// An empty registry.
    pub fn new() -> Self {
        Unique {
            seen: BTreeMap::new(),
        }
    }

    /// Records `key` declared at `location`; an error naming both places when
    /// it was declared before. `what` names the kind of object ("role").
    pub fn insert(
        &mut self,
        what: &str,
        key: K,
        location: Option<Location>,
    ) -> Result<(), Diagnostic> {
        if let Some(first) = self.seen.get(&key) {
            return Err(Diagnostic::at(
                location,
                format!("{what} `{key}` is declared more than once"),
            )
            .with_related(first.clone(), format!("`{key}` is first declared here")));
        }
        self.seen.insert(key, location);
        Ok(())
    }

    /// Where `key` was declared, if it was.
    pub fn get(&self, key: &K) -> Option<&Option<Location>> {
        self.seen.get(key)
    }
}

#[cfg(test)]
mod tests;
