//! Role settings as PostgreSQL stores them; shared with `import`.

/// Whether a live setting (as PostgreSQL stores it in `rolconfig`) equals the
/// desired parts. List settings such as `search_path` are stored with the
/// elements PostgreSQL quotes (`"$user", public, "Sales"`), so the live value
/// is also compared element by element, unquoted.
pub fn setting_matches(live: &str, want: &[String]) -> bool {
    live == want.join(", ") || split_list_setting(live).is_some_and(|parts| parts == want)
}

/// Settings whose value is a list (PostgreSQL's `GUC_LIST_INPUT`) that a role
/// may set.
pub const LIST_SETTINGS: &[&str] = &[
    "search_path",
    "temp_tablespaces",
    "session_preload_libraries",
    "local_preload_libraries",
];

/// Splits a stored list setting (`"$user", public, "a ""b"""`) into its
/// elements, unquoted; `None` when the quotes do not balance.
pub fn split_list_setting(live: &str) -> Option<Vec<String>> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut was_quoted = false;
    let mut chars = live.chars().peekable();
    let finish = |cur: &mut String, was_quoted: bool| {
        let v = std::mem::take(cur);
        if was_quoted {
            v
        } else {
            v.trim().to_string()
        }
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                cur.push('"');
            }
            '"' => {
                quoted = !quoted;
                was_quoted = true;
            }
            ',' if !quoted => {
                parts.push(finish(&mut cur, was_quoted));
                was_quoted = false;
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            ' ' if !quoted && was_quoted => {}
            c => cur.push(c),
        }
    }
    if quoted {
        return None;
    }
    parts.push(finish(&mut cur, was_quoted));
    Some(parts)
}
