//! Whether a declared view's SQL and the SQL the engine stored for it are
//! the same query.
//!
//! Athena's engine (Trino) does not store a view's SQL as written: it
//! stores its own rendering of the parsed query (checked against Trino 476
//! writing into Glue, athena/tests/views_trino.rs):
//! `SELECT id, name FROM t WHERE id > 0` comes back as
//! `SELECT\n  id\n, name\nFROM\n  t\nWHERE (id > 0)\n`, with every operator
//! parenthesized, `AS` dropped from aliases, `JOIN` written `INNER JOIN` and
//! join chains parenthesized, `1.5` written `DECIMAL '1.5'`, `a || b`
//! written `concat(a, b)`, `a NOT LIKE b` written `NOT (a LIKE b)`,
//! `ORDER BY x` written `ORDER BY x ASC`, keywords upper case.
//!
//! Both texts are parsed with `sqlparser` and brought to one canonical
//! syntax tree that undoes exactly those renderings; the trees are compared
//! with their `PartialEq` (which ignores source positions). Parentheses go
//! away only from the tree, whose shape keeps the grouping, so `(a + b) * c`
//! and `a + b * c` stay different. Identifiers compare case-insensitively
//! and quoted or not (Glue names are case-insensitive). When either text
//! does not parse (a construct `sqlparser` does not know), the comparison
//! falls back to [`crate::sql::normalize`] (whitespace only): a possible
//! false change in the plan, never a missed one.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, JoinOperator,
    OrderByExpr, OrderByKind, OrderBySort, Query, Select, SetExpr, Statement, TableFactor,
    TableWithJoins, UnaryOperator, Value, VisitMut, VisitorMut, WindowType,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, Tokenizer};

/// Whether `declared` (the configuration's SQL) and `stored` (the view's
/// `originalSql` in Glue) are the same query; see the module documentation.
pub fn same_query(declared: &str, stored: &str) -> bool {
    match (canonical(declared), canonical(stored)) {
        (Some(a), Some(b)) => a == b,
        _ => crate::sql::normalize(declared) == crate::sql::normalize(stored),
    }
}

/// The canonical tree of one SELECT statement, `None` when it does not parse.
fn canonical(sql: &str) -> Option<Vec<Statement>> {
    let dialect = GenericDialect {};
    let text = sql.trim().trim_end_matches(';');
    let tokens: Vec<Token> = Tokenizer::new(&dialect, text)
        .tokenize()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .map(identifier)
        .collect();
    let mut stmts = Parser::new(&dialect)
        .with_tokens(tokens)
        .parse_statements()
        .ok()?;
    if stmts.len() != 1 {
        return None;
    }
    let _ = stmts.visit(&mut Canon);
    Some(stmts)
}

/// Words lower case, and a quoted identifier unquoted when it needs no
/// quotes (a plain name that is no keyword): `"Id"`, `ID` and `id` are one.
fn identifier(t: Token) -> Token {
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

/// Undoes Trino's renderings (module documentation) in place.
struct Canon;

impl VisitorMut for Canon {
    type Break = ();

    fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
        if let Some(o) = &mut q.order_by {
            if let OrderByKind::Expressions(e) = &mut o.kind {
                e.iter_mut().for_each(ascending);
            }
        }
        set_expr(&mut q.body);
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        // `t AS a` and `t a` are one alias.
        let alias = match t {
            TableFactor::Table { alias, .. }
            | TableFactor::Derived { alias, .. }
            | TableFactor::UNNEST { alias, .. }
            | TableFactor::NestedJoin { alias, .. } => alias,
            _ => return ControlFlow::Continue(()),
        };
        if let Some(a) = alias {
            a.explicit = false;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        // Children first (post-order): a `Nested` below is already gone.
        let replaced = match e {
            Expr::Nested(inner) => Some(std::mem::replace(&mut **inner, Expr::value(Value::Null))),
            Expr::TypedString(ts) if matches!(ts.data_type, DataType::Decimal(_)) => ts
                .value
                .value
                .clone()
                .into_string()
                .map(|s| Expr::value(Value::Number(s, false))),
            Expr::Value(v) => match &mut v.value {
                Value::Number(n, _) => {
                    *n = n.to_lowercase();
                    None
                }
                _ => None,
            },
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => negated(expr),
            Expr::Function(f) => {
                if let Some(WindowType::WindowSpec(w)) = &mut f.over {
                    w.order_by.iter_mut().for_each(ascending);
                }
                concat(f)
            }
            _ => None,
        };
        if let Some(r) = replaced {
            *e = r;
        }
        ControlFlow::Continue(())
    }
}

/// `NOT (a LIKE b)` → `a NOT LIKE b` (also ILIKE, IN, BETWEEN).
fn negated(inner: &mut Expr) -> Option<Expr> {
    let mut e = inner.clone();
    let flag = match &mut e {
        Expr::Like { negated, .. }
        | Expr::ILike { negated, .. }
        | Expr::In { negated, .. }
        | Expr::Between { negated, .. } => negated,
        _ => return None,
    };
    if *flag {
        return None;
    }
    *flag = true;
    Some(e)
}

/// `concat(a, b)` → `a || b` (Trino renders `||` as two-argument `concat`).
fn concat(f: &sqlparser::ast::Function) -> Option<Expr> {
    if f.name.to_string() != "concat" || f.over.is_some() || f.filter.is_some() {
        return None;
    }
    let FunctionArguments::List(l) = &f.args else {
        return None;
    };
    let arg = |a: &FunctionArg| match a {
        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
        _ => None,
    };
    match (l.args.as_slice(), &l.duplicate_treatment) {
        ([a, b], None) if l.clauses.is_empty() => Some(Expr::BinaryOp {
            left: Box::new(arg(a)?),
            op: BinaryOperator::StringConcat,
            right: Box::new(arg(b)?),
        }),
        _ => None,
    }
}

/// `ORDER BY x` is `ORDER BY x ASC`.
fn ascending(o: &mut OrderByExpr) {
    if o.options.sort.is_none() {
        o.options.sort = Some(OrderBySort::Asc);
    }
}

fn set_expr(s: &mut SetExpr) {
    match s {
        SetExpr::Select(sel) => select(sel),
        SetExpr::SetOperation { left, right, .. } => {
            set_expr(left);
            set_expr(right);
        }
        _ => {}
    }
}

/// `FROM ((a INNER JOIN b ON …) LEFT JOIN c ON …)` → `FROM a JOIN b ON … LEFT JOIN c ON …`.
fn select(s: &mut Select) {
    for twj in &mut s.from {
        flatten(twj);
    }
}

fn flatten(twj: &mut TableWithJoins) {
    while let TableFactor::NestedJoin {
        table_with_joins,
        alias: None,
    } = &mut twj.relation
    {
        let inner = (**table_with_joins).clone();
        let outer = std::mem::take(&mut twj.joins);
        twj.relation = inner.relation;
        twj.joins = inner.joins.into_iter().chain(outer).collect();
    }
    for j in &mut twj.joins {
        if let JoinOperator::Join(c) = &j.join_operator {
            j.join_operator = JoinOperator::Inner(c.clone());
        }
    }
}

#[cfg(test)]
mod tests;
