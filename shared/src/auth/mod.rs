//! Identity and permissions: who the caller is ([`principal`]), the service keys ([`keys`]), and
//! the pure rules of who may do what ([`policy`]).

pub mod keys;
pub mod policy;
pub mod principal;

pub use keys::{ApiKeys, KeySetError, API_KEY_HEADER};
pub use policy::{
    acting_agent, admit, check_agent_view, check_session, check_session_as, is_supervisor, Actor, Denied, Operation,
    SessionRefusal,
};
pub use principal::{
    principal_of, reserved_agent_id, AgentPrincipal, Principal, Role, Scope, ServicePrincipal, Unauthenticated,
};
