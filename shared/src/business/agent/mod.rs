//! `BusinessAgent::execute`: understand the question, find the order it is about, read or
//! (confirmed) write, and answer with personal data masked.

use crate::business::backend::{BackendError, BusinessBackend};
use crate::business::confirm::{confirmation_secret_from_env, ConfirmationLedger, TokenSigner};
use crate::business::dynamo::{DynamoBusinessBackend, DynamoConfirmationLedger};
use crate::business::http_backend::HttpBusinessBackend;
use crate::business::understand::{understand, Lang, Scene, Understanding};
use crate::business::{AssistContext, AssistOutcome};
use crate::config::ConfigError;
use crate::store::Store;
use serde_json::Value;
use std::sync::Arc;
use answer::*;

mod answer;
mod data;
mod read;
mod write;

/// Mentioned orders tried, most recent first, before falling back to the customer's latest.
const MENTIONS_TRIED: usize = 5;

pub struct BusinessAgent {
    backend: Arc<dyn BusinessBackend>,
    ledger: Arc<dyn ConfirmationLedger>,
    signer: TokenSigner,
}

impl BusinessAgent {
    pub fn new(backend: Arc<dyn BusinessBackend>, ledger: Arc<dyn ConfirmationLedger>, secret: Vec<u8>) -> Self {
        BusinessAgent { backend, ledger, signer: TokenSigner::new(secret) }
    }

    /// Cold-start wiring: [`BusinessAgent::for_store`] with the token key from
    /// `CONFIRMATION_SECRET` (or derived from `API_KEY`, see [`confirmation_secret_from_env`]).
    pub fn from_env(store: &Store) -> Result<Self, ConfigError> {
        Self::for_store(store, confirmation_secret_from_env()?)
    }

    /// The HTTP order system when `BUSINESS_API_URL` is set (`BUSINESS_API_TIMEOUT_MS`), else the
    /// order data in the table; used confirmation tokens are recorded in the table either way.
    pub fn for_store(store: &Store, secret: Vec<u8>) -> Result<Self, ConfigError> {
        let backend: Arc<dyn BusinessBackend> = match HttpBusinessBackend::from_env()? {
            Some(http) => Arc::new(http),
            None => Arc::new(DynamoBusinessBackend::new(store.clone())),
        };
        let ledger = Arc::new(DynamoConfirmationLedger::new(store.clone()));
        Ok(Self::new(backend, ledger, secret))
    }

    pub async fn execute(&self, ctx: &AssistContext, query: &str, confirmation_token: Option<&str>) -> AssistOutcome {
        let u = understand(query);
        // Blank is no token; anything else is verified exactly as sent (one encoding only).
        let token = confirmation_token.filter(|t| !t.trim().is_empty());
        let answer = match u.scene {
            Scene::Unknown if token.is_some() => invalid_confirmation(u.lang),
            Scene::Unknown => Answer::ok(help(u.lang, ctx.customer_facing), Value::Null),
            scene if scene.is_write() && ctx.customer_facing => Answer::error(
                "write_not_allowed",
                match u.lang {
                    Lang::En => "I can't change orders here, but a customer service agent can help you with that. Would you like me to transfer you to an agent?".into(),
                    Lang::Zh => "这里无法修改订单，人工客服可以帮您处理。需要为您转接人工客服吗？".into(),
                },
            ),
            scene if scene.is_write() => self.write(ctx, &u, token).await,
            _ if token.is_some() => invalid_confirmation(u.lang),
            _ => self.read(ctx, &u).await,
        };
        let outcome = finish(u.scene, answer);
        let order_id = outcome.result.data.get("order_id").and_then(Value::as_str).unwrap_or("");
        let error = outcome.result.error.as_deref().unwrap_or("");
        tracing::info!(
            session_id = %ctx.session_id,
            agent_id = %ctx.agent_id,
            customer_facing = ctx.customer_facing,
            scene = %outcome.result.scene,
            order_id,
            error,
            need_confirmation = outcome.result.need_confirmation,
            executed = outcome.executed.is_some(),
            "business assist"
        );
        outcome
    }

    /// The order the question is about: the one it names, else the most recently mentioned one
    /// of this customer, else the customer's latest.
    async fn resolve_order(&self, ctx: &AssistContext, u: &Understanding) -> Result<Lookup, BackendError> {
        if let Some(order_id) = &u.order_id {
            return Ok(match self.backend.order(order_id).await? {
                Some(order) if order.user_id == ctx.user_id => Lookup::Found(Box::new(order), Source::Named),
                Some(_) if !ctx.customer_facing => Lookup::NotOwned(order_id.clone()),
                _ => Lookup::NotFound(order_id.clone()),
            });
        }
        for order_id in ctx.mentioned_order_ids.iter().take(MENTIONS_TRIED) {
            if let Some(order) = self.backend.order(order_id).await? {
                if order.user_id == ctx.user_id {
                    return Ok(Lookup::Found(Box::new(order), Source::Mentioned));
                }
            }
        }
        Ok(match self.backend.orders_of(&ctx.user_id).await?.into_iter().next() {
            Some(order) => Lookup::Found(Box::new(order), Source::Latest),
            None => Lookup::NoOrder,
        })
    }

}

#[cfg(test)]
mod unit {
    use super::data::is_organisation;
    use super::write::refund_id_from;
    use super::*;
    use crate::business::mask;
    use chrono::{DateTime, Utc};
    use serde_json::json;

    #[test]
    fn delivery_dates_read_naturally_in_both_languages() {
        let now = DateTime::parse_from_rfc3339("2026-07-03T10:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(delivery_phrase(Lang::En, "2026-07-05", now), ", estimated delivery July 5");
        assert_eq!(delivery_phrase(Lang::En, "2027-01-02T00:00:00Z", now), ", estimated delivery January 2, 2027");
        assert_eq!(delivery_phrase(Lang::Zh, "2026-07-05", now), "，预计7月5日送达");
        assert_eq!(delivery_phrase(Lang::En, "soon", now), ", estimated delivery soon");
    }

    #[test]
    fn only_organisations_keep_an_unmasked_invoice_title() {
        assert!(is_organisation("ACME Trading Co., Ltd."));
        assert!(is_organisation("北京某某科技有限公司"));
        assert!(!is_organisation("Li Wei"));
        assert!(!is_organisation("张三"));
    }

    #[test]
    fn refund_ids_are_stable_per_confirmation() {
        let nonce = "0123456789abcdef0123456789abcdef";
        assert_eq!(refund_id_from(nonce), refund_id_from(nonce));
        assert!(refund_id_from(nonce).starts_with("RF-"));
        assert_eq!(refund_id_from(nonce).len(), 13);
        assert_eq!(mask::scrub(&refund_id_from(nonce)), refund_id_from(nonce));
    }

    #[test]
    fn error_details_lose_their_quoted_values() {
        let detail = "invalid type: string \"13812341234\", expected u32; `北京市朝阳区建国路88号`";
        let redacted = redact_detail(detail);
        assert!(!redacted.contains("13812341234"));
        assert!(!redacted.contains("建国路"));
    }

    #[test]
    fn masked_fields_are_collected_from_nested_data() {
        let data = json!({"a_masked": "x", "nested": [{"b_masked": "y"}, {"a_masked": "z"}], "c": {"d_masked": 1}});
        let mut fields = Vec::new();
        collect_masked(&data, &mut fields);
        // serde_json maps iterate in key order.
        assert_eq!(fields, vec!["a_masked", "d_masked", "b_masked"]);
    }
}
