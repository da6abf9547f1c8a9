//! How long the local JWT authorizer takes per request: verify one issued token many times
//! (header, key id, RS256 signature, claims, the string map handed to the handler).

use std::time::Instant;
use workbench_local::identity::{LocalIdentity, TokenRequest};
use workbench_local::latency::stats;

const RUNS: usize = 20_000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let identity = LocalIdentity::ephemeral()?;
    let request = TokenRequest {
        sub: "agent-001".into(),
        name: Some("Ada Chen".into()),
        groups: vec!["agent".into(), "reviewer".into()],
        expires_in: None,
    };
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH)?.as_secs();
    let header = format!("Bearer {}", identity.issue(&request, now)?.access_token);
    for _ in 0..1_000 {
        identity.verify(&header).map_err(|e| e.to_string())?;
    }
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let started = Instant::now();
        let claims = identity.verify(&header).map_err(|e| e.to_string())?;
        samples.push(started.elapsed());
        std::hint::black_box(claims);
    }
    let s = stats(samples);
    println!("| local JWT verification (RS256, 2048-bit) | {RUNS} | {:.1} | {:.1} |", s.p50.as_secs_f64() * 1e6, s.p99.as_secs_f64() * 1e6);
    Ok(())
}
