import { QueryClientProvider, type QueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { RuntimeConfig } from '@/lib/api-types';
import { configureApiClient } from '@/lib/api-client';
import { completeLogin, refreshIfExpiring, refreshTokens } from '@/lib/auth/cognito';
import { tokenStore } from '@/lib/auth/token-store';
import { navigate } from '@/lib/router';
import { loadRuntimeConfig } from '@/config/runtime';
import { ErrorMessage } from '@/components/ui/ErrorMessage';
import { Spinner } from '@/components/ui/Spinner';
import { SignInPage } from '@/features/auth/components/SignInPage';
import { createQueryClient } from './query-client';
import { Shell } from './Shell';

type Boot = { status: 'loading' } | { status: 'error'; error: unknown } | { status: 'ready'; config: RuntimeConfig };

/** Wires the one API client to the sign-in mode of /config.json. */
export function configureClient(config: RuntimeConfig, queryClient: QueryClient, onSignedOut: (notice: string) => void): void {
  configureApiClient({
    baseUrl: config.api_base ?? '',
    beforeRequest: config.auth === 'cognito' ? () => refreshIfExpiring(config) : async () => {},
    refresh: config.auth === 'cognito' ? () => refreshTokens(config) : async () => false,
    onUnauthorized: () => {
      queryClient.clear();
      onSignedOut('Your sign-in has expired. Please sign in again.');
    },
  });
}

export function App({ queryClient: given }: { queryClient?: QueryClient }) {
  const queryClient = useMemo(() => given ?? createQueryClient(), [given]);
  const [boot, setBoot] = useState<Boot>({ status: 'loading' });
  const [notice, setNotice] = useState<string | null>(null);
  const tokens = useSyncExternalStore(tokenStore.subscribe, tokenStore.get);

  const start = async () => {
    setBoot({ status: 'loading' });
    try {
      const config = await loadRuntimeConfig();
      configureClient(config, queryClient, (text) => {
        setNotice(text);
        navigate('/sign-in', { replace: true });
      });
      if (config.auth === 'cognito') {
        const next = await completeLogin(config, new URL(window.location.href));
        if (next) window.history.replaceState(null, '', next);
      }
      setBoot({ status: 'ready', config });
    } catch (error) {
      setBoot({ status: 'error', error });
    }
  };
  useEffect(() => {
    void start();
    // Runs once, at start.
  }, []);

  // Signed out on a deep link (or by a 401): remember where the agent was, come back after sign-in.
  const [returnTo, setReturnTo] = useState('/');
  useEffect(() => {
    if (!tokens && boot.status === 'ready' && window.location.pathname !== '/sign-in') {
      setReturnTo(window.location.pathname === '/' ? '/' : window.location.pathname);
      navigate('/sign-in', { replace: true });
    }
  }, [tokens, boot.status]);

  let content;
  if (boot.status === 'loading') {
    content = (
      <main className="splash">
        <Spinner label="Starting the workbench" />
      </main>
    );
  } else if (boot.status === 'error') {
    content = (
      <main className="splash">
        <ErrorMessage error={boot.error} title="The workbench could not start" onRetry={() => void start()} />
      </main>
    );
  } else if (!tokens) {
    content = (
      <SignInPage
        config={boot.config}
        notice={notice}
        onSignedIn={() => {
          setNotice(null);
          navigate(returnTo, { replace: true });
        }}
      />
    );
  } else {
    content = <Shell config={boot.config} />;
  }
  return <QueryClientProvider client={queryClient}>{content}</QueryClientProvider>;
}
