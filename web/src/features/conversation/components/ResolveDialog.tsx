import { useState } from 'react';
import { Dialog } from '@/components/ui/Dialog';
import { ErrorMessage } from '@/components/ui/ErrorMessage';

export function ResolveDialog({ onClose, onResolve, pending, error }: { onClose: () => void; onResolve: (note: string) => void; pending: boolean; error: unknown }) {
  const [note, setNote] = useState('');
  return (
    <Dialog title="Mark resolved" onClose={onClose} labelledBy="resolve-title">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          onResolve(note.trim());
        }}
      >
        <label htmlFor="resolve-note">Resolution note</label>
        <textarea id="resolve-note" data-testid="resolve-note" rows={4} value={note} onChange={(e) => setNote(e.target.value)} placeholder="What was done for the customer" />
        <ErrorMessage error={error} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="btn btn-primary" data-testid="resolve-submit" disabled={pending}>
            {pending ? 'Resolving…' : 'Mark resolved'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
