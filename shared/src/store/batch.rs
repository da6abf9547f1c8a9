//! Bulk writes: BatchWriteItem in groups of 25 with unprocessed items retried.

use super::items::SessionItem;
use super::client::{to_item, Item, Store};
use crate::domain::Session;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{DeleteRequest, PutRequest, WriteRequest};
use std::time::Duration;

impl Store {
    /// BatchWriteItem in groups of 25, retrying unprocessed items with backoff.
    pub async fn batch_write(&self, writes: Vec<WriteRequest>) -> Result<(), StoreError> {
        for group in writes.chunks(25) {
            let mut pending = group.to_vec();
            let mut attempt = 0u32;
            while !pending.is_empty() {
                attempt += 1;
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(self.table.clone(), pending)
                    .send()
                    .await
                    .map_err(|e| StoreError::dynamo("BatchWriteItem", e))?;
                pending = out.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
                if !pending.is_empty() {
                    if attempt >= 8 {
                        return Err(StoreError::Conflict("DynamoDB kept items unprocessed".into()));
                    }
                    tokio::time::sleep(Duration::from_millis(20 << attempt.min(5))).await;
                }
            }
        }
        Ok(())
    }
}

pub(crate) fn put_request(item: Item) -> Result<WriteRequest, StoreError> {
    let put = PutRequest::builder().set_item(Some(item)).build().map_err(|e| StoreError::dynamo("BatchWriteItem", e))?;
    Ok(WriteRequest::builder().put_request(put).build())
}

pub(crate) fn delete_request(key: Item) -> Result<WriteRequest, StoreError> {
    let delete = DeleteRequest::builder().set_key(Some(key)).build().map_err(|e| StoreError::dynamo("BatchWriteItem", e))?;
    Ok(WriteRequest::builder().delete_request(delete).build())
}

impl Store {
    /// Bulk import of sessions as they are (no history, no ticket counts): for migrations and
    /// for load benchmarks of the queue. Not a state transition; nothing is checked.
    pub async fn import_sessions(&self, sessions: &[Session]) -> Result<(), StoreError> {
        let writes = sessions
            .iter()
            .map(|s| to_item(&SessionItem::from_session(s)).and_then(put_request))
            .collect::<Result<Vec<_>, _>>()?;
        self.batch_write(writes).await
    }
}
