// Request and response types of the workbench API, in one place. Shapes follow the tutorial
// (shared/spec/agent-workbench-tutorial.md), README's API section and the Rust handlers.

export type AgentStatus = 'none' | 'pending' | 'assigned' | 'resolved';
export type Priority = 'highest' | 'high' | 'medium' | 'low' | 'info';
export type MemberLevel = 'regular' | 'silver' | 'gold' | 'platinum' | 'diamond';
export type AgentRole = 'agent' | 'supervisor' | 'reviewer';

// ---- runtime configuration (GET /config.json) ----
// `ws_url`: the live-updates socket when it is not `/ws` on the API's host (in AWS, the
// WebSocket API has an address of its own).
export type LocalConfig = { auth: 'local'; api_base?: string; ws_url?: string };
export type CognitoConfig = {
  auth: 'cognito';
  cognito_domain: string;
  client_id: string;
  redirect_uri: string;
  api_base: string;
  ws_url?: string;
  scope?: string;
};
export type RuntimeConfig = LocalConfig | CognitoConfig;

// ---- sign-in ----
export type DevAgent = { agent_id: string; name: string; roles: string[] };
export type DevAgentsResponse = { agents: DevAgent[] };
export type DevTokenRequest = { sub: string; name: string; groups: string[] };
export type TokenResponse = {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
};
export type Me = { agent_id: string; name: string; roles: string[] };

// ---- queue ----
export type PendingSession = {
  session_id: string;
  user_id: string;
  priority: Priority;
  escalate_reason: string;
  turn_count: number;
  created_at: string;
  agent_status: AgentStatus;
  assigned_agent_id: string | null;
  // Added later by the server; used when present.
  escalated_at?: string | null;
  waiting_seconds?: number | null;
  member_level?: MemberLevel | null;
};

// ---- session details ----
export type EscalationCard = {
  session_id: string;
  user_id: string;
  member_level: MemberLevel;
  history_ticket_count: number;
  turn_count: number;
  conversation_summary: string;
  attempted_solutions: string[];
  escalate_reason: string;
  priority: Priority;
};

export type MessageAuthor = 'customer' | 'bot' | 'agent' | 'system';
export type HistoryMessage = {
  message_id: string;
  role: 'user' | 'assistant' | 'system';
  author: MessageAuthor;
  content: string;
  timestamp: string;
  agent_id?: string | null;
  agent_name?: string | null;
};

export type SessionDetails = {
  session_id: string;
  user_id: string;
  member_level: MemberLevel;
  agent_status: AgentStatus;
  assigned_agent_id: string | null;
  turn_count: number;
  priority: Priority | null;
  escalate_reason: string | null;
  created_at: string;
  escalated_at: string | null;
  accepted_at: string | null;
  resolved_at: string | null;
  resolve_note: string | null;
  escalation_card: EscalationCard | null;
  history: HistoryMessage[];
};

export type AcceptRequest = Record<string, never>;
export type SendMessageRequest = { content: string };
export type SendMessageResponse = { message_id: string; timestamp: string; role: string };
export type ResolveRequest = { note: string };
export type ResolveResponse = { session_id: string; agent_status: AgentStatus; resolved_at: string };

export type SolutionRequest = { question: string; solution: string; intent?: string };
export type ReviewStatus = 'pending' | 'approved' | 'rejected';
export type Solution = {
  solution_id: string;
  session_id: string;
  question: string;
  solution: string;
  intent: string;
  status: ReviewStatus;
  created_at?: string;
  agent_id?: string;
  reviewed_at?: string;
  reject_reason?: string;
  faq_id?: string;
};
export type SolutionsPage = { solutions: Solution[]; next_cursor: string | null };
export type ApproveRequest = { question?: string; solution?: string; intent?: string };
export type RejectRequest = { reason: string };

// ---- knowledge ----
export type KnowledgeKind = 'faq' | 'document' | string;
export type KnowledgeChunk = {
  content: string;
  score: number;
  source: string;
  kind: KnowledgeKind;
  title?: string;
};
export type KnowledgeRecommendRequest = { query: string; top_k?: number };
export type KnowledgeRecommendResponse = { chunks: KnowledgeChunk[]; total: number };

// ---- business assist ----
export type BusinessAssistRequest = { query: string; confirmation_token?: string };
export type BusinessErrorCode =
  | 'order_not_found'
  | 'order_not_owned'
  | 'customer_not_found'
  | 'order_id_required'
  | 'address_required'
  | 'not_allowed_in_status'
  | 'refund_in_progress'
  | 'no_eligible_order'
  | 'write_not_allowed'
  | 'confirmation_invalid'
  | 'confirmation_expired'
  | 'confirmation_replayed'
  | 'backend_timeout'
  | 'backend_unavailable'
  | 'backend_invalid_response'
  | string;
export type BusinessResult = {
  reply: string;
  // An object, or null when there is nothing to show. A write awaiting confirmation carries
  // `action`, `order_id`, `changes` ({field: {from, to}} or a value), `confirmation_token` and
  // `expires_at`; an executed write carries `action`, `order_id`, `changes` and `result`.
  data: Record<string, unknown> | null;
  error: BusinessErrorCode | null;
  need_confirmation: boolean;
  scene: string;
  confirmation_token?: string;
};
export type BusinessAssistResponse = { result: BusinessResult; masked_fields: string[] };

// ---- errors ----
export type ApiErrorBody = {
  error: string;
  message?: string;
  agent_status?: AgentStatus;
  assigned_agent_id?: string;
  assignee?: string;
  [key: string]: unknown;
};

// ---- live events (WebSocket /ws) ----
export type SessionChangedEvent = {
  type: 'session.changed';
  session_id: string;
  agent_status: AgentStatus;
  assigned_agent_id: string | null;
  priority: Priority | null;
  at: string;
};
export type MessageCreatedEvent = {
  type: 'message.created';
  session_id: string;
  message_id: string;
  author: MessageAuthor;
  at: string;
};
export type PongEvent = { type: 'pong' };
export type LiveEvent = SessionChangedEvent | MessageCreatedEvent | PongEvent;
