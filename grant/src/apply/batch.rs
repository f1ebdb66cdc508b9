//! Few round trips per apply: plain GRANTs of the same privileges to the
//! same grantees become one multi-object GRANT (`GRANT SELECT ON TABLE a, b
//! TO r`), and the statements go to the server many per simple-query
//! message. 10,000 table grants take a few dozen round trips instead of
//! 10,000.

/// At most this many objects in one merged GRANT.
const MAX_OBJECTS: usize = 1000;
/// At most this many bytes of SQL in one round trip (a message, not a limit
/// of the server: it keeps a failing batch small enough to report).
const MAX_BYTES: usize = 256 * 1024;

/// A `GRANT <privileges> ON <KIND> <object> TO <rest>` statement, as the
/// diff writes them: every identifier double-quoted.
#[derive(Debug, PartialEq)]
struct GrantOn<'a> {
    /// `privileges ON KIND`, e.g. `SELECT ON TABLE`.
    head: &'a str,
    /// The object, e.g. `"s"."t"`.
    object: &'a str,
    /// What follows ` TO `: grantees and options.
    rest: &'a str,
}

/// Recognizes a single-object GRANT on a table, sequence or schema.
///
/// Hand-written on purpose: these are the diff's own statements, whose
/// shape is fixed (keywords, then always-quoted identifiers); a statement
/// of any other shape is simply not merged.
fn grant_on(sql: &str) -> Option<GrantOn<'_>> {
    let body = sql.strip_prefix("GRANT ")?;
    // The privileges: keywords, optionally with quoted column lists.
    let mut i = 0;
    let b = body.as_bytes();
    let on = loop {
        if i >= b.len() {
            return None;
        }
        if b[i] == b'"' {
            i += crate::sql::quoted_len(&body[i..])?;
            continue;
        }
        if body[i..].starts_with(" ON ") {
            break i;
        }
        i += 1;
    };
    let after_on = &body[on + 4..];
    let kind = ["TABLE ", "SEQUENCE ", "SCHEMA "]
        .into_iter()
        .find(|k| after_on.starts_with(k))?;
    let obj_start = on + 4 + kind.len();
    let mut j = obj_start;
    loop {
        j += crate::sql::quoted_len(&body[j..])?;
        if body[j..].starts_with('.') && kind != "SCHEMA " {
            j += 1;
            continue;
        }
        break;
    }
    let rest = body[j..].strip_prefix(" TO ")?;
    if rest.is_empty() || rest.contains(';') {
        return None;
    }
    Some(GrantOn {
        head: &body[..obj_start - 1],
        object: &body[obj_start..j],
        rest,
    })
}

/// The statements to send for `sqls`, in order: runs of mergeable GRANTs
/// become multi-object GRANTs. GRANTs executed as one role in one
/// transaction add to the ACLs whatever their order, so within a run (no
/// other statement in between) they are grouped by privileges and
/// grantees, in the order each group first appears.
pub(super) fn merge(sqls: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    // (head, rest) → objects, in first-appearance order.
    let mut run: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    let flush = |run: &mut Vec<(&str, &str, Vec<&str>)>, out: &mut Vec<String>| {
        for (head, rest, objects) in run.drain(..) {
            for chunk in objects.chunks(MAX_OBJECTS) {
                out.push(format!("GRANT {head} {} TO {rest}", chunk.join(", ")));
            }
        }
    };
    for sql in sqls {
        match grant_on(sql) {
            Some(g) => match run
                .iter_mut()
                .find(|(h, r, _)| *h == g.head && *r == g.rest)
            {
                Some((_, _, objects)) => objects.push(g.object),
                None => run.push((g.head, g.rest, vec![g.object])),
            },
            None => {
                flush(&mut run, &mut out);
                out.push(sql.clone());
            }
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The statements joined into simple-query messages of bounded size.
pub(super) fn messages(statements: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for s in statements {
        if !cur.is_empty() && cur.len() + s.len() + 2 > MAX_BYTES {
            out.push(std::mem::take(&mut cur));
        }
        cur.push_str(s);
        cur.push_str(";\n");
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognizes_the_diffs_grants_only() {
        assert_eq!(
            grant_on(r#"GRANT SELECT, INSERT ON TABLE "s"."t" TO "r""#),
            Some(GrantOn {
                head: "SELECT, INSERT ON TABLE",
                object: r#""s"."t""#,
                rest: r#""r""#
            })
        );
        assert_eq!(
            grant_on(
                r#"GRANT SELECT ("a ON TABLE x", "b") ON TABLE "s"" ON "."t.x" TO GROUP "g" WITH GRANT OPTION"#
            ),
            Some(GrantOn {
                head: r#"SELECT ("a ON TABLE x", "b") ON TABLE"#,
                object: r#""s"" ON "."t.x""#,
                rest: r#"GROUP "g" WITH GRANT OPTION"#
            })
        );
        assert_eq!(
            grant_on(r#"GRANT USAGE ON SCHEMA "a" TO PUBLIC"#).map(|g| g.object),
            Some(r#""a""#)
        );
        for s in [
            r#"GRANT "g" TO "m""#,
            r#"GRANT "g ON TABLE x" TO "m""#,
            r#"GRANT EXECUTE ON FUNCTION "s"."f"(integer) TO "r""#,
            r#"GRANT CONNECT ON DATABASE "d" TO "r""#,
            r#"REVOKE SELECT ON TABLE "s"."t" FROM "r""#,
            r#"GRANT SELECT ON TABLE "s"."t TO "r""#,
            r#"GRANT SELECT ON TABLE "s"."t" TO "r"; DROP ROLE "x""#,
            r#"ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO "r""#,
        ] {
            assert_eq!(grant_on(s), None, "{s}");
        }
    }

    #[test]
    fn merges_runs_of_grants_in_order() {
        let out = merge(&v(&[
            r#"CREATE ROLE "r""#,
            r#"GRANT SELECT ON TABLE "s"."a" TO "r""#,
            r#"GRANT SELECT ON TABLE "s"."a" TO "q""#,
            r#"GRANT SELECT ON TABLE "s"."b" TO "r""#,
            r#"GRANT SELECT ON TABLE "s"."c" TO "r" WITH GRANT OPTION"#,
            r#"GRANT USAGE ON SCHEMA "s" TO "r""#,
            r#"SET ROLE "o""#,
            r#"GRANT SELECT ON TABLE "s"."d" TO "r""#,
            r#"RESET ROLE"#,
            r#"GRANT SELECT ON SEQUENCE "s"."q" TO "r""#,
            r#"GRANT SELECT ON SEQUENCE "s"."p" TO "r""#,
        ]));
        assert_eq!(
            out,
            v(&[
                r#"CREATE ROLE "r""#,
                r#"GRANT SELECT ON TABLE "s"."a", "s"."b" TO "r""#,
                r#"GRANT SELECT ON TABLE "s"."a" TO "q""#,
                r#"GRANT SELECT ON TABLE "s"."c" TO "r" WITH GRANT OPTION"#,
                r#"GRANT USAGE ON SCHEMA "s" TO "r""#,
                r#"SET ROLE "o""#,
                r#"GRANT SELECT ON TABLE "s"."d" TO "r""#,
                r#"RESET ROLE"#,
                r#"GRANT SELECT ON SEQUENCE "s"."q", "s"."p" TO "r""#,
            ])
        );
    }

    #[test]
    fn chunks_large_runs_and_messages() {
        let sqls: Vec<String> = (0..2500)
            .map(|i| format!(r#"GRANT SELECT ON TABLE "s"."t{i}" TO "r""#))
            .collect();
        let out = merge(&sqls);
        assert_eq!(out.len(), 3);
        assert!(out[0].starts_with(r#"GRANT SELECT ON TABLE "s"."t0", "s"."t1", "#));
        assert!(out[2].ends_with(r#""s"."t2499" TO "r""#));
        let many: Vec<String> = (0..10_000).map(|_| sqls[0].clone()).collect();
        let msgs = messages(&many);
        assert!(msgs.len() > 1);
        assert!(msgs.iter().all(|m| m.len() <= MAX_BYTES));
        assert_eq!(msgs.concat(), many.join(";\n") + ";\n");
    }
}
