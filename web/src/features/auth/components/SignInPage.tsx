import { useState } from 'react';
import type { DevAgent, RuntimeConfig } from '@/lib/api-types';
import { beginLogin } from '@/lib/auth/cognito';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { useDevAgents, useDevSignIn } from '../api/dev-sign-in';

export function SignInPage({ config, onSignedIn, notice }: { config: RuntimeConfig; onSignedIn: () => void; notice?: string | null }) {
  return (
    <main className="signin">
      <div className="signin-card">
        <h1>Agent workbench</h1>
        {notice ? (
          <p className="notice notice-warning" role="alert">
            {notice}
          </p>
        ) : null}
        {config.auth === 'local' ? <DevSignIn onSignedIn={onSignedIn} /> : <CognitoSignIn config={config} />}
      </div>
    </main>
  );
}

function CognitoSignIn({ config }: { config: Extract<RuntimeConfig, { auth: 'cognito' }> }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <p>Sign in with your company account.</p>
      <button
        type="button"
        className="btn btn-primary btn-wide"
        disabled={busy}
        onClick={async () => {
          setBusy(true);
          try {
            window.location.assign(await beginLogin(config, '/'));
          } catch (err) {
            setError(err);
            setBusy(false);
          }
        }}
      >
        Sign in
      </button>
      <ErrorMessage error={error} />
    </>
  );
}

function DevSignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const agents = useDevAgents();
  const signIn = useDevSignIn(onSignedIn);
  return (
    <>
      <p className="muted">Local development: choose a demo agent.</p>
      {agents.isPending ? <Spinner label="Loading demo agents" /> : null}
      <ErrorMessage error={agents.error} onRetry={() => void agents.refetch()} />
      <ul className="agent-list" aria-label="Demo agents">
        {agents.data?.agents.map((agent: DevAgent) => (
          <li key={agent.agent_id}>
            <button
              type="button"
              className="agent-button"
              data-testid={`sign-in-${agent.agent_id}`}
              disabled={signIn.isPending}
              onClick={() => signIn.mutate(agent)}
            >
              <span className="agent-name">{agent.name}</span>
              <span className="agent-meta">
                {agent.agent_id} · {agent.roles.join(', ')}
              </span>
            </button>
          </li>
        ))}
      </ul>
      <ErrorMessage error={signIn.error} title="Sign-in failed" />
    </>
  );
}
