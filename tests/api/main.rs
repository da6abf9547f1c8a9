//! One integration-test binary (one link), a module per area. Needs DynamoDB Local:
//! run through `infra/test.sh`.

mod agent_endpoints;
mod business;
mod chat;
mod concurrency;
mod error_catalogue;
mod cors;
mod customer_socket;
mod faults;
mod full_loop;
mod helpers;
mod idempotency;
mod identity;
mod ingestion;
mod knowledge;
mod layers;
mod live;
mod my_sessions;
mod openapi;
mod probe;
mod review;
mod strict_input;
mod team;
#[cfg(feature = "e5")]
mod semantic;
mod template_contract;
mod thread;
mod webhook;
mod tls;
