//! The malformed-configuration corpus under `tests/bad-configs/<tool>/`.
//!
//! A case is a file `NAME.yaml` whose leading `# ` comment lines form its
//! header, or a directory `NAME/` of YAML files with an `expected.txt`
//! header (lines starting with `#` there are comments). Header lines:
//! - `expect: [PATH:]LINE:COLUMN fragment` — where the error points (PATH,
//!   relative to the case directory, only for directory cases) and a
//!   fragment of its message;
//! - `help: text` — a fragment of the help line;
//! - `verbs: validate plan apply` — the verbs to run (default: all three;
//!   anything from a `(` on is a comment);
//! - `validate: ARGS` — extra arguments of `validate` (e.g. `--require-env`);
//! - `setup: ...` — tool-specific set-up, passed through as written;
//! - `secret: VALUE` — a secret written in the case that no output may show.

use std::path::{Path, PathBuf};
use std::process::Output;

/// One case of the corpus.
#[derive(Debug, Clone)]
pub struct Case {
    /// The file or directory name.
    pub name: String,
    /// The file or directory itself (what the tool is given).
    pub path: PathBuf,
    /// The file the error must point into.
    pub file: PathBuf,
    /// That file relative to the corpus directory (`NAME.yaml` or `NAME/b.yaml`).
    pub relative: String,
    /// 1-based line of the error.
    pub line: u32,
    /// 1-based column of the error.
    pub column: u32,
    /// A fragment of the message.
    pub fragment: String,
    /// A fragment of the help line, if the case expects one.
    pub help: Option<String>,
    /// The verbs to run.
    pub verbs: Vec<String>,
    /// Extra arguments of `validate`.
    pub validate_args: Vec<String>,
    /// Tool-specific `setup:` lines.
    pub setup: Vec<String>,
    /// Secrets written in the case that must never be printed.
    pub secrets: Vec<String>,
}

impl Case {
    /// `PATH:LINE:COLUMN` with the file as the tool is given it when run
    /// from the corpus directory with the case's name.
    pub fn relative_location(&self) -> String {
        format!("{}:{}:{}", self.relative, self.line, self.column)
    }

    /// `PATH:LINE:COLUMN` with the file's full path.
    pub fn absolute_location(&self) -> String {
        format!("{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Every case of the corpus at `dir`, sorted by name; panics (failing the
/// test) on a case without an `expect:` line or with a malformed one.
pub fn load(dir: &Path) -> Vec<Case> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus {}: {e}", dir.display()))
        .map(|e| e.expect("corpus directory entry").path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    entries.sort();
    entries.iter().map(|p| case(p)).collect()
}

fn case(p: &Path) -> Case {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let header: Vec<String> = if p.is_dir() {
        let f = p.join("expected.txt");
        let t = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        t.lines()
            .filter(|l| !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    } else {
        let t = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        t.lines()
            .take_while(|l| l.starts_with('#'))
            .map(|l| l.trim_start_matches('#').to_string())
            .collect()
    };
    let mut c = Case {
        name: name.clone(),
        path: p.to_path_buf(),
        file: p.to_path_buf(),
        relative: name.clone(),
        line: 0,
        column: 0,
        fragment: String::new(),
        help: None,
        verbs: vec!["validate".into(), "plan".into(), "apply".into()],
        validate_args: Vec::new(),
        setup: Vec::new(),
        secrets: Vec::new(),
    };
    let mut expect = false;
    for l in &header {
        let l = l.trim();
        if let Some(rest) = l.strip_prefix("expect:") {
            expect = true;
            let rest = rest.trim();
            let (loc, fragment) = rest.split_once(' ').unwrap_or((rest, ""));
            c.fragment = fragment.trim().to_string();
            let mut parts: Vec<&str> = loc.rsplitn(3, ':').collect();
            parts.reverse();
            let num = |x: &str| {
                x.parse::<u32>()
                    .unwrap_or_else(|e| panic!("case {name}: bad number in `{l}`: {e}"))
            };
            match (p.is_dir(), parts.as_slice()) {
                (true, [f, line, col]) => {
                    c.file = p.join(f);
                    c.relative = format!("{name}/{f}");
                    (c.line, c.column) = (num(line), num(col));
                }
                (false, [line, col]) => (c.line, c.column) = (num(line), num(col)),
                _ => panic!("case {name}: malformed `{l}`"),
            }
        } else if let Some(h) = l.strip_prefix("help:") {
            c.help = Some(h.trim().to_string());
        } else if let Some(v) = l.strip_prefix("verbs:") {
            c.verbs = v
                .split_whitespace()
                .take_while(|w| !w.starts_with('('))
                .map(str::to_string)
                .collect();
        } else if let Some(v) = l.strip_prefix("validate:") {
            c.validate_args = v.split_whitespace().map(str::to_string).collect();
        } else if let Some(s) = l.strip_prefix("setup:") {
            c.setup.push(s.trim().to_string());
        } else if let Some(s) = l.strip_prefix("secret:") {
            c.secrets.push(s.trim().to_string());
        }
    }
    assert!(expect, "case {name} has no `expect:` line");
    c
}

/// What is wrong with one run of a bad case: it must exit 1, not panic,
/// print `location` (e.g. `PATH:LINE:COLUMN` or `PATH:LINE:COLUMN: error: `)
/// and the message fragment (and the help fragment when given), and not
/// report an apply.
pub fn problems(o: &Output, location: &str, fragment: &str, help: Option<&str>) -> Vec<String> {
    let t = crate::text(o);
    let mut p = Vec::new();
    if o.status.code() != Some(1) {
        p.push(format!("exit code {:?}, expected 1", o.status.code()));
    }
    if o.status.code() == Some(101) || t.contains("panicked") {
        p.push("panicked".into());
    }
    if !t.contains(location) {
        p.push(format!("no `{location}`"));
    }
    if !t.contains(fragment) {
        p.push(format!("no message `{fragment}`"));
    }
    if let Some(h) = help.filter(|h| !t.contains(*h)) {
        p.push(format!("no help `{h}`"));
    }
    if t.contains("Apply complete") {
        p.push("apply ran".into());
    }
    p
}

/// The secrets of `secrets` that `output` shows (it must show none).
pub fn leaked<'a>(output: &str, secrets: &'a [String]) -> Vec<&'a str> {
    secrets
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty() && output.contains(*s))
        .collect()
}
