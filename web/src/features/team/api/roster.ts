// The agents this workbench knows of, for picking a transfer target and listing capacities.
// Locally that is the demo roster (GET /dev/agents); in AWS there is no roster route, so the
// screens fall back to typing an agent id.
import { useQuery } from '@tanstack/react-query';
import { api, isApiError } from '@/lib/api-client';
import type { DevAgent } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

export async function getRoster(signal?: AbortSignal): Promise<DevAgent[]> {
  try {
    const body = await api.get<unknown>('/dev/agents', signal);
    const agents = (body as { agents?: unknown } | null)?.agents;
    return Array.isArray(agents) ? (agents as DevAgent[]) : [];
  } catch (err) {
    if (isApiError(err) && err.status >= 400 && err.status < 500) return [];
    throw err;
  }
}

export function useRoster(enabled: boolean) {
  return useQuery({ queryKey: queryKeys.roster, queryFn: ({ signal }) => getRoster(signal), enabled, staleTime: 10 * 60_000 });
}
