/**
 * Identity service: customers, credentials and roles (D1, in each customer's
 * home region, found through a global directory of keyed email hashes),
 * refresh-token families, and the signing of access tokens. The gateway
 * verifies those tokens itself with the public keys; nothing here is called
 * per request after login.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import {
  CustomerIdSchema,
  type CustomerRegion,
  type EnsureAdminInput,
  EnsureAdminInputSchema,
  type EnsuredAdmin,
  type LoginInput,
  LoginInputSchema,
  type LogoutInput,
  LogoutInputSchema,
  type Me,
  type PublicJwks,
  type RefreshInput,
  RefreshInputSchema,
  type RegisterInput,
  RegisterInputSchema,
  type TokenPair,
} from '@common/contracts/identity';
import { createLogger, errorMessage } from '@common/log';
import { fail, ok, type Result } from '@common/problem';
import { REGIONS, regionalDb } from '@common/regions';
import { type CallMeta, type HealthReport, healthReport } from '@common/rpc';
import type { z } from 'zod';
import * as accounts from './accounts';
import { identityConfig } from './config';
import { identityStores } from './directory';
import { deleteExpired } from './sessions';
import { signingKeys } from './tokens';

function invalid(error: z.ZodError): Result<never> {
  return fail(400, 'validation_failed', 'the request is not valid; see errors', {
    errors: error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  });
}

export default class IdentityService extends WorkerEntrypoint<IdentityEnv> {
  #deps(): accounts.Deps {
    return {
      stores: identityStores(this.env),
      config: identityConfig(this.env),
      keys: () => signingKeys(this.env),
      now: () => Date.now(),
    };
  }

  async register(input: RegisterInput, meta: CallMeta): Promise<Result<TokenPair>> {
    const parsed = RegisterInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const result = await accounts.register(this.#deps(), parsed.data);
    if (result.ok) {
      createLogger({ service: 'identity', ...meta }).info('identity.registered', {
        customerId: result.value.customerId,
        region: result.value.region,
      });
    }
    return result;
  }

  async login(input: LoginInput, meta: CallMeta): Promise<Result<TokenPair>> {
    const parsed = LoginInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const result = await accounts.login(this.#deps(), parsed.data);
    // The email is not logged: a failed login's email may be someone's password.
    createLogger({ service: 'identity', ...meta }).info('identity.login', {
      ok: result.ok,
      ...(result.ok ? { customerId: result.value.customerId } : {}),
    });
    return result;
  }

  /** Rotates a refresh token: the old one is spent, reusing it revokes the family. */
  async refresh(input: RefreshInput, meta: CallMeta): Promise<Result<TokenPair>> {
    const parsed = RefreshInputSchema.safeParse(input);
    if (!parsed.success)
      return fail(401, 'refresh_token_unknown', 'the refresh token is not valid');
    const result = await accounts.refresh(this.#deps(), parsed.data.refreshToken);
    if (!result.ok && result.problem.code === 'refresh_token_reused') {
      createLogger({ service: 'identity', ...meta }).warn('identity.refresh_token_reused', {});
    }
    return result;
  }

  /** Revokes the refresh family the caller's access token came from. */
  async logout(input: LogoutInput, _meta: CallMeta): Promise<Result<{ revoked: true }>> {
    const parsed = LogoutInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    return accounts.logout(this.#deps(), parsed.data.customerId, parsed.data.sessionId);
  }

  async me(customerId: string): Promise<Result<Me>> {
    const found = await accounts.findUser(this.#deps(), customerId);
    if (!found.ok) return found;
    if (!found.value) return fail(404, 'customer_not_found', 'no such customer');
    const { id, email, name, region, roles } = found.value;
    return ok({ customerId: id, email, name, region, roles });
  }

  /**
   * Where a customer's data lives, for services that must reach a customer
   * they have not met yet (payments crediting a new customer's account).
   * Only the id and region: nothing personal leaves identity this way.
   */
  async customerRegion(customerId: string): Promise<Result<CustomerRegion>> {
    const notFound = fail(404, 'customer_not_found', `no customer ${customerId}`);
    if (!CustomerIdSchema.safeParse(customerId).success) return notFound;
    const found = await accounts.findUser(this.#deps(), customerId);
    if (!found.ok) return found;
    return found.value ? ok({ customerId, region: found.value.region }) : notFound;
  }

  /**
   * Creates an admin account; never changes an existing one (a customer's
   * email is a 409). For seeding and operators only.
   */
  async ensureAdmin(input: EnsureAdminInput, meta: CallMeta): Promise<Result<EnsuredAdmin>> {
    const parsed = EnsureAdminInputSchema.safeParse(input);
    if (!parsed.success) return invalid(parsed.error);
    const result = await accounts.ensureAdmin(this.#deps(), parsed.data);
    if (result.ok) {
      createLogger({ service: 'identity', ...meta }).info('identity.admin_ensured', {
        ...result.value,
      });
    }
    return result;
  }

  /** The public halves of the signing keys (what the gateway must be configured with). */
  async jwks(): Promise<PublicJwks> {
    return (await signingKeys(this.env)).jwks;
  }

  async health(): Promise<HealthReport> {
    const regional = REGIONS.map((region) => [
      `d1:${region}`,
      () => regionalDb(this.env, region, 'identityDb').prepare('SELECT 1').first(),
    ]);
    return healthReport('identity', {
      'd1:directory': () => this.env.IDENTITY_DB.prepare('SELECT 1').first(),
      ...Object.fromEntries(regional),
      signing_keys: () => signingKeys(this.env),
    });
  }

  /** Cron: expired refresh tokens are deleted in bounded batches, in every region. */
  override async scheduled(_controller: ScheduledController): Promise<void> {
    const log = createLogger({ service: 'identity' });
    const stores = identityStores(this.env);
    for (const region of REGIONS) {
      try {
        const deleted = await deleteExpired(stores.regional(region), Date.now());
        log.info('identity.expired_tokens_deleted', { region, deleted });
      } catch (error) {
        // One region's outage must not stop the others' cleanup; the next run retries.
        log.error('identity.expired_tokens_cleanup_failed', { region, error: errorMessage(error) });
      }
    }
  }
}
