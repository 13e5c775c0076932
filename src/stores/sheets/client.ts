import { sheets, type sheets_v4 } from '@googleapis/sheets';

export type SheetsAuth = NonNullable<sheets_v4.Options['auth']>;
export type SheetsClient = sheets_v4.Sheets;

/**
 * googleapis keeps only the origin of a per-API rootUrl (a path prefix is silently dropped) and
 * ignores a global one (googleapis/google-api-nodejs-client#1921), so accept exactly an origin and
 * fail loudly on anything else rather than let requests wander to another host.
 */
export function normalizeRootUrl(rootUrl: string): string {
  let u: URL;
  try {
    u = new URL(rootUrl);
  } catch {
    throw new Error(`sheets rootUrl is not a URL: ${rootUrl}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('sheets rootUrl must be http(s)');
  if ((u.pathname !== '/' && u.pathname !== '') || u.search || u.hash || u.username || u.password) {
    throw new Error(`sheets rootUrl must be an origin only (scheme://host[:port]), got ${u.origin}${u.pathname}`);
  }
  return `${u.origin}/`;
}

export function createSheetsClient(opts: { auth: SheetsAuth; rootUrl?: string }): SheetsClient {
  return sheets({
    version: 'v4',
    auth: opts.auth,
    // Our retry loop owns backoff and the deadline; gaxios' own retries would hide time from it.
    retry: false,
    ...(opts.rootUrl ? { rootUrl: normalizeRootUrl(opts.rootUrl) } : {}),
  });
}
