// Handing a conversation back to the queue (release) or on to another agent (transfer). The
// assignee or a supervisor may; the server says 403 not_assignee to anyone else, 409
// invalid_state when the session is no longer assigned, 409 at_capacity when the target is full.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { HandOverResponse, ReleaseRequest, SessionDetails, TransferRequest } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

const base = (sessionId: string) => `/api/v1/agent/sessions/${encodeURIComponent(sessionId)}`;

export const releaseSession = (sessionId: string, body: ReleaseRequest) =>
  api.post<HandOverResponse>(`${base(sessionId)}/release`, body);

export const transferSession = (sessionId: string, body: TransferRequest) =>
  api.post<HandOverResponse>(`${base(sessionId)}/transfer`, body);

function useHandOver<V>(sessionId: string, call: (v: V) => Promise<HandOverResponse>, onDone?: (r: HandOverResponse) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: call,
    onSuccess: (r) => {
      // The new holder shows at once; the refetch below brings the card's note and the history.
      queryClient.setQueryData(queryKeys.session(sessionId), (old: SessionDetails | undefined) =>
        old ? { ...old, agent_status: r.agent_status, assigned_agent_id: r.assigned_agent_id, assigned_agent_name: null } : old,
      );
      onDone?.(r);
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.session(sessionId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.pending });
      void queryClient.invalidateQueries({ queryKey: queryKeys.serverMine });
    },
  });
}

/** `reason` is optional: an empty one is not sent. */
export function useReleaseSession(sessionId: string, onDone?: (r: HandOverResponse) => void) {
  return useHandOver(sessionId, (reason: string) => releaseSession(sessionId, reason.trim() ? { reason: reason.trim() } : {}), onDone);
}

export function useTransferSession(sessionId: string, onDone?: (r: HandOverResponse) => void) {
  return useHandOver(
    sessionId,
    ({ toAgentId, note }: { toAgentId: string; note: string }) =>
      transferSession(sessionId, note.trim() ? { to_agent_id: toAgentId.trim(), note: note.trim() } : { to_agent_id: toAgentId.trim() }),
    onDone,
  );
}
