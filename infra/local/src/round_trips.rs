//! Counts DynamoDB round trips: an SDK interceptor called once per transmitted attempt, so
//! retries show in the count. Used by the benchmarks.

use aws_sdk_dynamodb::config::{Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_types::config_bag::ConfigBag;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub struct RoundTrips(Arc<AtomicUsize>, Arc<Mutex<BTreeMap<String, usize>>>);

impl Intercept for RoundTrips {
    fn name(&self) -> &'static str {
        "RoundTrips"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        let operation = cfg.load::<Metadata>().map(|m| m.name().to_string()).unwrap_or_else(|| "?".into());
        *self.1.lock().expect("no panics while counting").entry(operation).or_default() += 1;
        Ok(())
    }
}

impl RoundTrips {
    /// The count since the last call, and reset it.
    pub fn take(&self) -> usize {
        self.1.lock().expect("no panics while counting").clear();
        self.0.swap(0, Ordering::Relaxed)
    }

    /// The count per DynamoDB operation since the last `take`, and reset both.
    pub fn take_by_operation(&self) -> BTreeMap<String, usize> {
        self.0.swap(0, Ordering::Relaxed);
        std::mem::take(&mut *self.1.lock().expect("no panics while counting"))
    }
}
