// Leading + trailing throttle per key: a burst of events becomes at most two refetches per window.
export function createKeyedThrottle(windowMs: number, run: (key: string) => void) {
  const state = new Map<string, { last: number; timer: ReturnType<typeof setTimeout> | null }>();
  return {
    schedule(key: string): void {
      const now = Date.now();
      const entry = state.get(key) ?? { last: -Infinity, timer: null };
      state.set(key, entry);
      const wait = entry.last + windowMs - now;
      if (wait <= 0 && !entry.timer) {
        entry.last = now;
        run(key);
        return;
      }
      if (entry.timer) return;
      entry.timer = setTimeout(() => {
        entry.timer = null;
        entry.last = Date.now();
        run(key);
      }, Math.max(wait, 0));
    },
    cancelAll(): void {
      for (const entry of state.values()) if (entry.timer) clearTimeout(entry.timer);
      state.clear();
    },
  };
}
