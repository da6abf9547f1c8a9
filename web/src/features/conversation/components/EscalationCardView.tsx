import type { EscalationCard, SessionDetails } from '@/lib/api-types';
import { PriorityBadge, TierBadge } from '@/components/ui/Badge';
import { formatDateTime } from '@/lib/format';

/** What the agent reads before answering: why the bot handed over and what it already tried. */
export function EscalationCardView({ card, details }: { card: EscalationCard | null; details: SessionDetails }) {
  if (!card) {
    return (
      <section className="card" aria-label="Escalation card" data-testid="escalation-card">
        <p className="muted">No escalation card for this session.</p>
      </section>
    );
  }
  return (
    <section className="card" aria-label="Escalation card" data-testid="escalation-card">
      <div className="card-head">
        <PriorityBadge priority={card.priority} />
        <TierBadge level={card.member_level} />
        <span className="card-user">{card.user_id}</span>
        <span className="card-stat" title="Earlier escalations of this customer">
          {card.history_ticket_count} earlier ticket{card.history_ticket_count === 1 ? '' : 's'}
        </span>
        <span className="card-stat">{card.turn_count} turns</span>
        {details.escalated_at ? <span className="card-stat">escalated {formatDateTime(details.escalated_at)}</span> : null}
      </div>
      <dl className="card-body">
        <dt>Summary</dt>
        <dd data-testid="card-summary">{card.conversation_summary}</dd>
        <dt>Reason</dt>
        <dd>{card.escalate_reason}</dd>
        <dt>Bot tried</dt>
        <dd>
          {card.attempted_solutions.length === 0 ? (
            <span className="muted">Nothing yet</span>
          ) : (
            <ul className="tried">
              {card.attempted_solutions.map((a, i) => (
                <li key={i}>{a}</li>
              ))}
            </ul>
          )}
        </dd>
        {card.notes && card.notes.length > 0 ? (
          <>
            <dt>Hand-overs</dt>
            <dd>
              <ul className="card-notes" data-testid="card-notes">
                {card.notes.map((n, i) => (
                  <li key={i}>
                    <span className="muted small">{formatDateTime(n.at)} · {n.by}:</span> {n.text}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        ) : null}
      </dl>
    </section>
  );
}
