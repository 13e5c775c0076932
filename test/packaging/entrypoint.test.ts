import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * docker/entrypoint.sh, run for real (Docker itself is not available here): PUID/PGID/UMASK as
 * LinuxServer.io's images take them. Dropping privileges needs root, which CI has; elsewhere the
 * root-only cases are skipped and the non-root pass-through is still checked.
 */
const script = path.resolve(import.meta.dirname, '../../docker/entrypoint.sh');
const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(env: Record<string, string>, ...command: string[]) {
  const state = mkdtempSync(path.join(tmpdir(), 'marquee-entry-'));
  dirs.push(state);
  const result = spawnSync('sh', [script, ...command], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MARQUEE_DATA_DIR: state, ...env },
    encoding: 'utf8',
  });
  return { ...result, state };
}

describe('the container entrypoint', () => {
  it.runIf(isRoot)('drops to PUID:PGID before the command runs, and gives it the state directory', () => {
    const r = run({ PUID: '4321', PGID: '4322' }, 'sh', '-c', 'id -u; id -g; id -G');
    expect(r.status).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['4321', '4322', '4322']);
    const st = statSync(r.state);
    expect([st.uid, st.gid]).toEqual([4321, 4322]);
  });

  it.runIf(isRoot)('defaults to 1000:1000, the image`s node user', () => {
    const r = run({}, 'id', '-u');
    expect(r.stdout.trim()).toBe('1000');
  });

  it.runIf(isRoot)('refuses to run Marquee as root', () => {
    const r = run({ PUID: '0', PGID: '0' }, 'id', '-u');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/refusing to run as root/);
  });

  it.runIf(isRoot)('rejects a PUID that is not a number', () => {
    const r = run({ PUID: 'abc' }, 'true');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/PUID and PGID must be numbers/);
  });

  it('applies UMASK to the files Marquee creates', () => {
    const r = run({ UMASK: '077', PUID: '4321', PGID: '4322' }, 'sh', '-c', 'umask');
    expect(r.stdout.trim()).toBe('0077');
  });

  it('runs the command as it is when started as another user (docker run --user)', () => {
    if (isRoot) {
      // As a non-root user, PUID/PGID are ignored: setpriv drops first, then the script runs.
      const out = execFileSync('setpriv', ['--reuid=4321', '--regid=4321', '--clear-groups', 'sh', script, 'id', '-u'], {
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PUID: '1000', MARQUEE_DATA_DIR: '/nonexistent' },
        encoding: 'utf8',
      });
      expect(out.trim()).toBe('4321');
    } else {
      const r = run({ PUID: '1000' }, 'id', '-u');
      expect(r.stdout.trim()).toBe(String(process.getuid?.()));
    }
  });
});

describe('the state directory is only chowned when its owner differs', () => {
  it.runIf(isRoot)('leaves files it does not need to touch alone', () => {
    const r1 = run({ PUID: '4321', PGID: '4322' }, 'true');
    const file = path.join(r1.state, 'keep');
    writeFileSync(file, 'x');
    const again = spawnSync('sh', [script, 'true'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MARQUEE_DATA_DIR: r1.state, PUID: '4321', PGID: '4322' },
    });
    expect(again.status).toBe(0);
    // Root wrote `keep` after the first chown; the directory's owner already matched, so no chown -R ran.
    expect(statSync(file).uid).toBe(0);
  });
});
