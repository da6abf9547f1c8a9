import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { SessionDetails } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

export const getSession = (sessionId: string, signal?: AbortSignal) =>
  api.get<SessionDetails>(`/api/v1/agent/sessions/${encodeURIComponent(sessionId)}`, signal);

export const sessionQuery = (sessionId: string) => ({
  queryKey: queryKeys.session(sessionId),
  queryFn: ({ signal }: { signal?: AbortSignal }) => getSession(sessionId, signal),
});

/** `pollMs`: refetch on a timer too (while live updates are down). */
export function useSession(sessionId: string | null, pollMs: number | false = false) {
  return useQuery({ ...sessionQuery(sessionId ?? ''), enabled: !!sessionId, refetchInterval: pollMs });
}
