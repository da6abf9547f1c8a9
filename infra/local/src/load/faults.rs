//! The fault phase: DynamoDB Local paused (SIGSTOP: connections open, nothing answers), resumed,
//! stopped (connections refused), and started again on the same on-disk data, while the users go
//! on. Only the DynamoDB Local this run started (its pid file) is ever signalled.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

/// A span of time in which the store was (or was just) unavailable: a 503 from a request that
/// overlaps it is the expected answer.
#[derive(Debug, Clone)]
pub struct FaultWindow {
    pub what: &'static str,
    pub start: Instant,
    /// When the store was back.
    pub back: Instant,
    /// `back` plus the recovery allowance ([`FaultPlan::recovery`]): until then a 503 is expected.
    pub end: Instant,
    /// How long the outage itself lasted (without the allowance).
    pub outage: Duration,
}

impl FaultWindow {
    pub fn overlaps(&self, from: Instant, to: Instant) -> bool {
        from <= self.end && to >= self.start
    }

    /// A 503 answered at `answered` came in this window's recovery: after the store was back.
    pub fn refused_in_recovery(&self, answered: Instant, status: Option<u16>) -> bool {
        status == Some(503) && answered > self.back && answered <= self.end
    }
}

/// The DynamoDB Local of this run, driven through `infra/dynamodb-local.sh`.
#[derive(Debug, Clone)]
pub struct DynamoLocal {
    pub script: PathBuf,
    pub port: u16,
    pub data_dir: PathBuf,
    pub pidfile: PathBuf,
}

impl DynamoLocal {
    fn pid(&self) -> Result<String, String> {
        let pid = std::fs::read_to_string(&self.pidfile).map_err(|e| format!("{}: {e}", self.pidfile.display()))?;
        let pid = pid.trim().to_string();
        // Never signal anything but the DynamoDB Local of this pid file.
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).map_err(|e| format!("pid {pid}: {e}"))?;
        if !String::from_utf8_lossy(&cmdline).contains("DynamoDBLocal.jar") {
            return Err(format!("pid {pid} is not DynamoDB Local"));
        }
        Ok(pid)
    }

    fn signal(&self, signal: &str) -> Result<(), String> {
        let pid = self.pid()?;
        let status = Command::new("kill").arg(format!("-{signal}")).arg(&pid).status().map_err(|e| e.to_string())?;
        status.success().then_some(()).ok_or_else(|| format!("kill -{signal} {pid} failed"))
    }

    pub fn pause(&self) -> Result<(), String> {
        self.signal("STOP")
    }

    pub fn resume(&self) -> Result<(), String> {
        self.signal("CONT")
    }

    fn script(&self, args: &[&str]) -> Result<(), String> {
        let status = Command::new(&self.script).args(args).status().map_err(|e| e.to_string())?;
        status.success().then_some(()).ok_or_else(|| format!("{} {args:?} failed", self.script.display()))
    }

    pub fn stop(&self) -> Result<(), String> {
        self.script(&["stop", &self.pidfile.to_string_lossy()])
    }

    /// Returns once the port answers again.
    pub fn start(&self) -> Result<(), String> {
        self.script(&["start", &self.port.to_string(), &self.data_dir.to_string_lossy(), &self.pidfile.to_string_lossy()])
    }
}

/// When, from the start of the run, each fault begins and how long it lasts.
#[derive(Debug, Clone)]
pub struct FaultPlan {
    pub pause_at: Duration,
    pub pause_for: Duration,
    pub stop_at: Duration,
    pub stop_for: Duration,
    /// The least time after the store is back in which a 503 is still expected.
    pub min_recovery: Duration,
}

impl FaultPlan {
    /// Pause a quarter into the run, stop half-way, start again soon after.
    pub fn for_duration(duration: Duration, min_recovery: Duration) -> Self {
        let pause_for = (duration / 8).clamp(Duration::from_secs(2), Duration::from_secs(8));
        FaultPlan {
            pause_at: duration / 4,
            pause_for,
            stop_at: duration / 2,
            stop_for: (duration / 12).clamp(Duration::from_secs(1), Duration::from_secs(5)),
            min_recovery,
        }
    }

    /// How long after an outage of `outage` a 503 is still the expected answer: twice the outage
    /// (at least `min_recovery`). An outage leaves a backlog as long as itself: the requests a
    /// paused DynamoDB Local received and runs when it resumes (their callers gave up long ago),
    /// and the retries of everyone it cut off. A store that serves the steady load at two thirds
    /// of its capacity works off a backlog of T seconds in 2T; a system that takes longer, or
    /// that answers 503 outside a fault at all, fails the run. The report gives the recovery
    /// each fault actually took.
    pub fn recovery(&self, outage: Duration) -> Duration {
        (outage * 2).max(self.min_recovery)
    }
}

/// Run the plan from `started`; returns the windows as they happened. A failure to drive the
/// store is an error of the run itself.
pub async fn run(db: DynamoLocal, plan: FaultPlan, started: Instant) -> Result<Vec<FaultWindow>, String> {
    let mut windows = Vec::new();
    tokio::time::sleep_until((started + plan.pause_at).into()).await;
    let paused = Instant::now();
    db.pause()?;
    eprintln!("fault: DynamoDB Local paused (SIGSTOP) at {:.1} s", (paused - started).as_secs_f64());
    tokio::time::sleep(plan.pause_for).await;
    db.resume()?;
    let resumed = Instant::now();
    eprintln!("fault: DynamoDB Local resumed (SIGCONT) at {:.1} s", (resumed - started).as_secs_f64());
    let outage = resumed - paused;
    windows.push(FaultWindow { what: "paused", start: paused, back: resumed, end: resumed + plan.recovery(outage), outage });

    tokio::time::sleep_until((started + plan.stop_at).into()).await;
    let stopped = Instant::now();
    let handle = {
        let db = db.clone();
        let stop_for = plan.stop_for;
        tokio::task::spawn_blocking(move || -> Result<(), String> {
            db.stop()?;
            std::thread::sleep(stop_for);
            db.start()
        })
    };
    eprintln!("fault: DynamoDB Local stopped at {:.1} s", (stopped - started).as_secs_f64());
    handle.await.map_err(|e| e.to_string())??;
    let back = Instant::now();
    eprintln!("fault: DynamoDB Local started again and listening at {:.1} s", (back - started).as_secs_f64());
    let outage = back - stopped;
    windows.push(FaultWindow { what: "stopped and restarted", start: stopped, back, end: back + plan.recovery(outage), outage });
    Ok(windows)
}

/// How long after the store was back the last 503 came: the recovery the window actually took
/// (zero when nothing after `back` was refused). `samples`: (started, elapsed, status).
pub fn measured_recovery(window: &FaultWindow, answers: impl Iterator<Item = (Instant, Duration, Option<u16>)>) -> Duration {
    answers
        .filter(|(started, elapsed, status)| window.refused_in_recovery(*started + *elapsed, *status))
        .map(|(started, elapsed, _)| started + elapsed - window.back)
        .max()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_is_twice_the_outage_and_never_below_the_minimum() {
        let plan = FaultPlan::for_duration(Duration::from_secs(60), Duration::from_secs(5));
        assert_eq!(plan.recovery(Duration::from_millis(7_500)), Duration::from_secs(15));
        assert_eq!(plan.recovery(Duration::from_secs(1)), Duration::from_secs(5));
    }

    #[test]
    fn recovery_is_measured_from_the_store_coming_back_to_the_last_503_in_the_window() {
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        let window = FaultWindow { what: "paused", start: at(10), back: at(20), end: at(40), outage: Duration::from_secs(10) };
        let answers = vec![
            (at(12), Duration::from_secs(2), Some(503)), // in the outage
            (at(24), Duration::from_secs(3), Some(503)), // answered 7 s after the store was back
            (at(30), Duration::from_secs(1), Some(200)),
            (at(50), Duration::from_secs(1), Some(503)), // outside the window: not this fault's
        ];
        assert_eq!(measured_recovery(&window, answers.into_iter()), Duration::from_secs(7));
        assert_eq!(measured_recovery(&window, std::iter::empty()), Duration::ZERO);
    }
}

