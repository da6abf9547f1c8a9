//! The table and its items: the [`Store`] handle every entity's room extends, and how a value
//! becomes an item and back.

use super::keys;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

pub type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct Store {
    pub(super) client: Client,
    pub(super) table: String,
    /// Transitions of one session (and capacity checks of one agent) in flight in this process.
    pub(super) in_flight: std::sync::Arc<super::in_flight::InFlight>,
}

impl Store {
    /// One item by key, read consistently, as `T`.
    pub(crate) async fn get_typed<T: serde::de::DeserializeOwned>(&self, pk: String, sk: &str) -> Result<Option<T>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("GetItem", e))?;
        out.item.map(from_item::<T>).transpose()
    }

    /// A Query on an index, ascending; all pages unless `limit` is given (then one page).
    pub(crate) async fn query_index(
        &self,
        index: &str,
        key_condition: &str,
        values: &[(&str, String)],
        limit: Option<i32>,
    ) -> Result<Vec<Item>, StoreError> {
        self.query_index_filtered(index, key_condition, None, values, limit).await
    }

    /// [`Store::query_index`] with a filter on the projected attributes.
    pub(crate) async fn query_index_filtered(
        &self,
        index: &str,
        key_condition: &str,
        filter: Option<&str>,
        values: &[(&str, String)],
        limit: Option<i32>,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut query = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(index)
                .key_condition_expression(key_condition)
                .set_filter_expression(filter.map(str::to_string))
                .scan_index_forward(true)
                .set_limit(limit)
                .set_exclusive_start_key(start.take());
            for (name, value) in values {
                query = query.expression_attribute_values(*name, s(value.as_str()));
            }
            let out = query.send().await.map_err(|e| StoreError::dynamo("Query", e))?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(next) if !next.is_empty() && limit.is_none() => start = Some(next),
                _ => return Ok(items),
            }
        }
    }

    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Store { client, table: table.into(), in_flight: Default::default() }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}

pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

pub(crate) fn key(pk: String, sk: &str) -> Item {
    HashMap::from([(keys::PK.to_string(), s(pk)), (keys::SK.to_string(), s(sk))])
}

pub(crate) fn to_item<T: serde::Serialize>(value: &T) -> Result<Item, StoreError> {
    serde_dynamo::to_item(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_item<T: serde::de::DeserializeOwned>(item: Item) -> Result<T, StoreError> {
    serde_dynamo::from_item(item).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub(crate) fn from_items<T: serde::de::DeserializeOwned>(items: Vec<Item>) -> Result<Vec<T>, StoreError> {
    items.into_iter().map(from_item).collect()
}
