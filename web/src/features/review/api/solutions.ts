import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { ApproveRequest, ReviewStatus, Solution, SolutionsPage } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

export const listSolutions = (status: ReviewStatus, cursor: string | null, signal?: AbortSignal) => {
  const params = new URLSearchParams({ status, limit: '50' });
  if (cursor) params.set('cursor', cursor);
  return api.get<SolutionsPage>(`/api/v1/escalation/solutions?${params.toString()}`, signal);
};

export function useSolutions(status: ReviewStatus, enabled = true) {
  return useInfiniteQuery({
    queryKey: queryKeys.solutions(status),
    queryFn: ({ pageParam, signal }) => listSolutions(status, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    enabled,
  });
}

const base = (id: string) => `/api/v1/escalation/solutions/${encodeURIComponent(id)}`;

export const approveSolution = (id: string, edits: ApproveRequest) => api.post<Solution>(`${base(id)}/approve`, edits);
export const rejectSolution = (id: string, reason: string) => api.post<Solution>(`${base(id)}/reject`, { reason });

export function useReviewDecision() {
  const queryClient = useQueryClient();
  const settle = () => queryClient.invalidateQueries({ queryKey: ['solutions'] });
  return {
    approve: useMutation({
      mutationFn: ({ id, edits }: { id: string; edits: ApproveRequest }) => approveSolution(id, edits),
      onSuccess: settle,
    }),
    reject: useMutation({
      mutationFn: ({ id, reason }: { id: string; reason: string }) => rejectSolution(id, reason),
      onSuccess: settle,
    }),
  };
}
