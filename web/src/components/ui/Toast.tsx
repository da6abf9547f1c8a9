import { useEffect } from 'react';

export type ToastMessage = { id: string; text: string; action?: { label: string; onClick: () => void } };

/** Short notices in a corner (a polite live region), each gone after `ttlMs` or when dismissed. */
export function Toasts({ toasts, onDismiss, ttlMs = 10_000 }: { toasts: ToastMessage[]; onDismiss: (id: string) => void; ttlMs?: number }) {
  useEffect(() => {
    if (toasts.length === 0) return;
    const timers = toasts.map((t) => setTimeout(() => onDismiss(t.id), ttlMs));
    return () => timers.forEach(clearTimeout);
  }, [toasts, onDismiss, ttlMs]);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className="toast" data-testid="toast">
          <span>{t.text}</span>
          {t.action ? (
            <button
              type="button"
              className="btn btn-small btn-primary"
              data-testid="toast-action"
              onClick={() => {
                t.action!.onClick();
                onDismiss(t.id);
              }}
            >
              {t.action.label}
            </button>
          ) : null}
          <button type="button" className="btn btn-ghost btn-small" aria-label="Dismiss" onClick={() => onDismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
