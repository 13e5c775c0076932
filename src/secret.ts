import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A local secret, generated once per install and kept beside the store: `pseudonym.secret` behind
 * pseudonyms, `etag.secret` behind ETags and versioned URLs. What it keys stays stable across
 * restarts but cannot be reversed or forged by anyone without the file.
 */
export function loadOrCreateSecret(dataDir: string, configured?: string, name: 'pseudonym' | 'etag' = 'pseudonym'): string {
  if (configured) return configured;
  const file = path.join(dataDir, `${name}.secret`);
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(file, secret, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}
