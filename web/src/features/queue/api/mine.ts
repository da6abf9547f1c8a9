// "Mine": the sessions this agent holds. The server lists them (GET /api/v1/agent/sessions/mine,
// one Query on the assignee index), so they follow the agent to any browser, transfers in while
// signed out included. This browser still remembers the ids it accepted (localStorage, per
// agent): a resolved session stays in Mine until its solution is submitted, and a just-accepted
// one shows before the index has caught up. A server without the route (404) leaves the local
// list alone.
import { useQuery } from '@tanstack/react-query';
import { useSyncExternalStore } from 'react';
import { api, isApiError } from '@/lib/api-client';
import type { AssignedPage, AssignedSession } from '@/lib/api-types';
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

// Sessions this browser is accepting or claiming right now: their "assigned to me" event is
// not a transfer in, even when it arrives before the answer.
const claiming = new Set<string>();
let claimingNext = 0;

export function markClaiming(sessionId: string | null, on: boolean): void {
  if (sessionId === null) claimingNext = Math.max(0, claimingNext + (on ? 1 : -1));
  else if (on) claiming.add(sessionId);
  else claiming.delete(sessionId);
}

/** Whether an "assigned to me" event may be this browser's own accept or Next. */
export function claimedByMe(sessionId: string): boolean {
  return claiming.has(sessionId) || claimingNext > 0;
}

/** Forget the in-memory copy and any claim in flight (tests: a test cut off mid-accept must
 * not make the next one take a transfer in for its own accept). */
export function resetMineCache(): void {
  cache.clear();
  claiming.clear();
  claimingNext = 0;
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

/** The most sessions one agent holds that the list shows: far above any capacity. */
export const MINE_PAGE = 100;

/**
 * The server's list of my sessions, or null when the server has no such route (then the local
 * list is used). Refreshed with the queue and on every message of a watched session.
 */
export async function getServerMine(signal?: AbortSignal): Promise<AssignedSession[] | null> {
  try {
    const body = await api.get<AssignedPage>(`/api/v1/agent/sessions/mine?limit=${MINE_PAGE}`, signal);
    return body.sessions;
  } catch (err) {
    if (isApiError(err) && (err.status === 404 || err.status === 405)) return null;
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
