import type {
  AgentView,
  AssignedSession,
  AuditEvent,
  EscalationCard,
  HandOverResponse,
  HistoryMessage,
  Me,
  MetricsSummary,
  PendingSession,
  SessionDetails,
} from '@/lib/api-types';

export const agent1: Me = { agent_id: 'agent-001', name: 'Alice Agent', roles: ['agent'] };
export const supervisor: Me = { agent_id: 'lead-001', name: 'Lena Fischer', roles: ['agent', 'supervisor'] };
export const reviewer: Me = { agent_id: 'reviewer-001', name: 'Rita Reviewer', roles: ['agent', 'reviewer'] };

export function pendingSession(over: Partial<PendingSession> = {}): PendingSession {
  return {
    session_id: 'sess-1',
    user_id: 'u_10086',
    priority: 'high',
    escalate_reason: 'Customer asked for a human',
    turn_count: 4,
    created_at: new Date(Date.now() - 90_000).toISOString(),
    agent_status: 'pending',
    assigned_agent_id: null,
    ...over,
  };
}

export function card(over: Partial<EscalationCard> = {}): EscalationCard {
  return {
    session_id: 'sess-1',
    user_id: 'u_10086',
    member_level: 'gold',
    history_ticket_count: 3,
    turn_count: 4,
    conversation_summary: 'User asked about the shipment of ORD-001',
    attempted_solutions: ['Suggested checking My Orders'],
    escalate_reason: 'Customer asked for a human',
    priority: 'high',
    ...over,
  };
}

export function message(over: Partial<HistoryMessage> = {}): HistoryMessage {
  return {
    message_id: `msg-${Math.random().toString(36).slice(2)}`,
    role: 'user',
    author: 'customer',
    content: 'Where is my order ORD-001?',
    timestamp: '2026-07-03T10:00:00Z',
    ...over,
  };
}

export function details(over: Partial<SessionDetails> = {}): SessionDetails {
  return {
    session_id: 'sess-1',
    user_id: 'u_10086',
    member_level: 'gold',
    agent_status: 'pending',
    assigned_agent_id: null,
    turn_count: 4,
    priority: 'high',
    escalate_reason: 'Customer asked for a human',
    created_at: '2026-07-03T10:00:00Z',
    escalated_at: '2026-07-03T10:01:00Z',
    accepted_at: null,
    resolved_at: null,
    resolve_note: null,
    escalation_card: card(),
    history: [
      message({ message_id: 'm1', content: 'Where is my order ORD-001?' }),
      message({ message_id: 'm2', role: 'assistant', author: 'bot', content: 'Please check My Orders.' }),
      message({ message_id: 'm3', content: 'I want a human' }),
    ],
    ...over,
  };
}

// The shapes below are the server's own answers (tests/api/team.rs, docs/openapi.json).

export function handOver(over: Partial<HandOverResponse> = {}): HandOverResponse {
  return {
    session_id: 'sess-1',
    agent_status: 'pending',
    assigned_agent_id: null,
    priority: 'high',
    escalated_at: '2026-07-03T10:01:00Z',
    updated_at: '2026-07-03T10:20:00Z',
    ...over,
  };
}

export function agentView(over: Partial<AgentView> = {}): AgentView {
  return { agent_id: 'agent-001', max_sessions: null, max_sessions_source: 'none', active_sessions: 0, ...over };
}

export function auditEvent(over: Partial<AuditEvent> = {}): AuditEvent {
  return {
    event_id: `evt-${Math.random().toString(36).slice(2)}`,
    type: 'escalated',
    at: '2026-07-03T10:01:00Z',
    actor: 'bot',
    from_status: 'none',
    to_status: 'pending',
    detail: { priority: 'high' },
    ...over,
  };
}

export function metricsSummary(over: Partial<MetricsSummary> = {}): MetricsSummary {
  return {
    generated_at: '2026-07-03T10:30:00Z',
    pending: 2,
    pending_by_priority: { highest: 1, high: 0, medium: 0, low: 1, info: 0 },
    longest_wait_seconds: 720,
    assigned: 0,
    agents_active: 0,
    accepted_last_24h: 1,
    resolved_last_24h: 1,
    escalated_last_24h: 3,
    released_last_24h: 0,
    transferred_last_24h: 0,
    aged_last_24h: 0,
    auto_released_last_24h: 0,
    median_wait_seconds_24h: 210,
    median_handle_seconds_24h: 900,
    deflection_rate_24h: 0,
    faq_hit_rate_24h: null,
    solutions_approved_24h: 0,
    solutions_rejected_24h: 0,
    hours: Array.from({ length: 24 }, (_, i) => {
      const at = new Date(Date.parse('2026-07-02T11:00:00Z') + i * 3_600_000).toISOString().slice(0, 13);
      const last = i === 23;
      return { hour: at, escalated: last ? 3 : 0, bot_answered: last ? 5 : 0, accepted: last ? 1 : 0, resolved: last ? 1 : 0, queue_length: last ? 2 : 0, longest_wait_seconds: last ? 300 : null };
    }),
    handle_time_bins: [10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800, 86_400, null].map((below_seconds) => ({ below_seconds, count: below_seconds === 1200 ? 1 : 0 })),
    ...over,
  };
}

export function assignedSession(over: Partial<AssignedSession> = {}): AssignedSession {
  return {
    session_id: 'sess-1',
    user_id: 'u_10086',
    member_level: 'gold',
    priority: 'high',
    agent_status: 'assigned',
    assigned_agent_id: 'agent-001',
    escalated_at: new Date(Date.now() - 10 * 60_000).toISOString(),
    accepted_at: new Date(Date.now() - 5 * 60_000).toISOString(),
    last_message_preview: null,
    last_message_author: null,
    unread_count: 0,
    waiting_since: null,
    waiting_seconds: null,
    ...over,
  };
}
