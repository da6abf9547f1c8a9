// Query keys shared by the features and the live-update handlers: an event invalidates by the
// same key the screen reads with.
export const queryKeys = {
  me: ['me'] as const,
  pending: ['pending'] as const,
  serverMine: ['mine', 'server'] as const,
  session: (sessionId: string) => ['session', sessionId] as const,
  knowledge: (sessionId: string, query: string) => ['knowledge', sessionId, query] as const,
  solutions: (status: string) => ['solutions', status] as const,
};
