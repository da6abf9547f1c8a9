//! Capacity units consumed per DynamoDB call: an SDK interceptor asks every call for
//! `ReturnConsumedCapacity = INDEXES` and adds up what the answers report, as read or write units
//! by the kind of call (a transaction's units are write units, a ConditionCheck included), with
//! DynamoDB's double rate for transactions applied (DynamoDB Local reports the single rate).
//! Used by the cost model.

use aws_sdk_dynamodb::config::{Intercept, RuntimeComponents};
use aws_sdk_dynamodb::operation as op;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextMut, FinalizerInterceptorContextRef,
};
use aws_smithy_types::config_bag::ConfigBag;
use std::sync::{Arc, Mutex};

/// Read and write units, and the calls that consumed them.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Units {
    pub read: f64,
    pub write: f64,
    /// Of which consumed by the table's global secondary indexes (as DynamoDB reports them).
    pub index_write: f64,
    pub calls: usize,
}

impl std::ops::AddAssign for Units {
    fn add_assign(&mut self, o: Units) {
        self.read += o.read;
        self.write += o.write;
        self.index_write += o.index_write;
        self.calls += o.calls;
    }
}

#[derive(Debug, Clone, Default)]
pub struct CapacityMeter(Arc<Mutex<Units>>);

impl CapacityMeter {
    /// What was consumed since the last take; reset.
    pub fn take(&self) -> Units {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// `transactional`: DynamoDB charges a transaction's items twice (two-phase), which DynamoDB
    /// Local does not report; the factor is applied here.
    fn add(&self, consumed: &[ConsumedCapacity], write: bool, transactional: bool) {
        let factor = if transactional { 2.0 } else { 1.0 };
        let mut units = self.0.lock().unwrap();
        units.calls += 1;
        for c in consumed {
            let total = factor * c.capacity_units().unwrap_or(0.0);
            let index: f64 = factor
                * c.global_secondary_indexes().map(|m| m.values().filter_map(|i| i.capacity_units()).sum::<f64>()).unwrap_or(0.0);
            if write {
                units.write += total;
                units.index_write += index;
            } else {
                units.read += total;
            }
        }
    }
}

macro_rules! ask_for_capacity {
    ($input:expr, $($ty:ty),*) => {
        $(
            if let Some(input) = $input.downcast_mut::<$ty>() {
                input.return_consumed_capacity = Some(ReturnConsumedCapacity::Indexes);
            }
        )*
    };
}

impl Intercept for CapacityMeter {
    fn name(&self) -> &'static str {
        "CapacityMeter"
    }

    fn modify_before_serialization(
        &self,
        context: &mut BeforeSerializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let input = context.input_mut();
        ask_for_capacity!(
            input,
            op::get_item::GetItemInput,
            op::put_item::PutItemInput,
            op::update_item::UpdateItemInput,
            op::delete_item::DeleteItemInput,
            op::query::QueryInput,
            op::scan::ScanInput,
            op::batch_get_item::BatchGetItemInput,
            op::batch_write_item::BatchWriteItemInput,
            op::transact_write_items::TransactWriteItemsInput,
            op::transact_get_items::TransactGetItemsInput
        );
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(Ok(output)) = context.output_or_error() else { return Ok(()) };
        let one = |c: Option<&ConsumedCapacity>| c.cloned().into_iter().collect::<Vec<_>>();
        if let Some(o) = output.downcast_ref::<op::get_item::GetItemOutput>() {
            self.add(&one(o.consumed_capacity()), false, false);
        } else if let Some(o) = output.downcast_ref::<op::query::QueryOutput>() {
            self.add(&one(o.consumed_capacity()), false, false);
        } else if let Some(o) = output.downcast_ref::<op::scan::ScanOutput>() {
            self.add(&one(o.consumed_capacity()), false, false);
        } else if let Some(o) = output.downcast_ref::<op::batch_get_item::BatchGetItemOutput>() {
            self.add(o.consumed_capacity(), false, false);
        } else if let Some(o) = output.downcast_ref::<op::transact_get_items::TransactGetItemsOutput>() {
            self.add(o.consumed_capacity(), false, true);
        } else if let Some(o) = output.downcast_ref::<op::put_item::PutItemOutput>() {
            self.add(&one(o.consumed_capacity()), true, false);
        } else if let Some(o) = output.downcast_ref::<op::update_item::UpdateItemOutput>() {
            self.add(&one(o.consumed_capacity()), true, false);
        } else if let Some(o) = output.downcast_ref::<op::delete_item::DeleteItemOutput>() {
            self.add(&one(o.consumed_capacity()), true, false);
        } else if let Some(o) = output.downcast_ref::<op::batch_write_item::BatchWriteItemOutput>() {
            self.add(o.consumed_capacity(), true, false);
        } else if let Some(o) = output.downcast_ref::<op::transact_write_items::TransactWriteItemsOutput>() {
            self.add(o.consumed_capacity(), true, true);
        }
        Ok(())
    }
}
