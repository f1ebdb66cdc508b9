//! Plan renderers: text (Terraform-like), JSON (versioned) and Markdown
//! (pull-request comments). One implementation for all tools.

use std::fmt::Write as _;

use serde::Serialize;
use tabled::settings::Style;
use tabled::{Table, Tabled};

use crate::plan::{Action, Change, FieldChange, Plan, Summary};

/// Output format of `plan` and `apply`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, Terraform-like.
    #[default]
    Text,
    /// The versioned JSON document of `docs/plan-format.md`.
    Json,
    /// Markdown for a pull-request comment or a job summary.
    Markdown,
}

/// Renders a plan in the given format.
pub fn render(plan: &Plan, format: Format, color: bool) -> String {
    match format {
        Format::Text => text(plan, color),
        Format::Json => json(plan),
        Format::Markdown => markdown(plan),
    }
}

const RESET: &str = "\x1b[0m";

fn action_color(a: Action) -> &'static str {
    match a {
        Action::Create => "\x1b[32m",
        Action::Update => "\x1b[33m",
        Action::Delete => "\x1b[31m",
        Action::Replace => "\x1b[35m",
    }
}

fn paint(s: &str, code: &str, color: bool) -> String {
    if color {
        format!("{code}{s}{RESET}")
    } else {
        s.to_string()
    }
}

fn is_long(v: &Option<String>) -> bool {
    v.as_deref()
        .is_some_and(|s| s.contains('\n') || s.chars().count() > 80)
}

fn show(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("{s:?}"),
        None => "(none)".to_string(),
    }
}

/// A unified diff of two texts, without headers.
pub fn unified_diff(before: &str, after: &str) -> String {
    let diff = similar::TextDiff::from_lines(before, after);
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let sign = match change.tag() {
            similar::ChangeTag::Delete => '-',
            similar::ChangeTag::Insert => '+',
            similar::ChangeTag::Equal => ' ',
        };
        let line = change.value();
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

fn field_lines(f: &FieldChange, color: bool, out: &mut String, indent: &str) {
    let (sym, code) = match (&f.before, &f.after) {
        (None, Some(_)) => ("+", action_color(Action::Create)),
        (Some(_), None) => ("-", action_color(Action::Delete)),
        _ => ("~", action_color(Action::Update)),
    };
    let sym = paint(sym, code, color);
    if f.sensitive {
        let _ = writeln!(out, "{indent}{sym} {} = (sensitive value)", f.name);
        return;
    }
    if is_long(&f.before) || is_long(&f.after) {
        let _ = writeln!(out, "{indent}{sym} {}:", f.name);
        let d = unified_diff(
            f.before.as_deref().unwrap_or(""),
            f.after.as_deref().unwrap_or(""),
        );
        for line in d.lines() {
            let code = match line.chars().next() {
                Some('+') => action_color(Action::Create),
                Some('-') => action_color(Action::Delete),
                _ => "",
            };
            let _ = writeln!(
                out,
                "{indent}    {}",
                paint(line, code, color && !code.is_empty())
            );
        }
        return;
    }
    match (&f.before, &f.after) {
        (None, after) => {
            let _ = writeln!(out, "{indent}{sym} {} = {}", f.name, show(after));
        }
        (before, None) => {
            let _ = writeln!(out, "{indent}{sym} {} = {}", f.name, show(before));
        }
        (before, after) => {
            let _ = writeln!(
                out,
                "{indent}{sym} {} = {} -> {}",
                f.name,
                show(before),
                show(after)
            );
        }
    }
}

fn change_text(c: &Change, color: bool, out: &mut String) {
    let code = action_color(c.action);
    let head = format!("{} {}", c.action.symbol(), c.address);
    let _ = write!(out, "  {}", paint(&head, code, color));
    if let Some(reason) = &c.destructive {
        let _ = write!(
            out,
            "  {}",
            paint(&format!("# destructive: {reason}"), "\x1b[1;31m", color)
        );
    }
    out.push('\n');
    for f in &c.fields {
        field_lines(f, color, out, "      ");
    }
    for s in &c.statements {
        let mut lines = s.lines();
        if let Some(first) = lines.next() {
            let _ = writeln!(out, "      {} {first}", paint(">", "\x1b[2m", color));
        }
        for l in lines {
            let _ = writeln!(out, "        {l}");
        }
    }
    out.push('\n');
}

#[derive(Tabled)]
struct Row {
    create: usize,
    update: usize,
    delete: usize,
    replace: usize,
    destructive: usize,
}

fn summary_table(s: &Summary) -> String {
    let mut t = Table::new([Row {
        create: s.create,
        update: s.update,
        delete: s.delete,
        replace: s.replace,
        destructive: s.destructive,
    }]);
    t.with(Style::sharp());
    t.to_string()
}

/// The Terraform-like text rendering.
pub fn text(plan: &Plan, color: bool) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        let _ = writeln!(
            out,
            "No changes. {} matches the configuration.",
            plan.target
        );
    } else {
        let _ = writeln!(
            out,
            "{} will perform the following actions on {}:\n",
            plan.tool, plan.target
        );
        for c in &plan.changes {
            change_text(c, color, &mut out);
        }
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "Notes:");
        for n in &plan.notes {
            let _ = writeln!(out, "  ! {}: {}", n.address, n.message);
        }
        out.push('\n');
    }
    if !plan.is_empty() {
        let s = plan.summary();
        let _ = writeln!(out, "{}", summary_table(&s));
        let _ = writeln!(out, "{}", paint(&s.line(), "\x1b[1m", color));
    }
    out
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    #[serde(flatten)]
    plan: &'a Plan,
    summary: Summary,
}

/// The JSON rendering: the [`Plan`] plus a `summary` object.
pub fn json(plan: &Plan) -> String {
    let doc = JsonPlan {
        plan,
        summary: plan.summary(),
    };
    let mut s =
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('`', "'")
}

/// Changes beyond this count are folded in a `<details>` block.
const MARKDOWN_OPEN_LIMIT: usize = 20;

/// The Markdown rendering, for a pull-request comment.
pub fn markdown(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### `{}` plan for {}\n",
        plan.tool,
        md_escape(&plan.target)
    );
    if plan.is_empty() {
        let _ = writeln!(out, "**No changes.** Live state matches the configuration.");
    } else {
        let s = plan.summary();
        let _ = writeln!(out, "**{}**", s.line());
        if s.destructive > 0 {
            let _ = writeln!(
                out,
                "\n> [!WARNING]\n> {} destructive change{} (applied only with `--allow-destructive`).",
                s.destructive,
                if s.destructive == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(
            out,
            "\n| | Address | Action | Destructive |\n|---|---|---|---|"
        );
        for c in &plan.changes {
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} |",
                c.action.symbol(),
                md_escape(&c.address),
                c.action.verb(),
                c.destructive.as_deref().map(md_escape).unwrap_or_default()
            );
        }
        let open = if plan.changes.len() > MARKDOWN_OPEN_LIMIT {
            ""
        } else {
            " open"
        };
        let _ = writeln!(
            out,
            "\n<details{open}><summary>Details ({} change{})</summary>\n\n```diff",
            plan.changes.len(),
            if plan.changes.len() == 1 { "" } else { "s" }
        );
        let mut body = String::new();
        for c in &plan.changes {
            change_text(c, false, &mut body);
        }
        // A diff block colours lines by their first character.
        for line in body.lines() {
            let t = line.trim_start();
            let lead = match t.chars().next() {
                Some('+') => "+",
                Some('-') => "-",
                Some('~') => "!",
                _ => " ",
            };
            let _ = writeln!(out, "{lead}{line}");
        }
        let _ = writeln!(out, "```\n\n</details>");
    }
    if !plan.notes.is_empty() {
        let _ = writeln!(out, "\n**Notes**\n");
        for n in &plan.notes {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                md_escape(&n.address),
                md_escape(&n.message)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests;
