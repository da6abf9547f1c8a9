//! The HTTP API's contract, in one place: every request and response type by area, the limits a
//! request is held to, the error catalogue and the pagination every list shares. The handlers
//! and the OpenAPI document both import from here; nothing here imports a handler.

pub mod agent;
pub mod business;
pub mod chat;
pub mod errors;
pub mod knowledge;
pub mod paging;
pub mod team;
