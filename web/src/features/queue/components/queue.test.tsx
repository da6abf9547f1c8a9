import { act, render, screen } from '@testing-library/react';
import { pendingSession } from '@/testing/fixtures';
import { addMine, readMine, removeMine, resetMineCache } from '../api/mine';
import { QueueList } from './QueueList';
import { waitingSince } from './WaitingClock';

describe('queue', () => {
  it('waits since escalated_at, else the server figure at fetch time, else created_at', () => {
    const fetchedAt = Date.parse('2026-07-03T10:10:00Z');
    expect(waitingSince(pendingSession({ created_at: '2026-07-03T10:00:00Z', escalated_at: '2026-07-03T10:02:00Z' }), fetchedAt)).toBe(Date.parse('2026-07-03T10:02:00Z'));
    expect(waitingSince(pendingSession({ created_at: '2026-07-03T10:00:00Z', waiting_seconds: 30 }), fetchedAt)).toBe(fetchedAt - 30_000);
    expect(waitingSince(pendingSession({ created_at: '2026-07-03T10:00:00Z' }), fetchedAt)).toBe(Date.parse('2026-07-03T10:00:00Z'));
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
});
