import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { PendingSession } from '@/lib/api-types';

import { queryKeys } from '@/lib/query-keys';

export const pendingQueryKey = queryKeys.pending;
/** The safety net under the live updates. */
export const QUEUE_POLL_MS = 30_000;

export const getPending = (signal?: AbortSignal) =>
  api.get<PendingSession[]>('/api/v1/agent/sessions/pending?limit=100', signal);

export function usePending() {
  return useQuery({
    queryKey: pendingQueryKey,
    queryFn: ({ signal }) => getPending(signal),
    refetchInterval: QUEUE_POLL_MS,
  });
}
