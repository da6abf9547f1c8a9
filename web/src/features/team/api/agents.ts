// An agent's capacity: their limit (own, the team's, or none) and their active sessions. The
// agent themself or a supervisor may read it; only a supervisor may set it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { AgentView } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

const path = (agentId: string) => `/api/v1/agents/${encodeURIComponent(agentId)}`;

export const getAgent = (agentId: string, signal?: AbortSignal) => api.get<AgentView>(path(agentId), signal);

/** `maxSessions`: 0..1000, or null to clear the agent's own limit (the team's applies again). */
export const setAgentCapacity = (agentId: string, maxSessions: number | null) =>
  api.put<AgentView>(`${path(agentId)}/capacity`, { max_sessions: maxSessions });

export const agentQuery = (agentId: string) => ({
  queryKey: queryKeys.agent(agentId),
  queryFn: ({ signal }: { signal?: AbortSignal }) => getAgent(agentId, signal),
});

export function useAgent(agentId: string | null, refetchMs: number | false = false) {
  return useQuery({ ...agentQuery(agentId ?? ''), enabled: !!agentId, refetchInterval: refetchMs });
}

export function useSetCapacity(agentId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (maxSessions: number | null) => setAgentCapacity(agentId, maxSessions),
    onSuccess: (view) => queryClient.setQueryData(queryKeys.agent(agentId), view),
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.agent(agentId) }),
  });
}

/** A limit as typed: blank clears it (null), else a whole number 0..1000; undefined when invalid. */
export function parseLimit(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n <= 1000 ? n : undefined;
}
