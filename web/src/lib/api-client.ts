// The one HTTP client: base URL, the bearer token, JSON in and out, and one error type.
// A 401 signs the agent out (after one refresh attempt where refresh is possible).
import type { ApiErrorBody } from './api-types';
import { accessToken, setTokens } from './auth/token-store';
import { markApiReachable } from './connectivity';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: ApiErrorBody | null;

  constructor(status: number, code: string, message: string, body: ApiErrorBody | null = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}

type ClientOptions = {
  baseUrl: string;
  /** Called before each request: may refresh a token about to expire. */
  beforeRequest: () => Promise<void>;
  /** Called on a 401: returns true when a fresh token was obtained and the request may be retried. */
  refresh: () => Promise<boolean>;
  onUnauthorized: () => void;
};

const options: ClientOptions = {
  baseUrl: '',
  beforeRequest: async () => {},
  refresh: async () => false,
  onUnauthorized: () => {},
};

export function configureApiClient(next: Partial<ClientOptions>): void {
  Object.assign(options, next);
}

export function apiUrl(path: string): string {
  const base = options.baseUrl || window.location.origin;
  return base.replace(/\/$/, '') + path;
}

async function parseBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

async function send(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  await options.beforeRequest();
  const headers: Record<string, string> = { Accept: 'application/json' };
  const token = accessToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  try {
    const response = await fetch(apiUrl(path), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    markApiReachable(true);
    return response;
  } catch (err) {
    if ((err as Error)?.name === 'AbortError') throw err;
    markApiReachable(false);
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection; the workbench retries on its own.');
  }
}

export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let response = await send(method, path, body, signal);
  if (response.status === 401 && (await options.refresh())) {
    response = await send(method, path, body, signal);
  }
  const parsed = await parseBody(response);
  if (response.ok) return parsed as T;

  const errorBody =
    parsed && typeof parsed === 'object' && typeof (parsed as ApiErrorBody).error === 'string'
      ? (parsed as ApiErrorBody)
      : null;
  const code = errorBody?.error ?? `http_${response.status}`;
  const message =
    errorBody?.message ?? (typeof parsed === 'string' && parsed ? parsed : `Request failed (${response.status})`);
  if (response.status === 401) {
    setTokens(null);
    options.onUnauthorized();
  }
  throw new ApiError(response.status, code, message, errorBody);
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal),
  post: <T>(path: string, body: unknown = {}, signal?: AbortSignal) => request<T>('POST', path, body, signal),
  put: <T>(path: string, body: unknown, signal?: AbortSignal) => request<T>('PUT', path, body, signal),
};

/** A 409 `at_capacity`: who is full and how full, from the error body. */
export function capacityOf(err: unknown): { agentId: string | null; active: number | null; max: number | null } | null {
  if (!isApiError(err) || err.code !== 'at_capacity') return null;
  const b = err.body;
  return {
    agentId: typeof b?.agent_id === 'string' ? b.agent_id : null,
    active: typeof b?.active_sessions === 'number' ? b.active_sessions : null,
    max: typeof b?.max_sessions === 'number' ? b.max_sessions : null,
  };
}

/** What to tell the agent about a failed call. */
export function describeError(err: unknown): string {
  if (isApiError(err)) {
    if (err.status === 403 && err.code === 'not_assignee') {
      const who = (err.body?.assigned_agent_id ?? err.body?.assignee) as string | undefined;
      return who ? `This session is assigned to ${who}; only they can act on it.` : err.message;
    }
    const full = capacityOf(err);
    if (full) {
      const load = full.active !== null && full.max !== null ? ` (${full.active} of ${full.max} sessions)` : '';
      return `${full.agentId ?? 'The agent'} is at capacity${load}: a session has to be resolved or released first, or a supervisor can raise the limit.`;
    }
    if (err.status === 403 && err.code === 'own_solution') {
      return 'You wrote this solution, so another reviewer has to review it.';
    }
    return err.message;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
