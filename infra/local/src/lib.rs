//! The local stack: the API of template.yaml served over HTTP from the same handler code the
//! Lambdas run, function invocation on event files, and demo data.

pub mod identity;
pub mod capacity;
pub mod latency;
pub mod live;
pub mod load;
pub mod round_trips;
pub mod router;
pub mod seed;
pub mod server;
pub mod template;
