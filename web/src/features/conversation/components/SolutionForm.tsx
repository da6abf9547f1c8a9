import { useEffect, useRef, useState } from 'react';
import type { Solution } from '@/lib/api-types';
import { ErrorMessage, Notice } from '@/components/ui/ErrorMessage';
import { PersonalDataWarning } from '@/components/ui/PersonalDataWarning';
import { useSubmitSolution } from '../api/session-actions';

/**
 * After resolving: the answer goes to the review queue, and once approved the bot knows it. The
 * prefill is the customer's question in their words and the substance of the agent's answer
 * (`lib/personal-data`), with a warning while either still looks personal.
 */
export function SolutionForm({ sessionId, question, solution, onSubmitted, focusOnMount = false }: { sessionId: string; question: string; solution: string; onSubmitted?: (s: Solution) => void; focusOnMount?: boolean }) {
  const [q, setQ] = useState(question);
  const questionRef = useRef<HTMLTextAreaElement>(null);
  // Right after Resolve the focus moves here, not to the page's body.
  useEffect(() => {
    if (focusOnMount) questionRef.current?.focus();
  }, [focusOnMount]);
  const [a, setA] = useState(solution);
  const [intent, setIntent] = useState('');
  const submit = useSubmitSolution(sessionId);
  if (submit.data) {
    return (
      <Notice tone="success">
        Solution {submit.data.solution_id} sent for review (status: {submit.data.status}). Once a reviewer approves it, the bot answers this question itself.
      </Notice>
    );
  }
  return (
    <form
      className="solution-form"
      aria-label="Consolidate the solution"
      onSubmit={(e) => {
        e.preventDefault();
        submit.mutate(
          { question: q.trim(), solution: a.trim(), ...(intent.trim() ? { intent: intent.trim() } : {}) },
          { onSuccess: (s) => onSubmitted?.(s) },
        );
      }}
    >
      <h3>Consolidate into the knowledge base</h3>
      <label htmlFor="solution-question">Customer question</label>
      <textarea ref={questionRef} id="solution-question" data-testid="solution-question" rows={2} value={q} onChange={(e) => setQ(e.target.value)} required />
      <label htmlFor="solution-answer">Solution</label>
      <textarea id="solution-answer" data-testid="solution-answer" rows={4} value={a} onChange={(e) => setA(e.target.value)} required />
      <label htmlFor="solution-intent">Intent (optional)</label>
      <input id="solution-intent" data-testid="solution-intent" value={intent} onChange={(e) => setIntent(e.target.value)} placeholder="e.g. shipping, returns_refunds, business_query" />
      <PersonalDataWarning texts={[q, a]} testId="solution-personal-data" />
      <ErrorMessage error={submit.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" data-testid="solution-submit" disabled={submit.isPending || !q.trim() || !a.trim()}>
          {submit.isPending ? 'Submitting…' : 'Submit for review'}
        </button>
      </div>
    </form>
  );
}
