//! Open live-update sockets: one item each in the `LIVE` partition, written by `$connect`, removed
//! by `$disconnect` (or by the fan-out when API Gateway answers that the socket is gone, or by TTL).

use super::items::{ConnectionItem, CustomerConnectionItem};
use super::client::{key, s, to_item, Item, Store};
use super::keys;
use crate::error::StoreError;
use chrono::{DateTime, Utc};

/// An open socket as the fan-out sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveConnection {
    pub connection_id: String,
    pub agent_id: String,
    /// Epoch seconds; past it the socket gets nothing more and is closed.
    pub token_expires_at: Option<i64>,
}

impl LiveConnection {
    pub fn token_expired(&self, now: DateTime<Utc>) -> bool {
        self.token_expires_at.is_some_and(|exp| exp <= now.timestamp())
    }
}

/// An open customer socket as the customer fan-out sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerConnection {
    pub connection_id: String,
    pub session_id: String,
    pub user_id: String,
    /// Epoch seconds; past it the socket gets nothing more and is closed.
    pub token_expires_at: i64,
}

impl CustomerConnection {
    pub fn token_expired(&self, now: DateTime<Utc>) -> bool {
        self.token_expires_at <= now.timestamp()
    }
}

/// API Gateway closes a WebSocket after two hours at most; the item lives as long.
pub const CONNECTION_TTL_SECONDS: i64 = 2 * 60 * 60;

impl Store {
    /// Record an open socket. A second connect with the same id (a retried `$connect`) overwrites.
    pub async fn put_connection(
        &self,
        connection_id: &str,
        agent_id: &str,
        token_expires_at: Option<i64>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let item = ConnectionItem {
            pk: keys::LIVE_PARTITION.to_string(),
            sk: keys::connection_sk(connection_id),
            entity: "connection".to_string(),
            connection_id: connection_id.to_string(),
            agent_id: agent_id.to_string(),
            connected_at: now,
            expires_at: now.timestamp() + CONNECTION_TTL_SECONDS,
            token_expires_at,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(to_item(&item)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::dynamo("PutItem", e))
    }

    /// A socket re-authenticated with a fresh token: frames flow until that one expires.
    pub async fn extend_connection(&self, connection_id: &str, token_expires_at: i64) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::LIVE_PARTITION.to_string(), &keys::connection_sk(connection_id))))
            .update_expression("SET token_expires_at = :exp")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":exp", aws_sdk_dynamodb::types::AttributeValue::N(token_expires_at.to_string()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::dynamo("UpdateItem", e))
    }

    /// Forget a socket; forgetting one that is already gone is not an error.
    pub async fn delete_connection(&self, connection_id: &str) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::LIVE_PARTITION.to_string(), &keys::connection_sk(connection_id))))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::dynamo("DeleteItem", e))
    }

    /// Every recorded socket, in one Query of the `LIVE` partition (more pages only past 1 MB).
    /// Eventually consistent: a socket opened in the last instant may miss one event, which its
    /// client makes up for by refetching when it connects.
    pub async fn list_connections(&self) -> Result<Vec<LiveConnection>, StoreError> {
        let mut connections = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :live AND begins_with(sk, :conn)")
                .expression_attribute_values(":live", s(keys::LIVE_PARTITION))
                .expression_attribute_values(":conn", s(keys::CONNECTION_PREFIX))
                .projection_expression("connection_id, agent_id, token_expires_at")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::dynamo("Query", e))?;
            for item in out.items.unwrap_or_default() {
                let field = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
                let token_expires_at = item.get("token_expires_at").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok());
                match (field("connection_id"), field("agent_id")) {
                    (Some(connection_id), Some(agent_id)) => {
                        connections.push(LiveConnection { connection_id, agent_id, token_expires_at })
                    }
                    _ => tracing::warn!("a connection item without its id or agent; skipped"),
                }
            }
            match out.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => return Ok(connections),
            }
        }
    }

    /// Record a customer socket on its session's topic, and its index by connection id, in one
    /// transaction (a retried `$connect` overwrites both).
    pub async fn put_customer_connection(&self, connection: &CustomerConnection, now: DateTime<Utc>) -> Result<(), StoreError> {
        use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
        let item = |pk: String, sk: String| CustomerConnectionItem {
            pk,
            sk,
            entity: "customer_connection".to_string(),
            connection_id: connection.connection_id.clone(),
            session_id: connection.session_id.clone(),
            user_id: connection.user_id.clone(),
            connected_at: now,
            expires_at: now.timestamp() + CONNECTION_TTL_SECONDS,
            token_expires_at: connection.token_expires_at,
        };
        let topic = item(keys::session_live_pk(&connection.session_id), keys::connection_sk(&connection.connection_id));
        let index = item(keys::LIVE_PARTITION.to_string(), keys::customer_connection_sk(&connection.connection_id));
        let mut writes = Vec::new();
        for item in [&topic, &index] {
            let put = Put::builder()
                .table_name(&self.table)
                .set_item(Some(to_item(item)?))
                .build()
                .map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
            writes.push(TransactWriteItem::builder().put(put).build());
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::dynamo("TransactWriteItems", e))
    }

    /// The customer socket of a connection id (its index item), if it is one.
    pub async fn get_customer_connection(&self, connection_id: &str) -> Result<Option<CustomerConnection>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::LIVE_PARTITION.to_string(), &keys::customer_connection_sk(connection_id))))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("GetItem", e))?;
        Ok(out.item.as_ref().and_then(customer_connection_of))
    }

    /// A re-authenticated customer socket: frames flow until the fresh token expires.
    pub async fn extend_customer_connection(&self, connection: &CustomerConnection, token_expires_at: i64) -> Result<(), StoreError> {
        for (pk, sk) in [
            (keys::session_live_pk(&connection.session_id), keys::connection_sk(&connection.connection_id)),
            (keys::LIVE_PARTITION.to_string(), keys::customer_connection_sk(&connection.connection_id)),
        ] {
            self.client
                .update_item()
                .table_name(&self.table)
                .set_key(Some(key(pk, &sk)))
                .update_expression("SET token_expires_at = :exp")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":exp", aws_sdk_dynamodb::types::AttributeValue::N(token_expires_at.to_string()))
                .send()
                .await
                .map_err(|e| StoreError::dynamo("UpdateItem", e))?;
        }
        Ok(())
    }

    /// Forget a customer socket: its index item first (which says its session), then its topic
    /// item. Forgetting one that is gone, or an agent's id, is not an error.
    pub async fn delete_customer_connection(&self, connection_id: &str) -> Result<(), StoreError> {
        let out = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::LIVE_PARTITION.to_string(), &keys::customer_connection_sk(connection_id))))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("DeleteItem", e))?;
        let Some(session_id) = out.attributes.as_ref().and_then(|a| a.get("session_id")).and_then(|v| v.as_s().ok()) else {
            return Ok(());
        };
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_live_pk(session_id), &keys::connection_sk(connection_id))))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::dynamo("DeleteItem", e))
    }

    /// The customer sockets open on one session: one Query of its topic.
    pub async fn session_customer_connections(&self, session_id: &str) -> Result<Vec<CustomerConnection>, StoreError> {
        let mut connections = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :topic AND begins_with(sk, :conn)")
                .expression_attribute_values(":topic", s(keys::session_live_pk(session_id)))
                .expression_attribute_values(":conn", s(keys::CONNECTION_PREFIX))
                .projection_expression("connection_id, session_id, user_id, token_expires_at")
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| StoreError::dynamo("Query", e))?;
            connections.extend(out.items.unwrap_or_default().iter().filter_map(customer_connection_of));
            match out.last_evaluated_key {
                Some(next) if !next.is_empty() => start = Some(next),
                _ => return Ok(connections),
            }
        }
    }
}

fn customer_connection_of(item: &Item) -> Option<CustomerConnection> {
    let field = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
    let token_expires_at = item.get("token_expires_at").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok())?;
    Some(CustomerConnection {
        connection_id: field("connection_id")?,
        session_id: field("session_id")?,
        user_id: field("user_id")?,
        token_expires_at,
    })
}
