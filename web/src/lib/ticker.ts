// One shared clock for every live waiting-time display. The clocks are written straight into
// their elements once a second, so a queue of hundreds of rows costs no React render per tick.
import { useCallback, useEffect, useRef } from 'react';

type Clock = { el: HTMLElement; since: number; format: (ms: number, el: HTMLElement) => void };

const clocks = new Set<Clock>();
let timer: ReturnType<typeof setInterval> | null = null;

function tick(): void {
  const now = Date.now();
  clocks.forEach((c) => c.format(now - c.since, c.el));
}

function register(clock: Clock): () => void {
  clocks.add(clock);
  if (!timer) timer = setInterval(tick, 1000);
  return () => {
    clocks.delete(clock);
    if (clocks.size === 0 && timer) {
      clearInterval(timer);
      timer = null;
    }
  };
}

/** A ref for an element whose text shows the time elapsed since `since`, updated every second. */
export function useElapsedRef<T extends HTMLElement>(since: number, format: (ms: number, el: HTMLElement) => void) {
  const unregister = useRef<(() => void) | null>(null);
  const latest = useRef({ since, format });
  latest.current = { since, format };
  const ref = useCallback((el: T | null) => {
    unregister.current?.();
    unregister.current = null;
    if (el) {
      const clock: Clock = {
        el,
        get since() {
          return latest.current.since;
        },
        format: (ms, e) => latest.current.format(ms, e),
      };
      unregister.current = register(clock);
    }
  }, []);
  useEffect(() => () => unregister.current?.(), []);
  return ref;
}

// A React-state clock for the few places that re-render on time anyway (the connection status).
import { useSyncExternalStore } from 'react';

let now = Date.now();
const listeners = new Set<() => void>();
let stateTimer: ReturnType<typeof setInterval> | null = null;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!stateTimer) {
    now = Date.now();
    stateTimer = setInterval(() => {
      now = Date.now();
      listeners.forEach((l) => l());
    }, 1000);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && stateTimer) {
      clearInterval(stateTimer);
      stateTimer = null;
    }
  };
}

export function useNow(): number {
  return useSyncExternalStore(subscribe, () => now);
}
