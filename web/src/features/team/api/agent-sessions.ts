// Each agent's sessions for the supervisors' page (GET /api/v1/agent/sessions/mine?agent_id=…,
// which a supervisor may ask for anyone), and the hand-overs a supervisor makes from there.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { AssignedPage, HandOverResponse } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

export const agentSessionsKey = (agentId: string) => ['mine', 'agent', agentId] as const;

export const getAgentSessions = (agentId: string, signal?: AbortSignal) =>
  api.get<AssignedPage>(`/api/v1/agent/sessions/mine?agent_id=${encodeURIComponent(agentId)}&limit=100`, signal);

export function useAgentSessions(agentId: string, enabled: boolean) {
  return useQuery({
    queryKey: agentSessionsKey(agentId),
    queryFn: ({ signal }) => getAgentSessions(agentId, signal),
    enabled,
    refetchInterval: 15_000,
  });
}

const base = (sessionId: string) => `/api/v1/agent/sessions/${encodeURIComponent(sessionId)}`;

/** Release (no target) or transfer (to `toAgentId`) one of an agent's sessions. */
export function useSupervisorHandOver(agentId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ sessionId, toAgentId }: { sessionId: string; toAgentId: string | null }) =>
      toAgentId
        ? api.post<HandOverResponse>(`${base(sessionId)}/transfer`, { to_agent_id: toAgentId, note: 'Moved from the team page' })
        : api.post<HandOverResponse>(`${base(sessionId)}/release`, { reason: 'Released from the team page' }),
    onSettled: (_r, _e, { toAgentId }) => {
      void queryClient.invalidateQueries({ queryKey: agentSessionsKey(agentId) });
      if (toAgentId) void queryClient.invalidateQueries({ queryKey: agentSessionsKey(toAgentId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.pending });
      void queryClient.invalidateQueries({ queryKey: ['agent'] });
    },
  });
}
