// Generates an ES256 signing key for access tokens, for a new deployment or a
// key rotation (see docs/identity.md). Prints the private JWK (it goes into
// identity's JWT_PRIVATE_KEYS secret) and its public half (into the gateway's
// JWT_PUBLIC_KEYS secret). Keys are printed, never written to disk.
//
//   node scripts/jwt-keys.mjs [kid]
import { exportJWK, generateKeyPair } from 'jose';

const kid = process.argv[2] ?? `es256-${new Date().toISOString().slice(0, 10)}`;
const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const meta = { kid, alg: 'ES256', use: 'sig' };
const privateJwk = { ...(await exportJWK(privateKey)), ...meta };
const publicJwk = { ...(await exportJWK(publicKey)), ...meta };

console.log(`# private JWK (identity JWT_PRIVATE_KEYS: put it first to sign with it)`);
console.log(JSON.stringify(privateJwk));
console.log(`# public JWK (gateway JWT_PUBLIC_KEYS: add it to "keys" before signing with it)`);
console.log(JSON.stringify(publicJwk));
