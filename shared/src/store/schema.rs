//! Table definition for DynamoDB Local and tests. In AWS the table comes from template.yaml;
//! a test checks the two agree. The table's stream (new and old images) feeds the live updates.

use super::keys;
use super::client::Store;
use crate::error::StoreError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TableDescription,
};

/// What the live-update fan-out reads from the table's stream: both images, so a change of status
/// or assignee is seen as a change.
pub const STREAM_VIEW: StreamViewType = StreamViewType::NewAndOldImages;

fn stream_specification() -> StreamSpecification {
    StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(STREAM_VIEW)
        .build()
        .expect("enabled is set")
}

/// Attributes the pending queue index carries besides its keys: the summary fields of the list.
pub const PENDING_PROJECTION: [&str; 13] = [
    "session_id",
    "user_id",
    "priority",
    "escalate_reason",
    "turn_count",
    "created_at",
    "agent_status",
    "assigned_agent_id",
    "escalated_at",
    keys::CUSTOMER_WORDS,
    keys::CUSTOMER_LANGUAGE,
    keys::ORDER_ID,
    "member_level",
];

/// Attributes the wait index carries besides its keys: what aging filters on and needs to move a
/// session within the queue, what auto-release needs to put a session back in its place, and
/// what the oldest pending wait is read from.
pub const WAIT_PROJECTION: [&str; 8] = [
    "session_id",
    "priority",
    "priority_since",
    "pending_order",
    "escalated_at",
    "assigned_agent_id",
    "accepted_at",
    "capacity_counted",
];

/// Attributes the assignee index carries besides its keys: a row of "my sessions" without a
/// read of the session.
pub const ASSIGNEE_PROJECTION: [&str; 12] = [
    "session_id",
    "user_id",
    "member_level",
    "priority",
    "agent_status",
    "escalated_at",
    "accepted_at",
    "last_agent_activity_at",
    keys::UNREAD_CUSTOMER_MESSAGES,
    keys::LAST_MESSAGE_PREVIEW,
    keys::LAST_MESSAGE_AUTHOR,
    keys::LAST_CUSTOMER_MESSAGE_AT,
];

fn string_attribute(name: &str) -> AttributeDefinition {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .expect("name and type are set")
}

fn key_element(name: &str, key_type: KeyType) -> KeySchemaElement {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().expect("name and type are set")
}

impl Store {
    /// Create the table with its indexes and stream unless it exists; give an existing table
    /// without a stream one. Returns whether the table was created.
    pub async fn create_table_if_missing(&self) -> Result<bool, StoreError> {
        match self.client.describe_table().table_name(&self.table).send().await {
            Ok(out) => {
                self.ensure_stream(out.table()).await?;
                return Ok(false);
            }
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {}
            Err(err) => return Err(StoreError::dynamo("DescribeTable", err)),
        }
        let pending_index = GlobalSecondaryIndex::builder()
            .index_name(keys::PENDING_INDEX)
            .key_schema(key_element(keys::PENDING_STATUS, KeyType::Hash))
            .key_schema(key_element(keys::PENDING_ORDER, KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::Include)
                    .set_non_key_attributes(Some(PENDING_PROJECTION.iter().map(|a| a.to_string()).collect()))
                    .build(),
            )
            .build()
            .map_err(|e| StoreError::dynamo("CreateTable", e))?;
        let review_index = GlobalSecondaryIndex::builder()
            .index_name(keys::REVIEW_INDEX)
            .key_schema(key_element(keys::REVIEW_STATUS, KeyType::Hash))
            .key_schema(key_element(keys::REVIEW_ORDER, KeyType::Range))
            .projection(Projection::builder().projection_type(ProjectionType::All).build())
            .build()
            .map_err(|e| StoreError::dynamo("CreateTable", e))?;
        let wait_index = GlobalSecondaryIndex::builder()
            .index_name(keys::WAIT_INDEX)
            .key_schema(key_element(keys::WAIT_STATUS, KeyType::Hash))
            .key_schema(key_element(keys::WAIT_SINCE, KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::Include)
                    .set_non_key_attributes(Some(WAIT_PROJECTION.iter().map(|a| a.to_string()).collect()))
                    .build(),
            )
            .build()
            .map_err(|e| StoreError::dynamo("CreateTable", e))?;
        let assignee_index = GlobalSecondaryIndex::builder()
            .index_name(keys::ASSIGNEE_INDEX)
            .key_schema(key_element(keys::ASSIGNEE_ID, KeyType::Hash))
            .key_schema(key_element(keys::WAIT_SINCE, KeyType::Range))
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::Include)
                    .set_non_key_attributes(Some(ASSIGNEE_PROJECTION.iter().map(|a| a.to_string()).collect()))
                    .build(),
            )
            .build()
            .map_err(|e| StoreError::dynamo("CreateTable", e))?;
        let created = self
            .client
            .create_table()
            .table_name(&self.table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(string_attribute(keys::PK))
            .attribute_definitions(string_attribute(keys::SK))
            .attribute_definitions(string_attribute(keys::PENDING_STATUS))
            .attribute_definitions(string_attribute(keys::PENDING_ORDER))
            .attribute_definitions(string_attribute(keys::REVIEW_STATUS))
            .attribute_definitions(string_attribute(keys::REVIEW_ORDER))
            .attribute_definitions(string_attribute(keys::WAIT_STATUS))
            .attribute_definitions(string_attribute(keys::WAIT_SINCE))
            .attribute_definitions(string_attribute(keys::ASSIGNEE_ID))
            .key_schema(key_element(keys::PK, KeyType::Hash))
            .key_schema(key_element(keys::SK, KeyType::Range))
            .global_secondary_indexes(pending_index)
            .global_secondary_indexes(review_index)
            .global_secondary_indexes(wait_index)
            .global_secondary_indexes(assignee_index)
            .stream_specification(stream_specification())
            .send()
            .await;
        match created {
            Ok(_) => Ok(true),
            // Another process created it between our describe and create.
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => Ok(false),
            Err(err) => Err(StoreError::dynamo("CreateTable", err)),
        }
    }

    /// A table made before the live updates (a kept dev table) gets its stream here.
    async fn ensure_stream(&self, table: Option<&TableDescription>) -> Result<(), StoreError> {
        let current = table.and_then(|t| t.stream_specification());
        match current {
            Some(spec) if spec.stream_enabled() && spec.stream_view_type() == Some(&STREAM_VIEW) => Ok(()),
            Some(spec) if spec.stream_enabled() => Err(StoreError::Conflict(format!(
                "table {} has a {:?} stream; the live updates need NEW_AND_OLD_IMAGES (disable the stream, then restart)",
                self.table,
                spec.stream_view_type()
            ))),
            _ => {
                let updated =
                    self.client.update_table().table_name(&self.table).stream_specification(stream_specification()).send().await;
                match updated {
                    Ok(_) => {
                        tracing::info!(table = %self.table, "enabled the table's stream for the live updates");
                        Ok(())
                    }
                    // Another process is enabling it at the same moment.
                    Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => Ok(()),
                    Err(err) => Err(StoreError::dynamo("UpdateTable", err)),
                }
            }
        }
    }

    pub async fn delete_table(&self) -> Result<(), StoreError> {
        self.client
            .delete_table()
            .table_name(&self.table)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| StoreError::dynamo("DeleteTable", e))
    }
}
