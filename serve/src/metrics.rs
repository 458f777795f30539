//! Prometheus text at `/metrics`: executions by outcome, their durations, state transitions
//! and open callbacks.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// Upper bounds of the duration histogram, in seconds.
const BUCKETS: [f64; 10] = [0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 300.0, 3600.0];

/// Counters of the service.
#[derive(Debug, Default)]
pub struct Metrics {
    /// Executions started (StartExecution, StartSyncExecution, child executions).
    pub started: AtomicU64,
    succeeded: AtomicU64,
    failed: AtomicU64,
    timed_out: AtomicU64,
    aborted: AtomicU64,
    /// State transitions of finished executions.
    pub transitions: AtomicU64,
    buckets: [AtomicU64; BUCKETS.len()],
    duration_ms_sum: AtomicU64,
    count: AtomicU64,
}

impl Metrics {
    /// Counts an ended execution.
    pub fn ended(&self, status: &str, duration_ms: i64) {
        let c = match status {
            "SUCCEEDED" => &self.succeeded,
            "TIMED_OUT" => &self.timed_out,
            "ABORTED" => &self.aborted,
            _ => &self.failed,
        };
        c.fetch_add(1, Ordering::Relaxed);
        let ms = u64::try_from(duration_ms).unwrap_or(0);
        let secs = ms as f64 / 1000.0;
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            if secs <= le {
                b.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.duration_ms_sum.fetch_add(ms, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The exposition text.
    pub fn render(&self, open_callbacks: usize, running: usize) -> String {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let mut s = String::new();
        let _ = writeln!(
            s,
            "# HELP nexus_executions_started_total Executions started.\n# TYPE nexus_executions_started_total counter\nnexus_executions_started_total {}",
            g(&self.started)
        );
        let _ = writeln!(
            s,
            "# HELP nexus_executions_ended_total Executions ended, by status.\n# TYPE nexus_executions_ended_total counter"
        );
        for (status, c) in [
            ("SUCCEEDED", &self.succeeded),
            ("FAILED", &self.failed),
            ("TIMED_OUT", &self.timed_out),
            ("ABORTED", &self.aborted),
        ] {
            let _ = writeln!(
                s,
                "nexus_executions_ended_total{{status=\"{status}\"}} {}",
                g(c)
            );
        }
        let _ = writeln!(
            s,
            "# HELP nexus_executions_running Executions running now.\n# TYPE nexus_executions_running gauge\nnexus_executions_running {running}"
        );
        let _ = writeln!(
            s,
            "# HELP nexus_execution_duration_seconds Start to end of executions.\n# TYPE nexus_execution_duration_seconds histogram"
        );
        for (b, le) in self.buckets.iter().zip(BUCKETS) {
            let _ = writeln!(
                s,
                "nexus_execution_duration_seconds_bucket{{le=\"{le}\"}} {}",
                g(b)
            );
        }
        let _ = writeln!(
            s,
            "nexus_execution_duration_seconds_bucket{{le=\"+Inf\"}} {}\nnexus_execution_duration_seconds_sum {}\nnexus_execution_duration_seconds_count {}",
            g(&self.count),
            g(&self.duration_ms_sum) as f64 / 1000.0,
            g(&self.count)
        );
        let _ = writeln!(
            s,
            "# HELP nexus_state_transitions_total State transitions of ended executions.\n# TYPE nexus_state_transitions_total counter\nnexus_state_transitions_total {}",
            g(&self.transitions)
        );
        let _ = writeln!(
            s,
            "# HELP nexus_open_callbacks Tasks waiting for SendTaskSuccess/Failure (callbacks and activities).\n# TYPE nexus_open_callbacks gauge\nnexus_open_callbacks {open_callbacks}"
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.ended("SUCCEEDED", 3);
        m.ended("FAILED", 2_000);
        let t = m.render(1, 0);
        assert!(t.contains("nexus_executions_ended_total{status=\"SUCCEEDED\"} 1"));
        assert!(t.contains("nexus_executions_ended_total{status=\"FAILED\"} 1"));
        assert!(t.contains("nexus_execution_duration_seconds_bucket{le=\"0.005\"} 1"));
        assert!(t.contains("nexus_execution_duration_seconds_bucket{le=\"5\"} 2"));
        assert!(t.contains("nexus_open_callbacks 1"));
    }
}
