import { useEffect, useState } from 'react';
import type { BusinessAssistResponse } from '@/lib/api-types';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { formatTime, humanize } from '@/lib/format';
import { confirmationToken, useBusinessAssist } from '../api/business-assist';
import { addressChangedReply, addressChangedReplyWithoutValue, agreesWithMasked, enteredAddress } from '../entered';
import { ChangesView, DataView } from './DataView';

const ADDRESS_FIELD = 'shipping_address_masked';

/** The new address as the agent typed it, when the server understood the same one. */
function typedAddress(asked: string, data: Record<string, unknown> | null): string | null {
  if (data?.action !== 'change_address') return null;
  const typed = enteredAddress(asked);
  const changes = data.changes as Record<string, { to?: unknown }> | undefined;
  return typed && agreesWithMasked(typed, changes?.[ADDRESS_FIELD]?.to) ? typed : null;
}

/**
 * Natural-language questions to the order system, for the session's customer. A write first
 * shows what will change; Confirm sends the same question again with the token.
 */
export function BusinessAssistPanel({ sessionId, enabled, disabledReason, onInsert }: { sessionId: string; enabled: boolean; disabledReason?: string; onInsert: (text: string) => void }) {
  const [query, setQuery] = useState('');
  const [asked, setAsked] = useState('');
  const [answer, setAnswer] = useState<BusinessAssistResponse | null>(null);
  const assist = useBusinessAssist(sessionId);

  useEffect(() => {
    setQuery('');
    setAsked('');
    setAnswer(null);
    assist.reset();
  }, [sessionId]); // a new session starts a clean panel

  const run = (q: string, token?: string) => {
    setAsked(q);
    assist.mutate(token ? { query: q, confirmation_token: token } : { query: q }, { onSuccess: setAnswer });
  };

  const result = answer?.result;
  const masked = new Set(answer?.masked_fields ?? []);
  const token = answer ? confirmationToken(answer) : null;
  const data = (result?.data ?? null) as Record<string, unknown> | null;
  const typed = typedAddress(asked, data);
  // The reply offered for the customer: after an address change, the address they gave, not "****".
  const executedAddressChange = !!result && !result.error && !result.need_confirmation && data?.action === 'change_address' && !!data.result;
  const customerReply = executedAddressChange
    ? typed
      ? addressChangedReply(String(data!.order_id ?? ''), typed, asked)
      : addressChangedReplyWithoutValue(String(data!.order_id ?? ''), asked)
    : (result?.reply ?? '');

  return (
    <section className="side-panel" aria-labelledby="business-title">
      <h2 id="business-title">Business assist</h2>
      <form
        className="search-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (query.trim()) run(query.trim());
        }}
      >
        <label htmlFor="business-query" className="sr-only">
          Ask the order system
        </label>
        <input
          id="business-query"
          data-testid="business-query"
          value={query}
          disabled={!enabled}
          onChange={(e) => setQuery(e.target.value)}
          placeholder={enabled ? 'e.g. Where is order ORD-001?' : 'Not available'}
          maxLength={1000}
        />
        <button type="submit" className="btn btn-small" data-testid="business-ask" disabled={!enabled || !query.trim() || assist.isPending}>
          Ask
        </button>
      </form>
      {!enabled && disabledReason ? <p className="muted small">{disabledReason}</p> : null}
      {assist.isPending ? <Spinner label="Asking the order system" /> : null}
      <ErrorMessage error={assist.error} />
      {result ? (
        <div className={`business-result${result.error ? ' is-error' : ''}`} data-testid="business-result" data-scene={result.scene} data-error={result.error ?? undefined}>
          {result.error ? (
            <div className="notice notice-warning" role="alert" data-testid="business-error">
              <strong>{humanize(result.error)}:</strong> {result.reply}
            </div>
          ) : (
            <p className="business-reply" data-testid="business-reply">
              {result.reply}
            </p>
          )}
          {result.need_confirmation && token ? (
            <div className="confirm-box" data-testid="business-confirmation">
              <h3>What will change</h3>
              <p className="small">
                {humanize(String(data?.action ?? result.scene))}
                {data?.order_id ? ` · order ${String(data.order_id)}` : ''}
                {typeof data?.expires_at === 'string' ? ` · confirm before ${formatTime(data.expires_at)}` : ''}
              </p>
              <ChangesView changes={data?.changes} masked={masked} entered={typed ? { [ADDRESS_FIELD]: typed } : {}} />
              <div className="form-actions">
                <button type="button" className="btn" onClick={() => setAnswer(null)}>
                  Cancel
                </button>
                <button type="button" className="btn btn-danger" data-testid="business-confirm" disabled={assist.isPending} onClick={() => run(asked, token)}>
                  Confirm
                </button>
              </div>
            </div>
          ) : (
            <>
              {data ? (
                <details className="business-data" open>
                  <summary>Details</summary>
                  <DataView data={data} masked={masked} />
                </details>
              ) : null}
              {!result.error && executedAddressChange ? (
                <p className="small" data-testid="business-customer-reply">
                  <strong>Reply for the customer:</strong> {customerReply}
                </p>
              ) : null}
              {!result.error ? (
                <button type="button" className="btn btn-small" data-testid="business-insert" onClick={() => onInsert(customerReply)}>
                  Insert reply
                </button>
              ) : null}
            </>
          )}
        </div>
      ) : null}
    </section>
  );
}
