//! Lexer and recursive-descent parser of the `rule:` language (grammar in the parent module).

use serde_json::Value;

/// A parsed rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Lit(Value),
    List(Vec<Expr>),
    /// A top-level name: `function`, `state`, `workflow`, `input`.
    Var(String),
    Field(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Bin(BinOp, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

/// Comparison and arithmetic operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    Matches,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

/// Why a rule does not parse; `offset` is a byte offset into the rule text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub offset: usize,
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "column {}: {}", self.offset + 1, self.message)
    }
}

/// Functions the language knows, with their arity.
pub(crate) const FUNCTIONS: &[(&str, usize)] = &[
    ("len", 1),
    ("exists", 1),
    ("lower", 1),
    ("upper", 1),
    ("starts_with", 2),
    ("ends_with", 2),
    ("contains", 2),
];

/// Names a rule may start a path with.
pub(crate) const VARIABLES: &[&str] = &["function", "state", "workflow", "input"];

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

const OPS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "(", ")", "[", "]", ".", ",", "+", "-", "*",
    "/", "%",
];

fn lex(src: &str) -> Result<Vec<(Tok, usize)>, ParseError> {
    let mut out = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        if c.is_ascii_digit() {
            while i < src.len()
                && (bytes[i].is_ascii_digit() || bytes[i] == b'.' || bytes[i] == b'_')
            {
                i += 1;
            }
            let text: String = src[start..i].chars().filter(|c| *c != '_').collect();
            let n = text.parse::<f64>().map_err(|_| ParseError {
                offset: start,
                message: format!("`{}` is not a number", &src[start..i]),
            })?;
            out.push((Tok::Num(n), start));
        } else if c == '"' || c == '\'' {
            i += 1;
            let mut s = String::new();
            loop {
                let Some(ch) = src[i..].chars().next() else {
                    return Err(ParseError {
                        offset: start,
                        message: "unterminated string".into(),
                    });
                };
                i += ch.len_utf8();
                if ch == c {
                    break;
                }
                if ch == '\\' {
                    let Some(esc) = src[i..].chars().next() else {
                        continue;
                    };
                    i += esc.len_utf8();
                    s.push(match esc {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                } else {
                    s.push(ch);
                }
            }
            out.push((Tok::Str(s), start));
        } else if c.is_alphabetic() || c == '_' {
            while i < src.len()
                && src[i..]
                    .chars()
                    .next()
                    .is_some_and(|ch| ch.is_alphanumeric() || ch == '_')
            {
                i += src[i..].chars().next().map_or(1, char::len_utf8);
            }
            out.push((Tok::Ident(src[start..i].to_string()), start));
        } else if let Some(op) = OPS.iter().find(|op| src[i..].starts_with(**op)) {
            i += op.len();
            out.push((Tok::Op(op), start));
        } else if c == '=' {
            return Err(ParseError {
                offset: start,
                message: "`=` is not an operator; compare with `==`".into(),
            });
        } else {
            return Err(ParseError {
                offset: start,
                message: format!("unexpected character `{c}`"),
            });
        }
    }
    Ok(out)
}

struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
}

/// Nesting limit: a rule is one line of policy, not a program.
const MAX_DEPTH: usize = 64;

/// Parse a rule.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let toks = lex(src)?;
    if toks.is_empty() {
        return Err(ParseError {
            offset: 0,
            message: "the rule is empty".into(),
        });
    }
    let mut p = Parser {
        toks,
        pos: 0,
        end: src.len(),
    };
    let e = p.or(0)?;
    if let Some((t, at)) = p.toks.get(p.pos) {
        return Err(ParseError {
            offset: *at,
            message: format!("unexpected {} after a complete expression", describe(t)),
        });
    }
    Ok(e)
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Num(n) => format!("number `{n}`"),
        Tok::Str(s) => format!("string {s:?}"),
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Op(o) => format!("`{o}`"),
    }
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }
    fn offset(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |t| t.1)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(i)) if i == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn err<T>(&self, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            offset: self.offset(),
            message: message.into(),
        })
    }
    fn depth(&self, d: usize) -> Result<usize, ParseError> {
        if d > MAX_DEPTH {
            self.err("the rule nests too deeply")
        } else {
            Ok(d + 1)
        }
    }

    fn or(&mut self, d: usize) -> Result<Expr, ParseError> {
        let d = self.depth(d)?;
        let mut e = self.and(d)?;
        while self.eat_op("||") || self.eat_word("or") {
            e = Expr::Or(Box::new(e), Box::new(self.and(d)?));
        }
        Ok(e)
    }
    fn and(&mut self, d: usize) -> Result<Expr, ParseError> {
        let mut e = self.not(d)?;
        while self.eat_op("&&") || self.eat_word("and") {
            e = Expr::And(Box::new(e), Box::new(self.not(d)?));
        }
        Ok(e)
    }
    fn not(&mut self, d: usize) -> Result<Expr, ParseError> {
        let d = self.depth(d)?;
        if self.eat_op("!") || self.eat_word("not") {
            return Ok(Expr::Not(Box::new(self.not(d)?)));
        }
        self.cmp(d)
    }
    fn cmp(&mut self, d: usize) -> Result<Expr, ParseError> {
        let left = self.add(d)?;
        let op = match self.peek() {
            Some(Tok::Op("==")) => BinOp::Eq,
            Some(Tok::Op("!=")) => BinOp::Ne,
            Some(Tok::Op("<")) => BinOp::Lt,
            Some(Tok::Op("<=")) => BinOp::Le,
            Some(Tok::Op(">")) => BinOp::Gt,
            Some(Tok::Op(">=")) => BinOp::Ge,
            Some(Tok::Ident(w)) if w == "in" => BinOp::In,
            Some(Tok::Ident(w)) if w == "matches" => BinOp::Matches,
            _ => return Ok(left),
        };
        self.pos += 1;
        let right = self.add(d)?;
        if matches!(
            self.peek(),
            Some(Tok::Op("==" | "!=" | "<" | "<=" | ">" | ">="))
        ) {
            return self.err("comparisons do not chain; join them with `and`");
        }
        Ok(Expr::Bin(op, Box::new(left), Box::new(right)))
    }
    fn add(&mut self, d: usize) -> Result<Expr, ParseError> {
        let mut e = self.mul(d)?;
        loop {
            let op = if self.eat_op("+") {
                BinOp::Add
            } else if self.eat_op("-") {
                BinOp::Sub
            } else {
                return Ok(e);
            };
            e = Expr::Bin(op, Box::new(e), Box::new(self.mul(d)?));
        }
    }
    fn mul(&mut self, d: usize) -> Result<Expr, ParseError> {
        let mut e = self.unary(d)?;
        loop {
            let op = if self.eat_op("*") {
                BinOp::Mul
            } else if self.eat_op("/") {
                BinOp::Div
            } else if self.eat_op("%") {
                BinOp::Rem
            } else {
                return Ok(e);
            };
            e = Expr::Bin(op, Box::new(e), Box::new(self.unary(d)?));
        }
    }
    fn unary(&mut self, d: usize) -> Result<Expr, ParseError> {
        let d = self.depth(d)?;
        if self.eat_op("-") {
            return Ok(Expr::Neg(Box::new(self.unary(d)?)));
        }
        let mut e = self.primary(d)?;
        loop {
            if self.eat_op(".") {
                match self.toks.get(self.pos) {
                    Some((Tok::Ident(name), _)) => {
                        let name = name.clone();
                        self.pos += 1;
                        e = Expr::Field(Box::new(e), name);
                    }
                    _ => return self.err("expected a field name after `.`"),
                }
            } else if self.eat_op("[") {
                let idx = self.or(d)?;
                if !self.eat_op("]") {
                    return self.err("expected `]`");
                }
                e = Expr::Index(Box::new(e), Box::new(idx));
            } else {
                return Ok(e);
            }
        }
    }
    fn primary(&mut self, d: usize) -> Result<Expr, ParseError> {
        let Some((tok, at)) = self.toks.get(self.pos).cloned() else {
            return self.err("the rule ends where a value was expected");
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(Expr::Lit(
                serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            )),
            Tok::Str(s) => Ok(Expr::Lit(Value::String(s))),
            Tok::Op("(") => {
                let e = self.or(d)?;
                if !self.eat_op(")") {
                    return self.err("expected `)`");
                }
                Ok(e)
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                if !self.eat_op("]") {
                    loop {
                        items.push(self.or(d)?);
                        if self.eat_op("]") {
                            break;
                        }
                        if !self.eat_op(",") {
                            return self.err("expected `,` or `]`");
                        }
                    }
                }
                Ok(Expr::List(items))
            }
            Tok::Ident(w) => match w.as_str() {
                "true" => Ok(Expr::Lit(Value::Bool(true))),
                "false" => Ok(Expr::Lit(Value::Bool(false))),
                "null" => Ok(Expr::Lit(Value::Null)),
                _ if self.eat_op("(") => {
                    let Some((_, arity)) = FUNCTIONS.iter().find(|(f, _)| *f == w) else {
                        let known: Vec<&str> = FUNCTIONS.iter().map(|f| f.0).collect();
                        return Err(ParseError {
                            offset: at,
                            message: format!(
                                "unknown function `{w}` (known: {})",
                                known.join(", ")
                            ),
                        });
                    };
                    let mut args = Vec::new();
                    if !self.eat_op(")") {
                        loop {
                            args.push(self.or(d)?);
                            if self.eat_op(")") {
                                break;
                            }
                            if !self.eat_op(",") {
                                return self.err("expected `,` or `)`");
                            }
                        }
                    }
                    if args.len() != *arity {
                        return Err(ParseError {
                            offset: at,
                            message: format!("`{w}` takes {arity} argument(s), not {}", args.len()),
                        });
                    }
                    Ok(Expr::Call(w, args))
                }
                _ if VARIABLES.contains(&w.as_str()) => Ok(Expr::Var(w)),
                _ => Err(ParseError {
                    offset: at,
                    message: format!(
                        "unknown name `{w}`: a rule starts from one of {}",
                        VARIABLES.join(", ")
                    ),
                }),
            },
            Tok::Op(o) => Err(ParseError {
                offset: at,
                message: format!("expected a value, found `{o}`"),
            }),
        }
    }
}

impl Expr {
    /// Does the rule mention the variable `name`?
    pub fn mentions(&self, name: &str) -> bool {
        match self {
            Expr::Var(v) => v == name,
            Expr::Lit(_) => false,
            Expr::List(xs) | Expr::Call(_, xs) => xs.iter().any(|x| x.mentions(name)),
            Expr::Field(e, _) | Expr::Not(e) | Expr::Neg(e) => e.mentions(name),
            Expr::Index(a, b) | Expr::And(a, b) | Expr::Or(a, b) | Expr::Bin(_, a, b) => {
                a.mentions(name) || b.mentions(name)
            }
        }
    }

    /// Paths like `function.retry_count` in the rule, as written, for notes.
    pub fn paths(&self, out: &mut Vec<(String, Expr)>) {
        match self {
            Expr::Field(..) => {
                if let Some(text) = self.path_text()
                    && !out.iter().any(|(t, _)| *t == text)
                {
                    out.push((text, self.clone()));
                }
            }
            Expr::Lit(_) | Expr::Var(_) => {}
            Expr::List(xs) | Expr::Call(_, xs) => xs.iter().for_each(|x| x.paths(out)),
            Expr::Not(e) | Expr::Neg(e) => e.paths(out),
            Expr::Index(a, b) | Expr::And(a, b) | Expr::Or(a, b) | Expr::Bin(_, a, b) => {
                a.paths(out);
                b.paths(out);
            }
        }
    }

    fn path_text(&self) -> Option<String> {
        match self {
            Expr::Var(v) => Some(v.clone()),
            Expr::Field(e, f) => Some(format!("{}.{f}", e.path_text()?)),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_founding_rule() {
        let e = parse("function.retry_count >= 3").unwrap();
        assert!(matches!(e, Expr::Bin(BinOp::Ge, _, _)));
        assert!(e.mentions("function"));
    }

    #[test]
    fn precedence_and_words() {
        let e = parse("not state.end and state.next == 'A' or len(state.retry) > 1 + 1").unwrap();
        assert!(matches!(e, Expr::Or(_, _)));
    }

    #[test]
    fn reports_errors_with_columns() {
        assert_eq!(parse("function.retry_count = 3").unwrap_err().offset, 21);
        assert_eq!(
            parse("function.retry_count >=").unwrap_err().message,
            "the rule ends where a value was expected"
        );
        assert!(
            parse("fn.x > 1")
                .unwrap_err()
                .message
                .contains("unknown name `fn`")
        );
        assert!(
            parse("size(function.retry) > 1")
                .unwrap_err()
                .message
                .contains("unknown function")
        );
        assert!(parse("1 < 2 < 3").is_err());
        assert!(parse("'abc").unwrap_err().message.contains("unterminated"));
        assert!(parse("").is_err());
        assert!(parse(&"(".repeat(500)).is_err());
    }
}
