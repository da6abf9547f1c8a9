import { useEffect, useRef } from 'react';
import type { HistoryMessage } from '@/lib/api-types';
import { formatTime } from '@/lib/format';

const AUTHOR_LABEL: Record<string, string> = { customer: 'Customer', bot: 'Bot', agent: 'Agent', system: 'System' };

export function Transcript({ history }: { history: HistoryMessage[] }) {
  const end = useRef<HTMLDivElement>(null);
  const last = history[history.length - 1]?.message_id;
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [last]);
  return (
    <section className="transcript" aria-label="Conversation" aria-live="polite">
      {history.length === 0 ? <p className="muted">No messages yet.</p> : null}
      {history.map((m) => {
        const who = m.author === 'agent' ? (m.agent_name ?? m.agent_id ?? 'Agent') : (AUTHOR_LABEL[m.author] ?? m.author);
        return (
          <article key={m.message_id} className={`msg msg-${m.author}`} data-testid="message" data-author={m.author}>
            <header className="msg-head">
              <span className="msg-who">{who}</span>
              {m.author === 'agent' && (m.agent_name ?? m.agent_id) ? <span className="msg-role">agent</span> : null}
              <time dateTime={m.timestamp}>{formatTime(m.timestamp)}</time>
            </header>
            <p className="msg-text">{m.content}</p>
          </article>
        );
      })}
      <div ref={end} />
    </section>
  );
}
