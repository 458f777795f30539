//! JSONPath parser: text → [`Path`] with byte offsets, following Jayway's `PathCompiler`
//! (the parser behind Step Functions' JSONPath): dot names run until the next `.`, `[`, `(`
//! or whitespace, so `$.a-b` is the member `a-b`; a dot may precede a bracket (`$.a.['b c']`);
//! brackets hold quoted names, indexes, unions, slices, `*` or a filter `?( ... )`.

use super::{CompareOp, Filter, Operand, Path, Root, Segment, Selector, UnionMember};
use crate::expr::ParseError;
use serde_json::Value;

pub(super) fn parse_path(s: &str) -> Result<Path, ParseError> {
    let mut p = Parser {
        src: s,
        pos: 0,
        depth: 0,
        unquoted_literals: Vec::new(),
    };
    let root = p.root()?;
    let segments = p.segments(false)?;
    if p.pos < s.len() {
        return Err(p.unexpected());
    }
    Ok(Path {
        source: s.to_owned(),
        root,
        segments,
        unquoted_literals: p.unquoted_literals,
    })
}

/// A cursor over the expression text. `pos` is always on a char boundary.
pub(super) struct Parser<'a> {
    pub(super) src: &'a str,
    pub(super) pos: usize,
    /// Nesting of filter terms (`(`, `!`, filters inside filters) being parsed.
    depth: usize,
    /// Offsets of unquoted words read as string literals (see [`Path::unquoted_literals`]).
    unquoted_literals: Vec<usize>,
}

/// Deeper filter nesting than this is refused before the recursion could exhaust the stack
/// (no real path nests filters more than a few levels).
const MAX_FILTER_DEPTH: usize = 64;

fn is_name_stop(c: char, in_filter: bool) -> bool {
    matches!(c, '.' | '[' | '(' | ')' | ']' | '\'' | '"')
        || c.is_whitespace()
        || (in_filter && matches!(c, '=' | '<' | '>' | '!' | '&' | '|' | ','))
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<char> {
        self.src.get(self.pos..).and_then(|r| r.chars().next())
    }

    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    /// The text between two positions this parser produced (always char boundaries).
    fn text(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn unexpected(&self) -> ParseError {
        match self.peek() {
            Some(c) => ParseError::new(format!("unexpected character '{c}' in JSONPath"), self.pos),
            None => ParseError::new("unexpected end of JSONPath", self.pos),
        }
    }

    fn expect(&mut self, token: &str) -> Result<(), ParseError> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(match self.peek() {
                Some(c) => ParseError::new(format!("expected '{token}' but found '{c}'"), self.pos),
                None => ParseError::new(format!("expected '{token}' but the path ended"), self.pos),
            })
        }
    }

    /// `$`, `$$` or `$name` (a variable: ASL "Passing data between states with variables").
    fn root(&mut self) -> Result<Root, ParseError> {
        if !self.eat("$") {
            return Err(ParseError::new("a JSONPath must start with '$'", self.pos));
        }
        if self.eat("$") {
            return Ok(Root::Context);
        }
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        if self.pos == start {
            Ok(Root::Input)
        } else {
            let name = self.text(start, self.pos);
            if name.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(ParseError::new(
                    format!("variable name '{name}' must not start with a digit"),
                    start,
                ));
            }
            Ok(Root::Variable(name.to_owned()))
        }
    }

    /// Steps until the end of the path, or (inside a filter) until a character that cannot
    /// continue a path.
    pub(super) fn segments(&mut self, in_filter: bool) -> Result<Vec<Segment>, ParseError> {
        let mut out: Vec<Segment> = Vec::new();
        loop {
            if out.last().is_some_and(|s| s.selector == Selector::Length) {
                // Jayway: "Function of path ... can only be last token".
                if matches!(self.peek(), Some('.' | '[')) {
                    return Err(ParseError::new(
                        "the function length() must be the last step of a path",
                        self.pos,
                    ));
                }
            }
            let offset = self.pos;
            match self.peek() {
                Some('.') if self.rest().starts_with("..") => {
                    self.pos += 2;
                    let selector = match self.peek() {
                        Some('[') => self.bracket(in_filter)?,
                        Some('*') => {
                            self.bump();
                            Selector::Wildcard
                        }
                        _ => self.dot_name(in_filter)?,
                    };
                    if selector == Selector::Length {
                        return Err(ParseError::new(
                            "length() cannot follow a deep scan '..'",
                            offset,
                        ));
                    }
                    out.push(Segment {
                        selector,
                        deep: true,
                        offset,
                    });
                }
                Some('.') => {
                    self.bump();
                    let selector = match self.peek() {
                        // Jayway accepts a dot before a bracket: `$.a.['b c']`, the form the
                        // AWS docs use.
                        Some('[') => self.bracket(in_filter)?,
                        Some('*') => {
                            self.bump();
                            Selector::Wildcard
                        }
                        _ => self.dot_name(in_filter)?,
                    };
                    out.push(Segment {
                        selector,
                        deep: false,
                        offset,
                    });
                }
                Some('[') => {
                    let selector = self.bracket(in_filter)?;
                    out.push(Segment {
                        selector,
                        deep: false,
                        offset,
                    });
                }
                _ => return Ok(out),
            }
        }
    }

    /// A name after `.`: everything up to the next `.`, `[`, `(` or whitespace; `length()` is
    /// the one function.
    fn dot_name(&mut self, in_filter: bool) -> Result<Selector, ParseError> {
        let start = self.pos;
        while self.peek().is_some_and(|c| !is_name_stop(c, in_filter)) {
            self.bump();
        }
        if self.pos == start {
            return Err(match self.peek() {
                None => ParseError::new("a JSONPath must not end with '.'", start),
                Some(c) => {
                    ParseError::new(format!("expected a member name but found '{c}'"), start)
                }
            });
        }
        let name = self.text(start, self.pos);
        if self.peek() == Some('(') {
            self.bump();
            self.skip_ws();
            self.expect(")")?;
            return match name {
                "length" => Ok(Selector::Length),
                other => Err(ParseError::new(
                    format!(
                        "unsupported JSONPath function '{other}()'; only length() is available"
                    ),
                    start,
                )),
            };
        }
        Ok(Selector::Name(name.to_owned()))
    }

    /// `[ ... ]` after the `[`: quoted names, indexes, a union, a slice, `*` or a filter.
    fn bracket(&mut self, in_filter: bool) -> Result<Selector, ParseError> {
        let _ = in_filter;
        self.expect("[")?;
        self.skip_ws();
        let selector = match self.peek() {
            Some('*') => {
                self.bump();
                Selector::Wildcard
            }
            Some('?') => {
                self.bump();
                self.skip_ws();
                self.expect("(")?;
                let filter = self.filter_or()?;
                self.skip_ws();
                self.expect(")")?;
                Selector::Filter(filter)
            }
            Some('\'' | '"') => {
                let mut names = vec![self.quoted()?];
                self.skip_ws();
                while self.eat(",") {
                    self.skip_ws();
                    names.push(self.quoted()?);
                    self.skip_ws();
                }
                if names.len() == 1 {
                    Selector::Name(names.remove(0))
                } else {
                    Selector::Union(names.into_iter().map(UnionMember::Name).collect())
                }
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.indexes()?,
            Some(']') => return Err(ParseError::new("empty brackets '[]' in JSONPath", self.pos)),
            _ => return Err(self.unexpected()),
        };
        self.skip_ws();
        self.expect("]")?;
        Ok(selector)
    }

    /// An index, a union of indexes, or a slice.
    fn indexes(&mut self) -> Result<Selector, ParseError> {
        let first = self.opt_int()?;
        self.skip_ws();
        if self.peek() == Some(':') {
            self.bump();
            self.skip_ws();
            let end = self.opt_int()?;
            self.skip_ws();
            let step = if self.eat(":") {
                self.skip_ws();
                let at = self.pos;
                let step = self.opt_int()?;
                if step == Some(0) {
                    return Err(ParseError::new("slice step must not be 0", at));
                }
                step
            } else {
                None
            };
            return Ok(Selector::Slice {
                start: first,
                end,
                step,
            });
        }
        let Some(first) = first else {
            return Err(self.unexpected());
        };
        let mut all = vec![first];
        while self.eat(",") {
            self.skip_ws();
            match self.opt_int()? {
                Some(i) => all.push(i),
                None => return Err(self.unexpected()),
            }
            self.skip_ws();
        }
        if all.len() == 1 {
            Ok(Selector::Index(first))
        } else {
            Ok(Selector::Union(
                all.into_iter().map(UnionMember::Index).collect(),
            ))
        }
    }

    fn opt_int(&mut self) -> Result<Option<i64>, ParseError> {
        let start = self.pos;
        self.eat("-");
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        let text = self.text(start, self.pos);
        if text.is_empty() {
            return Ok(None);
        }
        text.parse::<i64>()
            .map(Some)
            .map_err(|_| ParseError::new(format!("'{text}' is not a valid array index"), start))
    }

    /// A quoted string: `'...'` or `"..."`. A backslash escapes the string's own quote and a
    /// backslash; before any other character it is that character's literal backslash. AWS
    /// (recorded): `$['Test\""Name"']` reads the member `Test\""Name"`, so `\"` inside single
    /// quotes is two characters, not an escaped `"`.
    pub(super) fn quoted(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        let Some(quote) = self.bump().filter(|c| *c == '\'' || *c == '"') else {
            return Err(ParseError::new("expected a quoted string", start));
        };
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(ParseError::new("unterminated string in JSONPath", start));
                }
                Some('\\') => match self.bump() {
                    Some(c) if c == quote || c == '\\' => out.push(c),
                    Some(c) => {
                        out.push('\\');
                        out.push(c);
                    }
                    None => {
                        return Err(ParseError::new("unterminated string in JSONPath", start));
                    }
                },
                Some(c) if c == quote => return Ok(out),
                Some(c) => out.push(c),
            }
        }
    }

    // ---- filters -------------------------------------------------------------------------

    fn filter_or(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.filter_and()?;
        loop {
            self.skip_ws();
            if self.eat("||") {
                let right = self.filter_and()?;
                left = Filter::Or(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn filter_and(&mut self) -> Result<Filter, ParseError> {
        let mut left = self.filter_unary()?;
        loop {
            self.skip_ws();
            if self.eat("&&") {
                let right = self.filter_unary()?;
                left = Filter::And(Box::new(left), Box::new(right));
            } else {
                return Ok(left);
            }
        }
    }

    fn filter_unary(&mut self) -> Result<Filter, ParseError> {
        if self.depth >= MAX_FILTER_DEPTH {
            return Err(ParseError::new(
                "the filter expression is nested too deeply",
                self.pos,
            ));
        }
        self.depth += 1;
        let r = self.filter_term();
        self.depth -= 1;
        r
    }

    fn filter_term(&mut self) -> Result<Filter, ParseError> {
        self.skip_ws();
        if self.peek() == Some('!') && !self.rest().starts_with("!=") {
            self.bump();
            let inner = self.filter_unary()?;
            return Ok(Filter::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            self.bump();
            let inner = self.filter_or()?;
            self.skip_ws();
            self.expect(")")?;
            return Ok(inner);
        }
        let left = self.operand()?;
        self.skip_ws();
        let op = if self.eat("==") {
            CompareOp::Eq
        } else if self.eat("!=") {
            CompareOp::Ne
        } else if self.eat("<=") {
            CompareOp::Le
        } else if self.eat(">=") {
            CompareOp::Ge
        } else if self.eat("<") {
            CompareOp::Lt
        } else if self.eat(">") {
            CompareOp::Gt
        } else if self.keyword("nin") {
            CompareOp::Nin
        } else if self.keyword("in") {
            CompareOp::In
        } else if self.rest().starts_with("=~") {
            return Err(ParseError::new(
                "the regular expression operator '=~' is not supported",
                self.pos,
            ));
        } else {
            return Ok(Filter::Exists(left));
        };
        let right = self.operand()?;
        Ok(Filter::Compare { left, op, right })
    }

    /// `word` followed by a non-identifier character.
    fn keyword(&mut self, word: &str) -> bool {
        let rest = self.rest();
        if rest.starts_with(word)
            && !rest
                .get(word.len()..)
                .unwrap_or("")
                .starts_with(|c: char| c.is_alphanumeric() || c == '_')
        {
            self.pos += word.len();
            true
        } else {
            false
        }
    }

    fn operand(&mut self) -> Result<Operand, ParseError> {
        self.skip_ws();
        let start = self.pos;
        match self.peek() {
            Some('@') => {
                self.bump();
                Ok(Operand::Current(self.segments(true)?))
            }
            Some('$') => {
                self.bump();
                if self
                    .peek()
                    .is_some_and(|c| c == '$' || c.is_alphanumeric() || c == '_')
                {
                    return Err(ParseError::new(
                        "only '@' and '$' paths may appear in a filter",
                        start,
                    ));
                }
                Ok(Operand::Root(self.segments(true)?))
            }
            Some('\'' | '"') => Ok(Operand::Literal(Value::String(self.quoted()?))),
            Some('[') => {
                self.bump();
                let mut items = Vec::new();
                self.skip_ws();
                if !self.eat("]") {
                    loop {
                        match self.operand()? {
                            Operand::Literal(v) => items.push(v),
                            _ => {
                                return Err(ParseError::new(
                                    "array literals in filters may hold only literals",
                                    start,
                                ));
                            }
                        }
                        self.skip_ws();
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Ok(Operand::Literal(Value::Array(items)))
            }
            Some(c) if c == '-' || c.is_ascii_digit() => {
                self.eat("-");
                while self
                    .peek()
                    .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+'))
                {
                    self.bump();
                }
                let text = self.text(start, self.pos);
                serde_json::from_str::<serde_json::Number>(text)
                    .map(|n| Operand::Literal(Value::Number(n)))
                    .map_err(|_| ParseError::new(format!("'{text}' is not a number"), start))
            }
            _ if self.keyword("true") => Ok(Operand::Literal(Value::Bool(true))),
            _ if self.keyword("false") => Ok(Operand::Literal(Value::Bool(false))),
            _ if self.keyword("null") => Ok(Operand::Literal(Value::Null)),
            // Jayway-era samples compare with unquoted words (`@.Code==es`); read the word as
            // the string it was meant to be and remember it, so lint can ask for quotes.
            Some(c) if c.is_alphabetic() || c == '_' => {
                while self.peek().is_some_and(|c| !is_name_stop(c, true)) {
                    self.bump();
                }
                self.unquoted_literals.push(start);
                Ok(Operand::Literal(Value::String(
                    self.text(start, self.pos).to_owned(),
                )))
            }
            _ => Err(match self.peek() {
                Some(c) => ParseError::new(format!("unexpected '{c}' in filter expression"), start),
                None => ParseError::new("unterminated filter expression", start),
            }),
        }
    }
}
