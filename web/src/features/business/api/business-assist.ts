import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { BusinessAssistRequest, BusinessAssistResponse } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

export const businessAssist = (sessionId: string, body: BusinessAssistRequest) =>
  api.post<BusinessAssistResponse>(`/api/v1/agent/sessions/${encodeURIComponent(sessionId)}/business-assist`, body);

/** The token of a write awaiting confirmation: in `data`, or beside it. */
export function confirmationToken(response: BusinessAssistResponse): string | null {
  const { result } = response;
  const fromData = result.data && typeof result.data.confirmation_token === 'string' ? result.data.confirmation_token : null;
  return fromData ?? result.confirmation_token ?? null;
}

export function useBusinessAssist(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: BusinessAssistRequest) => businessAssist(sessionId, body),
    onSuccess: (_response, body) => {
      // A confirmed write is recorded in the session history.
      if (body.confirmation_token) void queryClient.invalidateQueries({ queryKey: queryKeys.session(sessionId) });
    },
  });
}
