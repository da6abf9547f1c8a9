import { useQuery } from '@tanstack/react-query';
import { api } from '@/lib/api-client';
import type { MetricsSummary } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

/** Live updates refresh it on every queue change; this interval is the floor under them. */
export const METRICS_POLL_MS = 15_000;

export const getMetricsSummary = (signal?: AbortSignal) => api.get<MetricsSummary>('/api/v1/metrics/summary', signal);

export function useMetricsSummary(enabled = true) {
  return useQuery({
    queryKey: queryKeys.metrics,
    queryFn: ({ signal }) => getMetricsSummary(signal),
    enabled,
    refetchInterval: METRICS_POLL_MS,
  });
}
