import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import { renderWithClient } from '@/testing/render';
import type { Solution } from '@/lib/api-types';
import { ReviewQueue } from './ReviewQueue';

const O = 'http://localhost:3000/api/v1/escalation/solutions';
const sol = (over: Partial<Solution> = {}): Solution => ({
  solution_id: 'sol-1',
  session_id: 'sess-1',
  question: 'Can I use a pickup locker?',
  solution: 'Yes, choose it at checkout.',
  intent: 'shipping',
  status: 'pending',
  created_at: '2026-07-03T10:00:00Z',
  agent_id: 'agent-001',
  ...over,
});

function serve(pending: Solution[]) {
  const decisions: { id: string; what: string; body: unknown }[] = [];
  server.use(
    http.get(O, ({ request }) => {
      const status = new URL(request.url).searchParams.get('status');
      return HttpResponse.json({ solutions: status === 'pending' ? pending.filter((s) => !decisions.some((d) => d.id === s.solution_id)) : [], next_cursor: null });
    }),
    http.post(`${O}/:id/approve`, async ({ params, request }) => {
      const body = await request.json();
      decisions.push({ id: params.id as string, what: 'approve', body });
      return HttpResponse.json({ ...sol({ solution_id: params.id as string }), ...(body as object), status: 'approved', faq_id: `faq-${params.id}` });
    }),
    http.post(`${O}/:id/reject`, async ({ params, request }) => {
      const body = (await request.json()) as { reason: string };
      decisions.push({ id: params.id as string, what: 'reject', body });
      return HttpResponse.json({ ...sol({ solution_id: params.id as string }), status: 'rejected', reject_reason: body.reason });
    }),
  );
  return decisions;
}

describe('review queue', () => {
  it('approves with the reviewer edits only', async () => {
    const decisions = serve([sol()]);
    const user = userEvent.setup();
    renderWithClient(<ReviewQueue canRead />);
    const item = await screen.findByTestId('review-item');
    const question = within(item).getByTestId('review-question');
    await user.clear(question);
    await user.type(question, 'Can my parcel go to a pickup locker?');
    await user.click(within(item).getByTestId('approve'));
    expect(await screen.findByTestId('review-decision')).toHaveTextContent('Approved sol-1');
    expect(decisions).toEqual([{ id: 'sol-1', what: 'approve', body: { question: 'Can my parcel go to a pickup locker?' } }]);
    await waitFor(() => expect(screen.queryByTestId('review-item')).toBeNull());
  });

  it('warns about personal data in a candidate, and links to its conversation', async () => {
    serve([sol({ solution_id: 'sol-2', session_id: 'sess-42', question: 'Where is ORD-003?', solution: 'Dear Li Wei, it ships today; call 138-0013-8000 or write to li@example.com.' }), sol()]);
    const user = userEvent.setup();
    renderWithClient(<ReviewQueue canRead />);
    const [flagged, clean] = await screen.findAllByTestId('review-item');
    const warning = within(flagged!).getByTestId('review-personal-data');
    expect(warning.getAttribute('data-kinds')!.split(' ').sort()).toEqual(['email', 'name', 'order_id', 'phone']);
    expect(warning).toHaveTextContent('Li Wei');
    expect(within(clean!).queryByTestId('review-personal-data')).toBeNull();
    // The reviewer's edit clears it.
    const answer = within(flagged!).getByTestId('review-solution');
    await user.clear(answer);
    await user.type(answer, 'It ships the same day.');
    const question = within(flagged!).getByTestId('review-question');
    await user.clear(question);
    await user.type(question, 'When does my order ship?');
    expect(within(flagged!).queryByTestId('review-personal-data')).toBeNull();
    const link = within(flagged!).getByTestId('review-open-session');
    expect(link).toHaveAttribute('href', '/sessions/sess-42');
    await user.click(link);
    expect(window.location.pathname).toBe('/sessions/sess-42');
  });

  it('needs a reason to reject', async () => {
    const decisions = serve([sol()]);
    const user = userEvent.setup();
    renderWithClient(<ReviewQueue canRead />);
    const item = await screen.findByTestId('review-item');
    await user.click(within(item).getByTestId('reject'));
    expect(screen.getByText('Give a reason to reject.')).toBeInTheDocument();
    expect(decisions).toEqual([]);
    await user.type(within(item).getByTestId('reject-reason'), 'Not our policy');
    await user.click(within(item).getByTestId('reject'));
    expect(await screen.findByTestId('review-decision')).toHaveTextContent('Rejected sol-1: Not our policy');
    expect(decisions).toEqual([{ id: 'sol-1', what: 'reject', body: { reason: 'Not our policy' } }]);
  });

  it('says so when the reviewer wrote the solution (403 own_solution)', async () => {
    serve([sol()]);
    server.use(http.post(`${O}/sol-1/approve`, () => HttpResponse.json({ error: 'own_solution', message: 'you wrote it' }, { status: 403 })));
    const user = userEvent.setup();
    renderWithClient(<ReviewQueue canRead />);
    await user.click(within(await screen.findByTestId('review-item')).getByTestId('approve'));
    expect(await screen.findByRole('alert')).toHaveTextContent('You wrote this solution, so another reviewer has to review it.');
  });

  it('pages with next_cursor', async () => {
    server.use(
      http.get(O, ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor');
        return HttpResponse.json(cursor ? { solutions: [sol({ solution_id: 'sol-2' })], next_cursor: null } : { solutions: [sol()], next_cursor: 'c1' });
      }),
    );
    const user = userEvent.setup();
    renderWithClient(<ReviewQueue canRead />);
    await screen.findByTestId('review-item');
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(screen.getAllByTestId('review-item')).toHaveLength(2));
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
  });

  it('is read-only for a supervisor', async () => {
    serve([sol()]);
    renderWithClient(<ReviewQueue canRead canDecide={false} />);
    const item = await screen.findByTestId('review-item');
    expect(within(item).queryByTestId('approve')).toBeNull();
    expect(within(item).getByTestId('review-question')).toHaveAttribute('readonly');
  });

  it('is closed to other agents', () => {
    renderWithClient(<ReviewQueue canRead={false} />);
    expect(screen.getByText('The review queue is for reviewers and supervisors.')).toBeInTheDocument();
  });
});
