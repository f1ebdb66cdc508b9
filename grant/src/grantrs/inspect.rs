//! `grant inspect -f FILE` as grant-rs 0.0.1-beta.3 prints it (its
//! `src/inspect.rs`): the login users of `pg_user` with CreateDB, Super and
//! the masked password, as a box table in an env_logger INFO record on
//! stderr. The URL is printed with its password redacted (grant-rs prints
//! it as written).

use std::path::Path;

use common::{exit, LoadContext, Verb};

use crate::tool::GrantTool;

/// env_logger's record prefix: `[2021-11-29T07:46:44Z INFO  grant::inspect]`.
fn record(module: &str, message: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let (y, mo, d) = crate::timefmt::civil_from_days(now.div_euclid(86400));
    let s = now.rem_euclid(86400);
    // Continuation lines are indented by 4, as env_logger's default format.
    let message = message.replace('\n', "\n    ");
    format!(
        "[{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}Z INFO  {module}] {message}",
        s / 3600,
        (s % 3600) / 60,
        s % 60
    )
}

/// The widest a table may be, and its cells' layout, as grant-rs's table
/// (the `ascii_table` crate's defaults): columns as wide as their widest
/// cell, the widest (rightmost first) narrowed one character at a time while
/// the table is wider than 80, a cut cell ending in `+`.
/// Hand-written: the output must match grant-rs's table character for
/// character, and the crates at hand (tabled) draw a different one.
pub fn table(rows: &[Vec<String>]) -> String {
    const MAX_WIDTH: usize = 80;
    let n = rows.iter().map(Vec::len).max().unwrap_or(0);
    if n == 0 {
        return String::new();
    }
    let mut widths: Vec<usize> = (0..n)
        .map(|i| {
            rows.iter()
                .map(|r| r.get(i).map_or(0, |c| c.chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let padding = (n - 1) * 3 + 4;
    while widths.iter().sum::<usize>() + padding > MAX_WIDTH {
        let max = widths.iter().copied().max().unwrap_or(0);
        if max == 0 {
            break;
        }
        if let Some(i) = widths.iter().rposition(|w| *w == max) {
            widths[i] -= 1;
        }
    }
    let rule = |l: &str, m: &str, r: &str| {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
        format!("{l}─{}─{r}\n", parts.join(&format!("─{m}─")))
    };
    let mut out = rule("┌", "┬", "┐");
    for r in rows {
        let cells: Vec<String> = widths
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let c = r.get(i).map_or("", String::as_str);
                let len = c.chars().count();
                if len > *w {
                    let keep: String = c.chars().take(w.saturating_sub(1)).collect();
                    if *w == 0 {
                        keep
                    } else {
                        format!("{keep}+")
                    }
                } else {
                    format!("{c}{}", " ".repeat(w - len))
                }
            })
            .collect();
        out.push_str(&format!("│ {} │\n", cells.join(" │ ")));
    }
    out.push_str(&rule("└", "┴", "┘"));
    out
}

/// Runs `grant inspect -f FILE` (grant-rs form).
pub async fn run(file: &Path) -> u8 {
    match inspect(file).await {
        Ok(()) => exit::SUCCESS,
        Err(e) => {
            crate::commands::report_error(&e);
            exit::ERROR
        }
    }
}

async fn inspect(file: &Path) -> anyhow::Result<()> {
    let desired = common::run::load(&GrantTool, file, &LoadContext::new(Verb::Other))
        .map_err(anyhow::Error::from)?;
    let target = crate::conn::target(&desired.connection)?;
    let client = target.connect(None).await?;
    eprintln!(
        "{}",
        record(
            "grant::connection",
            &format!("Connected to database: {}", target.display)
        )
    );
    // grant-rs's query; `passwd` in pg_user is always `********`.
    let users = client
        .query(
            "SELECT usename::text, usecreatedb, usesuper, passwd FROM pg_user",
            &[],
        )
        .await?;
    let mut rows = vec![
        vec![
            "User".into(),
            "CreateDB".into(),
            "Super".into(),
            "Password".into(),
        ],
        vec!["---".into(), "---".into(), "---".into(), "---".into()],
    ];
    for u in &users {
        let flag = |i: usize| u.get::<_, Option<bool>>(i).unwrap_or(false).to_string();
        rows.push(vec![
            u.get::<_, Option<String>>(0).unwrap_or_default(),
            flag(1),
            flag(2),
            u.get::<_, Option<String>>(3).unwrap_or_default(),
        ]);
    }
    eprintln!(
        "{}",
        record(
            "grant::inspect",
            &format!("Current users in {}:\n{}", target.display, table(&rows))
        )
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::table;

    fn rows(r: &[&[&str]]) -> Vec<Vec<String>> {
        r.iter()
            .map(|x| x.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn grant_rs_table_layout() {
        let t = table(&rows(&[
            &["User", "Super"],
            &["---", "---"],
            &["duyet", "false"],
        ]));
        assert_eq!(
            t,
            "┌───────┬───────┐\n│ User  │ Super │\n│ ---   │ ---   │\n│ duyet │ false │\n└───────┴───────┘\n"
        );
        // Wider than 80: the widest column is cut, ending in `+`.
        let long = "x".repeat(90);
        let t = table(&rows(&[&[&long, "ab"]]));
        let line = t.lines().nth(1).unwrap();
        assert_eq!(line.chars().count(), 80, "{t}");
        assert!(line.contains("x+ │ ab │"), "{t}");
    }
}
