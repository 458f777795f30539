//! The token level of the JSON loader: whitespace, strings, numbers and literals, per
//! RFC 8259. Every function works on byte offsets into the original text, so spans need no
//! conversion, and reports errors at the offending byte.

use std::borrow::Cow;

use serde_json::{Number, Value};

use crate::location::TextRange;

/// A syntax error: where and what. The parser adds the pointer and turns it into a diagnostic.
#[derive(Debug)]
pub(super) struct SyntaxError {
    pub(super) span: TextRange,
    pub(super) message: String,
}

pub(super) type LexResult<T> = Result<T, SyntaxError>;

/// A cursor over the source text.
pub(super) struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Lexer<'a> {
    pub(super) fn new(src: &'a str, pos: usize) -> Self {
        Self {
            src,
            bytes: src.as_bytes(),
            pos,
        }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(super) fn at_end(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// RFC 8259 §2: insignificant whitespace is space, tab, LF and CR (so CRLF is fine).
    #[inline]
    pub(super) fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    /// An error covering the character at `at` (empty at the end of the text).
    pub(super) fn error_at(&self, at: usize, message: impl Into<String>) -> SyntaxError {
        let len = self
            .src
            .get(at..)
            .and_then(|rest| rest.chars().next())
            .map_or(0, char::len_utf8);
        SyntaxError {
            span: TextRange::new(at, at + len),
            message: message.into(),
        }
    }

    /// An error at the current position, naming what was found there.
    pub(super) fn unexpected(&self, expected: &str) -> SyntaxError {
        match self
            .src
            .get(self.pos..)
            .and_then(|rest| rest.chars().next())
        {
            Some(c) => self.error_at(self.pos, format!("{expected}, found {}", describe(c))),
            None => self.error_at(self.pos, format!("unexpected end of input: {expected}")),
        }
    }

    /// A scalar value: string, number, `true`, `false` or `null`.
    pub(super) fn scalar(&mut self) -> LexResult<Value> {
        match self.peek() {
            Some(b'"') => Ok(Value::String(self.string()?.into_owned())),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            _ => Err(self.unexpected("expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> LexResult<Value> {
        let end = self.pos + word.len();
        if self.bytes.get(self.pos..end) == Some(word.as_bytes()) {
            self.pos = end;
            Ok(value)
        } else {
            // Point at the first byte that differs from the literal.
            let same = word
                .bytes()
                .zip(self.bytes.get(self.pos..).unwrap_or_default())
                .take_while(|(a, b)| a == *b)
                .count();
            self.pos += same;
            Err(self.unexpected(&format!("expected `{word}`")))
        }
    }

    /// A string token; the cursor is on the opening quote. Borrowed when it has no escapes.
    pub(super) fn string(&mut self) -> LexResult<Cow<'a, str>> {
        let open = self.pos;
        self.pos += 1;
        let start = self.pos;
        // Fast path: most strings have no escapes, so the text between the quotes is the value.
        loop {
            self.pos = plain_run(self.bytes, self.pos);
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    let s = self.slice(start, self.pos);
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(&b) if b < 0x20 => return Err(self.control_char(b)),
                Some(_) => self.pos += 1,
                None => return Err(self.error_at(open, "unterminated string")),
            }
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(self.slice(start, self.pos));
        loop {
            let run = self.pos;
            self.pos = plain_run(self.bytes, self.pos);
            out.push_str(self.slice(run, self.pos));
            match self.bytes.get(self.pos) {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(&b) => return Err(self.control_char(b)),
                None => return Err(self.error_at(open, "unterminated string")),
            }
        }
    }

    /// `start..end` lies between ASCII bytes found by the scan, so it is on char boundaries.
    fn slice(&self, start: usize, end: usize) -> &'a str {
        self.src.get(start..end).unwrap_or_default()
    }

    fn control_char(&self, b: u8) -> SyntaxError {
        // RFC 8259 §7: U+0000 through U+001F must be escaped inside strings.
        let hint = match b {
            b'\n' => " (unterminated string, or a raw line break: write it as `\\n`)",
            b'\t' => " (write it as `\\t`)",
            b'\r' => " (write it as `\\r`)",
            _ => "",
        };
        self.error_at(
            self.pos,
            format!("control character U+{b:04X} is not allowed in a string{hint}"),
        )
    }

    /// One escape sequence; the cursor is on the backslash (RFC 8259 §7).
    fn escape(&mut self, out: &mut String) -> LexResult<()> {
        let at = self.pos;
        let c = match self.bytes.get(self.pos + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 2;
                return self.unicode_escape(at, out);
            }
            Some(_) => {
                let found = self.src.get(at..).and_then(|r| r.chars().nth(1));
                let mut e = self.error_at(at, "invalid escape sequence");
                if let Some(ch) = found {
                    e.span.end = at + 1 + ch.len_utf8();
                    e.message = format!("invalid escape sequence `\\{}`", ch.escape_debug());
                }
                return Err(e);
            }
            None => return Err(self.error_at(at, "unterminated string")),
        };
        out.push(c);
        self.pos += 2;
        Ok(())
    }

    /// `\uXXXX`, with UTF-16 surrogate pairs. Lone surrogates are rejected, as serde_json does
    /// when it produces a Rust `String` (they have no UTF-8 form).
    fn unicode_escape(&mut self, at: usize, out: &mut String) -> LexResult<()> {
        let n = self.hex4(at)?;
        let code = match n {
            0xD800..=0xDBFF => {
                let second = self.pos;
                if self.bytes.get(self.pos) != Some(&b'\\')
                    || self.bytes.get(self.pos + 1) != Some(&b'u')
                {
                    return Err(SyntaxError {
                        span: TextRange::new(at, self.pos),
                        message: format!(
                            "lone leading surrogate `\\u{n:04X}`: it must be followed by a `\\uDC00`-`\\uDFFF` escape"
                        ),
                    });
                }
                self.pos += 2;
                let low = self.hex4(second)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(SyntaxError {
                        span: TextRange::new(at, self.pos),
                        message: format!(
                            "lone leading surrogate `\\u{n:04X}`: `\\u{low:04X}` is not a trailing surrogate"
                        ),
                    });
                }
                0x1_0000 + ((n - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(SyntaxError {
                    span: TextRange::new(at, self.pos),
                    message: format!("lone trailing surrogate `\\u{n:04X}`"),
                });
            }
            _ => n,
        };
        // Not a surrogate, or a valid pair: always a scalar value.
        out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
        Ok(())
    }

    fn hex4(&mut self, escape_start: usize) -> LexResult<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let digit = match self.bytes.get(self.pos) {
                Some(&b) => (b as char).to_digit(16),
                None => None,
            };
            match digit {
                Some(d) => n = n * 16 + d,
                None if self.at_end() => {
                    return Err(self.error_at(escape_start, "unterminated `\\u` escape"));
                }
                None => {
                    return Err(self.error_at(
                        self.pos,
                        "invalid `\\u` escape: expected 4 hexadecimal digits",
                    ));
                }
            }
            self.pos += 1;
        }
        Ok(n)
    }

    /// A number token (RFC 8259 §6), converted exactly as serde_json converts it.
    fn number(&mut self) -> LexResult<Value> {
        let start = self.pos;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                if let Some(b'0'..=b'9') = self.peek() {
                    return Err(self.error_at(self.pos, "leading zeros are not allowed in numbers"));
                }
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.unexpected("expected a digit")),
        }
        let int_end = self.pos;
        let mut is_integer = true;
        if self.peek() == Some(b'.') {
            is_integer = false;
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            is_integer = false;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.unexpected("expected a digit in the exponent"));
            }
            self.digits();
        }
        let token = self.slice(start, self.pos);
        let digit_start = start + usize::from(negative);
        // Fast path for the common case: up to 18 digits always fit u64 / i64 exactly, and
        // serde_json makes non-negative integers u64 and negative ones i64. `-0` is left to
        // serde_json (it becomes the float -0.0).
        if is_integer && int_end - digit_start <= 18 {
            let mut v: u64 = 0;
            for &b in self.bytes.get(digit_start..int_end).unwrap_or_default() {
                v = v * 10 + u64::from(b - b'0');
            }
            if !negative {
                return Ok(Value::Number(Number::from(v)));
            }
            if v != 0 {
                // v < 10^18 < i64::MAX.
                return Ok(Value::Number(Number::from(-(v as i64))));
            }
        }
        match serde_json::from_str::<Number>(token) {
            Ok(n) => Ok(Value::Number(n)),
            Err(e) => Err(SyntaxError {
                span: TextRange::new(start, self.pos),
                message: format!("invalid number `{token}`: {}", strip_position(&e)),
            }),
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }
}

/// The first offset from `at` holding a byte that ends a plain run of string text: `"`, `\\`
/// or a control character (or the end of the text). Eight bytes at a time: in a word `x`,
/// `(x - 0x01..) & !x & 0x80..` flags the bytes that are zero (and `< n` with `n` for `0x01`),
/// the lowest flag being exact, which is the one taken.
fn plain_run(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let Ok(word) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let x = u64::from_le_bytes(word);
        let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
        let hits = zero(x ^ (ONES * u64::from(b'"')))
            | zero(x ^ (ONES * u64::from(b'\\')))
            | (x.wrapping_sub(ONES * 0x20) & !x & HIGH);
        if hits != 0 {
            return at + (hits.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&b) = bytes.get(at) {
        if b == b'"' || b == b'\\' || b < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

/// serde_json's message without its " at line 1 column N" suffix (our span says where).
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// How to name a character found where something else was expected.
pub(super) fn describe(c: char) -> String {
    match c {
        '\n' => "a line break".to_string(),
        '\t' => "a tab".to_string(),
        '\u{feff}' => "a byte order mark".to_string(),
        c if c.is_control() => format!("U+{:04X}", u32::from(c)),
        c => format!("`{c}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::plain_run;

    fn naive(bytes: &[u8], at: usize) -> usize {
        bytes
            .iter()
            .skip(at)
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
            .map_or(bytes.len(), |i| at + i)
    }

    #[test]
    fn plain_run_finds_the_first_stop_byte() {
        let fillers = [
            b'a', b' ', b'!', b'#', b'[', b']', 0x7f, 0x80, 0xc3, 0xff, 0x21, 0x5b,
        ];
        let stops = [b'"', b'\\', 0x00, 0x01, 0x0a, 0x1f];
        for len in 0..24 {
            for &fill in &fillers {
                let base = vec![fill; len];
                assert_eq!(plain_run(&base, 0), len);
                for at in 0..len {
                    for &stop in &stops {
                        let mut b = base.clone();
                        b[at] = stop;
                        // A second stop later must not win over the first.
                        if at + 3 < len {
                            b[at + 3] = b'"';
                        }
                        for from in 0..=at {
                            assert_eq!(plain_run(&b, from), naive(&b, from), "{b:?} from {from}");
                        }
                    }
                }
            }
        }
    }
}
