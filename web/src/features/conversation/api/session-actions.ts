// The writes on an open conversation: send, resolve, consolidate the solution.
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type {
  ResolveResponse,
  SendMessageResponse,
  SessionDetails,
  Solution,
  SolutionRequest,
} from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

const base = (sessionId: string) => `/api/v1/agent/sessions/${encodeURIComponent(sessionId)}`;

export const MAX_MESSAGE_CHARS = 4000;

export const sendMessage = (sessionId: string, content: string) =>
  api.post<SendMessageResponse>(`${base(sessionId)}/messages`, { content });

export const resolveSession = (sessionId: string, note: string) =>
  api.post<ResolveResponse>(`${base(sessionId)}/resolve`, { note });

export const submitSolution = (sessionId: string, body: SolutionRequest) =>
  api.post<Solution>(`${base(sessionId)}/solution`, body);

export function useSendMessage(sessionId: string, agent: { agent_id: string; name: string }) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (content: string) => sendMessage(sessionId, content),
    onSuccess: (sent, content) => {
      // Shown at once; the refetch below brings the stored version.
      queryClient.setQueryData(queryKeys.session(sessionId), (old: SessionDetails | undefined) =>
        old && !old.history.some((m) => m.message_id === sent.message_id)
          ? {
              ...old,
              history: [
                ...old.history,
                {
                  message_id: sent.message_id,
                  role: 'assistant' as const,
                  author: 'agent' as const,
                  content,
                  timestamp: sent.timestamp,
                  agent_id: agent.agent_id,
                  agent_name: agent.name,
                },
              ],
            }
          : old,
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: queryKeys.session(sessionId) }),
  });
}

export function useResolveSession(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (note: string) => resolveSession(sessionId, note),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: queryKeys.session(sessionId) });
      void queryClient.invalidateQueries({ queryKey: queryKeys.pending });
    },
  });
}

export function useSubmitSolution(sessionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SolutionRequest) => submitSolution(sessionId, body),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: queryKeys.solutions('pending') }),
  });
}
