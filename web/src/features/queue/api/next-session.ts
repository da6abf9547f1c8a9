// "Next in queue": the server claims the highest-priority, longest-waiting pending session for
// the caller (within their capacity), or answers 204 when no one is waiting.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { AcceptResponse, SessionDetails } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

/** The claimed session, or null when the queue is empty (204). */
export const claimNextSession = () => api.post<AcceptResponse | null>('/api/v1/agent/sessions/next', {});

export function useNextSession(onClaimed: (claimed: AcceptResponse) => void, onEmpty: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: claimNextSession,
    onSuccess: (claimed) => {
      if (!claimed) {
        onEmpty();
        return;
      }
      // A copy already in the cache (the agent looked at it) is brought up to date at once; the
      // details are fetched in full below.
      queryClient.setQueryData(queryKeys.session(claimed.session_id), (old: SessionDetails | undefined) =>
        old ? { ...old, ...claimed } : undefined,
      );
      void queryClient.invalidateQueries({ queryKey: queryKeys.session(claimed.session_id) });
      onClaimed(claimed);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.pending }),
  });
}
