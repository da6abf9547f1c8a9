import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { KnowledgeRecommendResponse } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

export const DEFAULT_TOP_K = 5;

export const recommendKnowledge = (sessionId: string, query: string, topK = DEFAULT_TOP_K, signal?: AbortSignal) =>
  api.post<KnowledgeRecommendResponse>(
    `/api/v1/agent/sessions/${encodeURIComponent(sessionId)}/knowledge-recommend`,
    { query, top_k: topK },
    signal,
  );

export function useKnowledge(sessionId: string, query: string) {
  const trimmed = query.trim().slice(0, 1000);
  return useQuery({
    queryKey: queryKeys.knowledge(sessionId, trimmed),
    queryFn: ({ signal }) => recommendKnowledge(sessionId, trimmed, DEFAULT_TOP_K, signal),
    enabled: trimmed.length > 0,
    staleTime: 60_000,
    placeholderData: keepPreviousData,
  });
}
