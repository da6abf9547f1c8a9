import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { useState } from 'react';
import { server } from '@/testing/server';
import { agent1, auditEvent, details, handOver, supervisor } from '@/testing/fixtures';
import { renderWithClient } from '@/testing/render';
import type { HandOverResponse, Me, SessionDetails } from '@/lib/api-types';
import { releaseSession, transferSession } from '../api/hand-over';
import { getSessionEvents } from '../api/get-events';
import { ConversationPanel } from './ConversationPanel';
import { describeDetail } from './ActivityTimeline';

const O = 'http://localhost:3000/api/v1/agent/sessions/sess-1';
const assigned = (over: Partial<SessionDetails> = {}) => details({ agent_status: 'assigned', assigned_agent_id: 'agent-001', ...over });
const roster = [
  { agent_id: 'agent-001', name: 'Alice Agent' },
  { agent_id: 'agent-002', name: 'Ben Okafor' },
];

function Harness({ me = agent1, onHandedOver }: { me?: Me; onHandedOver?: (r: HandOverResponse) => void }) {
  const [resolveOpen, setResolveOpen] = useState(false);
  const [draft, setDraft] = useState('');
  return (
    <ConversationPanel
      sessionId="sess-1"
      me={me}
      draft={draft}
      onDraftChange={setDraft}
      composerRef={null}
      onAccept={() => {}}
      accepting={false}
      resolveOpen={resolveOpen}
      onResolveOpenChange={setResolveOpen}
      transferCandidates={roster}
      onHandedOver={onHandedOver}
    />
  );
}

describe('hand-over API calls', () => {
  it('release posts the reason (or nothing) and transfer the target and note', async () => {
    const seen: unknown[] = [];
    server.use(
      http.post(`${O}/release`, async ({ request }) => {
        seen.push(await request.json());
        return HttpResponse.json(handOver());
      }),
      http.post(`${O}/transfer`, async ({ request }) => {
        seen.push(await request.json());
        return HttpResponse.json(handOver({ agent_status: 'assigned', assigned_agent_id: 'agent-002' }));
      }),
    );
    expect(await releaseSession('sess-1', { reason: 'Needs billing' })).toMatchObject({ agent_status: 'pending', assigned_agent_id: null });
    expect(await transferSession('sess-1', { to_agent_id: 'agent-002', note: 'Refunds' })).toMatchObject({ assigned_agent_id: 'agent-002' });
    expect(seen).toEqual([{ reason: 'Needs billing' }, { to_agent_id: 'agent-002', note: 'Refunds' }]);
  });

  it('reads the audit trail', async () => {
    server.use(http.get(`${O}/events`, () => HttpResponse.json({ session_id: 'sess-1', events: [auditEvent()] })));
    const body = await getSessionEvents('sess-1');
    expect(body.events.map((e) => e.type)).toEqual(['escalated']);
  });
});

describe('release and transfer in the conversation', () => {
  it('are offered to the assignee and to a supervisor, not to another agent', async () => {
    server.use(http.get(O, () => HttpResponse.json(assigned({ assigned_agent_id: 'agent-009' }))));
    const other = renderWithClient(<Harness />);
    await screen.findByTestId('conversation');
    expect(screen.queryByTestId('release')).toBeNull();
    expect(screen.queryByTestId('transfer')).toBeNull();
    other.unmount();
    renderWithClient(<Harness me={supervisor} />);
    expect(await screen.findByTestId('release')).toBeInTheDocument();
    expect(screen.getByTestId('transfer')).toBeInTheDocument();
  });

  it('release sends the optional reason and shows the session back in the queue', async () => {
    let current = assigned();
    const bodies: unknown[] = [];
    server.use(
      http.get(O, () => HttpResponse.json(current)),
      http.post(`${O}/release`, async ({ request }) => {
        bodies.push(await request.json());
        current = { ...current, agent_status: 'pending', assigned_agent_id: null };
        return HttpResponse.json(handOver());
      }),
    );
    const done = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<Harness onHandedOver={done} />);
    await user.click(await screen.findByTestId('release'));
    expect(screen.getByTestId('release-reason')).toHaveFocus();
    await user.click(screen.getByTestId('release-submit'));
    expect(await screen.findByTestId('handover-notice')).toHaveTextContent('back in the queue');
    expect(bodies).toEqual([{}]);
    expect(done).toHaveBeenCalledWith(expect.objectContaining({ session_id: 'sess-1', agent_status: 'pending' }));
    await waitFor(() => expect(screen.getByTestId('conversation')).toHaveAttribute('data-status', 'pending'));
    expect(screen.queryByTestId('release')).toBeNull();
  });

  it('transfer offers the known agents but the holder, sends the note, and shows a 409 at_capacity clearly', async () => {
    const bodies: unknown[] = [];
    let full = true;
    let current = assigned();
    server.use(
      http.get(O, () => HttpResponse.json(current)),
      http.post(`${O}/transfer`, async ({ request }) => {
        bodies.push(await request.json());
        if (full) {
          return HttpResponse.json(
            { error: 'at_capacity', message: 'agent-002 is at capacity', agent_id: 'agent-002', active_sessions: 1, max_sessions: 1 },
            { status: 409 },
          );
        }
        current = { ...current, assigned_agent_id: 'agent-002' };
        return HttpResponse.json(handOver({ agent_status: 'assigned', assigned_agent_id: 'agent-002' }));
      }),
    );
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await user.click(await screen.findByTestId('transfer'));
    const select = screen.getByTestId('transfer-target');
    expect(within(select).queryByRole('option', { name: /agent-001/ })).toBeNull();
    expect(select).toHaveValue('agent-002');
    await user.type(screen.getByTestId('transfer-note'), 'Refund specialist');
    await user.click(screen.getByTestId('transfer-submit'));
    expect(await screen.findByRole('alert')).toHaveTextContent('agent-002 is at capacity (1 of 1 sessions)');
    expect(screen.getByRole('dialog')).toBeInTheDocument();

    full = false;
    await user.click(screen.getByTestId('transfer-submit'));
    expect(await screen.findByTestId('handover-notice')).toHaveTextContent('Transferred to agent-002');
    await waitFor(() => expect(screen.getByTestId('session-status')).toHaveTextContent('agent-002'));
    expect(screen.getByTestId('composer')).toBeDisabled();
    expect(screen.queryByTestId('transfer')).toBeNull();
    expect(bodies).toEqual([
      { to_agent_id: 'agent-002', note: 'Refund specialist' },
      { to_agent_id: 'agent-002', note: 'Refund specialist' },
    ]);
  });

  it('transfer takes a typed agent id when none is listed, and shows a 403 not_assignee', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.get(O, () => HttpResponse.json(assigned())),
      http.post(`${O}/transfer`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ error: 'not_assignee', message: 'held by agent-007', assigned_agent_id: 'agent-007' }, { status: 403 });
      }),
    );
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await user.click(await screen.findByTestId('transfer'));
    await user.selectOptions(screen.getByTestId('transfer-target'), 'Another agent id…');
    expect(screen.getByTestId('transfer-submit')).toBeDisabled();
    await user.type(screen.getByTestId('transfer-agent-id'), 'agent-042');
    await user.click(screen.getByTestId('transfer-submit'));
    expect(await screen.findByRole('alert')).toHaveTextContent('This session is assigned to agent-007; only they can act on it.');
    expect(bodies).toEqual([{ to_agent_id: 'agent-042' }]);
  });
});

describe('the activity timeline', () => {
  it('lists the events oldest first with who, when, the status change and the detail', async () => {
    server.use(
      http.get(O, () => HttpResponse.json(assigned())),
      http.get(`${O}/events`, () =>
        HttpResponse.json({
          session_id: 'sess-1',
          events: [
            auditEvent({ event_id: 'e1' }),
            auditEvent({ event_id: 'e2', type: 'accepted', actor: 'agent-001', at: '2026-07-03T10:02:00Z', from_status: 'pending', to_status: 'assigned', detail: { agent_id: 'agent-001', priority: 'high', waited_seconds: 65 } }),
            auditEvent({ event_id: 'e3', type: 'transferred', actor: 'lead-001', at: '2026-07-03T10:03:00Z', from_status: 'assigned', to_status: 'assigned', detail: { from_agent_id: 'agent-002', to_agent_id: 'agent-001', note: 'Billing' } }),
            auditEvent({ event_id: 'e4', type: 'aged', actor: 'system', at: '2026-07-03T10:04:00Z', from_status: 'pending', to_status: 'pending', detail: { from_priority: 'medium', to_priority: 'high' } }),
          ],
        }),
      ),
    );
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await user.click(await screen.findByTestId('tab-activity'));
    const items = await screen.findAllByTestId('activity-event');
    expect(items.map((i) => i.getAttribute('data-type'))).toEqual(['escalated', 'accepted', 'transferred', 'aged']);
    expect(items[0]).toHaveTextContent('Escalated');
    expect(items[0]).toHaveTextContent('by bot');
    expect(items[1]).toHaveTextContent('agent-001 (you)');
    expect(items[1]).toHaveTextContent('waited 1:05');
    expect(items[2]).toHaveTextContent('agent-002 → agent-001');
    expect(items[2]).toHaveTextContent('“Billing”');
    expect(items[3]).toHaveTextContent('priority medium → high');
    expect(screen.getByTestId('tab-activity')).toHaveAttribute('aria-selected', 'true');
    // Arrow keys move between the tabs.
    await user.keyboard('{ArrowLeft}');
    expect(screen.getByTestId('tab-thread')).toHaveFocus();
    expect(screen.getByTestId('tab-thread')).toHaveAttribute('aria-selected', 'true');
    expect(screen.queryByTestId('activity')).toBeNull();
  });

  it('shows a failed load with a retry', async () => {
    let fail = true;
    server.use(
      http.get(O, () => HttpResponse.json(assigned())),
      http.get(`${O}/events`, () =>
        fail ? HttpResponse.json({ error: 'store_unavailable', message: 'The store is unavailable' }, { status: 503 }) : HttpResponse.json({ session_id: 'sess-1', events: [] }),
      ),
    );
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await user.click(await screen.findByTestId('tab-activity'));
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not load the activity');
    fail = false;
    await user.click(screen.getByRole('button', { name: 'Retry' }));
    expect(await screen.findByText('Nothing recorded yet.')).toBeInTheDocument();
  });

  it('describes a release reason and a business write', () => {
    expect(describeDetail(auditEvent({ type: 'released', actor: 'agent-001', detail: { reason: 'Wrong team' } }))).toBe('“Wrong team”');
    expect(describeDetail(auditEvent({ type: 'business_write_executed', actor: 'agent-001', detail: { action: 'cancel_order', order_id: 'ORD-003' } }))).toBe('cancel_order · ORD-003');
  });
});
