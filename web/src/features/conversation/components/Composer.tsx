import { forwardRef } from 'react';
import { MAX_MESSAGE_CHARS } from '../api/session-actions';

export type ComposerProps = {
  value: string;
  onChange: (value: string) => void;
  onSend: () => void;
  disabled: boolean;
  disabledReason?: string;
  sending: boolean;
};

/** Enter sends, Shift+Enter starts a new line; the counter turns red past 4,000 characters. */
export const Composer = forwardRef<HTMLTextAreaElement, ComposerProps>(function Composer(
  { value, onChange, onSend, disabled, disabledReason, sending },
  ref,
) {
  const length = value.length;
  const over = length > MAX_MESSAGE_CHARS;
  const canSend = !disabled && !sending && value.trim().length > 0 && !over;
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        if (canSend) onSend();
      }}
    >
      <label htmlFor="composer" className="sr-only">
        Reply to the customer
      </label>
      <textarea
        id="composer"
        ref={ref}
        data-testid="composer"
        value={value}
        disabled={disabled}
        placeholder={disabled ? disabledReason : 'Write to the customer. Enter sends, Shift+Enter for a new line.'}
        aria-describedby="composer-count"
        rows={3}
        onChange={(e) => onChange(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.currentTarget.blur();
            return;
          }
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            if (canSend) onSend();
          }
        }}
      />
      <div className="composer-foot">
        <span id="composer-count" className={`counter${over ? ' counter-over' : ''}`} data-testid="composer-count">
          {length.toLocaleString('en-US')} / {MAX_MESSAGE_CHARS.toLocaleString('en-US')}
        </span>
        {disabled && disabledReason ? <span className="muted">{disabledReason}</span> : null}
        <button type="submit" className="btn btn-primary" data-testid="send" disabled={!canSend}>
          {sending ? 'Sending…' : 'Send'}
        </button>
      </div>
    </form>
  );
});
