//! What the simulated users were told: every response (route, status, timing), and the facts the
//! read-back checks against the table: who won which accept, which messages and solutions were
//! acknowledged, and which writes ended without a clear answer.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct Sample {
    pub route: &'static str,
    /// `None`: no HTTP answer within the client's timeout (a hang) or no connection.
    pub status: Option<u16>,
    pub started: Instant,
    pub elapsed: Duration,
}

/// A message a simulated user sent, by its marker.
#[derive(Debug, Clone)]
pub struct SentMessage {
    pub marker: String,
    /// The session the acknowledgement named (for an ambiguous one: the session it was meant for,
    /// if known).
    pub session_id: Option<String>,
}

#[derive(Default)]
pub struct Journal {
    samples: Mutex<Vec<Sample>>,
    requests: AtomicUsize,
    /// (session, agent) for every 200 on accept.
    pub accepts_won: Mutex<Vec<(String, String)>>,
    /// (session, agent) for every accept that ended without an answer (a 503 to the last retry):
    /// it may or may not have been applied.
    pub accepts_unsure: Mutex<Vec<(String, String)>>,
    /// Messages answered 2xx: each must be stored exactly once, in that session.
    pub messages_acked: Mutex<Vec<SentMessage>>,
    /// Messages whose last answer was not a 2xx: stored at most once.
    pub messages_unsure: Mutex<Vec<SentMessage>>,
    /// Solutions answered 2xx: (solution id, session id).
    pub solutions_acked: Mutex<Vec<(String, String)>>,
    /// Resolves answered 2xx: (session, agent).
    pub resolves_acked: Mutex<Vec<(String, String)>>,
    /// Things a simulated user saw that break the rules (a 2xx body it could not read, a 403, ...).
    pub failures: Mutex<Vec<String>>,
    /// How often each answer other than a 2xx was seen: (route, status, error code).
    pub refusals: Mutex<std::collections::BTreeMap<(String, u16, String), usize>>,
}

impl Journal {
    pub fn record(&self, sample: Sample) {
        self.samples.lock().unwrap().push(sample);
    }

    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn samples(&self) -> Vec<Sample> {
        self.samples.lock().unwrap().clone()
    }

    pub fn note_refusal(&self, route: &str, status: u16, code: &str) {
        *self.refusals.lock().unwrap().entry((route.to_string(), status, code.to_string())).or_default() += 1;
    }

    pub fn note_failure(&self, what: String) {
        let mut failures = self.failures.lock().unwrap();
        if failures.len() < 10_000 {
            failures.push(what);
        }
    }
}
