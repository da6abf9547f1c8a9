import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { Me } from '@/lib/api-types';

import { queryKeys } from '@/lib/query-keys';

export const meQueryKey = queryKeys.me;

export const getMe = (signal?: AbortSignal) => api.get<Me>('/api/v1/agent/me', signal);

export function useMe(enabled: boolean) {
  return useQuery({ queryKey: meQueryKey, queryFn: ({ signal }) => getMe(signal), enabled, staleTime: 5 * 60_000 });
}
