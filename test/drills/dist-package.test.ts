import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/paths.js';

/**
 * The built program runs from dist/ alone (issue 15): a package laid out as the Docker image's
 * runtime stage copies it (the Dockerfile's own COPY lines, read here), with no src/ and no
 * fixtures/. Demo mode there forks the compiled demo generator and reads its schemas, migrates the
 * store from dist's migrations, reads the databases on the reader thread and runs a custom metric
 * in the metrics query process: every file the code reads beside itself.
 */
const dockerfile = readFileSync(path.join(PACKAGE_ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
/** `COPY <dir> ./<dir>` lines of the runtime stage: what the image holds beside dist/. */
const copied = [...runtime.matchAll(/^COPY (?!--)(\S+) \.\/(\S+)$/gm)].map((m) => m[1]!);

describe('the built package (dist/ and what the image copies beside it)', () => {
  it('copies no source folder into the image', () => {
    expect(copied).toEqual(expect.arrayContaining(['templates', 'themes', 'fonts', 'locales']));
    expect(runtime).not.toMatch(/^COPY .*\b(src|fixtures)\b/m);
  });

  it('collects and renders in demo mode from dist/ alone', () => {
    const pkg = mkdtempSync(path.join(tmpdir(), 'marquee-dist-'));
    writeFileSync(path.join(pkg, 'package.json'), readFileSync(path.join(PACKAGE_ROOT, 'package.json')));
    symlinkSync(path.join(PACKAGE_ROOT, 'node_modules'), path.join(pkg, 'node_modules'));
    for (const dir of copied) cpSync(path.join(PACKAGE_ROOT, dir), path.join(pkg, dir), { recursive: true });
    // npm run build, into this package.
    const tsc = path.join(PACKAGE_ROOT, 'node_modules/typescript/bin/tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', path.join(pkg, 'dist')], { cwd: PACKAGE_ROOT });
    execFileSync(process.execPath, ['scripts/copy-build-assets.mjs', path.join(pkg, 'dist')], { cwd: PACKAGE_ROOT });
    expect(existsSync(path.join(pkg, 'src')) || existsSync(path.join(pkg, 'fixtures'))).toBe(false);

    const config = path.join(pkg, 'marquee.yaml');
    writeFileSync(
      config,
      'metrics:\n  plays:\n    source: tautulli\n    returns: scalar\n    type: integer\n    sql: SELECT COUNT(*) AS value FROM session_history\n',
    );
    const run = (args: string[]) =>
      spawnSync(process.execPath, [path.join(pkg, 'dist/src/cli.js'), ...args], {
        cwd: pkg,
        env: { PATH: process.env.PATH, HOME: pkg, MARQUEE_CONFIG: config, MARQUEE_DATA_DIR: path.join(pkg, 'data'), TZ: 'UTC' },
        encoding: 'utf8',
        timeout: 120_000,
      });
    const collect = run(['collect', '--once', '--print']);
    expect(collect.status, collect.stderr).toBe(0);
    // The demo is a network of two servers (issue 20): --print gives the network and each server.
    type Printed = { sources: Record<string, { status: string }>; metrics: Record<string, unknown> };
    const printed = JSON.parse(collect.stdout) as { network: Printed; servers: Record<string, Printed> };
    expect(Object.keys(printed.servers)).toEqual(['home', '4k']);
    expect(printed.network.sources.plex!.status).toBe('ok');
    const snapshot = printed.servers.home!;
    expect(snapshot.sources.plex!.status).toBe('ok');
    expect(snapshot.sources.tautulli!.status).toBe('ok');
    expect(JSON.stringify(snapshot.metrics.plays)).toMatch(/"value":\d+/);
    const render = run(['render', 'signature', '--out', path.join(pkg, 'sig.png')]);
    expect(render.status, render.stderr).toBe(0);
    expect(readFileSync(path.join(pkg, 'sig.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 180_000);
});
