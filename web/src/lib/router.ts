// A small history router: the workbench has four screens and needs no more.
import { useSyncExternalStore } from 'react';

const NAVIGATE = 'workbench:navigate';

function subscribe(listener: () => void): () => void {
  window.addEventListener('popstate', listener);
  window.addEventListener(NAVIGATE, listener);
  return () => {
    window.removeEventListener('popstate', listener);
    window.removeEventListener(NAVIGATE, listener);
  };
}

export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (options.replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE));
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => window.location.pathname);
}

export type Route =
  | { name: 'sign-in' }
  | { name: 'queue'; sessionId: string | null }
  | { name: 'review' }
  | { name: 'team' }
  | { name: 'unknown' };

export function matchRoute(pathname: string): Route {
  if (pathname === '/sign-in') return { name: 'sign-in' };
  if (pathname === '/' || pathname === '/queue') return { name: 'queue', sessionId: null };
  const session = /^\/sessions\/([^/]+)$/.exec(pathname);
  if (session) return { name: 'queue', sessionId: decodeURIComponent(session[1]!) };
  if (pathname === '/review') return { name: 'review' };
  if (pathname === '/team') return { name: 'team' };
  return { name: 'unknown' };
}

export function sessionPath(sessionId: string): string {
  return `/sessions/${encodeURIComponent(sessionId)}`;
}
