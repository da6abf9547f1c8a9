import { useEffect, useState } from 'react';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { Badge } from '@/components/ui/Badge';
import { useKnowledge } from '../api/recommend';

/**
 * Recommendations for the customer's latest message (also before accepting), or for what the
 * agent searches; any passage can be inserted into the reply.
 */
const COLLAPSED_KEY = 'workbench.knowledge.collapsed';

function readCollapsed(): boolean {
  try {
    return localStorage.getItem(COLLAPSED_KEY) === 'true';
  } catch {
    return false;
  }
}

export function KnowledgePanel({ sessionId, suggestedQuery, onInsert, canInsert }: { sessionId: string; suggestedQuery: string; onInsert: (text: string) => void; canInsert: boolean }) {
  const [input, setInput] = useState('');
  // The agent may fold the cards away (kept per browser), so business assist below is in view.
  const [collapsed, setCollapsed] = useState(readCollapsed);
  const toggle = () => {
    const next = !collapsed;
    setCollapsed(next);
    localStorage.setItem(COLLAPSED_KEY, String(next));
  };
  const [search, setSearch] = useState<string | null>(null);
  // A new session or a new customer message brings fresh suggestions unless the agent searched.
  useEffect(() => {
    setSearch(null);
    setInput('');
  }, [sessionId]);
  const query = search ?? suggestedQuery;
  const knowledge = useKnowledge(sessionId, query);

  return (
    <section className="side-panel" aria-labelledby="knowledge-title">
      <div className="side-head">
        <h2 id="knowledge-title">Knowledge</h2>
        <button type="button" className="btn btn-ghost btn-small" data-testid="knowledge-toggle" aria-expanded={!collapsed} aria-controls="knowledge-results" onClick={toggle}>
          {collapsed ? `Show${knowledge.data ? ` (${knowledge.data.chunks.length})` : ''}` : 'Hide'}
        </button>
      </div>
      <form
        className="search-row"
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(input.trim() ? input.trim() : null);
          if (collapsed) toggle();
        }}
      >
        <label htmlFor="knowledge-search" className="sr-only">
          Search knowledge
        </label>
        <input id="knowledge-search" data-testid="knowledge-search" type="search" value={input} onChange={(e) => setInput(e.target.value)} placeholder="Search the knowledge base" />
        <button type="submit" className="btn btn-small">
          Search
        </button>
      </form>
      <div id="knowledge-results" hidden={collapsed}>
      <p className="muted small" data-testid="knowledge-query">
        {search ? 'Results for your search' : query ? 'For the latest customer message' : 'No customer message yet; search above.'}
        {search ? (
          <>
            {' · '}
            <button
              type="button"
              className="link"
              onClick={() => {
                setSearch(null);
                setInput('');
              }}
            >
              back to suggestions
            </button>
          </>
        ) : null}
      </p>
      {knowledge.isFetching && !knowledge.data ? <Spinner label="Searching" /> : null}
      <ErrorMessage error={knowledge.error} onRetry={() => void knowledge.refetch()} />
      {knowledge.data && knowledge.data.chunks.length === 0 ? <p className="empty">Nothing relevant found.</p> : null}
      <ul className="knowledge-list" aria-busy={knowledge.isFetching}>
        {knowledge.data?.chunks.map((c, i) => (
          <li key={`${c.source}-${i}`} className="knowledge-item" data-testid="knowledge-item">
            <div className="knowledge-head">
              <Badge tone={c.kind === 'faq' ? 'faq' : 'doc'}>{c.kind === 'faq' ? 'FAQ' : c.kind}</Badge>
              <span className="knowledge-title" title={c.source}>
                {c.title ?? c.source}
              </span>
              <span className="knowledge-score" title="Relevance">
                {Math.round(c.score * 100)}%
              </span>
            </div>
            <p className="knowledge-content">{c.content}</p>
            <div className="knowledge-foot">
              <span className="muted small">{c.source}</span>
              <button type="button" className="btn btn-small" data-testid="knowledge-insert" disabled={!canInsert} title={canInsert ? 'Insert into the reply' : 'Accept the session to reply'} onClick={() => onInsert(c.content)}>
                Insert
              </button>
            </div>
          </li>
        ))}
      </ul>
      </div>
    </section>
  );
}
