/**
 * Which version of a worker is running, from its `version_metadata` binding
 * (`[version_metadata] binding = "VERSION"` in every wrangler.toml). During a
 * gradual deployment two versions serve side by side; `/health`, the
 * `X-Meridian-Version` response header and every log line name the one that
 * did the work, so errors can be attributed to a version and rolled back.
 *
 * In production `id` is the Worker Version id and `tag` what
 * `wrangler versions upload --tag` set (the deploy script sets the git
 * commit). Locally Miniflare gives every start a fresh random UUID and an
 * empty tag.
 */
import { env } from 'cloudflare:workers';

export interface VersionInfo {
  id: string;
  tag: string;
}

export const VERSION_BINDING = 'VERSION';
export const VERSION_HEADER = 'x-meridian-version';
/** What a worker without the binding reports (a misconfiguration, not a version). */
export const UNKNOWN_VERSION: VersionInfo = { id: 'unknown', tag: '' };

function isVersionMetadata(value: unknown): value is { id: string; tag?: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    'id' in value &&
    typeof value.id === 'string' &&
    value.id !== ''
  );
}

/** The version named by `bindings.VERSION`. */
export function versionOf(bindings: object): VersionInfo {
  const metadata: unknown = Reflect.get(bindings, VERSION_BINDING);
  if (!isVersionMetadata(metadata)) return UNKNOWN_VERSION;
  return { id: metadata.id, tag: typeof metadata.tag === 'string' ? metadata.tag : '' };
}

let current: VersionInfo | undefined;

/** This worker's version (kept once read: it cannot change under a running isolate). */
export function workerVersion(): VersionInfo {
  if (current) return current;
  const found = versionOf(env);
  if (found !== UNKNOWN_VERSION) current = found;
  return found;
}

/** `X-Meridian-Version`: the version id, then its tag when it has one (`<id>; tag=<tag>`). */
export function versionHeaderValue({ id, tag }: VersionInfo): string {
  return tag ? `${id}; tag=${tag}` : id;
}
