import type { EscalationCard, HistoryMessage, Me, PendingSession, SessionDetails } from '@/lib/api-types';

export const agent1: Me = { agent_id: 'agent-001', name: 'Alice Agent', roles: ['agent'] };
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
