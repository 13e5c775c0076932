import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PACKAGE_ROOT } from '../../../src/paths.js';
import { freePort, waitFor } from './http.js';

export interface CliRun {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs the real CLI exactly as `marquee <args>` would, from source through tsx. */
export function runCli(args: string[], env: Record<string, string>, options: { asNobody?: boolean } = {}): CliRun {
  // Root ignores file permissions, so permission drills run as nobody (setpriv ships with util-linux).
  const asNobody = options.asNobody && process.getuid?.() === 0 ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
  const cmd = [...asNobody, process.execPath, '--import', 'tsx', path.join(PACKAGE_ROOT, 'src/cli.ts'), ...args];
  const child = spawn(cmd[0]!, cmd.slice(1), {
    cwd: PACKAGE_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), TSX_DISABLE_CACHE: '1', MARQUEE_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => out, stderr: () => err, exited };
}

/** A config file in a fresh directory (MARQUEE_CONFIG), so no marquee.yaml of the repo is picked up. */
export function configFile(yaml = ''): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-drill-cfg-'));
  // Readable by the unprivileged user some drills run the CLI as.
  chmodSync(dir, 0o755);
  const file = path.join(dir, 'marquee.yaml');
  writeFileSync(file, yaml, { mode: 0o644 });
  return file;
}

export interface ServeProcess extends CliRun {
  url: string;
  port: number;
}

/** `marquee serve` on 127.0.0.1 and a port picked here (port 0 would not tell us which). */
export async function startServe(env: Record<string, string>, args: string[] = []): Promise<ServeProcess> {
  const port = await freePort();
  const run = runCli(['serve', ...args], { MARQUEE_PORT: String(port), MARQUEE_LOG_LEVEL: 'info', ...env });
  const url = `http://127.0.0.1:${port}`;
  let exit: { code: number | null } | undefined;
  void run.exited.then((e) => (exit = e));
  await waitFor(
    'marquee serve to listen',
    async () => {
      if (exit) throw new Error(`marquee serve exited with ${exit.code}: ${run.stderr()}${run.stdout()}`);
      return fetch(`${url}/health`).then(
        () => true,
        () => undefined,
      );
    },
    60_000,
    100,
  );
  return { ...run, url, port };
}
