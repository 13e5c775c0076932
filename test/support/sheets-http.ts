import type { IncomingMessage } from 'node:http';

/** Wire-level pieces of the Sheets emulator: routes, Google's error bodies, request parsing. */

export type Op =
  | 'token'
  | 'spreadsheets.get'
  | 'spreadsheets.batchUpdate'
  | 'values.get'
  | 'values.batchGet'
  | 'values.update'
  | 'values.append'
  | 'unknown';

export const ERROR_BODIES: Record<number, { message: string; status: string; details?: unknown[] }> = {
  429: {
    message:
      "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
    status: 'RESOURCE_EXHAUSTED',
    details: [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: 'googleapis.com',
        metadata: {
          quota_limit: 'WriteRequestsPerMinutePerUser',
          quota_metric: 'sheets.googleapis.com/write_requests',
          service: 'sheets.googleapis.com',
          consumer: 'projects/000000000000',
          quota_limit_value: '60',
          quota_location: 'global',
        },
      },
    ],
  },
  500: { message: 'Internal error encountered.', status: 'INTERNAL' },
  503: { message: 'The service is currently unavailable.', status: 'UNAVAILABLE' },
  400: { message: 'Invalid request (injected).', status: 'INVALID_ARGUMENT' },
};

export interface Route {
  op: Op;
  id: string;
  range?: string;
}

/** Matches the raw path: the A1 range is one percent-encoded segment, the `:method` suffix is literal. */
export function matchRoute(method: string, path: string): Route | undefined {
  const s = /^\/v4\/spreadsheets\/([^/:]+)(?::(batchUpdate))?$/.exec(path);
  if (s) {
    const id = decodeURIComponent(s[1]!);
    if (s[2] && method === 'POST') return { op: 'spreadsheets.batchUpdate', id };
    if (!s[2] && method === 'GET') return { op: 'spreadsheets.get', id };
    return undefined;
  }
  const v = /^\/v4\/spreadsheets\/([^/:]+)\/values(?:\/([^/:]+))?(?::(\w+))?$/.exec(path);
  if (!v) return undefined;
  const id = decodeURIComponent(v[1]!);
  const range = v[2] === undefined ? undefined : decodeURIComponent(v[2]);
  if (!range && v[3] === 'batchGet' && method === 'GET') return { op: 'values.batchGet', id };
  if (range && !v[3] && method === 'GET') return { op: 'values.get', id, range };
  if (range && !v[3] && method === 'PUT') return { op: 'values.update', id, range };
  if (range && v[3] === 'append' && method === 'POST') return { op: 'values.append', id, range };
  return undefined;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function decodeJwtClaims(assertion: string | null): unknown {
  const payload = assertion?.split('.')[1];
  if (!payload) return null;
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}
