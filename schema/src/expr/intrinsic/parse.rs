//! Intrinsic call parser: `States.Name(arg, ...)` where an argument is a single-quoted string,
//! a number, `true`/`false`/`null`, a path (`$...`, `$$...`, `$name...`) or a nested call.
//!
//! String literals use AWS's escapes (`\'`, `\{`, `\}`, `\\`), and no other escape (AWS rejects
//! `'\n'` written with a backslash in the string); other characters, including
//! raw newlines, are taken as they are (AWS accepts `States.StringSplit('a
//! b', '\n')` written with a JSON `\n`).

use super::{Arg, ArgKind, Call};
use crate::expr::{ParseError, jsonpath};

/// Deeper nesting than this is refused before the recursion could exhaust the stack; AWS's
/// own limit ([`super::MAX_NESTING`]) is reported by `check`.
const MAX_PARSE_DEPTH: usize = 64;

pub(super) fn parse_call(s: &str) -> Result<Call, ParseError> {
    let mut p = Parser { src: s, pos: 0 };
    p.skip_ws();
    let call = p.call(0)?;
    p.skip_ws();
    if p.pos < s.len() {
        return Err(ParseError::new(
            "unexpected text after the end of the intrinsic function call",
            p.pos,
        ));
    }
    Ok(call)
}

struct Parser<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.src.get(self.pos..).unwrap_or("")
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn text(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or("")
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    fn call(&mut self, depth: usize) -> Result<Call, ParseError> {
        let start = self.pos;
        if depth > MAX_PARSE_DEPTH {
            return Err(ParseError::new(
                "intrinsic functions are nested too deeply",
                start,
            ));
        }
        if !self.rest().starts_with("States.") {
            return Err(ParseError::new(
                "an intrinsic function call must start with 'States.'",
                start,
            ));
        }
        self.pos += "States.".len();
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.bump();
        }
        let name = self.text(start, self.pos).to_owned();
        if name.len() == "States.".len() {
            return Err(ParseError::new(
                "missing function name after 'States.'",
                self.pos,
            ));
        }
        self.skip_ws();
        if self.bump() != Some('(') {
            return Err(ParseError::new(
                format!("expected '(' after the function name '{name}'"),
                self.pos.saturating_sub(1).max(start),
            ));
        }
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.bump();
            return Ok(Call {
                name,
                offset: start,
                args,
            });
        }
        loop {
            self.skip_ws();
            args.push(self.arg(depth)?);
            self.skip_ws();
            match self.bump() {
                Some(',') => continue,
                Some(')') => break,
                Some(c) => {
                    return Err(ParseError::new(
                        format!("expected ',' or ')' but found '{c}'"),
                        self.pos - c.len_utf8(),
                    ));
                }
                None => {
                    return Err(ParseError::new(
                        format!("missing ')' to close the call to '{name}'"),
                        self.pos,
                    ));
                }
            }
        }
        Ok(Call {
            name,
            offset: start,
            args,
        })
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, ParseError> {
        let start = self.pos;
        let kind = match self.peek() {
            Some('\'') => ArgKind::String(self.string()?),
            Some('$') => ArgKind::Path(self.path()?),
            Some(c) if c == '-' || c.is_ascii_digit() => ArgKind::Number(self.number()?),
            Some('S') if self.rest().starts_with("States.") => {
                ArgKind::Call(Box::new(self.call(depth + 1)?))
            }
            Some(c) if c.is_alphabetic() => {
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.bump();
                }
                match self.text(start, self.pos) {
                    "true" => ArgKind::Bool(true),
                    "false" => ArgKind::Bool(false),
                    "null" => ArgKind::Null,
                    word => {
                        return Err(ParseError::new(
                            format!(
                                "'{word}' is not a valid argument: expected a quoted string, a number, true, false, null, a path or an intrinsic function"
                            ),
                            start,
                        ));
                    }
                }
            }
            Some(',' | ')') => return Err(ParseError::new("missing argument", start)),
            Some('"') => {
                return Err(ParseError::new(
                    "string arguments must be enclosed in single quotes",
                    start,
                ));
            }
            Some(c) => {
                return Err(ParseError::new(
                    format!("unexpected character '{c}'"),
                    start,
                ));
            }
            None => {
                return Err(ParseError::new(
                    "the intrinsic function call ended before its arguments",
                    start,
                ));
            }
        };
        Ok(Arg {
            kind,
            offset: start,
            text: self.text(start, self.pos).to_owned(),
        })
    }

    /// A single-quoted string with AWS's escapes resolved.
    fn string(&mut self) -> Result<String, ParseError> {
        let start = self.pos;
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(ParseError::new("unterminated string literal", start)),
                Some('\'') => return Ok(out),
                Some('\\') => match self.bump() {
                    Some(c @ ('\'' | '{' | '}' | '\\')) => out.push(c),
                    // AWS rejects the definition ("must be a valid JSONPath or a valid
                    // intrinsic function call") for any other escape.
                    Some(c) => {
                        let at = self.pos - c.len_utf8() - 1;
                        return Err(ParseError::new(
                            format!(
                                "'\\{c}' is not an escape intrinsic functions allow (only \\', \\{{, \\}} and \\\\)"
                            ),
                            at,
                        ));
                    }
                    None => return Err(ParseError::new("unterminated string literal", start)),
                },
                Some(c) => out.push(c),
            }
        }
    }

    fn number(&mut self) -> Result<serde_json::Number, ParseError> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.bump();
        }
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            self.bump();
        }
        let text = self.text(start, self.pos);
        serde_json::from_str::<serde_json::Number>(text)
            .map_err(|_| ParseError::new(format!("'{text}' is not a valid number"), start))
    }

    /// A path argument runs to the next `,` or `)` (or whitespace) outside brackets and quotes.
    fn path(&mut self) -> Result<jsonpath::Path, ParseError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut parens = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            match quote {
                Some(q) => {
                    if c == '\\' {
                        self.bump();
                    } else if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    '\'' | '"' if depth > 0 => quote = Some(c),
                    '[' => depth += 1,
                    ']' => depth = depth.saturating_sub(1),
                    '(' if depth == 0 => parens += 1,
                    ')' if depth == 0 && parens > 0 => parens -= 1,
                    ',' | ')' if depth == 0 => break,
                    c if c.is_whitespace() && depth == 0 => break,
                    _ => {}
                },
            }
            self.bump();
        }
        let text = self.text(start, self.pos);
        jsonpath::parse(text).map_err(|e| ParseError::new(e.message, start + e.offset))
    }
}
