//! NX207 invalid-timestamp.
use nexus_schema::ir::StateKind;
use serde_json::Value;

use crate::view;
use crate::{Context, Rule, RuleMeta, Sink};

crate::rule::declare_rule! {
    /// ## What it does
    /// Checks the literal timestamps of Wait `Timestamp` and of the Choice operators
    /// `TimestampEquals`, `TimestampLessThan`, `TimestampGreaterThan`, `TimestampLessThanEquals`,
    /// `TimestampGreaterThanEquals`: RFC 3339 with an uppercase `T` between date and time and an
    /// uppercase `Z` or a numeric offset (`2016-08-18T17:33:00Z`, `2016-08-18T17:33:00.5+02:00`),
    /// with a real calendar date and time.
    /// ## Why is this bad?
    /// AWS ("Wait workflow state"): timestamps must conform to the RFC 3339 profile of ISO 8601,
    /// with the further restrictions that an uppercase T separates the date and time and an
    /// uppercase Z denotes a missing numeric offset. `2016-12-05 21:29:29Z` (a space) or
    /// `2016-02-30T00:00:00Z` are rejected (`SCHEMA_VALIDATION_FAILED`).
    /// ## Example
    /// `"Timestamp": "2016-12-05 21:29:29Z"`.
    pub(crate) struct InvalidTimestamp = {
        code: NX207,
        name: "invalid-timestamp",
        severity: Error,
        aws_code: "SCHEMA_VALIDATION_FAILED",
        summary: "A literal timestamp that is not RFC 3339 as AWS reads it.",
    }
}

fn num(s: &str, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| range.contains(n))
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`, uppercase `T` and `Z`, real date and time.
pub(crate) fn is_aws_timestamp(s: &str) -> bool {
    let (Some(date), Some(rest)) = (s.get(..10), s.get(10..)) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix('T') else {
        return false;
    };
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, day] = d.as_slice() else {
        return false;
    };
    let (Some(y), Some(m)) = (
        (y.len() == 4).then(|| num(y, 0..=9999)).flatten(),
        (m.len() == 2).then(|| num(m, 1..=12)).flatten(),
    ) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day.len() != 2 || num(day, 1..=days).is_none() {
        return false;
    }
    let (Some(time), Some(mut tail)) = (rest.get(..8), rest.get(8..)) else {
        return false;
    };
    let t: Vec<&str> = time.split(':').collect();
    let [h, mi, se] = t.as_slice() else {
        return false;
    };
    if [(h, 23), (mi, 59), (se, 59)]
        .iter()
        .any(|(x, max)| x.len() != 2 || num(x, 0..=*max).is_none())
    {
        return false;
    }
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        tail = frac.get(digits..).unwrap_or_default();
    }
    if tail == "Z" {
        return true;
    }
    let Some(off) = tail.strip_prefix('+').or_else(|| tail.strip_prefix('-')) else {
        return false;
    };
    let o: Vec<&str> = off.split(':').collect();
    matches!(o.as_slice(), [oh, om] if oh.len() == 2 && om.len() == 2
        && num(oh, 0..=23).is_some() && num(om, 0..=59).is_some())
}

/// `ptr` builds the value's pointer, only for a finding.
fn check_value(
    ctx: &Context<'_>,
    sink: &mut Sink,
    v: &Value,
    ptr: &dyn Fn() -> String,
    field: &str,
) {
    let Some(s) = v.as_str() else { return };
    // A JSONata expression (NX208 says whether it is allowed) or a deploy-time placeholder.
    if view::is_jsonata(v) || view::has_placeholder(s) || is_aws_timestamp(s) {
        return;
    }
    let mut d = META.at(
        ptr(),
        format!(
            "`{}` is not a timestamp AWS accepts: {s:?}",
            ctx.field(field)
        ),
    );
    d = if s.len() > 10
        && s.as_bytes()
            .get(10)
            .is_some_and(|b| *b == b' ' || *b == b't')
    {
        d.help("separate date and time with an uppercase `T`, e.g. `2016-12-05T21:29:29Z`")
    } else {
        d.help("use RFC 3339 with an uppercase `T` and `Z` (or an offset), e.g. `2026-01-01T00:00:00Z`")
    };
    sink.push(d);
}

fn walk_rule(ctx: &Context<'_>, sink: &mut Sink, rule: &Value, ptr: &dyn Fn() -> String) {
    let Some(obj) = rule.as_object() else { return };
    for (k, v) in obj {
        let p = || nexus_schema::pointer::push(&ptr(), k);
        match k.as_str() {
            "And" | "Or" => {
                let p = p();
                for (i, r) in v.as_array().into_iter().flatten().enumerate() {
                    walk_rule(ctx, sink, r, &|| nexus_schema::pointer::push_index(&p, i));
                }
            }
            "Not" => {
                let p = p();
                walk_rule(ctx, sink, v, &|| p.clone());
            }
            op if op.starts_with("Timestamp") && !op.ends_with("Path") => {
                check_value(ctx, sink, v, &p, k);
            }
            _ => {}
        }
    }
}

impl Rule for InvalidTimestamp {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &Context<'_>, sink: &mut Sink) {
        for s in ctx.states() {
            match s.kind {
                StateKind::Wait => {
                    if let Some(v) = s.get("Timestamp") {
                        check_value(ctx, sink, v, &|| s.at("Timestamp"), "Timestamp");
                    }
                }
                StateKind::Choice => {
                    let choices = s.get("Choices").and_then(Value::as_array);
                    for (i, r) in choices.into_iter().flatten().enumerate() {
                        walk_rule(ctx, sink, r, &|| format!("{}/{i}", s.at("Choices")));
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_aws_timestamp;

    #[test]
    fn reads_timestamps_as_aws_does() {
        for ok in [
            "2016-08-18T17:33:00Z",
            "2016-03-14T01:59:00.123Z",
            "2016-03-14T01:59:00+02:00",
            "2024-02-29T23:59:59-11:30",
        ] {
            assert!(is_aws_timestamp(ok), "{ok}");
        }
        for bad in [
            "2016-12-05 21:29:29Z",
            "2016-12-05t21:29:29Z",
            "2016-12-05T21:29:29z",
            "2016-12-05T21:29:29",
            "2016-02-30T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2016-12-05T24:00:00Z",
            "2016-12-05T21:29:29.Z",
            "2016-12-05T21:29:29+0200",
            "16-12-05T21:29:29Z",
            "",
            "2016-12-05T21:29:29Zjunk",
        ] {
            assert!(!is_aws_timestamp(bad), "{bad}");
        }
    }
}

#[cfg(test)]
mod fixture_tests {
    crate::testing::fixture_snapshots!(NX207);
}
