/**
 * The identity use cases: register, log in, refresh, log out, ensure an admin.
 * Each takes already-validated input and answers expected failures as values
 * (`Result`), which the gateway turns into problem responses.
 */
import type {
  EnsureAdminInput,
  EnsuredAdmin,
  LoginInput,
  RegisterInput,
  Role,
  TokenPair,
} from '@common/contracts/identity';
import { fail, ok, type Result } from '@common/problem';
import type { IdentityConfig } from './config';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password';
import { type Issued, revokeFamily, rotate, startFamily } from './sessions';
import { type SigningKeys, signAccessToken } from './tokens';
import { type IdentityDb, insertUser, type User, updateUser, userByEmail, userById } from './users';

export interface Deps {
  db: IdentityDb;
  config: IdentityConfig;
  keys: () => Promise<SigningKeys>;
  now: () => number;
}

async function tokenPair(deps: Deps, user: User, issued: Issued): Promise<TokenPair> {
  const accessToken = await signAccessToken(
    await deps.keys(),
    deps.config,
    { sub: user.id, roles: user.roles, region: user.region, sid: issued.familyId },
    deps.now(),
  );
  return {
    customerId: user.id,
    region: user.region,
    accessToken,
    refreshToken: issued.token,
    expiresIn: deps.config.accessTtlS,
    tokenType: 'Bearer',
  };
}

export async function register(deps: Deps, input: RegisterInput): Promise<Result<TokenPair>> {
  const passwordHash = await hashPassword(input.password, deps.config.pbkdf2Iterations);
  const user = await insertUser(
    deps.db,
    { ...input, roles: ['customer'], passwordHash },
    deps.now(),
  );
  if (user === 'email_taken') return fail(409, 'email_taken', 'an account with this email exists');
  const issued = await startFamily(deps.db, user.id, deps.now(), deps.config.refreshTtlS);
  return ok(await tokenPair(deps, user, issued));
}

export async function login(deps: Deps, input: LoginInput): Promise<Result<TokenPair>> {
  const iterations = deps.config.pbkdf2Iterations;
  const user = await userByEmail(deps.db, input.email);
  // Unknown emails cost one hash too, so timing does not reveal which exist.
  const stored = user?.passwordHash ?? (await dummyHash(iterations));
  const matches = await verifyPassword(input.password, stored);
  if (!user || !matches) return fail(401, 'invalid_credentials', 'the email or password is wrong');
  if (needsRehash(user.passwordHash, iterations)) {
    await updateUser(deps.db, user.id, {
      passwordHash: await hashPassword(input.password, iterations),
    });
  }
  const issued = await startFamily(deps.db, user.id, deps.now(), deps.config.refreshTtlS);
  return ok(await tokenPair(deps, user, issued));
}

const REFRESH_FAILURES = {
  unknown: 'the refresh token is not valid',
  expired: 'the refresh token has expired',
  revoked: 'the refresh token was revoked; log in again',
  reused: 'the refresh token was already used; its session is revoked, log in again',
} as const;

export async function refresh(deps: Deps, token: string): Promise<Result<TokenPair>> {
  const rotation = await rotate(deps.db, token, deps.now(), deps.config.refreshTtlS);
  if (!rotation.ok) {
    return fail(401, `refresh_token_${rotation.reason}`, REFRESH_FAILURES[rotation.reason]);
  }
  const user = await userById(deps.db, rotation.userId);
  if (!user) return fail(401, 'refresh_token_unknown', REFRESH_FAILURES.unknown);
  return ok(await tokenPair(deps, user, rotation.issued));
}

export async function logout(deps: Deps, customerId: string, sessionId: string): Promise<void> {
  await revokeFamily(deps.db, sessionId, customerId, deps.now());
}

/**
 * Makes sure `email` is an admin who logs in with `password`: creates the
 * account, or adds the role and resets the password when they differ.
 * Running it again with the same input changes nothing.
 */
export async function ensureAdmin(
  deps: Deps,
  input: EnsureAdminInput,
): Promise<Result<EnsuredAdmin>> {
  const iterations = deps.config.pbkdf2Iterations;
  const existing = await userByEmail(deps.db, input.email);
  if (!existing) {
    const passwordHash = await hashPassword(input.password, iterations);
    const roles: Role[] = ['customer', 'admin'];
    const created = await insertUser(
      deps.db,
      { email: input.email, region: input.region ?? 'us', roles, passwordHash },
      deps.now(),
    );
    // Lost a race with a concurrent ensureAdmin/register: update that account instead.
    if (created === 'email_taken') return ensureAdmin(deps, input);
    return ok({ customerId: created.id, created: true });
  }
  const roles: Role[] | undefined = existing.roles.includes('admin')
    ? undefined
    : [...existing.roles, 'admin'];
  const passwordHash = (await verifyPassword(input.password, existing.passwordHash))
    ? undefined
    : await hashPassword(input.password, iterations);
  await updateUser(deps.db, existing.id, {
    ...(roles ? { roles } : {}),
    ...(passwordHash ? { passwordHash } : {}),
  });
  return ok({ customerId: existing.id, created: false });
}
