/**
 * Test clients for the gateway: they call it as HTTP clients do (through the
 * worker's fetch) and make customers, admins and operators with the real
 * register/login flow.
 */
import { env, exports } from 'cloudflare:workers';

export const gateway = exports.default;
export const BASE = 'http://meridian.test';

export interface TokenPair {
  customerId: string;
  region: string;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

let counter = 0;
/** A fresh email per call, so tests never share accounts or login windows. */
export function uniqueEmail(tag = 'user'): string {
  counter += 1;
  return `${tag}.${Date.now().toString(36)}.${counter}.${crypto.randomUUID().slice(0, 8)}@example.test`;
}

/** A random client IP, so tests never share per-IP windows. */
export function randomIp(): string {
  const b = crypto.getRandomValues(new Uint8Array(4));
  return `10.${b[0]}.${b[1]}.${b[2]}`;
}

export interface CallOptions {
  token?: string;
  apiKey?: string;
  body?: unknown;
  headers?: Record<string, string>;
  ip?: string;
}

export function call(method: string, path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = {
    'cf-connecting-ip': options.ip ?? randomIp(),
    ...options.headers,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  return gateway.fetch(`${BASE}${path}`, { method, headers, body });
}

export const PASSWORD = 'correct horse battery staple';

export async function register(
  input: { email?: string; password?: string; region?: string; name?: string } = {},
): Promise<TokenPair & { email: string }> {
  const email = input.email ?? uniqueEmail();
  const res = await call('POST', '/v1/auth/register', {
    body: { password: PASSWORD, ...input, email },
  });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
  return { ...((await res.json()) as TokenPair), email };
}

export async function login(email: string, password = PASSWORD): Promise<Response> {
  return call('POST', '/v1/auth/login', { body: { email, password } });
}

export const operatorKey = (): string => env.ADMIN_API_KEY;

/** An admin customer (JWT with the admin role), made through the operator route. */
export async function admin(): Promise<TokenPair & { email: string }> {
  const email = uniqueEmail('admin');
  const ensured = await call('PUT', '/v1/admin/admins', {
    apiKey: operatorKey(),
    body: { email, password: PASSWORD },
  });
  if (ensured.status !== 200) throw new Error(`ensureAdmin: ${ensured.status}`);
  const res = await login(email);
  if (res.status !== 200) throw new Error(`admin login: ${res.status}`);
  return { ...((await res.json()) as TokenPair), email };
}

/** A fresh Idempotency-Key. */
export const newKey = (): string => `key-${crypto.randomUUID()}`;

/** Sends an (idem) POST with a fresh key unless `key` is given. */
export function postIdempotent(
  path: string,
  token: string,
  body: unknown,
  key: string = newKey(),
): Promise<Response> {
  return call('POST', path, { token, body, headers: { 'idempotency-key': key } });
}

/** Opens (or reads) the caller's account and deposits `amount`; fails the test otherwise. */
export async function deposit(token: string, amount: number): Promise<void> {
  const res = await postIdempotent('/v1/accounts/me/deposits', token, { amount });
  if (res.status !== 201) throw new Error(`deposit: ${res.status} ${await res.text()}`);
}

export interface AccountBody {
  accountId: string;
  balance: { amount: number; currency: string };
  inTransit: { amount: number; currency: string };
  version: number;
}

/** The caller's account as GET /v1/accounts/me answers it (linearizable); opens it on first read. */
export async function readAccount(token: string): Promise<AccountBody> {
  const res = await call('GET', '/v1/accounts/me', { token });
  if (res.status !== 200) throw new Error(`read account: ${res.status} ${await res.text()}`);
  return (await res.json()) as AccountBody;
}

/** The JSON body of a successful response; any other status throws with its body. */
export async function okJson<T>(res: Response): Promise<T> {
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text}`);
  return JSON.parse(text) as T;
}
