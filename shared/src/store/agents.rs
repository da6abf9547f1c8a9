//! The roster: an agent's load (the capacity-checked update a transition carries), their own
//! limit, and enrolment.

use super::items::AgentItem;
use super::transact::timestamp;
use super::update::UpdateSpec;
use super::client::{from_item, key, n, s, Item, Store};
use super::keys;
use crate::error::{AtCapacity, StoreError};
use crate::queue::QueuePolicy;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

fn number(item: Option<&Item>, name: &str) -> Option<i64> {
    item.and_then(|i| i.get(name)).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

impl Store {
    /// `ADD active_sessions delta` on an agent's item. Taking a session (`capacity` given) is
    /// conditional on the agent being under their own limit, else the team's; giving one back
    /// is not conditional.
    pub fn agent_load(
        &self,
        agent_id: &str,
        delta: i64,
        capacity: Option<&QueuePolicy>,
        now: DateTime<Utc>,
    ) -> Result<TransactWriteItem, StoreError> {
        self.agent_load_checked(agent_id, delta, capacity, false, now)
    }

    /// [`Store::agent_load`], and with `on_roster` only for an agent of the roster who takes
    /// sessions ([`Store::enrol_agent`]): a transfer's target must be a real agent, not any
    /// well-formed id.
    pub(super) fn agent_load_checked(
        &self,
        agent_id: &str,
        delta: i64,
        capacity: Option<&QueuePolicy>,
        on_roster: bool,
        now: DateTime<Utc>,
    ) -> Result<TransactWriteItem, StoreError> {
        let roster = if on_roster { "takes_sessions = :takes_sessions AND " } else { "" };
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::TEAM_PK.to_string(), &keys::agent_sk(agent_id))))
            .update_expression(
                "SET entity = :agent_entity, agent_id = :agent_id, updated_at = :agent_at ADD active_sessions :delta",
            )
            .expression_attribute_values(":agent_entity", s("agent"))
            .expression_attribute_values(":agent_id", s(agent_id))
            .expression_attribute_values(":agent_at", s(timestamp(now)))
            .expression_attribute_values(":delta", n(delta))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        if let Some(policy) = capacity {
            update = match policy.team_max_sessions {
                None => update.condition_expression(format!(
                    "{roster}(attribute_not_exists(max_sessions) OR active_sessions < max_sessions)"
                )),
                Some(team) => update
                    .condition_expression(format!(
                        "{roster}((attribute_exists(max_sessions) AND active_sessions < max_sessions) OR \
                         (attribute_not_exists(max_sessions) AND \
                          (attribute_not_exists(active_sessions) OR active_sessions < :team_max)))"
                    ))
                    .expression_attribute_values(":team_max", n(team)),
            };
        } else if on_roster {
            update = update.condition_expression("takes_sessions = :takes_sessions");
        }
        if on_roster {
            update = update.expression_attribute_values(":takes_sessions", AttributeValue::Bool(true));
        }
        let update = update.build().map_err(|e| StoreError::dynamo("TransactWriteItems", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Why the agent's load update refused: their limit, from the item as it was.
    pub(super) fn at_capacity(&self, agent_id: &str, old: Option<&Item>, policy: &QueuePolicy) -> StoreError {
        let own = number(old, "max_sessions").and_then(|m| u32::try_from(m).ok());
        StoreError::AtCapacity(AtCapacity {
            agent_id: agent_id.to_string(),
            active_sessions: number(old, "active_sessions").unwrap_or(0),
            max_sessions: policy.capacity(own).unwrap_or(0),
        })
    }

    /// An agent's capacity and load; an agent never seen has none of either.
    pub async fn agent(&self, agent_id: &str) -> Result<AgentItem, StoreError> {
        let item: Option<AgentItem> = self.get_typed(keys::TEAM_PK.to_string(), &keys::agent_sk(agent_id)).await?;
        Ok(item.unwrap_or(AgentItem { agent_id: agent_id.to_string(), active_sessions: 0, max_sessions: None, updated_at: None }))
    }

    /// Put an agent on the roster, or refresh their entry: name, roles and whether they take
    /// sessions (the `agent` role). Locally the seeded roster is enrolled at start; in AWS every
    /// agent is enrolled at sign-in (`GET /api/v1/agent/me`), from the groups Cognito put in the
    /// token, so a role removed in the user pool stops transfers to them at their next sign-in.
    pub async fn enrol_agent(&self, agent_id: &str, name: &str, roles: &[&str], now: DateTime<Utc>) -> Result<(), StoreError> {
        let spec = UpdateSpec::new()
            .set("entity", s("agent"))
            .set("agent_id", s(agent_id))
            .set("agent_name", s(name))
            .set("roster_roles", AttributeValue::L(roles.iter().map(|r| s(*r)).collect()))
            .set("takes_sessions", AttributeValue::Bool(roles.contains(&"agent")))
            .set("enrolled_at", s(timestamp(now)))
            .set_if_absent("active_sessions", n(0));
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::TEAM_PK.to_string(), &keys::agent_sk(agent_id))))
            .update_expression(spec.expression())
            .set_expression_attribute_values(spec.values())
            .send()
            .await
            .map_err(|e| StoreError::dynamo("UpdateItem", e))?;
        Ok(())
    }

    /// Set (or, with `None`, clear) an agent's own limit. Sessions they hold stay theirs; a limit
    /// below their load only stops new ones.
    pub async fn set_capacity(&self, agent_id: &str, max_sessions: Option<u32>, now: DateTime<Utc>) -> Result<AgentItem, StoreError> {
        let spec = UpdateSpec::new()
            .set("entity", s("agent"))
            .set("agent_id", s(agent_id))
            .set("updated_at", s(timestamp(now)))
            .set_if_absent("active_sessions", n(0))
            .set_or_remove("max_sessions", max_sessions.map(n));
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::TEAM_PK.to_string(), &keys::agent_sk(agent_id))))
            .update_expression(spec.expression())
            .set_expression_attribute_values(spec.values())
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllNew)
            .send()
            .await
            .map_err(|e| StoreError::dynamo("UpdateItem", e))?;
        from_item(out.attributes.unwrap_or_default())
    }
}
