//! The endpoint table: every HTTP-triggered function of template.yaml, with its names, the
//! operation the permission rules know it by, and the capabilities its cold start wires (secrets,
//! the embedding model, the order system). Plain data: it imports nothing but the operations.

use crate::auth::Operation;

/// One HTTP-triggered function of template.yaml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    PendingList,
    MySessions,
    SessionDetails,
    AcceptSession,
    SendMessage,
    ResolveSession,
    SubmitSolution,
    Me,
    Chat,
    CustomerThread,
    CustomerToken,
    KnowledgeRecommend,
    BusinessAssist,
    InvalidateCache,
    UpsertDocument,
    ListDocuments,
    DeleteDocument,
    CreateFaq,
    ListFaqs,
    DeleteFaq,
    ListSolutions,
    ApproveSolution,
    RejectSolution,
    ReleaseSession,
    TransferSession,
    NextSession,
    SessionEvents,
    GetAgent,
    SetAgentCapacity,
    MetricsSummary,
    OpenApiDocument,
}

/// (endpoint, template logical id, binary name)
const NAMES: &[(Endpoint, &str, &str)] = &[
    (Endpoint::PendingList, "PendingListFunction", "pending-list"),
    (Endpoint::MySessions, "MySessionsFunction", "my-sessions"),
    (Endpoint::SessionDetails, "SessionDetailsFunction", "session-details"),
    (Endpoint::AcceptSession, "AcceptSessionFunction", "accept-session"),
    (Endpoint::SendMessage, "SendMessageFunction", "send-message"),
    (Endpoint::ResolveSession, "ResolveSessionFunction", "resolve-session"),
    (Endpoint::SubmitSolution, "SubmitSolutionFunction", "submit-solution"),
    (Endpoint::Me, "AgentMeFunction", "agent-me"),
    (Endpoint::Chat, "ChatFunction", "chat"),
    (Endpoint::CustomerThread, "CustomerThreadFunction", "customer-thread"),
    (Endpoint::CustomerToken, "CustomerTokenFunction", "customer-token"),
    (Endpoint::KnowledgeRecommend, "KnowledgeRecommendFunction", "knowledge-recommend"),
    (Endpoint::BusinessAssist, "BusinessAssistFunction", "business-assist"),
    (Endpoint::InvalidateCache, "InvalidateCacheFunction", "invalidate-cache"),
    (Endpoint::UpsertDocument, "UpsertDocumentFunction", "upsert-document"),
    (Endpoint::ListDocuments, "ListDocumentsFunction", "list-documents"),
    (Endpoint::DeleteDocument, "DeleteDocumentFunction", "delete-document"),
    (Endpoint::CreateFaq, "CreateFaqFunction", "create-faq"),
    (Endpoint::ListFaqs, "ListFaqsFunction", "list-faqs"),
    (Endpoint::DeleteFaq, "DeleteFaqFunction", "delete-faq"),
    (Endpoint::ListSolutions, "ListSolutionsFunction", "list-solutions"),
    (Endpoint::ApproveSolution, "ApproveSolutionFunction", "approve-solution"),
    (Endpoint::RejectSolution, "RejectSolutionFunction", "reject-solution"),
    (Endpoint::ReleaseSession, "ReleaseSessionFunction", "release-session"),
    (Endpoint::TransferSession, "TransferSessionFunction", "transfer-session"),
    (Endpoint::NextSession, "NextSessionFunction", "next-session"),
    (Endpoint::SessionEvents, "SessionEventsFunction", "session-events"),
    (Endpoint::GetAgent, "GetAgentFunction", "get-agent"),
    (Endpoint::SetAgentCapacity, "SetAgentCapacityFunction", "set-agent-capacity"),
    (Endpoint::MetricsSummary, "MetricsSummaryFunction", "metrics-summary"),
    (Endpoint::OpenApiDocument, "OpenApiFunction", "openapi"),
];

/// The event-triggered function of template.yaml.
pub const INGEST_FUNCTION: (&str, &str) = ("IngestEscalationFunction", "ingest-escalation");

/// The scheduled function of template.yaml (EventBridge, every minute): aging, auto-release,
/// the oldest pending wait.
pub const MAINTENANCE_FUNCTION: (&str, &str) = ("QueueMaintenanceFunction", "queue-maintenance");

/// The live-update functions of template.yaml, (logical id, binary): the WebSocket API's routes
/// and the fan-out on the table's stream.
pub const LIVE_CONNECT_FUNCTION: (&str, &str) = ("LiveConnectFunction", "live-connect");
pub const LIVE_DISCONNECT_FUNCTION: (&str, &str) = ("LiveDisconnectFunction", "live-disconnect");
pub const LIVE_PING_FUNCTION: (&str, &str) = ("LivePingFunction", "live-ping");
pub const LIVE_FANOUT_FUNCTION: (&str, &str) = ("LiveFanoutFunction", "live-fanout");
/// A customer's message on their socket: a chat turn.
pub const LIVE_CUSTOMER_MESSAGE_FUNCTION: (&str, &str) = ("LiveCustomerMessageFunction", "live-customer-message");
pub const LIVE_FUNCTIONS: [(&str, &str); 5] =
    [LIVE_CONNECT_FUNCTION, LIVE_DISCONNECT_FUNCTION, LIVE_PING_FUNCTION, LIVE_FANOUT_FUNCTION, LIVE_CUSTOMER_MESSAGE_FUNCTION];

/// The enrichment function of the pipe from the table's stream to the customer event bus.
pub const CUSTOMER_EVENTS_FUNCTION: (&str, &str) = ("CustomerEventsFunction", "customer-events");

/// The functions that embed text (a query, a FAQ, a document): only they carry the model.
pub const EMBEDDING_ENDPOINTS: &[Endpoint] = &[
    Endpoint::Chat,
    Endpoint::KnowledgeRecommend,
    Endpoint::UpsertDocument,
    Endpoint::CreateFaq,
    Endpoint::ApproveSolution,
];

const fn embeds(endpoint: Endpoint) -> bool {
    let mut i = 0;
    while i < EMBEDDING_ENDPOINTS.len() {
        if EMBEDDING_ENDPOINTS[i] as u8 == endpoint as u8 {
            return true;
        }
        i += 1;
    }
    false
}

impl Endpoint {
    pub fn all() -> impl Iterator<Item = Endpoint> {
        NAMES.iter().map(|(e, _, _)| *e)
    }

    /// By template logical id or binary name.
    pub fn from_function_name(name: &str) -> Option<Endpoint> {
        NAMES.iter().find(|(_, logical, binary)| *logical == name || *binary == name).map(|(e, _, _)| *e)
    }

    pub fn logical_id(self) -> &'static str {
        NAMES.iter().find(|(e, _, _)| *e == self).map(|(_, l, _)| *l).expect("every endpoint is named")
    }

    /// What the route does, for the permission rules of [`crate::auth::policy`].
    pub fn operation(self) -> Operation {
        match self {
            Endpoint::PendingList => Operation::ListPending,
            Endpoint::MySessions => Operation::ListAssigned,
            Endpoint::SessionDetails => Operation::ViewSession,
            Endpoint::AcceptSession => Operation::Accept,
            Endpoint::SendMessage => Operation::SendMessage,
            Endpoint::ResolveSession => Operation::Resolve,
            Endpoint::SubmitSolution => Operation::SubmitSolution,
            Endpoint::Me => Operation::WhoAmI,
            Endpoint::Chat => Operation::Chat,
            // A token that reads the thread live: the same door as the thread read.
            Endpoint::CustomerThread | Endpoint::CustomerToken => Operation::ReadThread,
            Endpoint::KnowledgeRecommend => Operation::RecommendKnowledge,
            Endpoint::BusinessAssist => Operation::BusinessAssist,
            Endpoint::ListSolutions => Operation::ListSolutions,
            Endpoint::ApproveSolution | Endpoint::RejectSolution => Operation::ReviewSolution,
            Endpoint::ReleaseSession => Operation::Release,
            Endpoint::TransferSession => Operation::Transfer,
            Endpoint::NextSession => Operation::NextInQueue,
            Endpoint::SessionEvents => Operation::ViewEvents,
            Endpoint::GetAgent => Operation::ViewAgent,
            Endpoint::SetAgentCapacity => Operation::SetCapacity,
            Endpoint::MetricsSummary => Operation::MetricsSummary,
            Endpoint::InvalidateCache
            | Endpoint::UpsertDocument
            | Endpoint::ListDocuments
            | Endpoint::DeleteDocument
            | Endpoint::CreateFaq
            | Endpoint::ListFaqs
            | Endpoint::DeleteFaq => Operation::ManageKnowledge,
            Endpoint::OpenApiDocument => Operation::ReadApiDocs,
        }
    }

    /// Routes an agent's token opens: in AWS the HTTP API's JWT authorizer guards exactly these.
    /// The others are integration routes, reached with a service key.
    pub const fn is_agent_route(self) -> bool {
        !matches!(
            self,
            Endpoint::Chat
                | Endpoint::CustomerThread
                | Endpoint::CustomerToken
                | Endpoint::OpenApiDocument
                | Endpoint::InvalidateCache
                | Endpoint::UpsertDocument
                | Endpoint::ListDocuments
                | Endpoint::DeleteDocument
                | Endpoint::CreateFaq
                | Endpoint::ListFaqs
                | Endpoint::DeleteFaq
        )
    }

    /// Reads the API keys from Secrets Manager at cold start in AWS: the integration routes,
    /// which take service keys, and business assist, whose confirmation tokens are keyed from
    /// them (unless `CONFIRMATION_SECRET` is set). The agent routes take tokens only in AWS (the
    /// JWT authorizer answers a request without one), so they read no secret; locally they
    /// still take `API_KEY`.
    pub const fn reads_secrets(self) -> bool {
        !self.is_agent_route() || matches!(self, Endpoint::BusinessAssist)
    }

    /// Embeds text (a query, a FAQ, a document), so links an embedder and carries the model.
    pub const fn embeds(self) -> bool {
        embeds(self)
    }

    /// May call an order system (`BUSINESS_API_URL`): business assist, and the bot, which
    /// answers a customer's questions about their own orders.
    pub const fn calls_order_system(self) -> bool {
        matches!(self, Endpoint::BusinessAssist | Endpoint::Chat)
    }

    pub fn binary(self) -> &'static str {
        NAMES.iter().find(|(e, _, _)| *e == self).map(|(_, _, b)| *b).expect("every endpoint is named")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_routes_are_those_of_the_agent_operations() {
        for endpoint in Endpoint::all() {
            let integration = matches!(endpoint.operation(), Operation::Chat | Operation::ReadThread | Operation::ManageKnowledge | Operation::ReadApiDocs);
            assert_eq!(endpoint.is_agent_route(), !integration, "{endpoint:?}");
        }
    }

    #[test]
    fn names_resolve_both_ways() {
        for endpoint in Endpoint::all() {
            assert_eq!(Endpoint::from_function_name(endpoint.logical_id()), Some(endpoint));
            assert_eq!(Endpoint::from_function_name(endpoint.binary()), Some(endpoint));
        }
        assert_eq!(Endpoint::from_function_name("NoSuchFunction"), None);
    }
}
