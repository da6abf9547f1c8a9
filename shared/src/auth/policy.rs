//! Who may do what: pure rules over a [`Principal`], an operation and, where it matters, the
//! session's status and assignee. The store enforces the session rules inside the conditional
//! write that changes the state; [`check_session`] states the same rules in one place, so they
//! are tested as a table and the store's failures are explained with them.

use super::identity::{AgentPrincipal, Principal, Role, Scope};
use crate::domain::AgentStatus;
use crate::state_machine::{transition, Action, TransitionRejected};

/// The agent a service acting through `agent-proxy` assigns when the body names no one.
pub const DEFAULT_AGENT_ID: &str = "agent-default";

/// What a route does, as far as permissions go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    ListPending,
    ViewSession,
    RecommendKnowledge,
    WhoAmI,
    Accept,
    SendMessage,
    BusinessAssist,
    Resolve,
    SubmitSolution,
    /// A customer turn through the bot's front door.
    Chat,
    /// Read a session's customer-visible thread, as the customer's channel.
    ReadThread,
    ListSolutions,
    ReviewSolution,
    /// Documents, FAQs and the knowledge cache.
    ManageKnowledge,
    /// Hand an assigned session back to the queue.
    Release,
    /// Hand an assigned session to another agent.
    Transfer,
    /// Claim the next session of the queue.
    NextInQueue,
    /// Read a session's audit trail.
    ViewEvents,
    /// Read an agent's capacity and load.
    ViewAgent,
    /// Set an agent's capacity.
    SetCapacity,
    /// The queue's and the team's figures.
    MetricsSummary,
    /// The API's OpenAPI document: any authenticated caller.
    ReadApiDocs,
    /// The sessions one agent holds ("my sessions"): see [`list_owner`].
    ListAssigned,
}

impl Operation {
    pub const ALL: [Operation; 23] = [
        Operation::ListPending,
        Operation::ViewSession,
        Operation::RecommendKnowledge,
        Operation::WhoAmI,
        Operation::Accept,
        Operation::SendMessage,
        Operation::BusinessAssist,
        Operation::Resolve,
        Operation::SubmitSolution,
        Operation::Chat,
        Operation::ReadThread,
        Operation::ListSolutions,
        Operation::ReviewSolution,
        Operation::ManageKnowledge,
        Operation::Release,
        Operation::Transfer,
        Operation::NextInQueue,
        Operation::ViewEvents,
        Operation::ViewAgent,
        Operation::SetCapacity,
        Operation::MetricsSummary,
        Operation::ReadApiDocs,
        Operation::ListAssigned,
    ];

    /// The state-machine action of an operation on one session, if it is one.
    pub fn session_action(self) -> Option<Action> {
        match self {
            Operation::ViewSession => Some(Action::ViewDetails),
            Operation::RecommendKnowledge => Some(Action::KnowledgeRecommend),
            Operation::Accept => Some(Action::Accept),
            Operation::SendMessage => Some(Action::SendMessage),
            Operation::BusinessAssist => Some(Action::BusinessAssist),
            Operation::Resolve => Some(Action::Resolve),
            Operation::SubmitSolution => Some(Action::ConsolidateSolution),
            Operation::Release => Some(Action::Release),
            Operation::Transfer => Some(Action::Transfer),
            Operation::ViewEvents => Some(Action::ViewDetails),
            _ => None,
        }
    }

    /// The session's assignee may do these, and so may a supervisor.
    pub fn assignee_or_supervisor(self) -> bool {
        matches!(self, Operation::Release | Operation::Transfer)
    }

    /// Only the session's assignee may do these.
    pub fn needs_assignee(self) -> bool {
        matches!(
            self,
            Operation::SendMessage | Operation::BusinessAssist | Operation::Resolve | Operation::SubmitSolution
        )
    }
}

/// Why an authenticated caller is refused; each is a 403 and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("{0}")]
    Forbidden(String),
    #[error("only the assigned agent may do this; the session is assigned to {}", .assignee.as_deref().unwrap_or("no one"))]
    NotAssignee { assignee: Option<String> },
    #[error("a solution is reviewed by someone other than the agent who wrote it")]
    OwnSolution,
}

impl Denied {
    fn forbidden(message: impl Into<String>) -> Self {
        Denied::Forbidden(message.into())
    }
}

fn is_staff(agent: &AgentPrincipal) -> bool {
    Role::ALL.iter().any(|r| agent.has(*r))
}

/// May this principal call this operation at all (before looking at any session)?
pub fn admit(principal: &Principal, operation: Operation) -> Result<(), Denied> {
    use Operation::*;
    let allowed = match (principal, operation) {
        (_, ReadApiDocs) => true,
        (Principal::Agent(_), WhoAmI) => true,
        (Principal::Agent(a), ListPending | ViewSession | RecommendKnowledge | ViewEvents | ViewAgent | ListAssigned) => {
            is_staff(a)
        }
        (Principal::Agent(a), Accept | NextInQueue | SendMessage | BusinessAssist | Resolve | SubmitSolution) => {
            a.has(Role::Agent)
        }
        (Principal::Agent(a), Release | Transfer) => a.has(Role::Agent) || a.has(Role::Supervisor),
        (Principal::Agent(a), SetCapacity | MetricsSummary) => a.has(Role::Supervisor),
        (Principal::Agent(a), ListSolutions) => a.has(Role::Reviewer) || a.has(Role::Supervisor),
        // An integration route (no JWT authorizer in front of it): knowledge is written by the
        // ingestion pipeline's admin key; reviewers publish through the review queue.
        (Principal::Agent(_), ManageKnowledge) => false,
        (Principal::Agent(a), ReviewSolution) => a.has(Role::Reviewer),
        (Principal::Agent(_), Chat | ReadThread) => false,
        (Principal::Service(s), Chat | ReadThread) => s.has(Scope::Chat),
        (
            Principal::Service(s),
            ListPending | ViewSession | RecommendKnowledge | Accept | NextInQueue | SendMessage | BusinessAssist
            | Resolve | SubmitSolution | Release | Transfer | ViewEvents | ListAssigned,
        ) => s.has(Scope::AgentProxy),
        (Principal::Service(s), ViewAgent) => s.has(Scope::AgentProxy) || s.has(Scope::Admin),
        (Principal::Service(s), ListSolutions | ReviewSolution | ManageKnowledge | SetCapacity | MetricsSummary) => {
            s.has(Scope::Admin)
        }
        (Principal::Service(_), WhoAmI) => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(Denied::forbidden(match (principal, operation) {
            (Principal::Agent(_), Chat) => "an agent token cannot post as a customer".to_string(),
            (Principal::Agent(_), ReadThread) => "an agent token cannot read as the customer's channel".to_string(),
            (Principal::Agent(_), ManageKnowledge) => {
                "knowledge is managed with an admin X-API-Key; reviewers publish FAQs through the review queue".to_string()
            }
            (Principal::Service(_), WhoAmI) => "a service key is not an agent; sign in as an agent".to_string(),
            (Principal::Agent(a), op) => format!("agent {} lacks the role this needs ({})", a.agent_id, needed(op)),
            (Principal::Service(s), op) => format!("key {} lacks the scope this needs ({})", s.key_id, needed(op)),
        }))
    }
}

/// A bearer token on an integration route (chat, knowledge, the API document): no JWT
/// authorizer stands in front of these, so the token is not a credential here. The caller did
/// authenticate, just with the wrong kind of credential: 403, saying which one the route takes.
pub fn token_on_integration_route(operation: Operation) -> Denied {
    Denied::forbidden(format!(
        "this route does not take agent tokens; send an X-API-Key with {}",
        needed(operation)
    ))
}

fn needed(operation: Operation) -> &'static str {
    use Operation::*;
    match operation {
        WhoAmI => "an agent token",
        ReadApiDocs => "any scope",
        ListPending | ViewSession | RecommendKnowledge | ViewEvents | ListAssigned => {
            "any agent role, or the agent-proxy scope"
        }
        ViewAgent => "any agent role, or the agent-proxy or admin scope",
        Accept | NextInQueue | SendMessage | BusinessAssist | Resolve | SubmitSolution => {
            "the agent role, or the agent-proxy scope"
        }
        Release | Transfer => "the agent or supervisor role, or the agent-proxy scope",
        SetCapacity | MetricsSummary => "the supervisor role, or the admin scope",
        Chat | ReadThread => "the chat scope",
        ListSolutions => "the reviewer or supervisor role, or the admin scope",
        ManageKnowledge => "the admin scope",
        ReviewSolution => "the reviewer role, or the admin scope",
    }
}

/// Whose sessions a "my sessions" request lists (`requested` is its `agent_id`): a signed-in
/// agent's own; another agent's only for a supervisor (the team page); a proxy key's only for
/// the agent it names, since a key is no agent itself.
pub fn list_owner(principal: &Principal, requested: Option<&str>) -> Result<String, Denied> {
    match (principal, requested) {
        (Principal::Agent(a), None) => Ok(a.agent_id.clone()),
        (Principal::Agent(a), Some(named)) if named == a.agent_id => Ok(a.agent_id.clone()),
        (Principal::Agent(a), Some(named)) if a.has(Role::Supervisor) => Ok(named.to_string()),
        (Principal::Agent(a), Some(named)) => Err(Denied::forbidden(format!(
            "agent {} may list only their own sessions, not {named}'s; a supervisor may list anyone's",
            a.agent_id
        ))),
        // `agent-default` holds what a proxy accepted naming no one, so its list may be read.
        (Principal::Service(_), Some(named)) => match super::principal::reserved_agent_id(named) {
            Some(why) if named != DEFAULT_AGENT_ID => Err(Denied::forbidden(format!("agent_id `{named}` {why}; name an agent"))),
            _ => Ok(named.to_string()),
        },
        (Principal::Service(s), None) => Err(Denied::forbidden(format!(
            "key {} is not an agent: name whose sessions to list with `agent_id`",
            s.key_id
        ))),
    }
}

/// On whose behalf a session operation runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in agent: the token's `sub` and display name.
    Agent { id: String, name: String },
    /// A service key with `agent-proxy`, for the agent named in the body, or, when none is
    /// named, for whoever holds the session.
    Proxy { key_id: String, for_agent: Option<String> },
}

impl Actor {
    /// The agent the write must find assigned, when the caller names one.
    pub fn named_agent(&self) -> Option<&str> {
        match self {
            Actor::Agent { id, .. } => Some(id),
            Actor::Proxy { for_agent, .. } => for_agent.as_deref(),
        }
    }

    /// The agent an accept assigns.
    pub fn assignee_on_accept(&self) -> &str {
        self.named_agent().unwrap_or(DEFAULT_AGENT_ID)
    }

    /// The display name to record, when the actor is the agent itself.
    pub fn display_name(&self) -> Option<&str> {
        match self {
            Actor::Agent { name, .. } => Some(name),
            Actor::Proxy { .. } => None,
        }
    }
}

/// The actor of a session operation. With a token the caller is the token's agent, and a body
/// `agent_id` naming anyone else is refused; a proxy key acts for the body's `agent_id`.
pub fn acting_agent(principal: &Principal, body_agent_id: Option<&str>) -> Result<Actor, Denied> {
    match principal {
        Principal::Agent(agent) => match body_agent_id {
            Some(named) if named != agent.agent_id => Err(Denied::forbidden(format!(
                "agent_id `{named}` is not the signed-in agent ({}); leave it out or send your own",
                agent.agent_id
            ))),
            _ => Ok(Actor::Agent { id: agent.agent_id.clone(), name: agent.name.clone() }),
        },
        Principal::Service(service) => {
            // A proxy may name `agent-default` (whom it accepts for by default), never a key or
            // another reserved name: the record would show a principal that did not act.
            if let Some(named) = body_agent_id.filter(|n| *n != DEFAULT_AGENT_ID) {
                if let Some(why) = super::principal::reserved_agent_id(named) {
                    return Err(Denied::forbidden(format!("agent_id `{named}` {why}; name an agent")));
                }
            }
            Ok(Actor::Proxy { key_id: service.key_id.clone(), for_agent: body_agent_id.map(str::to_string) })
        }
    }
}

/// Why an operation on a session is refused: the caller, or the session's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionRefusal {
    Denied(Denied),
    State(TransitionRejected),
}

/// The whole rule for one operation on one session: the state machine first (a session that
/// is not assigned is a 409 whoever asks), then ownership. The store's conditional writes check
/// exactly this; see `Store::accept`, `append_agent_message`, `resolve`, `save_solution`.
pub fn check_session(
    actor: &Actor,
    operation: Operation,
    status: AgentStatus,
    assignee: Option<&str>,
) -> Result<(), SessionRefusal> {
    check_session_as(actor, false, operation, status, assignee)
}

/// [`check_session`] for a caller who may be a supervisor: a supervisor releases or transfers
/// anyone's session; everyone else only their own.
pub fn check_session_as(
    actor: &Actor,
    supervisor: bool,
    operation: Operation,
    status: AgentStatus,
    assignee: Option<&str>,
) -> Result<(), SessionRefusal> {
    if let Some(action) = operation.session_action() {
        transition(status, action).map_err(SessionRefusal::State)?;
    }
    let holder_only = operation.needs_assignee() || (operation.assignee_or_supervisor() && !supervisor);
    if holder_only {
        if let Some(named) = actor.named_agent() {
            if assignee != Some(named) {
                return Err(SessionRefusal::Denied(Denied::NotAssignee { assignee: assignee.map(str::to_string) }));
            }
        }
    }
    Ok(())
}

/// A supervisor's token.
pub fn is_supervisor(principal: &Principal) -> bool {
    matches!(principal, Principal::Agent(a) if a.has(Role::Supervisor))
}

/// An agent's capacity and load are theirs to see, and a supervisor's; a service key admitted
/// to the route sees any.
pub fn check_agent_view(principal: &Principal, agent_id: &str) -> Result<(), Denied> {
    match principal {
        Principal::Agent(a) if a.agent_id == agent_id || a.has(Role::Supervisor) => Ok(()),
        Principal::Agent(a) => Err(Denied::forbidden(format!(
            "agent {} may see their own capacity only; a supervisor sees everyone's",
            a.agent_id
        ))),
        Principal::Service(_) => Ok(()),
    }
}

/// Who reviews: an agent's id, or `key:<id>` for an admin key.
pub fn reviewer_id(principal: &Principal) -> String {
    principal.log_name()
}

/// Nobody reviews a solution they wrote or sent: `author` is the agent the solution names,
/// `submitter` the principal that submitted it (the same agent, or the proxy key acting for it).
pub fn check_not_author(reviewer: &str, author: Option<&str>, submitter: Option<&str>) -> Result<(), Denied> {
    if author == Some(reviewer) || submitter == Some(reviewer) {
        Err(Denied::OwnSolution)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::principal::{AgentPrincipal, ServicePrincipal};
    use Operation::*;

    fn agent(id: &str, roles: &[Role]) -> Principal {
        Principal::Agent(AgentPrincipal { agent_id: id.into(), name: id.to_uppercase(), roles: roles.to_vec() })
    }

    fn key(scopes: &[Scope]) -> Principal {
        Principal::Service(ServicePrincipal { key_id: "k1".into(), scopes: scopes.to_vec() })
    }

    #[test]
    fn my_sessions_are_the_callers_own_and_anyones_only_for_a_supervisor() {
        let a = agent("agent-001", &[Role::Agent]);
        assert_eq!(list_owner(&a, None), Ok("agent-001".to_string()));
        assert_eq!(list_owner(&a, Some("agent-001")), Ok("agent-001".to_string()));
        assert!(matches!(list_owner(&a, Some("agent-002")), Err(Denied::Forbidden(_))));
        let lead = agent("lead-001", &[Role::Agent, Role::Supervisor]);
        assert_eq!(list_owner(&lead, Some("agent-002")), Ok("agent-002".to_string()));
        assert_eq!(list_owner(&lead, None), Ok("lead-001".to_string()));
        let proxy = key(&[Scope::AgentProxy]);
        assert_eq!(list_owner(&proxy, Some("agent-002")), Ok("agent-002".to_string()));
        assert!(matches!(list_owner(&proxy, None), Err(Denied::Forbidden(_))), "a key is no agent");
        assert!(matches!(list_owner(&proxy, Some("key:k1")), Err(Denied::Forbidden(_))), "a reserved name");
    }

    /// Every principal kind × every operation: the table of the README, as code.
    #[test]
    fn the_rule_table_holds_for_every_principal_and_operation() {
        let cases: Vec<(&str, Principal, Vec<Operation>)> = vec![
            ("agent", agent("a", &[Role::Agent]), vec![
                ListPending, ViewSession, RecommendKnowledge, WhoAmI, Accept, SendMessage, BusinessAssist, Resolve,
                SubmitSolution, Release, Transfer, NextInQueue, ViewEvents, ViewAgent, ListAssigned,
            ]),
            ("supervisor only", agent("s", &[Role::Supervisor]), vec![
                ListPending, ViewSession, RecommendKnowledge, WhoAmI, ListSolutions, Release, Transfer, ViewEvents,
                ViewAgent, SetCapacity, MetricsSummary, ListAssigned,
            ]),
            ("reviewer only", agent("r", &[Role::Reviewer]), vec![
                ListPending, ViewSession, RecommendKnowledge, WhoAmI, ListSolutions, ReviewSolution, ViewEvents,
                ViewAgent, ListAssigned,
            ]),
            ("signed in, no group", agent("n", &[]), vec![WhoAmI]),
            ("chat key", key(&[Scope::Chat]), vec![Chat, ReadThread]),
            ("ingest key", key(&[Scope::Ingest]), vec![]),
            ("agent-proxy key", key(&[Scope::AgentProxy]), vec![
                ListPending, ViewSession, RecommendKnowledge, Accept, SendMessage, BusinessAssist, Resolve,
                SubmitSolution, Release, Transfer, NextInQueue, ViewEvents, ViewAgent, ListAssigned,
            ]),
            ("admin key", key(&[Scope::Admin]), vec![
                ListSolutions, ReviewSolution, ManageKnowledge, ViewAgent, SetCapacity, MetricsSummary,
            ]),
        ];
        for (label, principal, allowed) in cases {
            for op in Operation::ALL {
                let result = admit(&principal, op);
                // Every credential may read the API's own description.
                assert_eq!(result.is_ok(), allowed.contains(&op) || op == ReadApiDocs, "{label} × {op:?}: {result:?}");
            }
        }
    }

    #[test]
    fn an_agent_token_cannot_post_as_a_customer() {
        let all = agent("a", &Role::ALL);
        assert_eq!(admit(&all, Chat), Err(Denied::Forbidden("an agent token cannot post as a customer".into())));
    }

    #[test]
    fn with_a_token_the_actor_is_the_token_and_a_different_body_agent_is_refused() {
        let a = agent("agent-001", &[Role::Agent]);
        assert_eq!(
            acting_agent(&a, None).unwrap(),
            Actor::Agent { id: "agent-001".into(), name: "AGENT-001".into() }
        );
        assert!(acting_agent(&a, Some("agent-001")).is_ok());
        assert!(matches!(acting_agent(&a, Some("agent-002")), Err(Denied::Forbidden(_))));
    }

    #[test]
    fn a_proxy_acts_for_the_named_agent_or_for_the_assignee() {
        let proxy = key(&[Scope::AgentProxy]);
        let named = acting_agent(&proxy, Some("agent-007")).unwrap();
        assert_eq!(named.named_agent(), Some("agent-007"));
        assert_eq!(named.assignee_on_accept(), "agent-007");
        let unnamed = acting_agent(&proxy, None).unwrap();
        assert_eq!(unnamed.named_agent(), None);
        assert_eq!(unnamed.assignee_on_accept(), DEFAULT_AGENT_ID);
    }

    /// Every session operation × status × who holds the session.
    #[test]
    fn the_session_rule_table_holds_for_every_state_and_holder() {
        let me = Actor::Agent { id: "a".into(), name: "A".into() };
        let proxy_for_me = Actor::Proxy { key_id: "k".into(), for_agent: Some("a".into()) };
        let proxy_for_holder = Actor::Proxy { key_id: "k".into(), for_agent: None };
        let statuses = [AgentStatus::None, AgentStatus::Pending, AgentStatus::Assigned, AgentStatus::Resolved];
        for op in Operation::ALL.into_iter().filter(|op| op.session_action().is_some()) {
            for status in statuses {
                for holder in [None, Some("a"), Some("b")] {
                    let state_ok = transition(status, op.session_action().unwrap()).is_ok();
                    for (actor, supervisor) in
                        [(&me, false), (&me, true), (&proxy_for_me, false), (&proxy_for_holder, false)]
                    {
                        let result = check_session_as(actor, supervisor, op, status, holder);
                        let holder_only = op.needs_assignee() || (op.assignee_or_supervisor() && !supervisor);
                        let expected = if !state_ok {
                            "state"
                        } else if holder_only && actor.named_agent().is_some() && holder != Some("a") {
                            "not_assignee"
                        } else {
                            "ok"
                        };
                        let got = match &result {
                            Ok(()) => "ok",
                            Err(SessionRefusal::State(_)) => "state",
                            Err(SessionRefusal::Denied(Denied::NotAssignee { .. })) => "not_assignee",
                            Err(SessionRefusal::Denied(_)) => "other",
                        };
                        assert_eq!(got, expected, "{op:?} on {status:?} held by {holder:?} as {actor:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn release_and_transfer_are_the_assignees_or_a_supervisors() {
        let me = Actor::Agent { id: "a".into(), name: "A".into() };
        for op in [Release, Transfer] {
            assert!(check_session_as(&me, false, op, AgentStatus::Assigned, Some("a")).is_ok());
            assert_eq!(
                check_session_as(&me, false, op, AgentStatus::Assigned, Some("b")),
                Err(SessionRefusal::Denied(Denied::NotAssignee { assignee: Some("b".into()) }))
            );
            assert!(check_session_as(&me, true, op, AgentStatus::Assigned, Some("b")).is_ok(), "a supervisor");
            // Not assigned is a 409 whoever asks.
            for status in [AgentStatus::Pending, AgentStatus::Resolved] {
                assert!(matches!(check_session_as(&me, true, op, status, None), Err(SessionRefusal::State(_))));
            }
        }
    }

    #[test]
    fn an_agents_figures_are_theirs_and_their_supervisors() {
        assert!(check_agent_view(&agent("a", &[Role::Agent]), "a").is_ok());
        assert!(matches!(check_agent_view(&agent("a", &[Role::Agent]), "b"), Err(Denied::Forbidden(_))));
        assert!(check_agent_view(&agent("s", &[Role::Supervisor]), "b").is_ok());
        assert!(check_agent_view(&key(&[Scope::Admin]), "b").is_ok());
        assert!(is_supervisor(&agent("s", &[Role::Supervisor])));
        assert!(!is_supervisor(&key(&[Scope::Admin])));
    }

    #[test]
    fn not_assignee_names_the_current_holder() {
        let me = Actor::Agent { id: "a".into(), name: "A".into() };
        let refusal = check_session(&me, SendMessage, AgentStatus::Assigned, Some("b")).unwrap_err();
        assert_eq!(refusal, SessionRefusal::Denied(Denied::NotAssignee { assignee: Some("b".into()) }));
    }

    #[test]
    fn nobody_reviews_their_own_solution() {
        assert_eq!(check_not_author("r1", Some("r1"), Some("r1")), Err(Denied::OwnSolution));
        assert!(check_not_author("r1", Some("a1"), Some("a1")).is_ok());
        assert!(check_not_author("key:ops", None, None).is_ok());
        // A key that submitted for an agent (the probe's `agent-proxy-x`) cannot approve it either.
        assert_eq!(check_not_author("key:ops", Some("agent-proxy-x"), Some("key:ops")), Err(Denied::OwnSolution));
        assert!(check_not_author("key:ops", Some("agent-proxy-x"), Some("key:other")).is_ok());
        assert_eq!(reviewer_id(&key(&[Scope::Admin])), "key:k1");
    }
}
