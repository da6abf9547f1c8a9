//! Open live-update sockets: one item each in the `LIVE` partition, written by `$connect`, removed
//! by `$disconnect` (or by the fan-out when API Gateway answers that the socket is gone, or by TTL).

use super::items::ConnectionItem;
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
}
