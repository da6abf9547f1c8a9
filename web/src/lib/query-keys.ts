// Query keys shared by the features and the live-update handlers: an event invalidates by the
// same key the screen reads with. A session's audit trail sits under its key, so whatever
// refreshes a session refreshes its timeline too.
export const queryKeys = {
  me: ['me'] as const,
  pending: ['pending'] as const,
  serverMine: ['mine', 'server'] as const,
  session: (sessionId: string) => ['session', sessionId] as const,
  sessionEvents: (sessionId: string) => ['session', sessionId, 'events'] as const,
  knowledge: (sessionId: string, query: string) => ['knowledge', sessionId, query] as const,
  solutions: (status: string) => ['solutions', status] as const,
  metrics: ['metrics', 'summary'] as const,
  agent: (agentId: string) => ['agent', agentId] as const,
  roster: ['roster'] as const,
};
