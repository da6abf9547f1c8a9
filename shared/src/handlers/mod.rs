//! One function per route; each takes the borrowed [`crate::app::App`] and the request.

pub mod agent;
pub mod business;
pub mod chat;
pub mod knowledge;
pub mod team;
