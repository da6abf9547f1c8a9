import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { server } from '@/testing/server';
import { renderWithClient } from '@/testing/render';
import { KnowledgePanel } from './KnowledgePanel';

const URL_ = 'http://localhost:3000/api/v1/agent/sessions/sess-1/knowledge-recommend';

describe('knowledge panel', () => {
  it('recommends for the latest customer message, searches, and inserts a passage', async () => {
    const queries: unknown[] = [];
    server.use(
      http.post(URL_, async ({ request }) => {
        const body = (await request.json()) as { query: string; top_k: number };
        queries.push(body);
        return HttpResponse.json({
          chunks: [{ content: `Answer about ${body.query}`, score: 0.82, source: 'faq:refunds', kind: 'faq', title: 'How long does a refund take?' }],
          total: 1,
        });
      }),
    );
    const onInsert = vi.fn();
    const user = userEvent.setup();
    renderWithClient(<KnowledgePanel sessionId="sess-1" suggestedQuery="Where is my refund?" onInsert={onInsert} canInsert />);
    const item = await screen.findByTestId('knowledge-item');
    expect(item).toHaveTextContent('How long does a refund take?');
    expect(item).toHaveTextContent('82%');
    expect(queries[0]).toEqual({ query: 'Where is my refund?', top_k: 5 });
    await user.type(screen.getByTestId('knowledge-search'), 'invoice{Enter}');
    await waitFor(() => expect(screen.getByTestId('knowledge-item')).toHaveTextContent('Answer about invoice'));
    await user.click(screen.getByTestId('knowledge-insert'));
    expect(onInsert).toHaveBeenCalledWith('Answer about invoice');
  });

  it('folds away (kept per browser) so business assist below is in view, and a search unfolds it', async () => {
    server.use(http.post(URL_, () => HttpResponse.json({ chunks: [{ content: 'x', score: 0.5, source: 'faq:a', kind: 'faq', title: 'A' }], total: 1 })));
    const user = userEvent.setup();
    const { unmount } = renderWithClient(<KnowledgePanel sessionId="sess-1" suggestedQuery="q" onInsert={() => {}} canInsert />);
    await screen.findByTestId('knowledge-item');
    const toggle = screen.getByTestId('knowledge-toggle');
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    expect(toggle).toHaveTextContent('Show (1)');
    expect(screen.getByTestId('knowledge-item')).not.toBeVisible();
    expect(localStorage.getItem('workbench.knowledge.collapsed')).toBe('true');
    unmount();
    renderWithClient(<KnowledgePanel sessionId="sess-1" suggestedQuery="q" onInsert={() => {}} canInsert />);
    expect(screen.getByTestId('knowledge-toggle')).toHaveAttribute('aria-expanded', 'false');
    await user.type(screen.getByTestId('knowledge-search'), 'refund{Enter}');
    expect(screen.getByTestId('knowledge-toggle')).toHaveAttribute('aria-expanded', 'true');
  });

  it('says so when nothing is relevant, and disables insert before accepting', async () => {
    server.use(http.post(URL_, () => HttpResponse.json({ chunks: [], total: 0 })));
    renderWithClient(<KnowledgePanel sessionId="sess-1" suggestedQuery="hmm" onInsert={() => {}} canInsert={false} />);
    expect(await screen.findByText('Nothing relevant found.')).toBeInTheDocument();
  });
});
