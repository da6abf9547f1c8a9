import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { useState } from 'react';
import { server } from '@/testing/server';
import { agent1, details, message } from '@/testing/fixtures';
import { renderWithClient } from '@/testing/render';
import type { SessionDetails } from '@/lib/api-types';
import { ConversationPanel } from './ConversationPanel';

const O = 'http://localhost:3000/api/v1/agent/sessions/sess-1';

function Harness({ initialDraft = '' }: { initialDraft?: string }) {
  const [draft, setDraft] = useState(initialDraft);
  const [resolveOpen, setResolveOpen] = useState(false);
  return (
    <ConversationPanel
      sessionId="sess-1"
      me={agent1}
      draft={draft}
      onDraftChange={setDraft}
      composerRef={null}
      onAccept={() => {}}
      accepting={false}
      resolveOpen={resolveOpen}
      onResolveOpenChange={setResolveOpen}
    />
  );
}

function serve(initial: SessionDetails) {
  let current = initial;
  const posted: { path: string; body: unknown }[] = [];
  server.use(
    http.get(O, () => HttpResponse.json(current)),
    http.post(`${O}/messages`, async ({ request }) => {
      const body = (await request.json()) as { content: string };
      posted.push({ path: 'messages', body });
      current = { ...current, history: [...current.history, message({ message_id: `a${posted.length}`, role: 'assistant', author: 'agent', content: body.content, agent_id: 'agent-001', agent_name: 'Alice Agent' })] };
      return HttpResponse.json({ message_id: `a${posted.length}`, timestamp: '2026-07-03T10:05:00Z', role: 'assistant' });
    }),
    http.post(`${O}/resolve`, async ({ request }) => {
      posted.push({ path: 'resolve', body: await request.json() });
      current = { ...current, agent_status: 'resolved', resolved_at: '2026-07-03T10:15:00Z', resolve_note: 'done' };
      return HttpResponse.json({ session_id: 'sess-1', agent_status: 'resolved', resolved_at: '2026-07-03T10:15:00Z' });
    }),
    http.post(`${O}/solution`, async ({ request }) => {
      const body = (await request.json()) as Record<string, string>;
      posted.push({ path: 'solution', body });
      return HttpResponse.json({ solution_id: 'sol-1', session_id: 'sess-1', ...body, intent: body.intent ?? 'other', status: 'pending' });
    }),
  );
  return posted;
}

const assigned = (over: Partial<SessionDetails> = {}) => details({ agent_status: 'assigned', assigned_agent_id: 'agent-001', ...over });

describe('conversation', () => {
  it('shows the card and tells customer, bot, agent and system turns apart', async () => {
    serve(assigned({ history: [message({ message_id: '1' }), message({ message_id: '2', author: 'bot', role: 'assistant', content: 'Bot here' }), message({ message_id: '3', author: 'agent', role: 'assistant', content: 'Agent here', agent_name: 'Alice Agent' }), message({ message_id: '4', author: 'system', role: 'system', content: 'cancel_order by agent-001' })] }));
    renderWithClient(<Harness />);
    const card = await screen.findByTestId('escalation-card');
    expect(within(card).getByTestId('card-summary')).toHaveTextContent('User asked about the shipment of ORD-001');
    expect(within(card).getByText('Suggested checking My Orders')).toBeInTheDocument();
    expect(within(card).getByText('3 earlier tickets')).toBeInTheDocument();
    expect(screen.getAllByTestId('message').map((m) => m.getAttribute('data-author'))).toEqual(['customer', 'bot', 'agent', 'system']);
    expect(screen.getAllByTestId('message')[2]).toHaveTextContent('Alice Agent');
  });

  it('keeps the composer shut while pending, or assigned to someone else', async () => {
    serve(details({ agent_status: 'assigned', assigned_agent_id: 'agent-002' }));
    renderWithClient(<Harness />);
    expect(await screen.findByTestId('composer')).toBeDisabled();
    expect(screen.getByText('Assigned to agent-002.')).toBeInTheDocument();
    expect(screen.queryByTestId('resolve')).toBeNull();
  });

  it('pending: composer disabled with the reason, accept offered', async () => {
    serve(details());
    renderWithClient(<Harness />);
    expect(await screen.findByTestId('composer')).toBeDisabled();
    expect(screen.getByTestId('conversation-accept')).toBeEnabled();
  });

  it('Enter sends, Shift+Enter makes a new line, and the reply appears as an agent turn', async () => {
    const posted = serve(assigned());
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    const composer = await screen.findByTestId('composer');
    await waitFor(() => expect(composer).toBeEnabled());
    await user.type(composer, 'Hello{Shift>}{Enter}{/Shift}I will check ORD-001');
    expect(composer).toHaveValue('Hello\nI will check ORD-001');
    expect(screen.getByTestId('composer-count')).toHaveTextContent('26 / 4,000');
    await user.keyboard('{Enter}');
    await waitFor(() => expect(posted).toEqual([{ path: 'messages', body: { content: 'Hello\nI will check ORD-001' } }]));
    await waitFor(() => expect(composer).toHaveValue(''));
    const last = screen.getAllByTestId('message').at(-1)!;
    expect(last).toHaveAttribute('data-author', 'agent');
    expect(last).toHaveTextContent('I will check ORD-001');
  });

  it('will not send past 4,000 characters and says so in red', async () => {
    serve(assigned());
    renderWithClient(<Harness initialDraft={'x'.repeat(4001)} />);
    await waitFor(() => expect(screen.getByTestId('composer')).toBeEnabled());
    expect(screen.getByTestId('composer-count')).toHaveTextContent('4,001 / 4,000');
    expect(screen.getByTestId('composer-count')).toHaveClass('counter-over');
    expect(screen.getByTestId('send')).toBeDisabled();
  });

  it('resolves with a note, then offers the customer question and the substance of the answer, without personal data', async () => {
    const posted = serve(
      assigned({
        history: [
          message({ message_id: '1', content: 'Hi, I am Li Wei. Where is my order ORD-001? I want a human' }),
          message({ message_id: '2', author: 'agent', role: 'assistant', content: 'It ships tomorrow.' }),
          message({ message_id: '3', author: 'agent', role: 'assistant', content: 'Dear Li Wei, tracking SF123, delivery July 5. Best regards, Ada' }),
        ],
      }),
    );
    const user = userEvent.setup();
    renderWithClient(<Harness />);
    await user.click(await screen.findByTestId('resolve'));
    await user.type(screen.getByTestId('resolve-note'), 'Told the customer');
    await user.click(screen.getByTestId('resolve-submit'));
    const question = await screen.findByTestId('solution-question');
    expect(posted[0]).toEqual({ path: 'resolve', body: { note: 'Told the customer' } });
    // The focus follows to the form, not the page's body.
    await waitFor(() => expect(question).toHaveFocus());
    // Not the card's summary, and no "Dear Li Wei": the customer's words and the answer itself.
    expect(question).toHaveValue('Where is my order?');
    expect(screen.getByTestId('solution-answer')).toHaveValue('Tracking SF123, delivery July 5.');
    expect(screen.queryByTestId('solution-personal-data')).toBeNull();
    // A name typed back in is flagged before it goes to review.
    await user.type(screen.getByTestId('solution-answer'), ' Call me, Li: li@example.com');
    expect(screen.getByTestId('solution-personal-data')).toHaveAttribute('data-kinds', 'email');
    await user.clear(screen.getByTestId('solution-answer'));
    await user.type(screen.getByTestId('solution-answer'), 'Tracking SF123, delivery July 5.');
    expect(screen.queryByTestId('solution-personal-data')).toBeNull();
    await user.type(screen.getByTestId('solution-intent'), 'shipping');
    await user.click(screen.getByTestId('solution-submit'));
    expect(await screen.findByText(/sol-1 sent for review/)).toBeInTheDocument();
    expect(posted[1]).toEqual({ path: 'solution', body: { question: 'Where is my order?', solution: 'Tracking SF123, delivery July 5.', intent: 'shipping' } });
  });

  it('shows a 403 not_assignee naming the assignee', async () => {
    serve(assigned());
    server.use(http.post(`${O}/messages`, () => HttpResponse.json({ error: 'not_assignee', message: 'no', assigned_agent_id: 'agent-002' }, { status: 403 })));
    const user = userEvent.setup();
    renderWithClient(<Harness initialDraft="hi" />);
    await waitFor(() => expect(screen.getByTestId('send')).toBeEnabled());
    await user.click(screen.getByTestId('send'));
    expect(await screen.findByRole('alert')).toHaveTextContent('This session is assigned to agent-002');
    expect(screen.getByTestId('composer')).toHaveValue('hi');
  });
});
