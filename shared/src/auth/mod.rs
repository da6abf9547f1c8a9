//! Identity and permissions: who a caller may be ([`identity`]), the customer's session-bound
//! token ([`customer`]), the service keys ([`keys`]),
//! reading the caller of a request ([`principal`]), and the pure rules of who may do what ([`policy`]).

pub mod customer;
pub mod identity;
pub mod keys;
pub mod policy;
pub mod principal;

pub use keys::{ApiKeys, KeySetError, API_KEY_HEADER};
pub use policy::{
    acting_agent, admit, check_agent_view, check_session, check_session_as, is_supervisor, list_owner, Actor, Denied,
    Operation, SessionRefusal,
};
pub use identity::{AgentPrincipal, Principal, Role, Scope, ServicePrincipal, Unauthenticated};
pub use principal::{principal_of, reserved_agent_id};
