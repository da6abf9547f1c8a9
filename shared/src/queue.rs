//! The queue's rules, pure: how long a session may wait at a priority before it is raised
//! (aging), the first-response target per priority (SLA), an agent's capacity, the auto-release
//! timeout, and the figures derived from them (waiting time, SLA breach, wait and handle-time
//! histograms). No I/O and no clock: `now` is always passed in.

use crate::domain::EscalationPriority;
use chrono::{DateTime, Duration, Utc};
use std::fmt;

/// Minutes per priority, indexed by [`EscalationPriority::queue_rank`]; `None` is "never".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PriorityMinutes([Option<u32>; 5]);

impl PriorityMinutes {
    pub const NONE: PriorityMinutes = PriorityMinutes([None; 5]);

    pub fn get(&self, priority: EscalationPriority) -> Option<u32> {
        self.0[priority.queue_rank() as usize]
    }

    pub fn with(mut self, priority: EscalationPriority, minutes: Option<u32>) -> Self {
        self.0[priority.queue_rank() as usize] = minutes;
        self
    }

    /// `"medium=10,high=5"`: the levels listed, each with its minutes; every other level has
    /// none. `""` and `"off"` list none.
    pub fn parse(spec: &str) -> Result<Self, String> {
        let spec = spec.trim();
        let mut minutes = PriorityMinutes::NONE;
        if spec.is_empty() || spec.eq_ignore_ascii_case("off") {
            return Ok(minutes);
        }
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) =
                part.split_once('=').ok_or_else(|| format!("`{part}` is not `priority=minutes`"))?;
            let priority = EscalationPriority::parse(name.trim())
                .ok_or_else(|| format!("`{}` is not a priority (highest, high, medium, low, info)", name.trim()))?;
            let value: u32 = value
                .trim()
                .parse()
                .ok()
                .filter(|m| *m >= 1 && *m <= 7 * 24 * 60)
                .ok_or_else(|| format!("`{part}`: minutes must be a whole number from 1 to 10080"))?;
            minutes = minutes.with(priority, Some(value));
        }
        Ok(minutes)
    }
}

impl fmt::Display for PriorityMinutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = EscalationPriority::ALL
            .iter()
            .filter_map(|p| self.get(*p).map(|m| format!("{}={m}", p.as_str())))
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// Default aging: how long a session may wait at its current priority before it is raised one
/// level. `highest` cannot be raised.
pub const DEFAULT_AGING: &str = "info=30,low=20,medium=10,high=5";
/// Default first-response targets, from escalation.
pub const DEFAULT_FIRST_RESPONSE: &str = "highest=2,high=5,medium=15,low=30,info=60";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePolicy {
    /// Minutes at a priority before the session is raised one level (`AGING_MINUTES`).
    pub aging: PriorityMinutes,
    /// First-response target per priority, from escalation (`SLA_FIRST_RESPONSE_MINUTES`).
    pub first_response: PriorityMinutes,
    /// The team's default for `max_sessions` (`AGENT_MAX_SESSIONS`); `None` is no limit.
    pub team_max_sessions: Option<u32>,
    /// Minutes without agent activity before an assigned session goes back to the queue
    /// (`AUTO_RELEASE_MINUTES`); `None` is off.
    pub auto_release_minutes: Option<u32>,
}

impl Default for QueuePolicy {
    fn default() -> Self {
        QueuePolicy {
            aging: PriorityMinutes::parse(DEFAULT_AGING).expect("the default parses"),
            first_response: PriorityMinutes::parse(DEFAULT_FIRST_RESPONSE).expect("the default parses"),
            team_max_sessions: None,
            auto_release_minutes: None,
        }
    }
}

/// Most sessions an agent may be given as a limit.
pub const MAX_CAPACITY: u32 = 1000;

impl QueuePolicy {
    /// From environment variables, through `lookup` (so tests need not touch the process
    /// environment). Unset or empty means the default.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, (&'static str, String)> {
        let mut policy = QueuePolicy::default();
        let set = |name: &'static str| lookup(name).map(|v| v.trim().to_string());
        if let Some(spec) = set("AGING_MINUTES").filter(|s| !s.is_empty()) {
            policy.aging = PriorityMinutes::parse(&spec).map_err(|e| ("AGING_MINUTES", e))?;
        }
        if let Some(spec) = set("SLA_FIRST_RESPONSE_MINUTES").filter(|s| !s.is_empty()) {
            policy.first_response =
                PriorityMinutes::parse(&spec).map_err(|e| ("SLA_FIRST_RESPONSE_MINUTES", e))?;
        }
        if let Some(raw) = set("AGENT_MAX_SESSIONS").filter(|s| !s.is_empty()) {
            let max: u32 = raw.parse().ok().filter(|m| (1..=MAX_CAPACITY).contains(m)).ok_or((
                "AGENT_MAX_SESSIONS",
                format!("expected a whole number from 1 to {MAX_CAPACITY}, or nothing for no limit"),
            ))?;
            policy.team_max_sessions = Some(max);
        }
        if let Some(raw) = set("AUTO_RELEASE_MINUTES").filter(|s| !s.is_empty()) {
            let minutes: u32 = raw.parse().map_err(|_| {
                ("AUTO_RELEASE_MINUTES", "expected a whole number of minutes (0 or nothing is off)".to_string())
            })?;
            policy.auto_release_minutes = (minutes > 0).then_some(minutes);
        }
        Ok(policy)
    }

    /// The most sessions an agent may hold: their own limit, else the team's, else none.
    pub fn capacity(&self, own: Option<u32>) -> Option<u32> {
        own.or(self.team_max_sessions)
    }

    /// A session at `priority` that reached it at or before this instant is due to be raised.
    pub fn aging_cutoff(&self, priority: EscalationPriority, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if priority == EscalationPriority::Highest {
            return None;
        }
        self.aging.get(priority).map(|m| now - Duration::minutes(i64::from(m)))
    }

    pub fn is_due_for_aging(&self, priority: EscalationPriority, since: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        self.aging_cutoff(priority, now).is_some_and(|cutoff| since <= cutoff)
    }

    /// An assigned session whose last agent activity is at or before this instant goes back.
    pub fn auto_release_cutoff(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.auto_release_minutes.map(|m| now - Duration::minutes(i64::from(m)))
    }

    /// The first-response deadline of a session escalated at `escalated_at` with `priority`.
    pub fn sla_due_at(&self, priority: EscalationPriority, escalated_at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.first_response.get(priority).map(|m| escalated_at + Duration::minutes(i64::from(m)))
    }

    /// Waiting time and the SLA verdict. The customer waits from `escalated_at` until `until`
    /// (the first agent response, or the resolution), or until `now` while neither happened.
    pub fn sla(
        &self,
        priority: EscalationPriority,
        escalated_at: DateTime<Utc>,
        until: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> SlaFigures {
        let end = until.unwrap_or(now);
        let sla_due_at = self.sla_due_at(priority, escalated_at);
        SlaFigures {
            waiting_seconds: (end - escalated_at).num_seconds().max(0),
            sla_due_at,
            sla_breached: sla_due_at.is_some_and(|due| end > due),
        }
    }
}

/// What the pending list and the details show about a session's wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SlaFigures {
    pub waiting_seconds: i64,
    pub sla_due_at: Option<DateTime<Utc>>,
    pub sla_breached: bool,
}

/// Upper bounds (exclusive, seconds) of the histogram bins that waits and handle times are
/// counted in; the last bin is open. Medians are read from these counts.
pub const DURATION_BINS: [i64; 13] = [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800, 86_400];
/// Number of bins, the open last one included.
pub const BIN_COUNT: usize = DURATION_BINS.len() + 1;

/// The bin a duration falls in.
pub fn bin_of(seconds: i64) -> usize {
    DURATION_BINS.iter().position(|upper| seconds < *upper).unwrap_or(DURATION_BINS.len())
}

/// The median of the durations counted in `bins`, interpolated linearly inside its bin (the
/// open last bin answers its lower bound). `None` when nothing was counted.
pub fn median_of_bins(bins: &[i64]) -> Option<f64> {
    let total: i64 = bins.iter().map(|c| (*c).max(0)).sum();
    if total == 0 {
        return None;
    }
    let half = total as f64 / 2.0;
    let mut below = 0.0;
    for (index, count) in bins.iter().map(|c| (*c).max(0) as f64).enumerate() {
        if count > 0.0 && below + count >= half {
            let lower = if index == 0 { 0.0 } else { DURATION_BINS[index - 1] as f64 };
            let Some(upper) = DURATION_BINS.get(index).map(|u| *u as f64) else { return Some(lower) };
            return Some(lower + (upper - lower) * ((half - below) / count));
        }
        below += count;
    }
    None
}

/// The longest duration counted in `bins`, as the upper bound of the highest bin that counted one
/// (the open last bin answers its lower bound): a histogram keeps no maximum, and a bound that is
/// never below the truth is what a chart of "the longest wait" should not understate.
pub fn longest_of_bins(bins: &[i64]) -> Option<i64> {
    let highest = bins.iter().rposition(|count| *count > 0)?;
    Some(DURATION_BINS.get(highest).copied().unwrap_or(DURATION_BINS[DURATION_BINS.len() - 1]))
}

/// How many sessions waited at the end of each hour, oldest hour first (the current hour: now),
/// worked back from the pending count now and each hour's flows, so the chart costs no read
/// beyond the hourly counters: into the queue come escalations, releases and auto-releases; out
/// of it go accepts (aging moves a session within the queue). `flows[i]` is
/// `(escalated + released + auto_released, accepted)` of hour `i`, oldest first. Never below 0
/// (hours before the counters began, or counted by another deployment, cannot go negative).
pub fn queue_length_by_hour(pending_now: i64, flows: &[(i64, i64)]) -> Vec<i64> {
    let mut lengths = vec![0; flows.len()];
    let mut at_end = pending_now.max(0);
    for (index, (inflow, outflow)) in flows.iter().enumerate().rev() {
        lengths[index] = at_end;
        at_end = (at_end - inflow + outflow).max(0);
    }
    lengths
}

/// Share of the bot's outcomes it settled itself: answered turns over answered turns plus
/// escalations. `None` before any.
pub fn deflection_rate(answered: i64, escalated: i64) -> Option<f64> {
    let total = answered.max(0) + escalated.max(0);
    (total > 0).then(|| answered.max(0) as f64 / total as f64)
}

/// Counter items are split in this many shards so that concurrent transitions of different
/// sessions rarely write the same item; readers add the shards up. Every bot turn writes one in
/// its transaction: with 4 shards, 1,000 customers chatting at once queued behind 4 items (the
/// load run answered 22 requests a second, most of the rest 503 after the call budget).
pub const METRIC_SHARDS: u8 = 64;

/// The shard of a session's counters: FNV-1a of its id, stable across processes.
pub fn metric_shard(session_id: &str) -> u8 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in session_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    (hash % u32::from(METRIC_SHARDS)) as u8
}

/// Hourly counters are kept per UTC hour, `2026-07-03T10`.
pub fn hour_bucket(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H").to_string()
}

/// The hour buckets that make up "the last 24 hours": the current hour and the 23 before it.
pub fn last_24_hours(now: DateTime<Utc>) -> Vec<String> {
    (0..24).map(|h| hour_bucket(now - Duration::hours(h))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use EscalationPriority::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_defaults_raise_medium_after_ten_minutes_and_high_after_five() {
        let policy = QueuePolicy::default();
        let t0 = at("2026-07-03T10:00:00Z");
        assert!(!policy.is_due_for_aging(Medium, t0, t0 + Duration::minutes(9)));
        assert!(policy.is_due_for_aging(Medium, t0, t0 + Duration::minutes(10)));
        assert!(!policy.is_due_for_aging(High, t0, t0 + Duration::seconds(299)));
        assert!(policy.is_due_for_aging(High, t0, t0 + Duration::minutes(5)));
        assert!(!policy.is_due_for_aging(Highest, t0, t0 + Duration::days(1)), "highest cannot be raised");
        assert_eq!(policy.aging.to_string(), "high=5,medium=10,low=20,info=30");
    }

    #[test]
    fn aging_is_configured_per_level_and_can_be_turned_off() {
        let policy = QueuePolicy::from_lookup(|name| (name == "AGING_MINUTES").then(|| "medium=3".to_string())).unwrap();
        let t0 = at("2026-07-03T10:00:00Z");
        assert!(policy.is_due_for_aging(Medium, t0, t0 + Duration::minutes(3)));
        assert!(!policy.is_due_for_aging(High, t0, t0 + Duration::hours(5)), "levels not listed never age");
        let off = QueuePolicy::from_lookup(|name| (name == "AGING_MINUTES").then(|| "off".to_string())).unwrap();
        assert!(!off.is_due_for_aging(Low, t0, t0 + Duration::days(3)));
    }

    #[test]
    fn bad_settings_name_the_variable() {
        for (name, value) in [
            ("AGING_MINUTES", "urgent=5"),
            ("AGING_MINUTES", "medium"),
            ("AGING_MINUTES", "medium=0"),
            ("SLA_FIRST_RESPONSE_MINUTES", "high=soon"),
            ("AGENT_MAX_SESSIONS", "0"),
            ("AGENT_MAX_SESSIONS", "many"),
            ("AUTO_RELEASE_MINUTES", "-3"),
        ] {
            let err = QueuePolicy::from_lookup(|n| (n == name).then(|| value.to_string())).unwrap_err();
            assert_eq!(err.0, name, "{value}");
        }
    }

    #[test]
    fn capacity_is_the_agents_own_limit_else_the_teams_else_none() {
        let mut policy = QueuePolicy::default();
        assert_eq!(policy.capacity(None), None, "no limit by default");
        assert_eq!(policy.capacity(Some(3)), Some(3));
        policy = QueuePolicy::from_lookup(|n| (n == "AGENT_MAX_SESSIONS").then(|| "5".to_string())).unwrap();
        assert_eq!(policy.capacity(None), Some(5));
        assert_eq!(policy.capacity(Some(2)), Some(2));
    }

    #[test]
    fn auto_release_is_off_unless_configured() {
        let now = at("2026-07-03T10:00:00Z");
        assert_eq!(QueuePolicy::default().auto_release_cutoff(now), None);
        let on = QueuePolicy::from_lookup(|n| (n == "AUTO_RELEASE_MINUTES").then(|| "15".to_string())).unwrap();
        assert_eq!(on.auto_release_cutoff(now), Some(at("2026-07-03T09:45:00Z")));
        let zero = QueuePolicy::from_lookup(|n| (n == "AUTO_RELEASE_MINUTES").then(|| "0".to_string())).unwrap();
        assert_eq!(zero.auto_release_minutes, None);
    }

    #[test]
    fn sla_figures_follow_the_first_response_target_of_the_priority() {
        let policy = QueuePolicy::default();
        let escalated = at("2026-07-03T10:00:00Z");
        let now = at("2026-07-03T10:04:30Z");
        let high = policy.sla(High, escalated, None, now);
        assert_eq!(high.waiting_seconds, 270);
        assert_eq!(high.sla_due_at, Some(at("2026-07-03T10:05:00Z")));
        assert!(!high.sla_breached);
        let highest = policy.sla(Highest, escalated, None, now);
        assert!(highest.sla_breached, "highest is due after 2 minutes");
        let answered_in_time = policy.sla(Highest, escalated, Some(at("2026-07-03T10:01:00Z")), now);
        assert_eq!(answered_in_time.waiting_seconds, 60);
        assert!(!answered_in_time.sla_breached, "the clock stops at the first response");
        let no_target = QueuePolicy { first_response: PriorityMinutes::NONE, ..QueuePolicy::default() };
        let figures = no_target.sla(Info, escalated, None, now);
        assert_eq!((figures.sla_due_at, figures.sla_breached), (None, false));
    }

    #[test]
    fn durations_fall_in_their_bins() {
        assert_eq!(bin_of(0), 0);
        assert_eq!(bin_of(9), 0);
        assert_eq!(bin_of(10), 1);
        assert_eq!(bin_of(599), 5);
        assert_eq!(bin_of(600), 6);
        assert_eq!(bin_of(10_000_000), BIN_COUNT - 1);
    }

    #[test]
    fn the_median_is_interpolated_inside_its_bin() {
        assert_eq!(median_of_bins(&[0; BIN_COUNT]), None);
        let mut bins = [0i64; BIN_COUNT];
        bins[bin_of(45)] = 4; // four waits in [30, 60)
        assert_eq!(median_of_bins(&bins), Some(45.0));
        let mut skewed = [0i64; BIN_COUNT];
        skewed[0] = 1; // [0, 10)
        skewed[bin_of(400)] = 3; // [300, 600)
        // 2 of 4 is the median: the first of the three in [300, 600), a third of the way in.
        assert_eq!(median_of_bins(&skewed), Some(300.0 + 300.0 / 3.0));
        let mut open = [0i64; BIN_COUNT];
        open[BIN_COUNT - 1] = 2;
        assert_eq!(median_of_bins(&open), Some(86_400.0));
    }

    #[test]
    fn the_longest_is_the_top_of_the_highest_bin_counted() {
        assert_eq!(longest_of_bins(&[0; BIN_COUNT]), None);
        let mut bins = [0i64; BIN_COUNT];
        bins[bin_of(5)] = 7;
        bins[bin_of(400)] = 1;
        assert_eq!(longest_of_bins(&bins), Some(600));
        bins[BIN_COUNT - 1] = 1;
        assert_eq!(longest_of_bins(&bins), Some(86_400));
    }

    #[test]
    fn the_queue_length_is_worked_back_from_now() {
        // Three hours: 5 in and 1 out, 2 in and 4 out, then (now) 1 in and 0 out, 3 waiting now.
        assert_eq!(queue_length_by_hour(3, &[(5, 1), (2, 4), (1, 0)]), vec![4, 2, 3]);
        // Before the first hour the queue held 4 - 5 + 1 = 0; a count that would go below zero stops at 0.
        assert_eq!(queue_length_by_hour(0, &[(0, 0), (3, 0)]), vec![0, 0]);
        assert_eq!(queue_length_by_hour(-2, &[(0, 0)]), vec![0]);
        assert!(queue_length_by_hour(3, &[]).is_empty());
    }

    #[test]
    fn deflection_is_answered_over_answered_and_escalated() {
        assert_eq!(deflection_rate(0, 0), None);
        assert_eq!(deflection_rate(3, 1), Some(0.75));
        assert_eq!(deflection_rate(0, 4), Some(0.0));
    }

    #[test]
    fn shards_are_stable_and_spread() {
        assert_eq!(metric_shard("sess-1"), metric_shard("sess-1"));
        let used: std::collections::BTreeSet<u8> = (0..4096).map(|n| metric_shard(&format!("sess-{n}"))).collect();
        assert_eq!(used.len(), METRIC_SHARDS as usize);
        assert!(used.iter().all(|s| *s < METRIC_SHARDS));
    }

    #[test]
    fn the_last_24_hours_are_24_hour_buckets_ending_now() {
        let hours = last_24_hours(at("2026-07-03T10:59:59Z"));
        assert_eq!(hours.len(), 24);
        assert_eq!(hours[0], "2026-07-03T10");
        assert_eq!(hours[23], "2026-07-02T11");
    }
}
