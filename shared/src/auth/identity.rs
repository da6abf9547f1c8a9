//! Who a caller may be, as plain types: an agent with roles, or a service with scopes, and why a
//! request names neither. Reading a request into one is the principal room's; the keys that
//! identify a service are the keys room's.

/// The prefix of a service key's recorded name.
pub const SERVICE_PREFIX: &str = "key:";

/// What a human agent may be, from the user pool's groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Agent,
    Supervisor,
    Reviewer,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Agent, Role::Supervisor, Role::Reviewer];

    pub fn parse(raw: &str) -> Option<Role> {
        match raw {
            "agent" => Some(Role::Agent),
            "supervisor" => Some(Role::Supervisor),
            "reviewer" => Some(Role::Reviewer),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Reviewer => "reviewer",
        }
    }
}

/// What an integration holding a service key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// The bot's front door: customer chat turns.
    Chat,
    /// Escalations from upstream systems.
    Ingest,
    /// A trusted workbench back end acting for the agent named in `agent_id`.
    AgentProxy,
    /// Knowledge administration, cache invalidation, review.
    Admin,
}

impl Scope {
    pub const ALL: [Scope; 4] = [Scope::Chat, Scope::Ingest, Scope::AgentProxy, Scope::Admin];

    pub fn parse(raw: &str) -> Option<Scope> {
        match raw {
            "chat" => Some(Scope::Chat),
            "ingest" => Some(Scope::Ingest),
            "agent-proxy" => Some(Scope::AgentProxy),
            "admin" => Some(Scope::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentPrincipal {
    pub agent_id: String,
    pub name: String,
    pub roles: Vec<Role>,
}

impl AgentPrincipal {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServicePrincipal {
    /// The key's id: what logs and records name, never the key itself.
    pub key_id: String,
    pub scopes: Vec<Scope>,
}

impl ServicePrincipal {
    pub fn has(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Agent(AgentPrincipal),
    Service(ServicePrincipal),
}

impl Principal {
    /// For logs: the agent id, or `key:<key id>`.
    pub fn log_name(&self) -> String {
        match self {
            Principal::Agent(agent) => agent.agent_id.clone(),
            Principal::Service(service) => format!("{SERVICE_PREFIX}{}", service.key_id),
        }
    }
}

/// Why a request carries no usable credential; each is a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unauthenticated {
    #[error("no credential: send `Authorization: Bearer <token>` (agents) or `X-API-Key` (integrations)")]
    Missing,
    #[error("the X-API-Key is not a key of this API")]
    InvalidApiKey,
    #[error("the bearer token is malformed: {0}")]
    MalformedToken(String),
    #[error("the bearer token has expired")]
    ExpiredToken,
    #[error("the bearer token is not valid here: {0}")]
    InvalidToken(String),
}

impl Unauthenticated {
    /// Which credential was missing, malformed or expired: a stable word for clients.
    pub fn reason(&self) -> &'static str {
        match self {
            Unauthenticated::Missing => "missing_credential",
            Unauthenticated::InvalidApiKey => "invalid_api_key",
            Unauthenticated::MalformedToken(_) => "malformed_token",
            Unauthenticated::ExpiredToken => "expired_token",
            Unauthenticated::InvalidToken(_) => "invalid_token",
        }
    }
}
