import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type CSSProperties } from 'react';
import type { PendingSession } from '@/lib/api-types';
import { PriorityBadge, TierBadge } from '@/components/ui/Badge';
import { SlaBadge } from '@/components/ui/SlaBadge';
import { formatShortTime } from '@/lib/format';
import { WaitingClock, waitingSince } from './WaitingClock';

export type QueueListProps = {
  sessions: PendingSession[];
  fetchedAt: number;
  selectedId: string | null;
  acceptingId: string | null;
  onSelect: (sessionId: string) => void;
  onAccept: (sessionId: string) => void;
};

/** Every row has the same height, so a long queue renders only the rows in view. */
export const ROW_HEIGHT = 92;

const LANGUAGE_NAMES: Record<string, string> = { en: 'English', zh: 'Chinese' };

export function languageName(code: string): string {
  return LANGUAGE_NAMES[code] ?? code;
}

/** The parts a row's meta line has, with a separator between them (the most urgent first, so a
 * narrow row cuts the least useful). */
function joinParts(parts: React.ReactNode[]): React.ReactNode[] {
  const present = parts.filter((p) => p !== null && p !== undefined);
  return present.flatMap((part, i) => (i === 0 ? [part] : [<span key={`sep-${i}`} aria-hidden="true">·</span>, part]));
}

/**
 * The row's second line: the customer's own latest words, which tell rows apart where the
 * escalation reason ("User explicitly requested transfer to a human") is the same on most; the
 * reason stays in the tooltip and for screen readers. Rows from a server without the words show
 * the reason as before.
 */
export function RowWords({ session }: { session: PendingSession }) {
  if (!session.customer_words) {
    return <span className="queue-reason" title={session.escalate_reason}>{session.escalate_reason}</span>;
  }
  return (
    <span className="queue-reason queue-words" title={`${session.customer_words}\n— ${session.escalate_reason}`} data-testid="row-words">
      <span lang={session.language ?? undefined}>“{session.customer_words}”</span>
      <span className="sr-only">. Escalated because: {session.escalate_reason}</span>
    </span>
  );
}
const ROW_GAP = 6;
const OVERSCAN = 6;
/** Before the list has been measured (and in tests): a screen's worth. */
const FALLBACK_VIEWPORT = 800;

function visibleRange(scrollTop: number, viewport: number, count: number): [number, number] {
  const height = viewport > 0 ? viewport : FALLBACK_VIEWPORT;
  const start = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const end = Math.min(count, Math.ceil((scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
  return [start, end];
}

/**
 * The pending queue, in the server's order (priority, then waiting time). Windowed: the list keeps
 * the full height of all rows, and only those in view (plus a few) are in the DOM.
 */
export function QueueList({ sessions, fetchedAt, selectedId, acceptingId, onSelect, onAccept }: QueueListProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const [range, setRange] = useState<[number, number]>(() => visibleRange(0, 0, sessions.length));
  const count = sessions.length;

  const measure = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const next = visibleRange(el.scrollTop, el.clientHeight, count);
    setRange((prev) => (prev[0] === next[0] && prev[1] === next[1] ? prev : next));
  }, [count]);

  useLayoutEffect(() => {
    measure();
    const el = scroller.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [measure]);

  // Keep the selected row in view (j/k, or a session opened from elsewhere).
  const selectedIndex = selectedId ? sessions.findIndex((s) => s.session_id === selectedId) : -1;
  useEffect(() => {
    const el = scroller.current;
    if (!el || selectedIndex < 0) return;
    const top = selectedIndex * ROW_HEIGHT;
    const viewport = el.clientHeight || FALLBACK_VIEWPORT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + viewport) el.scrollTop = top + ROW_HEIGHT - viewport;
    measure();
  }, [selectedIndex, measure]);

  if (count === 0) {
    return <p className="empty">No one is waiting. New escalations appear here as they arrive.</p>;
  }
  const [start, end] = range;
  const rows = [];
  for (let i = start; i < Math.min(end, count); i++) {
    const s = sessions[i]!;
    rows.push(
      <QueueRow
        key={s.session_id}
        session={s}
        index={i}
        count={count}
        since={waitingSince(s, fetchedAt)}
        selected={s.session_id === selectedId}
        accepting={s.session_id === acceptingId}
        onSelect={onSelect}
        onAccept={onAccept}
      />,
    );
  }
  return (
    <div className="queue-scroll" ref={scroller} onScroll={measure} data-testid="queue-scroll">
      <ol className="queue" aria-label="Pending sessions" style={{ height: count * ROW_HEIGHT }}>
        {rows}
      </ol>
    </div>
  );
}

const QueueRow = memo(function QueueRow({
  session,
  index,
  count,
  since,
  selected,
  accepting,
  onSelect,
  onAccept,
}: {
  session: PendingSession;
  index: number;
  count: number;
  since: number;
  selected: boolean;
  accepting: boolean;
  onSelect: (id: string) => void;
  onAccept: (id: string) => void;
}) {
  const style: CSSProperties = { transform: `translateY(${index * ROW_HEIGHT}px)`, height: ROW_HEIGHT - ROW_GAP };
  return (
    <li
      className={`queue-item${selected ? ' is-selected' : ''}${session.sla_breached ? ' is-breached' : ''}`}
      style={style}
      data-testid="queue-item"
      data-session-id={session.session_id}
      aria-current={selected ? 'true' : undefined}
      aria-setsize={count}
      aria-posinset={index + 1}
    >
      <button type="button" className="queue-open" data-testid="open-session" onClick={() => onSelect(session.session_id)}>
        <span className="queue-line">
          <PriorityBadge priority={session.priority} />
          <span className="queue-user">{session.user_id}</span>
          <TierBadge level={session.member_level} />
          <WaitingClock since={since} dueAt={session.sla_due_at ? Date.parse(session.sla_due_at) : undefined} breached={session.sla_breached} />
        </span>
        <RowWords session={session} />
        <span className="queue-meta" title={`${session.turn_count} turns`}>
          {joinParts([
            session.sla_due_at || session.sla_breached ? <SlaBadge key="sla" dueAt={session.sla_due_at} breached={session.sla_breached} /> : null,
            session.language ? (
              <abbr key="lang" className="queue-lang" title={languageName(session.language)} data-testid="row-language">
                {session.language.toUpperCase()}
              </abbr>
            ) : null,
            session.order_id ? (
              <span key="order" className="queue-order" data-testid="row-order">
                {session.order_id}
              </span>
            ) : null,
            session.escalated_at ? (
              <time key="at" dateTime={session.escalated_at} title="Escalated at" data-testid="escalated-at">
                {formatShortTime(Date.parse(session.escalated_at))}
              </time>
            ) : null,
          ])}
        </span>
      </button>
      <button
        type="button"
        className="btn btn-primary btn-small queue-accept"
        data-testid="accept"
        disabled={accepting}
        onClick={() => onAccept(session.session_id)}
      >
        {accepting ? 'Accepting…' : 'Accept'}
      </button>
    </li>
  );
});
