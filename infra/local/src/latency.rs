//! Latency percentiles for the benchmarks.

use std::time::Duration;

pub struct Stats {
    pub p50: Duration,
    pub p99: Duration,
}

/// The sample at quantile `q` (nearest rank) of samples sorted ascending.
pub fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q).round() as usize]
}

pub fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    Stats { p50: percentile(&samples, 0.50), p99: percentile(&samples, 0.99) }
}

/// Milliseconds with two decimals.
pub fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}
