/**
 * The signed-in admin's session and every call the console makes. Tokens
 * live in this module's memory only (never localStorage, never a cookie):
 * a script on another site cannot make the browser send them, so the API
 * needs no CSRF defence, and closing the tab ends the session. The access
 * token is refreshed before it expires with the refresh token (also in
 * memory; refresh tokens are single use and rotate), and once more when a
 * call answers 401.
 */

export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  errors?: Array<{ path: string; message: string }>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
  ) {
    super(describeProblem(status, problem));
  }

  /** The stable code at the end of the problem type (`dead_letter_already_replayed`). */
  get code(): string {
    return this.problem.type?.split('/').pop() ?? '';
  }
}

function describeProblem(status: number, p: Problem): string {
  const fields = p.errors?.map((e) => `${e.path || 'body'}: ${e.message}`).join('; ');
  return [p.detail ?? p.title ?? `HTTP ${status}`, fields].filter(Boolean).join(' — ');
}

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface Me {
  customerId: string;
  email: string;
  region: string;
  roles: string[];
}

/** Refresh when this share of the access token's lifetime has passed. */
const REFRESH_AT_SHARE = 0.8;
/** Every call gives up after this long (the server's own deadlines are shorter). */
const CALL_TIMEOUT_MS = 15_000;

export type CallOptions = {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  /** Answer with the text instead of parsed JSON (Prometheus). */
  text?: boolean;
  /** Error statuses whose body is the answer (readiness answers 503 with its report). */
  allow?: number[];
};

export class Session {
  #tokens: Tokens | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #refreshing: Promise<boolean> | undefined;
  me: Me | undefined;
  /** Called when the session ends on its own (refresh refused). */
  onExpired: () => void = () => {};

  get signedIn(): boolean {
    return this.#tokens !== undefined;
  }

  async signIn(email: string, password: string): Promise<Me> {
    const tokens = await request<Tokens>('POST', '/v1/auth/login', { body: { email, password } });
    this.#adopt(tokens);
    const me = await this.call<Me>('GET', '/v1/me');
    if (!me.roles.includes('admin')) {
      await this.signOut();
      throw new ApiError(403, {
        status: 403,
        detail: 'This account is not an admin: the console needs an admin account.',
      });
    }
    this.me = me;
    return me;
  }

  async signOut(): Promise<void> {
    const tokens = this.#tokens;
    this.#drop();
    if (tokens) {
      await request('POST', '/v1/auth/logout', {}, tokens.accessToken).catch(() => undefined);
    }
  }

  /** One API call as the signed-in admin; a 401 refreshes the token once and retries. */
  async call<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
    const tokens = this.#tokens;
    if (!tokens) throw new ApiError(401, { status: 401, detail: 'Not signed in.' });
    try {
      return await request<T>(method, path, options, tokens.accessToken);
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 401) throw error;
      if (!(await this.#refresh())) throw error;
      const fresh = this.#tokens;
      if (!fresh) throw error;
      return request<T>(method, path, options, fresh.accessToken);
    }
  }

  #adopt(tokens: Tokens): void {
    this.#tokens = tokens;
    clearTimeout(this.#refreshTimer);
    const delay_ms = Math.max(5_000, tokens.expiresIn * 1000 * REFRESH_AT_SHARE);
    this.#refreshTimer = setTimeout(() => void this.#refresh(), delay_ms);
  }

  #drop(): void {
    clearTimeout(this.#refreshTimer);
    this.#tokens = undefined;
    this.me = undefined;
  }

  /** One refresh at a time: concurrent 401s share it (a refresh token works once). */
  #refresh(): Promise<boolean> {
    this.#refreshing ??= (async () => {
      const tokens = this.#tokens;
      if (!tokens) return false;
      try {
        this.#adopt(
          await request<Tokens>('POST', '/v1/auth/refresh', {
            body: { refreshToken: tokens.refreshToken },
          }),
        );
        return true;
      } catch {
        this.#drop();
        this.onExpired();
        return false;
      }
    })().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }
}

function url(path: string, query: CallOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request<T>(
  method: string,
  path: string,
  { body, query, text, allow }: CallOptions = {},
  accessToken?: string,
): Promise<T> {
  const headers: Record<string, string> = { accept: text ? 'text/plain' : 'application/json' };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url(path, query), {
    method,
    headers,
    body: body === undefined ? null : JSON.stringify(body),
    credentials: 'omit',
    cache: 'no-store',
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
  if (!res.ok && !allow?.includes(res.status)) {
    const problem = (await res.json().catch(() => ({}))) as Problem;
    const retry = res.headers.get('retry-after');
    if (res.status === 429 && retry) problem.detail = `Rate limited: retry in ${retry} s.`;
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined as T;
  return (text ? await res.text() : await res.json()) as T;
}
