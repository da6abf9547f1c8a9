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
    /// When the store was back, plus the grace that lets requests caught in the outage finish.
    pub end: Instant,
    /// How long the outage itself lasted (without the grace).
    pub outage: Duration,
}

impl FaultWindow {
    pub fn overlaps(&self, from: Instant, to: Instant) -> bool {
        from <= self.end && to >= self.start
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
    /// After the store is back, requests caught in the outage may still end in a 503 this long.
    pub grace: Duration,
}

impl FaultPlan {
    /// Pause a quarter into the run, stop half-way, start again soon after.
    pub fn for_duration(duration: Duration, grace: Duration) -> Self {
        let pause_for = (duration / 8).clamp(Duration::from_secs(2), Duration::from_secs(8));
        FaultPlan {
            pause_at: duration / 4,
            pause_for,
            stop_at: duration / 2,
            stop_for: (duration / 12).clamp(Duration::from_secs(1), Duration::from_secs(5)),
            grace,
        }
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
    windows.push(FaultWindow { what: "paused", start: paused, end: resumed + plan.grace, outage: resumed - paused });

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
    windows.push(FaultWindow { what: "stopped and restarted", start: stopped, end: back + plan.grace, outage: back - stopped });
    Ok(windows)
}
