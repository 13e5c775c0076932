import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSheetsAuth, SHEETS_READONLY_SCOPE, SHEETS_SCOPE, type SheetsJwt } from '../../../src/stores/sheets/auth.js';
import { sampleCycle } from '../../support/sample-snapshot.js';
import { startSheetsEmulator, type SheetsEmulator } from '../../support/sheets-emulator.js';
import { captureLogger, sheetsRig } from '../../support/sheets-fixture.js';

let emu: SheetsEmulator;
let dir: string;
const { privateKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
});
const KEY = {
  type: 'service_account',
  project_id: 'marquee-test',
  private_key_id: 'kid-123',
  private_key: privateKey,
  client_email: 'marquee@marquee-test.iam.gserviceaccount.com',
  client_id: '1',
  token_uri: 'https://oauth2.googleapis.com/token',
};
const keyBody = privateKey.split('\n')[5]!; // a line from the middle of the PEM

beforeAll(async () => {
  // Only tokens minted by its /token endpoint open this emulator: the JWT flow must really run.
  emu = await startSheetsEmulator({ auth: 'issued' });
  dir = mkdtempSync(join(tmpdir(), 'marquee-sa-'));
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * gtoken posts to the hard-coded https://oauth2.googleapis.com/token (token_uri is ignored), so
 * the test alone re-routes that one URL to the emulator, on this client's own transport.
 */
function redirectTokenEndpoint(jwt: SheetsJwt): void {
  jwt.transporter.interceptors.request.add({
    resolved: async (config) => {
      const url = new URL(String(config.url));
      if (url.hostname === 'oauth2.googleapis.com') config.url = new URL('token', emu.rootUrl);
      return config;
    },
  });
}

describe('service-account auth (offline)', () => {
  it.each([
    ['credentials JSON from the environment', () => createSheetsAuth({ credentialsJson: JSON.stringify(KEY) })],
    [
      'key file',
      () => {
        const file = join(dir, 'key.json');
        writeFileSync(file, JSON.stringify(KEY), { mode: 0o600 });
        return createSheetsAuth({ keyFile: file });
      },
    ],
  ])('writes and reads through a JWT bearer token: %s', async (_name, make) => {
    const jwt = make();
    redirectTokenEndpoint(jwt);
    const { lines, logger } = captureLogger();
    const tokensBefore = emu.issuedTokens.length;
    const rig = sheetsRig(emu, { auth: jwt, logger });
    emu.failNext(1, { status: 429, ops: ['spreadsheets.batchUpdate'] }); // make the writer log something
    for (let i = 0; i < 3; i++) await rig.store.write(sampleCycle(i).snapshot, sampleCycle(i).point);
    expect(await rig.store.latest()).toEqual(sampleCycle(2).snapshot);

    const tokenCalls = emu.calls('token').slice(-1);
    expect(emu.issuedTokens.length - tokensBefore).toBe(1); // cached and reused across calls
    expect(tokenCalls[0]!.body).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      claims: { iss: KEY.client_email, scope: SHEETS_SCOPE, aud: 'https://oauth2.googleapis.com/token' },
    });
    const token = emu.issuedTokens.at(-1)!;
    const sheetCalls = emu.log.filter((r) => r.url.includes(rig.spreadsheetId));
    expect(sheetCalls.length).toBeGreaterThan(3);
    for (const r of sheetCalls) expect(r.authorization).toBe(`Bearer ${token}`);

    const logged = JSON.stringify(lines);
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [keyBody, token, 'PRIVATE KEY', 'Bearer']) expect(logged).not.toContain(secret);
  });

  it('asks for the read-only scope when told to', () => {
    const jwt = createSheetsAuth({ credentialsJson: JSON.stringify(KEY), readOnly: true });
    expect(jwt.scopes).toEqual([SHEETS_READONLY_SCOPE]);
  });

  it('rejects bad credentials without echoing them', () => {
    const broken = JSON.stringify(KEY).slice(0, -2);
    const attempts: [() => unknown, RegExp][] = [
      [() => createSheetsAuth({ credentialsJson: broken }), /credentials JSON is not valid JSON/],
      [() => createSheetsAuth({ credentialsJson: JSON.stringify({ ...KEY, type: 'external_account' }) }), /not a service-account key/],
      [
        () => createSheetsAuth({ credentialsJson: JSON.stringify({ ...KEY, private_key: undefined }) }),
        /lacks client_email or private_key/,
      ],
      [() => createSheetsAuth({ keyFile: join(dir, 'missing.json') }), /cannot read key file .*missing\.json \(ENOENT\)/],
      [() => createSheetsAuth({}), /no service-account key file or credentials JSON/],
      [() => createSheetsAuth({ keyFile: 'a', credentialsJson: 'b' }), /not both/],
    ];
    for (const [fn, message] of attempts) {
      let err: unknown;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain(keyBody);
      expect((err as Error).message).not.toContain('PRIVATE KEY');
    }
  });
});
