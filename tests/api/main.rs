//! One integration-test binary (one link), a module per area. Needs DynamoDB Local:
//! run through `infra/test.sh`.

mod agent_endpoints;
mod business;
mod chat;
mod concurrency;
mod full_loop;
mod helpers;
mod ingestion;
mod knowledge;
#[cfg(feature = "e5")]
mod semantic;
mod template_contract;
