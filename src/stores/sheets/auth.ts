import { readFileSync } from 'node:fs';
import { auth } from '@googleapis/sheets';

export const SHEETS_SCOPE = 'https://www.googleapis.com/auth/spreadsheets';
export const SHEETS_READONLY_SCOPE = 'https://www.googleapis.com/auth/spreadsheets.readonly';

export type SheetsJwt = InstanceType<typeof auth.JWT>;

export interface SheetsAuthOptions {
  /** Path to a service-account key file (what GOOGLE_APPLICATION_CREDENTIALS points at). */
  keyFile?: string;
  /** The same key file's JSON content, for deployments that pass secrets as env values. */
  credentialsJson?: string;
  /** A server that only renders can hold a read-only grant. */
  readOnly?: boolean;
}

interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  private_key_id?: string;
}

/**
 * Builds a service-account JWT client for the Sheets scope.
 *
 * We parse and check the key ourselves rather than hand it to GoogleAuth: GoogleAuth would also
 * accept "external account" configurations that make it fetch URLs or run executables named in
 * the file (the reason google-auth-library deprecated its keyFile/credentials options), and
 * JSON.parse errors echo a slice of the input, which here is the private key. Error messages
 * therefore name the source and the problem, never the content.
 */
export function createSheetsAuth(opts: SheetsAuthOptions): SheetsJwt {
  const { text, source } = readKey(opts);
  const key = parseKey(text, source);
  return new auth.JWT({
    email: key.client_email,
    key: key.private_key,
    ...(key.private_key_id ? { keyId: key.private_key_id } : {}),
    scopes: [opts.readOnly ? SHEETS_READONLY_SCOPE : SHEETS_SCOPE],
  });
}

function readKey(opts: SheetsAuthOptions): { text: string; source: string } {
  if (opts.credentialsJson && opts.keyFile) {
    throw new Error('sheets credentials: give either a key file or credentials JSON, not both');
  }
  if (opts.credentialsJson) return { text: opts.credentialsJson, source: 'credentials JSON' };
  if (opts.keyFile) {
    try {
      return { text: readFileSync(opts.keyFile, 'utf8'), source: `key file ${opts.keyFile}` };
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'unreadable';
      throw new Error(`sheets credentials: cannot read key file ${opts.keyFile} (${code})`);
    }
  }
  throw new Error('sheets credentials: no service-account key file or credentials JSON configured');
}

function parseKey(text: string, source: string): ServiceAccountKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`sheets credentials: ${source} is not valid JSON`);
  }
  const k = (parsed ?? {}) as Record<string, unknown>;
  if (k.type !== 'service_account') {
    throw new Error(`sheets credentials: ${source} is not a service-account key (type must be "service_account")`);
  }
  if (typeof k.client_email !== 'string' || typeof k.private_key !== 'string' || !k.private_key.includes('PRIVATE KEY')) {
    throw new Error(`sheets credentials: ${source} lacks client_email or private_key`);
  }
  return {
    client_email: k.client_email,
    private_key: k.private_key,
    ...(typeof k.private_key_id === 'string' ? { private_key_id: k.private_key_id } : {}),
  };
}
