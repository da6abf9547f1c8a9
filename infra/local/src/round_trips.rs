//! Counts DynamoDB round trips and the time spent in DynamoDB calls: an SDK interceptor called
//! once per transmitted attempt (so retries show in the count) and around every call. Used by the
//! benchmarks.

use aws_sdk_dynamodb::config::{Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Default)]
pub struct RoundTrips {
    trips: Arc<AtomicUsize>,
    /// Round trips per DynamoDB operation.
    by_operation: Arc<Mutex<BTreeMap<String, usize>>>,
    /// Nanoseconds spent inside calls (from the call's start to its result, SDK work included).
    in_calls: Arc<AtomicU64>,
}

#[derive(Debug, Clone)]
struct CallStarted(Instant);

impl Storable for CallStarted {
    type Storer = StoreReplace<Self>;
}

impl Intercept for RoundTrips {
    fn name(&self) -> &'static str {
        "RoundTrips"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state().store_put(CallStarted(Instant::now()));
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.trips.fetch_add(1, Ordering::Relaxed);
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_string()).unwrap_or_else(|| "?".into());
        *self.by_operation.lock().expect("no panics while counting").entry(operation).or_default() += 1;
        Ok(())
    }

    fn read_after_execution(
        &self,
        _context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(CallStarted(started)) = cfg.load::<CallStarted>() {
            self.in_calls.fetch_add(started.elapsed().as_nanos() as u64, Ordering::Relaxed);
        }
        Ok(())
    }
}

impl RoundTrips {
    /// The count since the last call, and reset it.
    pub fn take(&self) -> usize {
        self.in_calls.store(0, Ordering::Relaxed);
        self.by_operation.lock().expect("no panics while counting").clear();
        self.trips.swap(0, Ordering::Relaxed)
    }

    /// The round trips and the time inside DynamoDB calls since the last take, and reset both.
    pub fn take_timed(&self) -> (usize, Duration) {
        let nanos = self.in_calls.swap(0, Ordering::Relaxed);
        self.by_operation.lock().expect("no panics while counting").clear();
        (self.trips.swap(0, Ordering::Relaxed), Duration::from_nanos(nanos))
    }

    /// The count per DynamoDB operation since the last `take`, and reset both.
    pub fn take_by_operation(&self) -> BTreeMap<String, usize> {
        self.trips.swap(0, Ordering::Relaxed);
        self.in_calls.store(0, Ordering::Relaxed);
        std::mem::take(&mut *self.by_operation.lock().expect("no panics while counting"))
    }
}
