//! A parser for Hive DDL column types (the types Glue and Athena DDL use):
//! primitives, `decimal(p,s)`, `varchar(n)`, `char(n)`, and the nested
//! `array<…>`, `map<…,…>`, `struct<name:type,…>`.
//!
//! Parsing yields a [`HiveType`] whose [`std::fmt::Display`] is the canonical
//! spelling (lower case, no spaces, `integer` → `int`), so that two
//! spellings of the same type compare equal.

use std::fmt;

/// A parsed Hive column type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HiveType {
    /// A type without parameters: `int`, `string`, `timestamp`, ...
    Primitive(&'static str),
    /// `decimal` or `decimal(p)` or `decimal(p,s)`.
    Decimal(Option<(u32, u32)>),
    /// `varchar(n)`.
    Varchar(u32),
    /// `char(n)`.
    Char(u32),
    /// `array<T>`.
    Array(Box<HiveType>),
    /// `map<K,V>`.
    Map(Box<HiveType>, Box<HiveType>),
    /// `struct<a:T,...>`; field names lower-cased.
    Struct(Vec<(String, HiveType)>),
}

/// A type string that does not parse, with the character offset of the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid column type `{input}`: {message} at character {}", .offset + 1)]
pub struct TypeError {
    /// The type as written.
    pub input: String,
    /// What is wrong.
    pub message: String,
    /// 0-based character offset into `input`.
    pub offset: usize,
}

const PRIMITIVES: &[&str] = &[
    "tinyint",
    "smallint",
    "int",
    "bigint",
    "boolean",
    "float",
    "double",
    "string",
    "binary",
    "date",
    "timestamp",
];

impl HiveType {
    /// Parses a Hive DDL type, e.g. `struct<a:int, b:array<string>>`.
    pub fn parse(input: &str) -> Result<HiveType, TypeError> {
        let mut p = Parser {
            input,
            chars: input.char_indices().collect(),
            pos: 0,
            depth: 0,
        };
        let t = p.parse_type()?;
        p.skip_ws();
        if p.pos < p.chars.len() {
            return Err(p.error("unexpected text after the type"));
        }
        Ok(t)
    }

    /// True for `array`, `map` and `struct`.
    pub fn is_nested(&self) -> bool {
        matches!(
            self,
            HiveType::Array(_) | HiveType::Map(..) | HiveType::Struct(_)
        )
    }

    /// Whether changing a column from `self` to `to` keeps existing data
    /// readable: identical types, or a widening of numbers / strings.
    pub fn widens_to(&self, to: &HiveType) -> bool {
        use HiveType::*;
        if self == to {
            return true;
        }
        let rank = |t: &HiveType| match t {
            Primitive("tinyint") => Some(1),
            Primitive("smallint") => Some(2),
            Primitive("int") => Some(3),
            Primitive("bigint") => Some(4),
            _ => None,
        };
        match (self, to) {
            (a, b) if rank(a).is_some() && rank(b).is_some() => rank(a) < rank(b),
            (Primitive("float"), Primitive("double")) => true,
            (Varchar(_) | Char(_), Primitive("string")) => true,
            (Varchar(a), Varchar(b)) => a <= b,
            (Decimal(Some((p1, s1))), Decimal(Some((p2, s2)))) => p2 - s2 >= p1 - s1 && s2 >= s1,
            _ => false,
        }
    }
}

impl fmt::Display for HiveType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HiveType::Primitive(p) => f.write_str(p),
            HiveType::Decimal(None) => f.write_str("decimal"),
            HiveType::Decimal(Some((p, s))) => write!(f, "decimal({p},{s})"),
            HiveType::Varchar(n) => write!(f, "varchar({n})"),
            HiveType::Char(n) => write!(f, "char({n})"),
            HiveType::Array(t) => write!(f, "array<{t}>"),
            HiveType::Map(k, v) => write!(f, "map<{k},{v}>"),
            HiveType::Struct(fields) => {
                f.write_str("struct<")?;
                for (i, (n, t)) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{n}:{t}")?;
                }
                f.write_str(">")
            }
        }
    }
}

/// The canonical spelling of a type string; the string lower-cased and
/// without spaces when it does not parse (for live types we cannot read).
pub fn canonical(input: &str) -> String {
    match HiveType::parse(input) {
        Ok(t) => t.to_string(),
        Err(_) => input
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_lowercase(),
    }
}

/// Deepest nesting of `array`, `map` and `struct` accepted (Hive's own
/// limit is far lower); deeper input, from a file or the catalog, would
/// overflow the stack.
const MAX_DEPTH: usize = 100;

struct Parser<'a> {
    input: &'a str,
    chars: Vec<(usize, char)>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str) -> TypeError {
        TypeError {
            input: self.input.to_string(),
            message: message.to_string(),
            offset: self.pos,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).map(|&(_, c)| c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<(), TypeError> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            let found = self
                .peek()
                .map(|c| format!("`{c}`"))
                .unwrap_or_else(|| "the end".into());
            Err(self.error(&format!("expected `{c}`, found {found}")))
        }
    }

    fn ident(&mut self) -> Result<String, TypeError> {
        self.skip_ws();
        let start = self.pos;
        // Struct field names may be back-quoted.
        if self.peek() == Some('`') {
            self.pos += 1;
            let s = self.pos;
            while self.peek().is_some_and(|c| c != '`') {
                self.pos += 1;
            }
            if self.peek() != Some('`') {
                self.pos = start;
                return Err(self.error("unterminated back-quoted name"));
            }
            let name: String = self.chars[s..self.pos].iter().map(|&(_, c)| c).collect();
            self.pos += 1;
            return Ok(name.to_lowercase());
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        if self.pos == start {
            return Err(self.error("expected a name"));
        }
        Ok(self.chars[start..self.pos]
            .iter()
            .map(|&(_, c)| c)
            .collect::<String>()
            .to_lowercase())
    }

    fn number(&mut self) -> Result<u32, TypeError> {
        self.skip_ws();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let s: String = self.chars[start..self.pos]
            .iter()
            .map(|&(_, c)| c)
            .collect();
        s.parse().map_err(|_| {
            self.pos = start;
            self.error("expected a number")
        })
    }

    fn parse_type(&mut self) -> Result<HiveType, TypeError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(&format!("types nest more than {MAX_DEPTH} levels deep")));
        }
        self.depth += 1;
        let t = self.parse_type_at_depth();
        self.depth -= 1;
        t
    }

    fn parse_type_at_depth(&mut self) -> Result<HiveType, TypeError> {
        self.skip_ws();
        let start = self.pos;
        let name = self.ident()?;
        let t = match name.as_str() {
            "integer" => HiveType::Primitive("int"),
            "array" => {
                self.expect('<')?;
                let t = self.parse_type()?;
                self.expect('>')?;
                HiveType::Array(Box::new(t))
            }
            "map" => {
                self.expect('<')?;
                let key_start = self.pos;
                let k = self.parse_type()?;
                if k.is_nested() {
                    self.pos = key_start;
                    return Err(self.error("a map key must be a primitive type"));
                }
                self.expect(',')?;
                let v = self.parse_type()?;
                self.expect('>')?;
                HiveType::Map(Box::new(k), Box::new(v))
            }
            "struct" => {
                self.expect('<')?;
                let mut fields: Vec<(String, HiveType)> = Vec::new();
                loop {
                    let at = self.pos;
                    let n = self.ident()?;
                    if fields.iter().any(|(f, _)| *f == n) {
                        self.pos = at;
                        self.skip_ws();
                        return Err(self.error(&format!("duplicate struct field `{n}`")));
                    }
                    self.expect(':')?;
                    let t = self.parse_type()?;
                    fields.push((n, t));
                    self.skip_ws();
                    if self.peek() == Some(',') {
                        self.pos += 1;
                        continue;
                    }
                    self.expect('>')?;
                    break;
                }
                HiveType::Struct(fields)
            }
            "decimal" => {
                self.skip_ws();
                if self.peek() == Some('(') {
                    self.pos += 1;
                    let at = self.pos;
                    let p = self.number()?;
                    self.skip_ws();
                    let s = if self.peek() == Some(',') {
                        self.pos += 1;
                        self.number()?
                    } else {
                        0
                    };
                    self.expect(')')?;
                    if !(1..=38).contains(&p) {
                        self.pos = at;
                        return Err(self.error("decimal precision must be between 1 and 38"));
                    }
                    if s > p {
                        self.pos = at;
                        return Err(self.error("decimal scale must not exceed the precision"));
                    }
                    HiveType::Decimal(Some((p, s)))
                } else {
                    HiveType::Decimal(None)
                }
            }
            "varchar" | "char" => {
                self.expect('(')?;
                let at = self.pos;
                let n = self.number()?;
                self.expect(')')?;
                let max = if name == "varchar" { 65535 } else { 255 };
                if n == 0 || n > max {
                    self.pos = at;
                    return Err(self.error(&format!("{name} length must be between 1 and {max}")));
                }
                if name == "varchar" {
                    HiveType::Varchar(n)
                } else {
                    HiveType::Char(n)
                }
            }
            other => match PRIMITIVES.iter().find(|p| **p == other) {
                Some(p) => HiveType::Primitive(p),
                None => {
                    self.pos = start;
                    let mut msg = format!("unknown type `{other}`");
                    if let Some(s) = common::diagnostic::did_you_mean(
                        other,
                        PRIMITIVES
                            .iter()
                            .copied()
                            .chain(["array", "map", "struct", "decimal", "varchar", "char"]),
                    ) {
                        msg.push_str(&format!(" (did you mean `{s}`?)"));
                    }
                    return Err(self.error(&msg));
                }
            },
        };
        Ok(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> String {
        HiveType::parse(s)
            .map(|t| t.to_string())
            .unwrap_or_else(|e| e.to_string())
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(c("INT"), "int");
        assert_eq!(c("integer"), "int");
        assert_eq!(c(" BigInt "), "bigint");
        assert_eq!(c("decimal(10, 2)"), "decimal(10,2)");
        assert_eq!(c("decimal(10)"), "decimal(10,0)");
        assert_eq!(c("decimal"), "decimal");
        assert_eq!(c("varchar(20)"), "varchar(20)");
        assert_eq!(c("array< string >"), "array<string>");
        assert_eq!(c("map<string, array<int>>"), "map<string,array<int>>");
        assert_eq!(
            c("struct<A:int, b : struct<c:map<string,double>, `D e`:array<decimal(5,1)>>>"),
            "struct<a:int,b:struct<c:map<string,double>,d e:array<decimal(5,1)>>>"
        );
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        // A Glue column type may be 131,072 characters long.
        let n = 18_000;
        let deep = format!("{}int{}", "array<".repeat(n), ">".repeat(n));
        let e = HiveType::parse(&deep).unwrap_err();
        assert!(e.message.contains("nest more than"), "{}", e.message);
        assert_eq!(canonical(&deep).len(), deep.len());
        let ok = format!("{}int{}", "array<".repeat(99), ">".repeat(99));
        assert!(HiveType::parse(&ok).is_ok());
    }

    #[test]
    fn errors() {
        insta::assert_snapshot!([
            "strin",
            "array<int",
            "map<array<int>,int>",
            "decimal(40,2)",
            "decimal(5,6)",
            "varchar(0)",
            "struct<a:int,a:string>",
            "struct<>",
            "int extra",
            "varchar",
            "array<>"
        ]
        .iter()
        .map(|s| c(s))
        .collect::<Vec<_>>()
        .join("\n"));
    }

    #[test]
    fn widening() {
        let p = |s: &str| HiveType::parse(s).unwrap();
        assert!(p("int").widens_to(&p("bigint")));
        assert!(!p("bigint").widens_to(&p("int")));
        assert!(p("float").widens_to(&p("double")));
        assert!(p("varchar(5)").widens_to(&p("string")));
        assert!(p("decimal(5,2)").widens_to(&p("decimal(7,2)")));
        assert!(!p("decimal(5,2)").widens_to(&p("decimal(5,3)")));
        assert!(!p("string").widens_to(&p("int")));
    }

    #[test]
    fn canonical_falls_back() {
        assert_eq!(canonical("Some Thing<"), "something<");
        assert_eq!(canonical("ARRAY<INT>"), "array<int>");
    }
}
