import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { EventsResponse } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

/** The session's audit trail, oldest first. */
export const getSessionEvents = (sessionId: string, signal?: AbortSignal) =>
  api.get<EventsResponse>(`/api/v1/agent/sessions/${encodeURIComponent(sessionId)}/events`, signal);

export function useSessionEvents(sessionId: string, enabled = true) {
  return useQuery({
    queryKey: queryKeys.sessionEvents(sessionId),
    queryFn: ({ signal }) => getSessionEvents(sessionId, signal),
    enabled,
  });
}
