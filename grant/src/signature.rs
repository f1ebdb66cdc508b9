//! Function signatures as written in the configuration: `name` or
//! `name(type, …)`.

/// Splits `name(type, …)` into name and normalized argument list; `None`
/// arguments when there are no parentheses (every overload).
pub fn split_signature(s: &str) -> (String, Option<String>) {
    // The argument list is the parenthesis that the final `)` closes, so a
    // function name may itself hold parentheses (`"f(x), y"(integer)`).
    let open = s.ends_with(')').then(|| {
        let mut depth = 0usize;
        for (i, c) in s.char_indices().rev() {
            match c {
                ')' => depth += 1,
                '(' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Some(i);
                    }
                }
                _ => {}
            }
        }
        None
    });
    match open.flatten() {
        Some(i) => {
            let args = &s[i + 1..s.len() - 1];
            (s[..i].trim().to_string(), Some(normalize_args(args)))
        }
        _ => (s.trim().to_string(), None),
    }
}

/// Normalizes whitespace in an argument type list: `integer,text` →
/// `integer, text`.
pub fn normalize_args(args: &str) -> String {
    args.split(',')
        .map(|a| a.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|a| !a.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}
