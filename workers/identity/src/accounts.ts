/**
 * The identity use cases: register, log in, refresh, log out, ensure an admin.
 * Each takes already-validated input and answers expected failures as values
 * (`Result`), which the gateway turns into problem responses.
 *
 * A customer's identity (email, name, password hash, roles, refresh tokens)
 * is kept in their home region's database; the global directory knows only
 * a keyed hash of each email → region (directory.ts).
 */
import type {
  EnsureAdminInput,
  EnsuredAdmin,
  LoginInput,
  RegisterInput,
  TokenPair,
} from '@common/contracts/identity';
import { fail, ok, type Result } from '@common/problem';
import type { Region } from '@common/regions';
import type { IdentityConfig } from './config';
import {
  type Claim,
  claim,
  claimOf,
  findIdentity,
  type IdentityStores,
  release,
} from './directory';
import { dummyHash, hashPassword, needsRehash, verifyPassword } from './password';
import { holdsToken, type Issued, revokeFamily, rotate, startFamily } from './sessions';
import { type SigningKeys, signAccessToken } from './tokens';
import { insertUser, type NewUser, type User, updateUser, userByEmail, userById } from './users';

export interface Deps {
  stores: IdentityStores;
  config: IdentityConfig;
  keys: () => Promise<SigningKeys>;
  now: () => number;
}

/**
 * A claim older than this without its user is an abandoned registration
 * (the worker died between claim and insert); a new registration may take it.
 */
export const ABANDONED_CLAIM_MS = 60_000;

const unavailable = (regions: readonly Region[]) =>
  fail(503, 'identity_unavailable', `identity in ${regions.join(', ')} did not answer; try again`);

/** The user with `email`, from the region the directory names. */
async function userWithEmail(deps: Deps, email: string): Promise<User | undefined> {
  const found = await claimOf(deps.stores.directory, await deps.stores.emailKey(email));
  return found ? userByEmail(deps.stores.regional(found.region), email) : undefined;
}

/** Takes over an abandoned claim of `key` for `region`; false when the email is really taken. */
async function reclaim(deps: Deps, key: string, email: string, made: Claim): Promise<boolean> {
  const { directory, regional } = deps.stores;
  const existing = await claimOf(directory, key);
  if (existing) {
    if (made.createdAt - existing.createdAt < ABANDONED_CLAIM_MS) return false;
    if (await userByEmail(regional(existing.region), email)) return false;
    await release(directory, key, existing);
  }
  return claim(directory, key, made.region, made.createdAt);
}

/**
 * Creates a user in their region: the email is claimed in the directory
 * first (that is what makes it unique across regions), then the user is
 * inserted in the region's database; a failed insert releases the claim.
 */
async function createUser(deps: Deps, input: NewUser): Promise<User | 'email_taken'> {
  const key = await deps.stores.emailKey(input.email);
  const made: Claim = { region: input.region, createdAt: deps.now() };
  const claimed =
    (await claim(deps.stores.directory, key, made.region, made.createdAt)) ||
    (await reclaim(deps, key, input.email, made));
  if (!claimed) return 'email_taken';
  try {
    // 'email_taken' here means the region already has this user: the claim now names it.
    return await insertUser(deps.stores.regional(input.region), input, made.createdAt);
  } catch (error) {
    await release(deps.stores.directory, key, made).catch(() => undefined);
    throw error;
  }
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
  const passwordHash = await hashPassword(input.password, deps.config.argon2);
  const user = await createUser(deps, { ...input, roles: ['customer'], passwordHash });
  if (user === 'email_taken') return fail(409, 'email_taken', 'an account with this email exists');
  const db = deps.stores.regional(user.region);
  const issued = await startFamily(db, user.id, deps.now(), deps.config.refreshTtlS);
  return ok(await tokenPair(deps, user, issued));
}

export async function login(deps: Deps, input: LoginInput): Promise<Result<TokenPair>> {
  const params = deps.config.argon2;
  const user = await userWithEmail(deps, input.email);
  // Unknown emails cost one hash too, so timing does not reveal which exist.
  const stored = user?.passwordHash ?? (await dummyHash(params));
  const matches = await verifyPassword(input.password, stored);
  if (!user || !matches) return fail(401, 'invalid_credentials', 'the email or password is wrong');
  const db = deps.stores.regional(user.region);
  // A legacy (PBKDF2) or weaker hash is replaced now that the password is known.
  if (needsRehash(user.passwordHash, params)) {
    await updateUser(db, user.id, { passwordHash: await hashPassword(input.password, params) });
  }
  const issued = await startFamily(db, user.id, deps.now(), deps.config.refreshTtlS);
  return ok(await tokenPair(deps, user, issued));
}

const REFRESH_FAILURES = {
  unknown: 'the refresh token is not valid',
  expired: 'the refresh token has expired',
  revoked: 'the refresh token was revoked; log in again',
  reused: 'the refresh token was already used; its session is revoked, log in again',
} as const;

export async function refresh(deps: Deps, token: string): Promise<Result<TokenPair>> {
  // The token does not say its region: the one whose database holds it answers.
  const found = await findIdentity(deps.stores, (db) => holdsToken(db, token));
  if (found.region === null) {
    if (found.unreachable.length) return unavailable(found.unreachable);
    return fail(401, 'refresh_token_unknown', REFRESH_FAILURES.unknown);
  }
  const db = deps.stores.regional(found.region);
  const rotation = await rotate(db, token, deps.now(), deps.config.refreshTtlS);
  if (!rotation.ok) {
    return fail(401, `refresh_token_${rotation.reason}`, REFRESH_FAILURES[rotation.reason]);
  }
  const user = await userById(db, rotation.userId);
  if (!user) return fail(401, 'refresh_token_unknown', REFRESH_FAILURES.unknown);
  return ok(await tokenPair(deps, user, rotation.issued));
}

/** The customer `id`, from whichever region holds them. */
export async function findUser(deps: Deps, id: string): Promise<Result<User | undefined>> {
  const found = await findIdentity(deps.stores, (db) => userById(db, id));
  if (found.region !== null) return ok(found.value);
  return found.unreachable.length ? unavailable(found.unreachable) : ok(undefined);
}

export async function logout(
  deps: Deps,
  customerId: string,
  sessionId: string,
): Promise<Result<{ revoked: true }>> {
  const user = await findUser(deps, customerId);
  if (!user.ok) return user;
  if (user.value) {
    const db = deps.stores.regional(user.value.region);
    await revokeFamily(db, sessionId, customerId, deps.now());
  }
  return ok({ revoked: true });
}

/**
 * Makes sure `email` is an admin who logs in with `password`, without ever
 * taking over an account: a new email becomes an admin account; an admin
 * with that password is answered as is (running it again changes nothing);
 * any other existing account is a 409 and keeps its password and roles.
 */
export async function ensureAdmin(
  deps: Deps,
  input: EnsureAdminInput,
  attempt = 1,
): Promise<Result<EnsuredAdmin>> {
  const existing = await userWithEmail(deps, input.email);
  if (existing) return existingAdmin(existing, input.password);
  const passwordHash = await hashPassword(input.password, deps.config.argon2);
  const created = await createUser(deps, {
    email: input.email,
    region: input.region ?? 'us',
    roles: ['customer', 'admin'],
    passwordHash,
  });
  if (created !== 'email_taken') return ok({ customerId: created.id, created: true });
  // Lost a race with a concurrent ensureAdmin/register: judge that account
  // once it exists; a claim whose user never appears (its registration
  // died) is not waited for.
  if (attempt < 3) return ensureAdmin(deps, input, attempt + 1);
  return fail(503, 'email_registration_in_progress', 'this email is being registered; retry');
}

/** The answer for an email that already has an account: nothing about it changes. */
async function existingAdmin(user: User, password: string): Promise<Result<EnsuredAdmin>> {
  if (!user.roles.includes('admin')) {
    return fail(
      409,
      'email_belongs_to_customer',
      'this email belongs to a customer account; an admin needs an email of its own',
    );
  }
  if (!(await verifyPassword(password, user.passwordHash))) {
    return fail(
      409,
      'admin_exists_with_other_password',
      'an admin with this email exists with another password; it is not changed here',
    );
  }
  return ok({ customerId: user.id, created: false });
}
