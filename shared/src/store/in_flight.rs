//! One transition of a session at a time per process. The conditional writes are what keep two
//! transitions from both happening; this only keeps a process that serves concurrent requests
//! (the local server; a Lambda container serves one at a time) from sending transactions it
//! already knows are doomed. Fifty concurrent accepts of one session then cost one transaction
//! and forty-nine reads that see it taken, instead of fifty transactions DynamoDB must refuse
//! (DynamoDB Local queues competing transactions, so each loser waits for all before it).
//!
//! The holder may leave the status it wrote for whoever waited behind it: a request that waited
//! for a winning accept overlapped it in time, and learns it lost without reading again. The note
//! lives only while someone holds or waits for the key.

use crate::domain::AgentStatus;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

#[derive(Default)]
pub(crate) struct InFlight(Mutex<HashMap<String, Weak<AsyncMutex<Option<AgentStatus>>>>>);

impl std::fmt::Debug for InFlight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InFlight")
    }
}

impl InFlight {
    /// Wait for the transitions of `key` already running in this process, then hold it.
    pub(crate) async fn hold(&self, key: &str) -> OwnedMutexGuard<Option<AgentStatus>> {
        let lock = {
            let mut map = self.0.lock().expect("no panics while holding the map");
            if map.len() > 1024 {
                map.retain(|_, held| held.strong_count() > 0);
            }
            match map.get(key).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(AsyncMutex::new(None));
                    map.insert(key.to_string(), Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn holders_of_one_key_take_turns_and_other_keys_do_not_wait() {
        let in_flight = Arc::new(InFlight::default());
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let (in_flight, inside, most) = (in_flight.clone(), inside.clone(), most.clone());
                tokio::spawn(async move {
                    let _held = in_flight.hold("sess-1").await;
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        let _other = in_flight.hold("sess-2").await;
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_waiter_reads_the_holders_note_and_the_note_dies_with_the_last_holder() {
        let in_flight = InFlight::default();
        let mut first = in_flight.hold("sess-1").await;
        *first = Some(AgentStatus::Assigned);
        drop(first);
        // Nobody held or waited in between: the note is gone.
        assert_eq!(*in_flight.hold("sess-1").await, None);
        let in_flight = Arc::new(in_flight);
        let mut holder = in_flight.hold("sess-2").await;
        let waiter = tokio::spawn({
            let in_flight = in_flight.clone();
            async move { *in_flight.hold("sess-2").await }
        });
        tokio::task::yield_now().await;
        *holder = Some(AgentStatus::Assigned);
        drop(holder);
        assert_eq!(waiter.await.unwrap(), Some(AgentStatus::Assigned));
    }
}
