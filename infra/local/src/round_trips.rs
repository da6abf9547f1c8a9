//! Counts DynamoDB round trips: an SDK interceptor called once per transmitted attempt, so
//! retries show in the count. Used by the benchmarks.

use aws_sdk_dynamodb::config::{Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct RoundTrips(Arc<AtomicUsize>);

impl Intercept for RoundTrips {
    fn name(&self) -> &'static str {
        "RoundTrips"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.0.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

impl RoundTrips {
    /// The count since the last call, and reset it.
    pub fn take(&self) -> usize {
        self.0.swap(0, Ordering::Relaxed)
    }
}
