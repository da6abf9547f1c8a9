// Display helpers.

/** 0:42, 12:05, 1:02:03, 3d 4h */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  if (total >= 86_400) return `${Math.floor(total / 86_400)}d ${Math.floor((total % 86_400) / 3600)}h`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export function humanize(code: string): string {
  return code.replace(/_/g, ' ');
}

// Intl formatters are costly to build and cheap to reuse: a queue row formats two times.
const shortTime = new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit' });
const longTime = new Intl.DateTimeFormat([], { hour: 'numeric', minute: '2-digit', second: '2-digit' });

/** 4:01 PM (the locale's short clock time). */
export function formatShortTime(ms: number): string {
  return Number.isFinite(ms) ? shortTime.format(ms) : '';
}

/** 4:01:07 PM. */
export function formatLongTime(ms: number): string {
  return Number.isFinite(ms) ? longTime.format(ms) : '';
}
