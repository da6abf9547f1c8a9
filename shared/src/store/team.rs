//! The team's and the queue's figures, read in bounded Queries: the team partition (one item
//! per agent, and the pending gauges) and the hourly counters of the last 24 hours. Nothing here
//! scans; the volume of sessions never changes the number of round trips.

use super::items::AgentItem;
use super::transact::SortKeys;
use super::transact::counters;
use super::client::{from_item, Store};
use super::keys;
use crate::domain::EscalationPriority;
use crate::error::StoreError;
use std::collections::BTreeMap;

/// The agents and the pending gauges, from one Query of the team partition.
#[derive(Debug, Default, Clone)]
pub struct TeamSnapshot {
    pub agents: Vec<AgentItem>,
    /// Pending sessions per priority, the shards added up (never below zero).
    pub pending_by_priority: BTreeMap<EscalationPriority, i64>,
}

/// The hourly counters of some hours, every shard added up, by counter name.
#[derive(Debug, Default, Clone)]
pub struct HourlyTotals(pub BTreeMap<String, i64>);

impl HourlyTotals {
    pub fn get(&self, name: &str) -> i64 {
        self.0.get(name).copied().unwrap_or(0)
    }

    /// The histogram `{name}_bin_0..` as counts per bin.
    pub fn bins(&self, name: &str) -> Vec<i64> {
        (0..crate::queue::BIN_COUNT).map(|i| self.get(&format!("{name}_bin_{i}"))).collect()
    }
}

/// The hourly counters hour by hour (`2026-07-03T10` → its totals), for the day's charts; the
/// window's totals are their sum.
#[derive(Debug, Default, Clone)]
pub struct HourlySeries(pub BTreeMap<String, HourlyTotals>);

impl HourlySeries {
    pub fn total(&self) -> HourlyTotals {
        let mut sum: BTreeMap<String, i64> = BTreeMap::new();
        for totals in self.0.values() {
            for (name, value) in &totals.0 {
                *sum.entry(name.clone()).or_default() += value;
            }
        }
        HourlyTotals(sum)
    }

    /// One hour's totals; an hour nothing happened in has none.
    pub fn hour(&self, hour: &str) -> HourlyTotals {
        self.0.get(hour).cloned().unwrap_or_default()
    }
}

impl Store {
    pub async fn team(&self) -> Result<TeamSnapshot, StoreError> {
        let items = self.query_partition(keys::TEAM_PK.to_string(), None).await?;
        let mut snapshot = TeamSnapshot::default();
        for priority in EscalationPriority::ALL {
            snapshot.pending_by_priority.insert(priority, 0);
        }
        for item in items {
            let sk = item.get(keys::SK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            if sk.starts_with(keys::AGENT_PREFIX) {
                snapshot.agents.push(from_item(item)?);
            } else if sk.starts_with(keys::GAUGE_PREFIX) {
                for (name, value) in counters(&item) {
                    let priority = name.strip_prefix("pending_").and_then(EscalationPriority::parse);
                    if let Some(priority) = priority {
                        *snapshot.pending_by_priority.entry(priority).or_default() += value;
                    }
                }
            }
        }
        for count in snapshot.pending_by_priority.values_mut() {
            *count = (*count).max(0);
        }
        Ok(snapshot)
    }

    /// The counters of the given hour buckets (`2026-07-03T10`), hour by hour, in one Query of
    /// the metrics partition from the oldest bucket to the newest.
    pub async fn hourly(&self, hours: &[String]) -> Result<HourlySeries, StoreError> {
        let (Some(oldest), Some(newest)) = (hours.iter().min(), hours.iter().max()) else {
            return Ok(HourlySeries::default());
        };
        let from = format!("{}{oldest}#", keys::HOUR_PREFIX);
        let to = format!("{}{newest}#\u{10ffff}", keys::HOUR_PREFIX);
        let items = self.query_sort_keys(keys::METRICS_PK.to_string(), Some(SortKeys::Between(&from, &to))).await?;
        let mut series: BTreeMap<String, HourlyTotals> = BTreeMap::new();
        for item in &items {
            let Some(hour) = item.get("hour_bucket").and_then(|v| v.as_s().ok()).filter(|h| hours.contains(h)) else {
                continue;
            };
            let totals = &mut series.entry(hour.clone()).or_default().0;
            for (name, value) in counters(item) {
                if name != "expires_at" {
                    *totals.entry(name.to_string()).or_default() += value;
                }
            }
        }
        Ok(HourlySeries(series))
    }
}
