import { useEffect, useRef } from 'react';

export type Shortcuts = Record<string, (e: KeyboardEvent) => void>;

export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/**
 * Single-key shortcuts, ignored while typing, with a modifier, or under an open dialog. A key typed
 * in a text field is text, never a command; Esc leaves the field (outside a dialog, where Esc
 * closes the dialog instead), so the next key is a shortcut again.
 */
export function useShortcuts(shortcuts: Shortcuts): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && typingIn(e.target) && !(e.target as HTMLElement).closest('[role="dialog"]')) {
        (e.target as HTMLElement).blur();
        return;
      }
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
      if (document.querySelector('[role="dialog"][aria-modal="true"]') && e.key !== '?') return;
      const handler = ref.current[e.key];
      if (handler) {
        e.preventDefault();
        handler(e);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
