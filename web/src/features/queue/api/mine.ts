// "Mine": the sessions this agent accepted. The server has no such list yet, so the ids are kept
// in this browser (localStorage, per agent) and each is refreshed through its details. When the
// server answers GET /api/v1/agent/sessions?assigned_to=me, that list is used instead.
import { useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { api, isApiError } from '@/lib/api-client';
import type { PendingSession } from '@/lib/api-types';
import { queryKeys } from '@/lib/query-keys';

const key = (agentId: string) => `workbench.mine.${agentId}`;
const listeners = new Set<() => void>();
const cache = new Map<string, string[]>();

export function readMine(agentId: string): string[] {
  const cached = cache.get(agentId);
  if (cached) return cached;
  let ids: string[] = [];
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(key(agentId)) ?? '[]');
    if (Array.isArray(parsed)) ids = parsed.filter((x): x is string => typeof x === 'string');
  } catch {
    ids = [];
  }
  cache.set(agentId, ids);
  return ids;
}

function writeMine(agentId: string, ids: string[]): void {
  cache.set(agentId, ids);
  localStorage.setItem(key(agentId), JSON.stringify(ids));
  listeners.forEach((l) => l());
}

export function addMine(agentId: string, sessionId: string): void {
  const ids = readMine(agentId);
  if (!ids.includes(sessionId)) writeMine(agentId, [sessionId, ...ids]);
}

export function removeMine(agentId: string, sessionId: string): void {
  const ids = readMine(agentId);
  if (ids.includes(sessionId)) writeMine(agentId, ids.filter((id) => id !== sessionId));
}

/** Forget the in-memory copy (tests). */
export function resetMineCache(): void {
  cache.clear();
}

export function useLocalMine(agentId: string): string[] {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      const onStorage = (e: StorageEvent) => {
        if (e.key === key(agentId)) {
          cache.delete(agentId);
          l();
        }
      };
      window.addEventListener('storage', onStorage);
      return () => {
        listeners.delete(l);
        window.removeEventListener('storage', onStorage);
      };
    },
    () => readMine(agentId),
  );
}

export const serverMineQueryKey = queryKeys.serverMine;

/**
 * The server's list of my sessions, or null when the server has no such route (then the local
 * list is used). Asked once per page load; refreshed with the queue afterwards.
 */
export async function getServerMine(signal?: AbortSignal): Promise<PendingSession[] | null> {
  try {
    const body = await api.get<PendingSession[] | { sessions: PendingSession[] }>(
      '/api/v1/agent/sessions?assigned_to=me',
      signal,
    );
    return Array.isArray(body) ? body : body.sessions;
  } catch (err) {
    if (isApiError(err) && (err.status === 404 || err.status === 405 || err.status === 400)) return null;
    throw err;
  }
}

export function useServerMine() {
  return useQuery({
    queryKey: serverMineQueryKey,
    queryFn: ({ signal }) => getServerMine(signal),
    retry: false,
    refetchInterval: (query) => (query.state.data === null ? false : 30_000),
  });
}
