// Telling the agent a new escalation arrived while they look elsewhere: a count in the tab's
// title, and, when they turn them on, a desktop notification (the Notification API) and a short
// sound. Settings are per browser (localStorage); both alerts are off until the agent turns them
// on, and notifications need the browser's permission, asked when they are turned on.
import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { PendingSession } from '@/lib/api-types';
import { navigate, sessionPath } from '@/lib/router';

export type AlertSettings = { notifications: boolean; sound: boolean };

const KEY = 'workbench.alerts';
const DEFAULTS: AlertSettings = { notifications: false, sound: false };
const listeners = new Set<() => void>();
let cached: AlertSettings | null = null;

export function readAlertSettings(): AlertSettings {
  if (cached) return cached;
  try {
    const parsed = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<AlertSettings>;
    cached = { notifications: parsed.notifications === true, sound: parsed.sound === true };
  } catch {
    cached = { ...DEFAULTS };
  }
  return cached;
}

export function writeAlertSettings(next: AlertSettings): void {
  cached = next;
  localStorage.setItem(KEY, JSON.stringify(next));
  listeners.forEach((l) => l());
}

/** Forget the in-memory copy (tests). */
export function resetAlertSettings(): void {
  cached = null;
}

export function useAlertSettings(): AlertSettings {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    readAlertSettings,
  );
}

export function notificationsSupported(): boolean {
  return typeof window !== 'undefined' && 'Notification' in window;
}

/** Turning notifications on asks the browser's permission; refused, they stay off. */
export async function enableNotifications(on: boolean): Promise<boolean> {
  const settings = readAlertSettings();
  if (!on) {
    writeAlertSettings({ ...settings, notifications: false });
    return false;
  }
  if (!notificationsSupported()) return false;
  const permission = Notification.permission === 'granted' ? 'granted' : await Notification.requestPermission();
  const granted = permission === 'granted';
  writeAlertSettings({ ...settings, notifications: granted });
  return granted;
}

/** A short two-tone chime from the Web Audio API: no file to fetch. */
export function chime(): void {
  const Ctx = (window as unknown as { AudioContext?: typeof AudioContext }).AudioContext;
  if (!Ctx) return;
  try {
    const ctx = new Ctx();
    const gain = ctx.createGain();
    gain.gain.value = 0.08;
    gain.connect(ctx.destination);
    [880, 1175].forEach((hz, i) => {
      const osc = ctx.createOscillator();
      osc.frequency.value = hz;
      osc.connect(gain);
      osc.start(ctx.currentTime + i * 0.15);
      osc.stop(ctx.currentTime + i * 0.15 + 0.12);
    });
    setTimeout(() => void ctx.close(), 600);
  } catch {
    // No audio output: the title and the notification still tell.
  }
}

const TITLE = 'Agent workbench';

export function titleFor(pending: number): string {
  return pending > 0 ? `(${pending}) ${TITLE}` : TITLE;
}

function describe(s: PendingSession): string {
  const tier = s.member_level && s.member_level !== 'regular' ? ` · ${s.member_level}` : '';
  return `${s.priority}${tier} · ${s.user_id}`;
}

/**
 * The tab title counts the queue; a session that joins the queue after the first load alerts
 * (notification and sound as set). Sessions seen once are not announced again.
 */
export function useEscalationAlerts(pending: PendingSession[] | undefined): void {
  const seen = useRef<Set<string> | null>(null);
  const count = pending?.length ?? 0;
  useEffect(() => {
    document.title = titleFor(count);
    return () => {
      document.title = TITLE;
    };
  }, [count]);
  useEffect(() => {
    if (!pending) return;
    if (seen.current === null) {
      seen.current = new Set(pending.map((s) => s.session_id));
      return;
    }
    const fresh = pending.filter((s) => !seen.current!.has(s.session_id));
    fresh.forEach((s) => seen.current!.add(s.session_id));
    if (fresh.length === 0) return;
    const settings = readAlertSettings();
    if (settings.sound) chime();
    if (settings.notifications && notificationsSupported() && Notification.permission === 'granted') {
      const first = fresh[0]!;
      const title = fresh.length === 1 ? `New escalation: ${describe(first)}` : `${fresh.length} new escalations`;
      const n = new Notification(title, { body: first.escalate_reason ?? '', tag: `escalation-${first.session_id}` });
      n.onclick = () => {
        window.focus();
        navigate(sessionPath(first.session_id));
        n.close();
      };
    }
  }, [pending]);
}
