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
  /** Escalation plus the first-response target of the priority; null when it has none. */
  sla_due_at?: string | null;
  /** Past `sla_due_at` (the server's verdict at fetch time). */
  sla_breached?: boolean;
  /** The first line of the customer's latest message (≤ 120 characters). */
  customer_words?: string | null;
  /** `zh` or `en`: the language of those words. */
  language?: string | null;
  /** The latest order id a customer message named. */
  order_id?: string | null;
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
  /** Hand-overs since escalation (releases, transfers). */
  notes?: CardNote[];
};

export type CardNote = { at: string; by: string; text: string };

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
  assigned_agent_name?: string | null;
  first_response_at?: string | null;
  /** Seconds from escalation until the first agent response (or now, while there is none). */
  waiting_seconds?: number | null;
  sla_due_at?: string | null;
  sla_breached?: boolean;
  escalation_card: EscalationCard | null;
  history: HistoryMessage[];
};

export type AcceptRequest = Record<string, never>;
export type SendMessageRequest = { content: string };
export type SendMessageResponse = { message_id: string; timestamp: string; role: string };
export type ResolveRequest = { note: string };
export type ResolveResponse = { session_id: string; agent_status: AgentStatus; resolved_at: string };

// ---- running a team: release, transfer, next, audit trail, capacity, metrics ----
export type ReleaseRequest = { reason?: string };
export type TransferRequest = { to_agent_id: string; note?: string };
/** The answer of release and transfer. */
export type HandOverResponse = {
  session_id: string;
  agent_status: AgentStatus;
  assigned_agent_id: string | null;
  priority: Priority | null;
  escalated_at: string | null;
  updated_at: string;
};
/** POST /agent/sessions/next and accept answer this (a card and the history, not every detail). */
export type AcceptResponse = {
  session_id: string;
  agent_status: AgentStatus;
  assigned_agent_id?: string | null;
  turn_count: number;
  escalation_card: EscalationCard;
  history: HistoryMessage[];
};

export type EventKind =
  | 'escalated'
  | 'accepted'
  | 'released'
  | 'transferred'
  | 'aged'
  | 'auto_released'
  | 'agent_message'
  | 'business_write_executed'
  | 'resolved'
  | 'solution_submitted'
  | 'solution_approved'
  | 'solution_rejected';
export type AuditEvent = {
  event_id: string;
  type: EventKind;
  at: string;
  /** An agent id, `key:<id>`, `bot` or `system`. */
  actor: string;
  from_status: AgentStatus | null;
  to_status: AgentStatus | null;
  detail: Record<string, unknown>;
};
export type EventsResponse = { session_id: string; events: AuditEvent[] };

export type AgentView = {
  agent_id: string;
  /** The agent's own limit, else the team's; null is no limit. */
  max_sessions: number | null;
  max_sessions_source: 'agent' | 'team' | 'none' | string;
  active_sessions: number;
};
export type CapacityRequest = { max_sessions: number | null };

export type PriorityCounts = Record<Priority, number>;
export type MetricsSummary = {
  generated_at: string;
  pending: number;
  pending_by_priority: Partial<PriorityCounts> & Record<string, number>;
  longest_wait_seconds: number | null;
  assigned: number;
  agents_active: number;
  accepted_last_24h: number;
  resolved_last_24h: number;
  escalated_last_24h: number;
  released_last_24h: number;
  transferred_last_24h: number;
  aged_last_24h: number;
  auto_released_last_24h: number;
  median_wait_seconds_24h: number | null;
  median_handle_seconds_24h: number | null;
  deflection_rate_24h: number | null;
  faq_hit_rate_24h: number | null;
  solutions_approved_24h: number;
  solutions_rejected_24h: number;
  /** The last 24 hours, oldest first (the last is the current hour). */
  hours?: HourFigures[];
  /** Accept-to-resolve durations of the last 24 hours, per bin. */
  handle_time_bins?: DurationBin[];
};

export type HourFigures = {
  /** The UTC hour, `2026-07-03T10`. */
  hour: string;
  escalated: number;
  bot_answered: number;
  accepted: number;
  resolved: number;
  /** Waiting at the end of the hour (the current hour: now). */
  queue_length: number;
  /** The top of the duration bin of the longest wait accepted in the hour. */
  longest_wait_seconds: number | null;
};

/** Durations below `below_seconds` (and at least the previous bin's); `null`: the open last bin. */
export type DurationBin = { below_seconds: number | null; count: number };

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
  /** 409 at_capacity: who is full, their load and their limit. */
  agent_id?: string;
  active_sessions?: number;
  max_sessions?: number;
  [key: string]: unknown;
};

// ---- live events (WebSocket /ws) ----
// ---- my sessions (GET /api/v1/agent/sessions/mine) ----
export type AssignedSession = {
  session_id: string;
  user_id: string;
  member_level: MemberLevel;
  priority: Priority;
  agent_status: AgentStatus;
  assigned_agent_id: string;
  escalated_at: string | null;
  accepted_at: string | null;
  /** The thread's latest message: its first line, at most 140 characters. */
  last_message_preview: string | null;
  last_message_author: MessageAuthor | null;
  /** Customer messages since the assignee last read the session or wrote to the customer. */
  unread_count: number;
  /** Since when the customer has waited for the agent; null when the agent spoke last. */
  waiting_since: string | null;
  waiting_seconds: number | null;
};
export type AssignedPage = { sessions: AssignedSession[]; next_cursor: string | null };

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
