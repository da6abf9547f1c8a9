import { act, render, screen, within } from '@testing-library/react';
import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import { claimNextSession } from '../api/next-session';
import { pendingSession } from '@/testing/fixtures';
import { addMine, readMine, removeMine, resetMineCache } from '../api/mine';
import { QueueList } from './QueueList';
import { clockTone, waitingSince } from './WaitingClock';

describe('queue', () => {
  it('waits since escalated_at, else the server figure at fetch time, else created_at', () => {
    const fetchedAt = Date.parse('2026-07-03T10:10:00Z');
    expect(waitingSince(pendingSession({ created_at: '2026-07-03T10:00:00Z', escalated_at: '2026-07-03T10:02:00Z' }), fetchedAt)).toBe(Date.parse('2026-07-03T10:02:00Z'));
    expect(waitingSince(pendingSession({ created_at: '2026-07-03T10:00:00Z', waiting_seconds: 30 }), fetchedAt)).toBe(fetchedAt - 30_000);
    expect(waitingSince(pendingSession({ created_at: '2026-07-03T10:00:00Z' }), fetchedAt)).toBe(Date.parse('2026-07-03T10:00:00Z'));
  });

  it('the waiting clock is never green beside a breached SLA', () => {
    const since = Date.parse('2026-07-03T10:00:00Z');
    expect(clockTone(60_000, since)).toBe('fresh');
    expect(clockTone(60_000, since, { breached: true })).toBe('late');
    expect(clockTone(60_000, since, { dueAt: since + 30_000 })).toBe('late');
    expect(clockTone(60_000, since, { dueAt: since + 90_000 })).toBe('warm');
    expect(clockTone(60_000, since, { dueAt: since + 10 * 60_000 })).toBe('fresh');
    render(
      <QueueList
        sessions={[pendingSession({ session_id: 's1', escalated_at: new Date(Date.now() - 65_000).toISOString(), sla_breached: true, sla_due_at: new Date(Date.now() - 5_000).toISOString() })]}
        fetchedAt={Date.now()}
        selectedId={null}
        acceptingId={null}
        onSelect={() => {}}
        onAccept={() => {}}
      />,
    );
    expect(screen.getByTestId('waiting-clock')).toHaveAttribute('data-tone', 'late');
    expect(screen.getByTestId('sla')).toHaveTextContent('SLA breached');
  });

  it("rows lead with the customer's own words, their language and the order they name", () => {
    render(
      <QueueList
        sessions={[
          pendingSession({ session_id: 's1', escalate_reason: 'User explicitly requested transfer to a human', customer_words: '订单ORD-007还没到，转人工', language: 'zh', order_id: 'ORD-007' }),
          pendingSession({ session_id: 's2', escalate_reason: 'User explicitly requested transfer to a human' }),
        ]}
        fetchedAt={Date.now()}
        selectedId={null}
        acceptingId={null}
        onSelect={() => {}}
        onAccept={() => {}}
      />,
    );
    const rows = screen.getAllByTestId('queue-item');
    expect(rows).toHaveLength(2);
    const withWords = rows[0]!;
    const withoutWords = rows[1]!;
    const words = within(withWords).getByTestId('row-words');
    expect(words).toHaveTextContent('“订单ORD-007还没到，转人工”');
    expect(words.querySelector('[lang="zh"]')).not.toBeNull();
    // The reason is not lost: a screen reader hears it after the words, a pointer sees it in the tooltip.
    expect(words).toHaveTextContent('Escalated because: User explicitly requested transfer to a human');
    expect(words.getAttribute('title')).toContain('User explicitly requested transfer to a human');
    expect(within(withWords).getByTestId('row-language')).toHaveTextContent('ZH');
    expect(within(withWords).getByTestId('row-language')).toHaveAttribute('title', 'Chinese');
    expect(within(withWords).getByTestId('row-order')).toHaveTextContent('ORD-007');
    // A row without words (an older server) shows the reason, and no empty badges.
    expect(within(withoutWords).queryByTestId('row-words')).toBeNull();
    expect(withoutWords).toHaveTextContent('User explicitly requested transfer to a human');
    expect(within(withoutWords).queryByTestId('row-language')).toBeNull();
    expect(within(withoutWords).queryByTestId('row-order')).toBeNull();
  });

  it('shows priority, reason, tier and a ticking waiting clock per row', () => {
    vi.useFakeTimers();
    try {
      const now = Date.now();
      render(
        <QueueList
          sessions={[pendingSession({ session_id: 's1', created_at: new Date(now - 65_000).toISOString(), member_level: 'platinum', priority: 'highest', escalate_reason: 'Customer asked for a human' })]}
          fetchedAt={now}
          selectedId="s1"
          acceptingId={null}
          onSelect={() => {}}
          onAccept={() => {}}
        />,
      );
      const row = screen.getByTestId('queue-item');
      expect(row).toHaveAttribute('data-session-id', 's1');
      expect(row).toHaveAttribute('aria-current', 'true');
      expect(row).toHaveTextContent('Highest');
      expect(row).toHaveTextContent('Platinum');
      expect(row).toHaveTextContent('Customer asked for a human');
      expect(screen.getByTestId('waiting-clock')).toHaveTextContent('1:05');
      act(() => void vi.advanceTimersByTime(2_000));
      expect(screen.getByTestId('waiting-clock')).toHaveTextContent('1:07');
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps "Mine" per agent in localStorage', () => {
    addMine('agent-001', 's1');
    addMine('agent-001', 's2');
    addMine('agent-001', 's1');
    addMine('agent-002', 's3');
    expect(readMine('agent-001')).toEqual(['s2', 's1']);
    removeMine('agent-001', 's2');
    resetMineCache();
    expect(readMine('agent-001')).toEqual(['s1']);
    expect(readMine('agent-002')).toEqual(['s3']);
  });

  it('renders a long queue windowed: the rows in view, the full height, the set size', () => {
    const sessions = Array.from({ length: 500 }, (_, i) => pendingSession({ session_id: `s${i}`, user_id: `u_${i}` }));
    const { rerender } = render(<QueueList sessions={sessions} fetchedAt={Date.now()} selectedId={null} acceptingId={null} onSelect={() => {}} onAccept={() => {}} />);
    const rows = screen.getAllByTestId('queue-item');
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.length).toBeLessThan(30);
    expect(rows[0]).toHaveAttribute('aria-setsize', '500');
    expect(rows[0]).toHaveAttribute('aria-posinset', '1');
    expect(screen.getByRole('list', { name: 'Pending sessions' }).style.height).toBe(`${500 * 92}px`);
    // Selecting a row far down (j/k) brings it into the window.
    rerender(<QueueList sessions={sessions} fetchedAt={Date.now()} selectedId="s400" acceptingId={null} onSelect={() => {}} onAccept={() => {}} />);
    const selected = document.querySelector('[data-session-id="s400"]');
    expect(selected).toHaveAttribute('aria-current', 'true');
    expect(screen.getByTestId('queue-scroll').scrollTop).toBeGreaterThan(0);
  });

  it('shows when each session was escalated and its first-response target, counting down', () => {
    vi.useFakeTimers();
    try {
      const now = Date.now();
      render(
        <QueueList
          sessions={[
            pendingSession({ session_id: 'ok', escalated_at: new Date(now - 60_000).toISOString(), waiting_seconds: 60, sla_due_at: new Date(now + 240_000).toISOString(), sla_breached: false }),
            pendingSession({ session_id: 'late', escalated_at: new Date(now - 400_000).toISOString(), waiting_seconds: 400, sla_due_at: new Date(now - 100_000).toISOString(), sla_breached: true }),
            pendingSession({ session_id: 'none', priority: 'info' }),
          ]}
          fetchedAt={now}
          selectedId={null}
          acceptingId={null}
          onSelect={() => {}}
          onAccept={() => {}}
        />,
      );
      const [ok, late, none] = screen.getAllByTestId('queue-item');
      expect(within(ok!).getByTestId('escalated-at')).toHaveAttribute('dateTime', new Date(now - 60_000).toISOString());
      expect(within(ok!).getByTestId('waiting-clock')).toHaveTextContent('1:00');
      const sla = within(ok!).getByTestId('sla');
      expect(sla).toHaveTextContent('SLA 4:00');
      expect(sla).toHaveAttribute('data-breached', 'false');
      act(() => void vi.advanceTimersByTime(3_000));
      expect(sla).toHaveTextContent('SLA 3:57');
      expect(within(late!).getByTestId('sla')).toHaveTextContent('SLA breached');
      expect(within(late!).getByTestId('sla')).toHaveAttribute('data-breached', 'true');
      expect(late).toHaveClass('is-breached');
      expect(within(none!).queryByTestId('sla')).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('next in queue: the claimed session on 200, null on 204', async () => {
    let empty = false;
    server.use(
      http.post('http://localhost:3000/api/v1/agent/sessions/next', () =>
        empty
          ? new HttpResponse(null, { status: 204 })
          : HttpResponse.json({ session_id: 'sess-1', agent_status: 'assigned', assigned_agent_id: 'agent-001', turn_count: 4, escalation_card: { session_id: 'sess-1', user_id: 'u_1', member_level: 'gold', history_ticket_count: 0, turn_count: 4, conversation_summary: 's', attempted_solutions: [], escalate_reason: 'r', priority: 'high', notes: [] }, history: [] }),
      ),
    );
    expect(await claimNextSession()).toMatchObject({ session_id: 'sess-1', agent_status: 'assigned' });
    empty = true;
    expect(await claimNextSession()).toBeNull();
  });
});
