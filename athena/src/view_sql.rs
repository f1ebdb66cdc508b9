//! Whether a declared view's SQL and the SQL the engine stored for it are
//! the same query.
//!
//! Athena's engine (Trino) does not store a view's SQL as written: it
//! stores its own rendering of the parsed query (checked against Trino 476
//! writing into Glue, athena/tests/views_trino.rs):
//! `SELECT id, name FROM t WHERE id > 0` comes back as
//! `SELECT\n  id\n, name\nFROM\n  t\nWHERE (id > 0)\n`, with every operator
//! parenthesized, `AS` dropped from aliases, `JOIN` written `INNER JOIN`,
//! `LEFT OUTER JOIN` written `LEFT JOIN` (also RIGHT) and join chains
//! parenthesized, `UNION DISTINCT` written `UNION` (also INTERSECT, EXCEPT),
//! `1.5` written `DECIMAL '1.5'`, `a || b` written `concat(a, b)`,
//! `a NOT LIKE b` written `NOT (a LIKE b)`, `ORDER BY x` written
//! `ORDER BY x ASC` (also in windows, `WITHIN GROUP` and aggregates),
//! `NOT EXISTS` written `NOT (EXISTS …)`, `a IS NOT DISTINCT FROM b` written
//! `NOT (a IS DISTINCT FROM b)`, `-1.5` written `DECIMAL '-1.5'`, `0.5e1`
//! written `5E0`, `x'0a'` written `X'0A'`, `U&'\00e9'` written `'é'`,
//! `OFFSET 2` written `OFFSET 2 ROWS`, `listagg(…)` written with its
//! default `ON OVERFLOW ERROR`,
//! `position(a IN s)` written `strpos(s, a)`, `trim(s)` written `trim(BOTH
//! FROM s)`, keywords upper case. Older Presto-based engines also quoted
//! function names: `"count"(*)`, `"substring"(s, 1, 2)`.
//!
//! Both texts are parsed with `sqlparser` and brought to one canonical
//! syntax tree that undoes exactly those renderings; the trees are compared
//! with their `PartialEq` (which ignores source positions). Parentheses go
//! away only from the tree, whose shape keeps the grouping, so `(a + b) * c`
//! and `a + b * c` stay different; chains of `* / % + - ||` are first
//! regrouped with Trino's precedence (`||` binds loosest, unlike in
//! `sqlparser`). Identifiers compare case-insensitively and quoted or not
//! (Glue names are case-insensitive). Trino syntax `sqlparser` does not
//! know is rewritten into syntax it parses before parsing (`tokens`): the
//! types `array(t)` into `array<t>` and `row(a t)` into `struct<a t>`,
//! `GROUP BY DISTINCT` and `t FOR VERSION AS OF e` / `FOR TIMESTAMP AS OF
//! e` into markers no SQL text can spell, `VALUES 1, 2` into `VALUES (1),
//! (2)`, quoted function names unquoted, a lambda's body parenthesized
//! (`sqlparser` reads `->` as an operator), `json_query`/`json_value`/
//! `json_exists` into marker calls with their clauses' defaults filled in
//! (as Trino stores them); `ROW (a, b)`, as Trino stores
//! `(a, b)`, compares as `(a, b)`. When
//! either text does not parse (a construct `sqlparser` does not know), the
//! comparison falls back to [`crate::sql::normalize`] (whitespace only): a
//! possible false change in the plan, never a missed one. Known such
//! constructs: SQL/JSON calls with `PASSING`, `RETURNING` or `DEFAULT … ON`.
//! Not normalised (a false change too): `json_object` and `json_array`.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, DataType, Distinct, Expr, FunctionArg, FunctionArgExpr, FunctionArgumentClause,
    FunctionArguments, JoinOperator, LimitClause, ListAggOnOverflow, ObjectName, ObjectNamePart,
    OffsetRows, OrderByExpr, OrderByKind, OrderBySort, Query, Select, SetExpr, SetQuantifier,
    Statement, TableFactor, TableWithJoins, TrimWhereField, UnaryOperator, Value, VisitMut,
    VisitorMut, WindowType,
};
use sqlparser::dialect::GenericDialect;
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
    let mut tokens: Vec<Token> = Tokenizer::new(&dialect, text)
        .tokenize()
        .ok()?
        .into_iter()
        .filter(|t| !matches!(t, Token::Whitespace(_)))
        .map(tokens::identifier)
        .collect();
    tokens::prepare(&mut tokens)?;
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
        // `OFFSET 2` is stored `OFFSET 2 ROWS`.
        if let Some(LimitClause::LimitOffset {
            offset: Some(o), ..
        }) = &mut q.limit_clause
        {
            o.rows = OffsetRows::None;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, s: &mut Select) -> ControlFlow<()> {
        for twj in &mut s.from {
            flatten(twj);
        }
        // `SELECT ALL` is `SELECT`.
        if matches!(s.distinct, Some(Distinct::All)) {
            s.distinct = None;
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, t: &mut TableFactor) -> ControlFlow<()> {
        // A join in parentheses on the right of a join keeps its grouping;
        // its own joins are normalised like the FROM clause's.
        if let TableFactor::NestedJoin {
            table_with_joins, ..
        } = t
        {
            flatten(table_with_joins);
        }
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

    fn pre_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        // Before the `Nested` nodes go (post-order): they bound the chain.
        if arithmetic(e).is_some() {
            let (mut operands, mut ops) = (Vec::new(), Vec::new());
            chain(
                std::mem::replace(e, Expr::value(Value::Null)),
                &mut operands,
                &mut ops,
            );
            *e = trino_precedence(operands, ops);
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, e: &mut Expr) -> ControlFlow<()> {
        // Children first (post-order): a `Nested` below is already gone.
        let replaced = match e {
            Expr::Nested(inner) => Some(std::mem::replace(&mut **inner, Expr::value(Value::Null))),
            Expr::TypedString(ts) if matches!(ts.data_type, DataType::Decimal(_)) => {
                ts.value.value.clone().into_string().map(decimal)
            }
            Expr::Value(v) => match &mut v.value {
                Value::Number(n, _) => {
                    *n = number(n);
                    None
                }
                // `x'0a'` is stored `X'0A'`.
                Value::HexStringLiteral(h) => {
                    *h = h.to_uppercase();
                    None
                }
                // `U&'\00e9'` (decoded by the tokenizer) is stored `'é'`.
                Value::UnicodeStringLiteral(u) => {
                    Some(Expr::value(Value::SingleQuotedString(std::mem::take(u))))
                }
                _ => None,
            },
            Expr::Trim {
                trim_where,
                trim_what,
                trim_characters,
                ..
            } => {
                // `trim(s)` is `trim(BOTH FROM s)`, `trim(s, c)` is
                // `trim(BOTH c FROM s)`, as Trino stores them.
                trim_where.get_or_insert(TrimWhereField::Both);
                if let (None, Some([c])) = (&trim_what, trim_characters.as_deref()) {
                    *trim_what = Some(Box::new(c.clone()));
                    *trim_characters = None;
                }
                None
            }
            Expr::UnaryOp {
                op: UnaryOperator::Not,
                expr,
            } => negated(expr),
            Expr::Function(f) if f.name.to_string() == "row" && f.over.is_none() => tuple(f),
            Expr::Function(f) => {
                unquote(&mut f.name);
                if let Some(WindowType::WindowSpec(w)) = &mut f.over {
                    w.order_by.iter_mut().for_each(ascending);
                }
                // `listagg(…)` is stored `listagg(… ON OVERFLOW ERROR)`,
                // the default.
                f.within_group.iter_mut().for_each(ascending);
                if let FunctionArguments::List(l) = &mut f.args {
                    for c in &mut l.clauses {
                        if let FunctionArgumentClause::OrderBy(o) = c {
                            o.iter_mut().for_each(ascending);
                        }
                    }
                    l.clauses.retain(|c| {
                        !matches!(
                            c,
                            FunctionArgumentClause::OnOverflow(ListAggOnOverflow::Error)
                        )
                    });
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

/// `NOT (a LIKE b)` → `a NOT LIKE b` (also ILIKE, IN, BETWEEN, EXISTS, IS
/// DISTINCT FROM).
fn negated(inner: &mut Expr) -> Option<Expr> {
    if let Expr::IsDistinctFrom(a, b) = inner {
        return Some(Expr::IsNotDistinctFrom(a.clone(), b.clone()));
    }
    let mut e = inner.clone();
    let flag = match &mut e {
        Expr::Like { negated, .. }
        | Expr::ILike { negated, .. }
        | Expr::In { negated, .. }
        | Expr::Exists { negated, .. }
        | Expr::Between { negated, .. } => negated,
        _ => return None,
    };
    if *flag {
        return None;
    }
    *flag = true;
    Some(e)
}

/// `concat(a, b)` → `a || b` (Trino renders `||` as two-argument
/// `concat`); `strpos(s, a)` → `position(a IN s)` (Trino stores `position`
/// as `strpos`).
fn concat(f: &sqlparser::ast::Function) -> Option<Expr> {
    let name = f.name.to_string();
    if (name != "concat" && name != "strpos") || f.over.is_some() || f.filter.is_some() {
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
        ([a, b], None) if l.clauses.is_empty() && name == "strpos" => Some(Expr::Position {
            expr: Box::new(arg(b)?),
            r#in: Box::new(arg(a)?),
        }),
        ([a, b], None) if l.clauses.is_empty() => Some(Expr::BinaryOp {
            left: Box::new(arg(a)?),
            op: BinaryOperator::StringConcat,
            right: Box::new(arg(b)?),
        }),
        _ => None,
    }
}

/// How tightly Trino binds an arithmetic or `||` operator: `* / %` above
/// `+ -` above `||` (Trino's grammar, `valueExpression`). sqlparser's
/// generic dialect binds `||` like `*`, so `a || x + 1` parses as
/// `(a || x) + 1` where Trino reads (and stores) `concat(a, (x + 1))`.
/// Rebuilding the chain here (a few lines of shunting-yard) is simpler
/// than a wrapping dialect, which would have to forward each of the ~90
/// `Dialect` methods `GenericDialect` overrides.
fn arithmetic(e: &Expr) -> Option<u8> {
    match e {
        Expr::BinaryOp { op, .. } => rank(op),
        _ => None,
    }
}

fn rank(op: &BinaryOperator) -> Option<u8> {
    match op {
        BinaryOperator::Multiply | BinaryOperator::Divide | BinaryOperator::Modulo => Some(3),
        BinaryOperator::Plus | BinaryOperator::Minus => Some(2),
        BinaryOperator::StringConcat => Some(1),
        _ => None,
    }
}

/// The operands and operators of an unparenthesized chain, in source order
/// (a parenthesized operand is a `Nested` leaf).
fn chain(e: Expr, operands: &mut Vec<Expr>, ops: &mut Vec<BinaryOperator>) {
    match e {
        Expr::BinaryOp { left, op, right } if rank(&op).is_some() => {
            chain(*left, operands, ops);
            ops.push(op);
            chain(*right, operands, ops);
        }
        other => operands.push(other),
    }
}

/// The chain regrouped with Trino's precedence, every level left-associative.
fn trino_precedence(operands: Vec<Expr>, ops: Vec<BinaryOperator>) -> Expr {
    fn reduce(out: &mut Vec<Expr>, op: BinaryOperator) {
        let right = out.pop();
        let left = out.pop();
        if let (Some(l), Some(r)) = (left, right) {
            out.push(Expr::BinaryOp {
                left: Box::new(l),
                op,
                right: Box::new(r),
            });
        }
    }
    let mut operands = operands.into_iter();
    let mut out: Vec<Expr> = operands.next().into_iter().collect();
    let mut pending: Vec<BinaryOperator> = Vec::new();
    for (op, operand) in ops.into_iter().zip(operands) {
        while let Some(top) = pending.pop_if(|top| rank(top) >= rank(&op)) {
            reduce(&mut out, top);
        }
        pending.push(op);
        out.push(operand);
    }
    while let Some(top) = pending.pop() {
        reduce(&mut out, top);
    }
    out.pop().unwrap_or(Expr::value(Value::Null))
}

/// `ROW (a, b)` → `(a, b)`: Trino stores a row constructor as `ROW (…)`.
fn tuple(f: &sqlparser::ast::Function) -> Option<Expr> {
    let FunctionArguments::List(l) = &f.args else {
        return None;
    };
    if l.duplicate_treatment.is_some() || !l.clauses.is_empty() || l.args.len() < 2 {
        return None;
    }
    l.args
        .iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(Expr::Tuple)
}

/// `DECIMAL '-1.5'`, as Trino stores `-1.5`, → `-1.5` (a negated number).
fn decimal(s: String) -> Expr {
    match s.strip_prefix('-') {
        Some(abs) => Expr::UnaryOp {
            op: UnaryOperator::Minus,
            expr: Box::new(Expr::value(Value::Number(abs.to_string(), false))),
        },
        None => Expr::value(Value::Number(s, false)),
    }
}

/// A number's canonical text: a DOUBLE literal (with an exponent) by its
/// value, as Trino stores `0.5e1` as `5E0`; others (exact integers and
/// decimals, whose digits make their type) as written.
fn number(n: &str) -> String {
    let n = n.to_lowercase();
    match n.parse::<f64>() {
        Ok(v) if n.contains('e') && v.is_finite() => format!("{v:e}"),
        _ => n,
    }
}

/// `ORDER BY x` is `ORDER BY x ASC`.
fn ascending(o: &mut OrderByExpr) {
    if o.options.sort.is_none() {
        o.options.sort = Some(OrderBySort::Asc);
    }
}

/// `UNION DISTINCT` is `UNION` (also INTERSECT, EXCEPT): Trino stores the
/// quantifier only when it is `ALL`.
fn set_expr(s: &mut SetExpr) {
    if let SetExpr::SetOperation {
        left,
        right,
        set_quantifier,
        ..
    } = s
    {
        if *set_quantifier == SetQuantifier::Distinct {
            *set_quantifier = SetQuantifier::None;
        }
        set_expr(left);
        set_expr(right);
    }
}

/// A function name unquoted: older Presto/Athena engines stored
/// `"count"(*)`, `"year"(d)`, and function names are case-insensitive
/// (already lower case here), so the quotes carry nothing.
fn unquote(name: &mut ObjectName) {
    for part in &mut name.0 {
        if let ObjectNamePart::Identifier(i) = part {
            i.quote_style = None;
        }
    }
}

/// `FROM ((a INNER JOIN b ON …) LEFT JOIN c ON …)` → `FROM a JOIN b ON …
/// LEFT JOIN c ON …`, and the join types Trino spells differently:
/// `JOIN` is `INNER JOIN`, `LEFT OUTER JOIN` is `LEFT JOIN`, `RIGHT OUTER
/// JOIN` is `RIGHT JOIN`. A parenthesized join on the right of a join is
/// normalised when the visitor reaches it (`pre_visit_table_factor`).
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
        j.join_operator = match &j.join_operator {
            JoinOperator::Join(c) => JoinOperator::Inner(c.clone()),
            JoinOperator::LeftOuter(c) => JoinOperator::Left(c.clone()),
            JoinOperator::RightOuter(c) => JoinOperator::Right(c.clone()),
            other => other.clone(),
        };
    }
}

mod tokens;

#[cfg(test)]
mod tests;
