import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/paths.js';
import { configFile, runCli } from './drills/support/cli.js';

/** The command line as people expect it (issue 18), run for real through tsx. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const run = runCli(args, env);
  const { code } = await run.exited;
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

describe('marquee (the command line)', () => {
  it('prints its version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await cli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  });

  it('answers an unknown command with "unknown command", not an argument error of serve', async () => {
    const r = await cli(['sevre']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'sevre'/);
    expect(r.stderr).not.toMatch(/too many arguments/);
  });

  it('refuses render --scale 3 instead of drawing at 1x', async () => {
    const r = await cli(['render', 'signature', '--scale', '3']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/must be 1 or 2/);
  });

  it('lists every environment variable the config reads, and an example, in --help', async () => {
    const r = await cli(['--help']);
    expect(r.code).toBe(0);
    // Oracle: the variable names as the config loader and the schema (secrets) spell them in their source.
    const loader = ['load.ts', 'schema.ts'].map((f) => readFileSync(path.join(PACKAGE_ROOT, 'src/config', f), 'utf8')).join('\n');
    const names = new Set(loader.match(/\b(MARQUEE_[A-Z_]+|GOOGLE_APPLICATION_CREDENTIALS)\b/g));
    expect(names.size).toBeGreaterThan(5);
    for (const name of names) expect(r.stdout, name).toContain(name);
    expect(r.stdout).toMatch(/Examples:/);
    for (const command of ['serve', 'collect', 'check-config', 'render', 'privacy']) {
      const help = await cli([command, '--help']);
      expect(help.stdout, command).toMatch(/Examples?:\n\s+marquee /);
    }
  }, 60_000);

  it('reads the config file given with --config or -c, before or after the command', async () => {
    const bad = configFile('server:\n  port: 99999\n');
    for (const args of [
      ['--config', bad, 'check-config'],
      ['check-config', '-c', bad],
    ]) {
      const r = await cli(args, { MARQUEE_CONFIG: '/nonexistent/ignored.yaml' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/server\.port/);
      expect(r.stderr).toContain(bad);
    }
  }, 60_000);
});
