import { useState } from 'react';
import { Dialog } from '@/components/ui/Dialog';
import { ErrorMessage } from '@/components/ui/ErrorMessage';

export const MAX_NOTE_CHARS = 1000;

/** Back to the queue, in its original place; the reason goes on the card and in the trail. */
export function ReleaseDialog({ onClose, onRelease, pending, error }: { onClose: () => void; onRelease: (reason: string) => void; pending: boolean; error: unknown }) {
  const [reason, setReason] = useState('');
  return (
    <Dialog title="Release to the queue" onClose={onClose} labelledBy="release-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onRelease(reason);
        }}
      >
        <p className="muted small">The session goes back to the queue in its original place, for any agent to take.</p>
        <label htmlFor="release-reason">Reason (optional)</label>
        <textarea id="release-reason" data-testid="release-reason" rows={3} maxLength={MAX_NOTE_CHARS} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. Needs the billing team" />
        <ErrorMessage error={error} title="Not released" />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="release-submit" disabled={pending}>
            {pending ? 'Releasing…' : 'Release'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export type TransferCandidate = { agent_id: string; name?: string };
const OTHER = '__other__';

/**
 * Hand the session to another agent: picked from the agents the workbench knows of, or typed
 * when it knows none (or the one wanted is not listed).
 */
export function TransferDialog({
  onClose,
  onTransfer,
  pending,
  error,
  candidates,
  loadingCandidates = false,
}: {
  onClose: () => void;
  onTransfer: (v: { toAgentId: string; note: string }) => void;
  pending: boolean;
  error: unknown;
  candidates: TransferCandidate[];
  loadingCandidates?: boolean;
}) {
  const [choice, setChoice] = useState(candidates[0]?.agent_id ?? OTHER);
  const [typed, setTyped] = useState('');
  const [note, setNote] = useState('');
  const picking = candidates.length > 0;
  const target = picking && choice !== OTHER ? choice : typed.trim();
  return (
    <Dialog title="Transfer to another agent" onClose={onClose} labelledBy="transfer-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (target) onTransfer({ toAgentId: target, note });
        }}
      >
        {picking ? (
          <>
            <label htmlFor="transfer-target">Agent</label>
            <select id="transfer-target" data-testid="transfer-target" value={choice} onChange={(e) => setChoice(e.target.value)}>
              {candidates.map((c) => (
                <option key={c.agent_id} value={c.agent_id}>
                  {c.name ? `${c.name} (${c.agent_id})` : c.agent_id}
                </option>
              ))}
              <option value={OTHER}>Another agent id…</option>
            </select>
          </>
        ) : loadingCandidates ? (
          <p className="muted small">Loading the agents…</p>
        ) : null}
        {!picking || choice === OTHER ? (
          <>
            <label htmlFor="transfer-agent-id">Agent id</label>
            <input id="transfer-agent-id" data-testid="transfer-agent-id" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="e.g. agent-002" autoComplete="off" required />
          </>
        ) : null}
        <label htmlFor="transfer-note">Note for them (optional)</label>
        <textarea id="transfer-note" data-testid="transfer-note" rows={3} maxLength={MAX_NOTE_CHARS} value={note} onChange={(e) => setNote(e.target.value)} placeholder="What they should know" />
        <ErrorMessage error={error} title="Not transferred" />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="transfer-submit" disabled={pending || !target}>
            {pending ? 'Transferring…' : 'Transfer'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
