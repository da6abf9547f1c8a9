import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, isApiError } from '@/lib/api-client';
import type { SessionDetails } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';
import { pendingQueryKey } from './get-pending';

export const ACCEPTED_BY_ANOTHER = 'This session has been accepted by another agent';

export const acceptSession = (sessionId: string) =>
  api.post<SessionDetails>(`/api/v1/agent/sessions/${encodeURIComponent(sessionId)}/accept`, {});

export function useAcceptSession(onAccepted: (details: SessionDetails) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: acceptSession,
    onSuccess: (details) => {
      queryClient.setQueryData(queryKeys.session(details.session_id), (old: SessionDetails | undefined) =>
        old ? { ...old, ...details } : details,
      );
      onAccepted(details);
    },
    onError: (err) => {
      if (isApiError(err) && err.status === 409) void queryClient.invalidateQueries({ queryKey: pendingQueryKey });
    },
    onSettled: (_data, _err, sessionId) => {
      void queryClient.invalidateQueries({ queryKey: pendingQueryKey });
      void queryClient.invalidateQueries({ queryKey: queryKeys.session(sessionId) });
    },
  });
}
