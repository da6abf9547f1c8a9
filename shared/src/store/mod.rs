//! The DynamoDB store. Every state transition is one conditional write; nothing reads then writes.

mod agents;
mod assigned;
mod audit;
mod client;
mod batch;
mod confirmed_writes;
mod idempotency;
mod in_flight;
mod connections;
pub mod knowledge;
pub mod items;
pub mod keys;
pub mod schema;
mod sessions;
mod solutions;
mod team;
mod transact;
mod thread;
mod transitions;
mod update;

pub use confirmed_writes::RecordedWrite;
pub use connections::{CustomerConnection, LiveConnection, CONNECTION_TTL_SECONDS};
pub use idempotency::{IdempotencyClaim, RecordCompletion};
pub use assigned::{is_valid_assigned_cursor, AssignedPage};
pub use items::{AgentItem, AssignedItem, PendingItem, WaitItem};
pub use sessions::{is_valid_pending_cursor as sessions_cursor_is_valid, IngestOutcome, PendingPage};
pub use solutions::SolutionPage;
pub use team::{HourlySeries, HourlyTotals, TeamSnapshot};
pub use thread::{ThreadCursor, ThreadPage};
pub use transact::Tally;
pub use transitions::{Assignee, HandOver, SweepCount};
pub use update::UpdateSpec;

pub use client::{Item, Store};

/// Messages one write may carry besides the session, user and marker items.
pub const fn sessions_max_messages() -> usize {
    sessions::MAX_MESSAGES_PER_WRITE
}
