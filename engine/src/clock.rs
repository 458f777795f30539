//! Time source of an execution. The [`VirtualClock`] (default) makes `Wait` states and retry
//! back-off instant while still moving `$$.State.EnteredTime` and timestamps forward, so tests
//! are fast and deterministic; the [`RealClock`] sleeps for real.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicI64, Ordering};

/// A boxed future returned by [`Clock::sleep_until`].
pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Source of "now" and of waiting, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Current time, milliseconds since the Unix epoch.
    fn now_ms(&self) -> i64;
    /// Completes once [`Clock::now_ms`] is at least `deadline_ms`.
    fn sleep_until(&self, deadline_ms: i64) -> Sleep<'_>;
    /// True when waiting costs no real time (lets the engine skip timers).
    fn is_virtual(&self) -> bool;
}

/// A clock that jumps forward instead of sleeping. Concurrent sleepers (Parallel branches)
/// move it to the latest deadline, never backwards.
#[derive(Debug)]
pub struct VirtualClock {
    now: AtomicI64,
}

impl VirtualClock {
    /// A virtual clock starting at `start_ms` (milliseconds since the Unix epoch).
    pub fn new(start_ms: i64) -> Self {
        Self {
            now: AtomicI64::new(start_ms),
        }
    }

    /// A virtual clock starting at the current wall-clock time.
    pub fn starting_now() -> Self {
        Self::new(RealClock.now_ms())
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::Relaxed)
    }

    fn sleep_until(&self, deadline_ms: i64) -> Sleep<'_> {
        self.now.fetch_max(deadline_ms, Ordering::Relaxed);
        Box::pin(std::future::ready(()))
    }

    fn is_virtual(&self) -> bool {
        true
    }
}

/// The wall clock; sleeping uses tokio timers.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealClock;

impl Clock for RealClock {
    fn now_ms(&self) -> i64 {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
    }

    fn sleep_until(&self, deadline_ms: i64) -> Sleep<'_> {
        let wait = deadline_ms.saturating_sub(self.now_ms()).max(0);
        let wait = std::time::Duration::from_millis(u64::try_from(wait).unwrap_or(0));
        Box::pin(tokio::time::sleep(wait))
    }

    fn is_virtual(&self) -> bool {
        false
    }
}

/// Formats epoch milliseconds as Step Functions does in the context object
/// (`2024-01-01T00:00:00.000Z`: ISO 8601, UTC, millisecond precision).
pub(crate) fn format_iso_ms(ms: i64) -> String {
    let nanos = i128::from(ms).saturating_mul(1_000_000);
    match time::OffsetDateTime::from_unix_timestamp_nanos(nanos) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second(),
            t.millisecond()
        ),
        Err(_) => String::from("1970-01-01T00:00:00.000Z"),
    }
}

/// Parses an RFC 3339 timestamp (the only form `Wait.Timestamp` and the Timestamp* Choice
/// operators accept) into epoch nanoseconds.
pub(crate) fn parse_rfc3339_nanos(s: &str) -> Option<i128> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(time::OffsetDateTime::unix_timestamp_nanos)
}

/// Parses an ISO-8601 *extended offset* date-time, the only form a Wait state's `Timestamp`
/// and `TimestampPath` accept (ASL, Wait State), into epoch nanoseconds: `2016-03-14T01:59:00Z`
/// or with `+hh:mm`, fractions allowed. RFC 3339's other date-time separators (a space) and
/// leap seconds are not ISO-8601 extended format, so they fail here, as a missing offset,
/// month 13 or hour 25 do.
pub(crate) fn parse_iso8601_offset_nanos(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    if !matches!(b.get(10), Some(b'T' | b't')) || b.get(17..19) == Some(b"60".as_slice()) {
        return None;
    }
    parse_rfc3339_nanos(s)
}

#[cfg(test)]
mod tests {
    use super::parse_iso8601_offset_nanos as parse;

    #[test]
    fn wait_timestamps_must_be_iso8601_extended_offset() {
        assert!(parse("2016-03-14T01:59:00Z").is_some());
        assert!(parse("2016-03-14T01:59:00.123+02:00").is_some());
        assert_eq!(
            parse("2016-03-14T03:59:00+02:00"),
            parse("2016-03-14T01:59:00Z")
        );
        for bad in [
            "2016-03-14 01:59:00Z", // a space instead of `T`
            "2016-03-14T01:59:00",  // no offset
            "2016-13-14T01:59:00Z", // month 13
            "2016-03-14T25:59:00Z", // hour 25
            "2016-12-31T23:59:60Z", // leap second
            "2016-03-14",           // a date alone
            "",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
