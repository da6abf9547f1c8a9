//! One function per route; each takes the borrowed [`crate::app::App`] and the request, and takes
//! its request and response types from [`crate::api`]. No handler imports another.

mod accepted;
pub mod agent;
pub mod business;
pub mod chat;
pub mod knowledge;
pub mod team;
