import { useMutation, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { DevAgent, DevAgentsResponse, TokenResponse } from '@/lib/api-types';
import { setTokens, tokensFromResponse } from '@/lib/auth/token-store';

export const devAgentsQueryKey = ['dev-agents'] as const;

export const getDevAgents = (signal?: AbortSignal) => api.get<DevAgentsResponse>('/dev/agents', signal);

export function useDevAgents() {
  return useQuery({ queryKey: devAgentsQueryKey, queryFn: ({ signal }) => getDevAgents(signal) });
}

export async function devSignIn(agent: DevAgent): Promise<void> {
  const body = await api.post<TokenResponse>('/dev/token', { sub: agent.agent_id, name: agent.name, groups: agent.roles });
  setTokens(tokensFromResponse(body));
}

export function useDevSignIn(onSignedIn: () => void) {
  return useMutation({ mutationFn: devSignIn, onSuccess: onSignedIn });
}
