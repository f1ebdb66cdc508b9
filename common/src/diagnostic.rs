//! Errors about user input, located at `file:line:column` with a snippet.

use std::fmt;
use std::path::PathBuf;

/// A place in a configuration file. Lines and columns count from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The file, as given on the command line (or found in a directory).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The text of that line, for the snippet.
    pub source_line: String,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One error (or warning) about the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Where it is; `None` for errors about the whole input (e.g. an empty directory).
    pub location: Option<Box<Location>>,
    /// What is wrong.
    pub message: String,
    /// A suggestion, e.g. "did you mean `retention.ms`?".
    pub help: Option<String>,
    /// Further places involved (e.g. the first declaration of a duplicate).
    pub related: Vec<(Location, String)>,
}

impl Diagnostic {
    /// An error at a location.
    pub fn at(location: Option<Location>, message: impl Into<String>) -> Self {
        Diagnostic {
            location: location.map(Box::new),
            message: message.into(),
            help: None,
            related: Vec::new(),
        }
    }

    /// An error with no location.
    pub fn global(message: impl Into<String>) -> Self {
        Diagnostic::at(None, message)
    }

    /// Adds a suggestion.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, location: Option<Location>, note: impl Into<String>) -> Self {
        if let Some(l) = location {
            self.related.push((l, note.into()));
        }
        self
    }
}

fn write_snippet(f: &mut fmt::Formatter<'_>, loc: &Location, arrow: &str) -> fmt::Result {
    let num = loc.line.to_string();
    let pad = " ".repeat(num.len());
    writeln!(f, "{pad}{arrow} {loc}")?;
    writeln!(f, "{pad} |")?;
    writeln!(f, "{num} | {}", loc.source_line)?;
    let caret_pad: String = loc
        .source_line
        .chars()
        .take(loc.column.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    writeln!(f, "{pad} | {caret_pad}^")
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(loc) => writeln!(f, "{loc}: error: {}", self.message)?,
            None => writeln!(f, "error: {}", self.message)?,
        }
        if let Some(loc) = &self.location {
            write_snippet(f, loc, "-->")?;
        }
        for (loc, note) in &self.related {
            writeln!(f, "note: {note}")?;
            write_snippet(f, loc, "-->")?;
        }
        if let Some(help) = &self.help {
            writeln!(f, "help: {help}")?;
        }
        Ok(())
    }
}

/// A list of [`Diagnostic`]s; the error type of config loading and validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// No errors yet.
    pub fn new() -> Self {
        Diagnostics(Vec::new())
    }

    /// Records an error.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// True when there is no error.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when there is no error, else `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, Diagnostics> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// Appends all diagnostics of another list.
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        let n = self.0.len();
        write!(f, "\n{n} error{}", if n == 1 { "" } else { "s" })
    }
}

impl std::error::Error for Diagnostics {}

/// The closest candidate to `input` (Jaro-Winkler ≥ 0.8), for "did you mean".
pub fn did_you_mean<'a, I>(input: &str, candidates: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(input, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = ["retention.ms", "retention.bytes", "cleanup.policy"];
        assert_eq!(did_you_mean("retention.msx", keys), Some("retention.ms"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }
}
