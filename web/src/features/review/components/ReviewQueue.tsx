import { useState } from 'react';
import type { ReviewStatus, Solution } from '@/lib/api-types';
import { ErrorMessage, Notice } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { formatDateTime } from '@/lib/format';
import { navigate, sessionPath } from '@/lib/router';
import { PersonalDataWarning } from '@/components/ui/PersonalDataWarning';
import { useReviewDecision, useSolutions } from '../api/solutions';

const TABS: ReviewStatus[] = ['pending', 'approved', 'rejected'];

/** Reviewers turn agents' solutions into FAQs: edit, approve, or reject with a reason. */
export function ReviewQueue({ canRead, canDecide = canRead }: { canRead: boolean; canDecide?: boolean }) {
  const [status, setStatus] = useState<ReviewStatus>('pending');
  const [lastDecision, setLastDecision] = useState<Solution | null>(null);
  const solutions = useSolutions(status, canRead);
  if (!canRead) {
    return (
      <main className="page-pad">
        <Notice tone="warning">The review queue is for reviewers and supervisors.</Notice>
      </main>
    );
  }
  const rows = solutions.data?.pages.flatMap((p) => p.solutions) ?? [];
  return (
    <main className="review" aria-labelledby="review-title">
      <div className="review-head">
        <h1 id="review-title">Solution review</h1>
        <div role="tablist" aria-label="Status" className="tabs">
          {TABS.map((t) => (
            <button key={t} type="button" role="tab" aria-selected={status === t} className={`tab${status === t ? ' is-active' : ''}`} onClick={() => setStatus(t)}>
              {t}
            </button>
          ))}
        </div>
      </div>
      {lastDecision ? (
        <Notice tone="success">
          <span data-testid="review-decision">
            {lastDecision.status === 'approved'
              ? `Approved ${lastDecision.solution_id}: the bot now answers this question (FAQ ${lastDecision.faq_id ?? ''}).`
              : `Rejected ${lastDecision.solution_id}: ${lastDecision.reject_reason ?? ''}`}
          </span>
        </Notice>
      ) : null}
      {!canDecide ? <Notice tone="info">Read only: approving and rejecting needs the reviewer role.</Notice> : null}
      {solutions.isPending ? <Spinner label="Loading solutions" /> : null}
      <ErrorMessage error={solutions.error} onRetry={() => void solutions.refetch()} />
      {solutions.data && rows.length === 0 ? <p className="empty">No {status} solutions.</p> : null}
      <ul className="review-list">
        {rows.map((s) => (
          <ReviewItem key={s.solution_id} solution={s} onDecided={setLastDecision} canDecide={canDecide} />
        ))}
      </ul>
      {solutions.hasNextPage ? (
        <button type="button" className="btn" onClick={() => void solutions.fetchNextPage()} disabled={solutions.isFetchingNextPage}>
          {solutions.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      ) : null}
    </main>
  );
}

function ReviewItem({ solution, onDecided, canDecide }: { solution: Solution; onDecided: (s: Solution) => void; canDecide: boolean }) {
  const [question, setQuestion] = useState(solution.question);
  const [answer, setAnswer] = useState(solution.solution);
  const [intent, setIntent] = useState(solution.intent);
  const [reason, setReason] = useState('');
  const [reasonMissing, setReasonMissing] = useState(false);
  const { approve, reject } = useReviewDecision();
  const pending = solution.status === 'pending' && canDecide;
  const id = solution.solution_id;
  const busy = approve.isPending || reject.isPending;
  const decided = approve.data ?? reject.data;

  return (
    <li className="review-item" data-testid="review-item" data-solution-id={id} data-session-id={solution.session_id}>
      <div className="review-meta">
        <strong>{id}</strong>
        <span className="muted">
          session{' '}
          <a
            href={sessionPath(solution.session_id)}
            data-testid="review-open-session"
            title="Open the conversation this solution came from"
            onClick={(e) => {
              if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
              e.preventDefault();
              navigate(sessionPath(solution.session_id));
            }}
          >
            {solution.session_id}
          </a>
          {solution.agent_id ? ` · by ${solution.agent_id}` : ''}
          {solution.created_at ? ` · ${formatDateTime(solution.created_at)}` : ''}
        </span>
        <span className={`status status-${solution.status}`}>{solution.status}</span>
      </div>
      <label htmlFor={`q-${id}`}>Question</label>
      <textarea id={`q-${id}`} data-testid="review-question" rows={3} value={question} readOnly={!pending} onChange={(e) => setQuestion(e.target.value)} />
      <label htmlFor={`a-${id}`}>Solution</label>
      <textarea id={`a-${id}`} data-testid="review-solution" rows={3} value={answer} readOnly={!pending} onChange={(e) => setAnswer(e.target.value)} />
      <label htmlFor={`i-${id}`}>Intent</label>
      <input id={`i-${id}`} data-testid="review-intent" value={intent} readOnly={!pending} onChange={(e) => setIntent(e.target.value)} />
      {solution.status === 'pending' ? <PersonalDataWarning texts={[question, answer]} testId="review-personal-data" /> : null}
      {solution.reject_reason ? <p className="small">Rejected: {solution.reject_reason}</p> : null}
      {solution.faq_id ? <p className="small">Live as FAQ {solution.faq_id}</p> : null}
      {pending && !decided ? (
        <div className="review-actions">
          <label htmlFor={`r-${id}`} className="sr-only">
            Reason for rejecting
          </label>
          <input
            id={`r-${id}`}
            data-testid="reject-reason"
            value={reason}
            aria-invalid={reasonMissing || undefined}
            placeholder="Reason (needed to reject)"
            onChange={(e) => {
              setReason(e.target.value);
              setReasonMissing(false);
            }}
          />
          <button
            type="button"
            className="btn"
            data-testid="reject"
            disabled={busy}
            onClick={() => {
              if (!reason.trim()) {
                setReasonMissing(true);
                return;
              }
              reject.mutate({ id, reason: reason.trim() }, { onSuccess: onDecided });
            }}
          >
            Reject
          </button>
          <button
            type="button"
            className="btn btn-primary"
            data-testid="approve"
            disabled={busy || !question.trim() || !answer.trim()}
            onClick={() => {
              const edits: { question?: string; solution?: string; intent?: string } = {};
              if (question.trim() !== solution.question) edits.question = question.trim();
              if (answer.trim() !== solution.solution) edits.solution = answer.trim();
              if (intent.trim() !== solution.intent) edits.intent = intent.trim();
              approve.mutate({ id, edits }, { onSuccess: onDecided });
            }}
          >
            Approve
          </button>
        </div>
      ) : null}
      {reasonMissing ? (
        <p className="field-error" role="alert">
          Give a reason to reject.
        </p>
      ) : null}
      <ErrorMessage error={approve.error ?? reject.error} />
    </li>
  );
}
