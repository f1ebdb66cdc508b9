//! Validation of partition projection (`projection:`): keys, ranges, Java
//! date formats and units. The properties it stands for are rendered by
//! [`projection_parameters`](super::spec::projection_parameters).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use common::config::{SourceFile, YPath};
use common::diagnostic::{Diagnostic, Diagnostics};

use super::spec::ColumnSpec;
use super::validate::check_s3;
use crate::config::{self, ProjectedColumn};

/// Converts a Java `DateTimeFormatter` pattern (as partition projection
/// uses) into a chrono format; `None` when a letter is not supported.
pub fn java_to_chrono(pattern: &str) -> Option<String> {
    let mut out = String::new();
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                if chars[i] == '%' {
                    out.push('%');
                }
                out.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return None;
            }
            i += 1;
            continue;
        }
        if c.is_ascii_alphabetic() {
            let mut n = 1;
            while i + n < chars.len() && chars[i + n] == c {
                n += 1;
            }
            let spec = match (c, n) {
                ('y' | 'u', 4) => "%Y",
                ('y' | 'u', 2) => "%y",
                ('M', 2) => "%m",
                ('M', 1) => "%-m",
                ('d', 2) => "%d",
                ('d', 1) => "%-d",
                ('H', 2) => "%H",
                ('H', 1) => "%-H",
                ('m', 2) => "%M",
                ('s', 2) => "%S",
                _ => return None,
            };
            out.push_str(spec);
            i += n;
            continue;
        }
        if c == '%' {
            out.push('%');
        }
        out.push(c);
        i += 1;
    }
    Some(out)
}

/// Parses a date in a chrono format that may lack time fields.
fn parse_projected_date(value: &str, chrono_fmt: &str) -> bool {
    use chrono::format::{parse, Parsed, StrftimeItems};
    let mut p = Parsed::new();
    parse(&mut p, value, StrftimeItems::new(chrono_fmt)).is_ok() && p.year.is_some()
}

pub(super) fn relative_date(v: &str) -> bool {
    let u = v.trim().to_uppercase();
    let Some(rest) = u.strip_prefix("NOW") else {
        return false;
    };
    if rest.is_empty() {
        return true;
    }
    let Some(rest) = rest.strip_prefix(['+', '-']) else {
        return false;
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let unit = &rest[digits.len()..];
    !digits.is_empty()
        && [
            "YEAR", "YEARS", "MONTH", "MONTHS", "WEEK", "WEEKS", "DAY", "DAYS", "HOUR", "HOURS",
            "MINUTE", "MINUTES", "SECOND", "SECONDS",
        ]
        .contains(&unit)
}

const UNITS: &[&str] = &[
    "YEARS", "MONTHS", "WEEKS", "DAYS", "HOURS", "MINUTES", "SECONDS",
];

/// Checks a table's `projection` against its partition keys.
pub(super) fn projection(
    file: &SourceFile,
    path: &YPath,
    p: &config::Projection,
    keys: &[ColumnSpec],
    diags: &mut Diagnostics,
) {
    if let Some(t) = &p.location_template {
        check_s3(file, &path.key("location_template"), t, diags);
    }
    if keys.is_empty() {
        diags.push(file.error(path, "partition projection needs `partition_keys`"));
        return;
    }
    let cols: BTreeMap<String, (&String, &ProjectedColumn)> = p
        .columns
        .iter()
        .map(|(k, v)| (k.to_lowercase(), (k, v)))
        .collect();
    for k in keys {
        if p.enabled && !cols.contains_key(&k.name) {
            diags.push(Diagnostic::at(
                file.locate_key(&path.key("columns")),
                format!("partition key `{}` has no projection: Athena needs one for every partition key", k.name),
            ));
        }
    }
    for (name, (written, col)) in &cols {
        let cp = path.key("columns").key(written.as_str());
        let Some(key) = keys.iter().find(|k| &k.name == name) else {
            let mut d = Diagnostic::at(
                file.locate_key(&cp),
                format!("`{written}` is not a partition key of this table"),
            );
            if let Some(s) =
                common::diagnostic::did_you_mean(name, keys.iter().map(|k| k.name.as_str()))
            {
                d = d.with_help(format!("did you mean `{s}`?"));
            }
            diags.push(d);
            continue;
        };
        match col {
            ProjectedColumn::Enum { values } => {
                if values.is_empty() {
                    diags.push(file.error(
                        &cp.key("values"),
                        "an enum projection needs at least one value",
                    ));
                }
            }
            ProjectedColumn::Integer {
                range, interval, ..
            } => {
                if range[0] > range[1] {
                    diags.push(file.error(&cp.key("range"), "the range's start is after its end"));
                }
                if interval.is_some_and(|i| i <= 0) {
                    diags.push(file.error(&cp.key("interval"), "the interval must be positive"));
                }
                if !matches!(
                    key.type_.as_str(),
                    "int" | "bigint" | "smallint" | "tinyint" | "string"
                ) {
                    diags.push(file.error(
                        &cp,
                        format!(
                            "an integer projection needs an integer or string key, not `{}`",
                            key.type_
                        ),
                    ));
                }
            }
            ProjectedColumn::Date {
                range,
                format,
                interval,
                unit,
            } => {
                match java_to_chrono(format) {
                    None => diags.push(file.error(
                        &cp.key("format"),
                        format!("unsupported date format `{format}` (use letters yyyy, yy, MM, M, dd, d, HH, H, mm, ss and quoted text)"),
                    )),
                    Some(cf) => {
                        let mut abs = Vec::new();
                        for (i, v) in range.iter().enumerate() {
                            if relative_date(v) {
                                continue;
                            }
                            if !parse_projected_date(v, &cf) {
                                diags.push(file.error(
                                    &cp.key("range").index(i),
                                    format!("`{v}` does not match the format `{format}` and is not NOW[+-N<UNIT>]"),
                                ));
                            } else {
                                abs.push((i, v));
                            }
                        }
                        if abs.len() == 2 && !format.contains('\'') {
                            // Same format on both sides: compare as parsed.
                            let parse = |s: &str| {
                                chrono::NaiveDateTime::parse_from_str(s, &cf)
                                    .ok()
                                    .or_else(|| NaiveDate::parse_from_str(s, &cf).ok().and_then(|d| d.and_hms_opt(0, 0, 0)))
                            };
                            if let (Some(a), Some(b)) = (parse(abs[0].1), parse(abs[1].1)) {
                                if a > b {
                                    diags.push(file.error(&cp.key("range"), "the range's start is after its end"));
                                }
                            }
                        }
                    }
                }
                if interval.is_some_and(|i| i <= 0) {
                    diags.push(file.error(&cp.key("interval"), "the interval must be positive"));
                }
                if let Some(u) = unit {
                    let up = u.to_uppercase();
                    if !UNITS.contains(&up.as_str()) {
                        diags.push(file.error(
                            &cp.key("unit"),
                            format!("unknown unit `{u}`; expected one of {}", UNITS.join(", ")),
                        ));
                    }
                }
            }
            ProjectedColumn::Injected => {}
        }
    }
}
