//! Token-level rewrites before parsing: Trino syntax the generic
//! `sqlparser` dialect does not know, turned into syntax it parses without
//! losing anything (a construct that can't be rewritten keeps the text
//! unparsable, so the comparison falls back safely).

use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

/// All the rewrites, in order; `None` when one finds the text unparsable.
pub(super) fn prepare(tokens: &mut Vec<Token>) -> Option<()> {
    function_names(tokens);
    lambda_bodies(tokens);
    array_types(tokens);
    row_types(tokens);
    group_by_distinct(tokens);
    values_rows(tokens);
    query_periods(tokens)?;
    json_functions(tokens);
    Some(())
}

/// Trino's SQL/JSON calls, `json_query(js, 'lax $.a' WITH ARRAY WRAPPER)`,
/// stored with every default spelled out (`JSON_QUERY(js FORMAT JSON, 'lax
/// $.a' WITH UNCONDITIONAL ARRAY WRAPPER NULL ON EMPTY NULL ON ERROR)`),
/// → `<marker>(js, 'lax $.a', '<the clauses, defaults filled in>')`, a
/// call no SQL text can spell. A call this does not understand (`PASSING`,
/// `RETURNING`, `DEFAULT … ON`, an encoding) stays as written, unparsable.
fn json_functions(tokens: &mut Vec<Token>) {
    let mut i = 0;
    while i + 1 < tokens.len() {
        let name = match &tokens[i] {
            Token::Word(w) if w.quote_style.is_none() && tokens[i + 1] == Token::LParen => {
                w.value.to_lowercase()
            }
            _ => String::new(),
        };
        if matches!(name.as_str(), "json_query" | "json_value" | "json_exists") {
            if let Some((end, call)) = json_call(tokens, i, &name) {
                tokens.splice(i..end, call);
            }
        }
        i += 1;
    }
}

/// The rewritten call starting at `i`, and the index after the original.
fn json_call(t: &[Token], i: usize, name: &str) -> Option<(usize, Vec<Token>)> {
    let expr_end = |from: usize| {
        let mut p = Parser::new(&GenericDialect {}).with_tokens(t.get(from..)?.to_vec());
        p.parse_expr().ok()?;
        Some(from + p.get_current_index() + 1)
    };
    let input = i + 2..expr_end(i + 2)?;
    let mut j = input.end;
    let words = |j: usize, ws: &[&str]| {
        ws.iter().enumerate().all(|(n, w)| {
            matches!(t.get(j + n), Some(Token::Word(x)) if x.value.eq_ignore_ascii_case(w))
        })
    };
    if words(j, &["format", "json"]) {
        j += 2;
    }
    (t.get(j) == Some(&Token::Comma)).then_some(())?;
    let path = j + 1..expr_end(j + 1)?;
    // The clauses: words up to the closing parenthesis.
    let mut clause = Vec::new();
    j = path.end;
    loop {
        match t.get(j)? {
            Token::RParen => break,
            Token::Word(w) if w.quote_style.is_none() => clause.push(w.value.to_lowercase()),
            _ => return None,
        }
        j += 1;
    }
    let clauses = json_clauses(name, &clause.join(" "))?;
    let mut call = vec![Token::make_word(name, Some('\u{1}')), Token::LParen];
    call.extend_from_slice(&t[input]);
    call.push(Token::Comma);
    call.extend_from_slice(&t[path]);
    call.push(Token::Comma);
    call.push(Token::SingleQuotedString(clauses));
    call.push(Token::RParen);
    Some((j + 1, call))
}

/// A JSON function's clauses with Trino's defaults filled in; `None` for
/// clauses this does not know.
fn json_clauses(name: &str, mut rest: &str) -> Option<String> {
    let mut take = |options: &[(&str, &str)], default: &str| -> String {
        for (written, canonical) in options {
            if let Some(r) = rest.strip_prefix(written) {
                if r.is_empty() || r.starts_with(' ') {
                    rest = r.trim_start();
                    return canonical.to_string();
                }
            }
        }
        default.to_string()
    };
    let on = |what: &str, values: &[&str]| -> Vec<(String, String)> {
        values
            .iter()
            .map(|v| (format!("{v} on {what}"), format!("{v} on {what}")))
            .collect()
    };
    fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
        v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect()
    }
    let mut out = Vec::new();
    match name {
        "json_query" => {
            let unconditional = "with unconditional array wrapper";
            let conditional = "with conditional array wrapper";
            out.push(take(
                &[
                    ("without array wrapper", "without array wrapper"),
                    ("without wrapper", "without array wrapper"),
                    ("with unconditional array wrapper", unconditional),
                    ("with unconditional wrapper", unconditional),
                    ("with conditional array wrapper", conditional),
                    ("with conditional wrapper", conditional),
                    ("with array wrapper", unconditional),
                    ("with wrapper", unconditional),
                ],
                "without array wrapper",
            ));
            out.push(take(
                &[
                    (
                        "keep quotes on scalar string",
                        "keep quotes on scalar string",
                    ),
                    ("keep quotes", "keep quotes on scalar string"),
                    (
                        "omit quotes on scalar string",
                        "omit quotes on scalar string",
                    ),
                    ("omit quotes", "omit quotes on scalar string"),
                ],
                "",
            ));
            let values = ["null", "error", "empty array", "empty object"];
            out.push(take(&pairs(&on("empty", &values)), "null on empty"));
            out.push(take(&pairs(&on("error", &values)), "null on error"));
        }
        "json_value" => {
            out.push(take(
                &pairs(&on("empty", &["null", "error"])),
                "null on empty",
            ));
            out.push(take(
                &pairs(&on("error", &["null", "error"])),
                "null on error",
            ));
        }
        _ => {
            let values = ["true", "false", "unknown", "error"];
            out.push(take(&pairs(&on("error", &values)), "false on error"));
        }
    }
    rest.is_empty().then(|| out.join(" "))
}

/// A lambda's body in parentheses, `x -> x > 1` → `x -> (x > 1)`:
/// `sqlparser`'s generic dialect reads `->` as a binary operator binding
/// tighter than `>`, while a Trino lambda's body runs to the end of its
/// argument (Trino has `->` only for lambdas). Trino stores `(x) -> (x > 1)`.
fn lambda_bodies(tokens: &mut Vec<Token>) {
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i] == Token::Arrow {
            let mut depth = 0usize;
            let mut k = i + 1;
            while k < tokens.len() {
                match tokens[k] {
                    Token::LParen | Token::LBracket => depth += 1,
                    Token::RParen | Token::RBracket if depth == 0 => break,
                    Token::RParen | Token::RBracket => depth -= 1,
                    Token::Comma if depth == 0 => break,
                    _ => {}
                }
                k += 1;
            }
            tokens.insert(k, Token::RParen);
            tokens.insert(i + 1, Token::LParen);
        }
        i += 1;
    }
}

/// Trino's `array(varchar)` type → `array<varchar>`, which `sqlparser`
/// parses (`map(k, v)` and `row(…)` it parses as written). Trino has no
/// `array(…)` call (its constructor is `ARRAY[…]`), so only types change.
fn array_types(tokens: &mut [Token]) {
    for i in 0..tokens.len().saturating_sub(1) {
        let array = matches!(&tokens[i], Token::Word(w) if w.keyword == Keyword::ARRAY);
        if !array || tokens[i + 1] != Token::LParen {
            continue;
        }
        let mut depth = 0usize;
        for k in i + 1..tokens.len() {
            match tokens[k] {
                Token::LParen => depth += 1,
                Token::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        tokens[i + 1] = Token::Lt;
                        tokens[k] = Token::Gt;
                        break;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Trino's `row(a t, …)` type (in a type after `AS`, as in `CAST(x AS
/// array(row(a varchar, b array(int))))`) → `struct<a t, …>`: `sqlparser`
/// reads `row(…)` as a name with plain modifiers, which fails on a nested
/// type. A type that does not read as one is left as written.
fn row_types(tokens: &mut Vec<Token>) {
    for i in 0..tokens.len() {
        let container = |t: Option<&Token>| {
            matches!(t, Some(Token::Word(w))
                if matches!(w.keyword, Keyword::ROW | Keyword::MAP | Keyword::ARRAY))
        };
        // Only a container type can hold a row type: no copy for the others.
        if matches!(&tokens[i], Token::Word(w) if w.keyword == Keyword::AS)
            && container(tokens.get(i + 1))
        {
            let mut t = tokens.clone();
            if data_type(&mut t, i + 1).is_some() {
                *tokens = t;
            }
        }
    }
}

/// Rewrites the type at `i`; the index after it.
fn data_type(t: &mut [Token], i: usize) -> Option<usize> {
    let Some(Token::Word(w)) = t.get(i) else {
        return None;
    };
    let name = w.keyword;
    let mut j = match (name, t.get(i + 1)) {
        (Keyword::ROW, Some(Token::LParen)) => {
            t[i] = Token::make_word("struct", None);
            t[i + 1] = Token::Lt;
            let mut j = i + 2;
            loop {
                // A field: its name, its type.
                let Some(Token::Word(_)) = t.get(j) else {
                    return None;
                };
                j = data_type(t, j + 1)?;
                match t.get(j) {
                    Some(Token::Comma) => j += 1,
                    Some(Token::RParen) => {
                        t[j] = Token::Gt;
                        break j + 1;
                    }
                    _ => return None,
                }
            }
        }
        (Keyword::MAP, Some(Token::LParen)) => {
            let j = data_type(t, i + 2)?;
            (t.get(j) == Some(&Token::Comma)).then_some(())?;
            let j = data_type(t, j + 1)?;
            (t.get(j) == Some(&Token::RParen)).then_some(())?;
            j + 1
        }
        (Keyword::ARRAY, Some(Token::Lt)) => {
            let j = data_type(t, i + 2)?;
            (t.get(j) == Some(&Token::Gt)).then_some(())?;
            j + 1
        }
        (_, Some(Token::LParen)) => {
            // `decimal(10, 2)`, `varchar(3)`, `timestamp(3)`.
            let close = (i + 2..t.len()).find(|&k| t[k] == Token::RParen)?;
            close + 1
        }
        _ => i + 1,
    };
    // `timestamp(3) with time zone`, `double precision`.
    while let Some(Token::Word(w)) = t.get(j) {
        let more = [
            Keyword::WITH,
            Keyword::WITHOUT,
            Keyword::TIME,
            Keyword::ZONE,
            Keyword::PRECISION,
        ];
        if !more.contains(&w.keyword) {
            break;
        }
        j += 1;
    }
    Some(j)
}

/// A quoted name before `(` unquoted: older Presto-based engines stored
/// every function name quoted (`"substring"(s, 1, 2)`, `"ceil"(x)`), and
/// `sqlparser` parses some unquoted ones into their own nodes. A function
/// name means the same quoted or not; in the other places a name precedes
/// `(` (a column alias list), a keyword unquoted at worst stops the parse.
fn function_names(tokens: &mut [Token]) {
    for i in 0..tokens.len().saturating_sub(1) {
        if let (Token::Word(w), Token::LParen) = (&tokens[i], &tokens[i + 1]) {
            if w.quote_style == Some('"') {
                tokens[i] = Token::make_word(&w.value, None);
            }
        }
    }
}

/// `GROUP BY DISTINCT a, b` (Trino; `sqlparser` has no such syntax) →
/// `GROUP BY <marker>, a, b`, where the marker is an identifier quoted with
/// a character no tokenizer produces: no SQL text can spell it, so the
/// `DISTINCT` stays in the tree and `GROUP BY a, b` stays different.
fn group_by_distinct(tokens: &mut Vec<Token>) {
    let kw = |t: &Token, k: Keyword| matches!(t, Token::Word(w) if w.keyword == k);
    let mut i = 0;
    while i + 2 < tokens.len() {
        if kw(&tokens[i], Keyword::GROUP)
            && kw(&tokens[i + 1], Keyword::BY)
            && kw(&tokens[i + 2], Keyword::DISTINCT)
        {
            tokens[i + 2] = Token::make_word("group by distinct", Some('\u{1}'));
            tokens.insert(i + 3, Token::Comma);
        }
        i += 1;
    }
}

/// Trino's `VALUES 1, 2` (a row may be a bare expression) →
/// `VALUES (1), (2)`, which `sqlparser` parses; `VALUES ROW (1, 2)`, as
/// Trino stores `VALUES (1, 2)`, → `VALUES (1, 2)`. The same rows in
/// Trino, so nothing is lost.
fn values_rows(tokens: &mut Vec<Token>) {
    let kw = |t: &Token, k: &[Keyword]| matches!(t, Token::Word(w) if k.contains(&w.keyword));
    let end = [
        Keyword::ORDER,
        Keyword::LIMIT,
        Keyword::OFFSET,
        Keyword::FETCH,
        Keyword::UNION,
        Keyword::INTERSECT,
        Keyword::EXCEPT,
    ];
    let mut i = 0;
    while i < tokens.len() {
        if !kw(&tokens[i], &[Keyword::VALUES]) {
            i += 1;
            continue;
        }
        let mut start = i + 1;
        loop {
            // The element: up to a comma or an end at depth 0.
            let (mut k, mut depth, mut first_close) = (start, 0usize, None);
            while k < tokens.len() {
                match &tokens[k] {
                    Token::LParen => depth += 1,
                    Token::RParen if depth == 0 => break,
                    Token::RParen => {
                        depth -= 1;
                        if depth == 0 && first_close.is_none() {
                            first_close = Some(k);
                        }
                    }
                    Token::Comma if depth == 0 => break,
                    t if depth == 0 && kw(t, &end) => break,
                    _ => {}
                }
                k += 1;
            }
            if k == start {
                break;
            }
            let row = matches!(tokens[start], Token::LParen) && first_close == Some(k - 1);
            let explicit = kw(&tokens[start], &[Keyword::ROW])
                && matches!(tokens.get(start + 1), Some(Token::LParen))
                && first_close == Some(k - 1);
            if explicit {
                tokens.remove(start);
                k -= 1;
            } else if !row {
                tokens.insert(k, Token::RParen);
                tokens.insert(start, Token::LParen);
                k += 2;
            }
            if !matches!(tokens.get(k), Some(Token::Comma)) {
                break;
            }
            start = k + 1;
        }
        i = start;
    }
}

/// Trino's time travel, `t FOR VERSION AS OF e` (also `FOR TIMESTAMP AS
/// OF`; `sqlparser`'s generic dialect has neither) → `t (<marker>, e)`,
/// table arguments headed by an identifier quoted with a character no
/// tokenizer produces: no SQL text spells it, so the period and its
/// expression stay in the tree. The expression ends where `sqlparser`'s
/// expression parser stops; `None` when it does not parse.
fn query_periods(tokens: &mut Vec<Token>) -> Option<()> {
    let kw = |t: Option<&Token>, k: Keyword| matches!(t, Some(Token::Word(w)) if w.keyword == k);
    let mut i = 0;
    while i < tokens.len() {
        let kind = match tokens.get(i + 1) {
            Some(Token::Word(w)) if w.keyword == Keyword::VERSION => "for version as of",
            Some(Token::Word(w)) if w.keyword == Keyword::TIMESTAMP => "for timestamp as of",
            _ => "",
        };
        if kind.is_empty()
            || !kw(tokens.get(i), Keyword::FOR)
            || !kw(tokens.get(i + 2), Keyword::AS)
            || !kw(tokens.get(i + 3), Keyword::OF)
        {
            i += 1;
            continue;
        }
        let mut p = Parser::new(&GenericDialect {}).with_tokens(tokens[i + 4..].to_vec());
        p.parse_expr().ok()?;
        let end = i + 4 + p.get_current_index() + 1;
        tokens.insert(end, Token::RParen);
        tokens.splice(
            i..i + 4,
            [
                Token::LParen,
                Token::make_word(kind, Some('\u{1}')),
                Token::Comma,
            ],
        );
        i = end;
    }
    Some(())
}

/// Words lower case, and a quoted identifier unquoted when it needs no
/// quotes (a plain name that is no keyword): `"Id"`, `ID` and `id` are one.
pub(super) fn identifier(t: Token) -> Token {
    let Token::Word(w) = t else { return t };
    let v = w.value.to_lowercase();
    let plain = v
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if w.quote_style.is_some() && plain {
        if let Token::Word(u) = Token::make_word(&v, None) {
            if u.keyword == Keyword::NoKeyword {
                return Token::Word(u);
            }
        }
    }
    Token::make_word(&v, w.quote_style)
}
