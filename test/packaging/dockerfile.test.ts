import { validate } from 'dockerfile-utils';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startScriptEnv } from '../../bench/lib/child.js';

/**
 * Docker cannot run on the development machines, so the packaging is checked as text: the
 * Dockerfile linted by dockerfile-utils (the parser behind VS Code's Docker support; hadolint is
 * not packaged for npm or Debian: docs/deployment.md), then held to the deployment rules.
 */
const root = path.resolve(import.meta.dirname, '../..');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
/** Instructions with their continuation lines joined; comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'))
  .map((l) => {
    const [keyword = '', ...rest] = l.split(/\s+/);
    return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
  });
const finalStage = instructions.slice(instructions.map((i) => i.keyword).lastIndexOf('FROM'));

describe('Dockerfile', () => {
  it('lints clean', () => {
    expect(validate(dockerfile)).toEqual([]);
  });

  it('builds in stages, and Marquee itself runs as PUID:PGID through the entrypoint, never as root', () => {
    expect(instructions.filter((i) => i.keyword === 'FROM').length).toBeGreaterThanOrEqual(2);
    // Root only until docker/entrypoint.sh drops to PUID:PGID (LinuxServer.io's convention).
    const entrypoint = JSON.parse(finalStage.find((i) => i.keyword === 'ENTRYPOINT')!.args) as string[];
    expect(entrypoint.at(-1)).toBe('/usr/local/bin/marquee-entrypoint');
    expect(instructions.some((i) => i.keyword === 'COPY' && i.args === 'docker/entrypoint.sh /usr/local/bin/marquee-entrypoint')).toBe(
      true,
    );
    const env = finalStage
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    for (const pair of ['PUID=1000', 'PGID=1000', 'UMASK=022', 'MARQUEE_DATA_DIR=/config']) expect(env).toContain(pair);
    expect(finalStage.some((i) => i.keyword === 'VOLUME' && i.args.includes('/config'))).toBe(true);
  });

  it('pins its base image to a Node major that runs Marquee, never :latest', () => {
    for (const from of instructions.filter((i) => i.keyword === 'FROM')) expect(from.args).not.toMatch(/:latest\b/);
    expect(dockerfile).toMatch(/ARG NODE_VERSION=20\b/);
  });

  it('checks liveness (/livez) for Docker, with exec-form commands that receive signals', () => {
    // Not /health: a stopped Plex or Tautulli fails /health, and must not mark Marquee unhealthy.
    const health = finalStage.find((i) => i.keyword === 'HEALTHCHECK');
    expect(health?.args).toMatch(/\/livez/);
    expect(health?.args).not.toMatch(/\/health/);
    for (const keyword of ['CMD', 'ENTRYPOINT']) {
      const i = finalStage.find((x) => x.keyword === keyword);
      expect(i, keyword).toBeDefined();
      expect(() => JSON.parse(i!.args), `${keyword} is exec form`).not.toThrow();
    }
  });

  it('runs the image with the memory settings npm start uses', () => {
    const env = finalStage
      .filter((i) => i.keyword === 'ENV')
      .map((i) => i.args)
      .join(' ');
    for (const [name, value] of Object.entries(startScriptEnv())) {
      const quoted = value.includes(' ') ? `"${value}"` : value;
      expect(env, name).toContain(`${name}=${quoted}`);
    }
  });

  it('installs a CJK-capable font for titles the bundled fonts cannot draw', () => {
    expect(finalStage.some((i) => i.keyword === 'RUN' && /fonts-noto-cjk/.test(i.args))).toBe(true);
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#') && !l.startsWith('!') && !l.includes('*'));
    const copies = instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'));
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const sources = copy.args.split(/\s+/).slice(0, -1);
      for (const src of sources) {
        expect(existsSync(path.join(root, src)), src).toBe(true);
        expect(
          ignored.some((p) => src === p || src.startsWith(`${p}/`)),
          `${src} is in .dockerignore`,
        ).toBe(false);
      }
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { volumes?: string[]; environment?: Record<string, string>; build?: unknown; user?: string }>;
  };
  const marquee = compose.services.marquee!;

  it('runs Marquee beside Plex and Tautulli, built from this Dockerfile', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['plex', 'tautulli', 'marquee']));
    expect(marquee.build).toBe('.');
  });

  it('mounts both databases read-write (SQLite needs its -shm) and points Marquee inside the mounts', () => {
    const mounts = (marquee.volumes ?? []).map((v) => v.split(':'));
    const target = (file: string | undefined) => mounts.find(([, inside]) => file?.startsWith(`${inside}/`));
    for (const key of ['MARQUEE_PLEX_DB', 'MARQUEE_TAUTULLI_DB']) {
      const mount = target(marquee.environment?.[key]);
      expect(mount, key).toBeDefined();
      expect(mount![2], `${key} mount options`).not.toBe('ro');
    }
  });

  it('runs Marquee as PUID:PGID in TZ like the Plex and Tautulli images, with its state in /config', () => {
    expect(marquee.user).toBeUndefined();
    for (const key of ['PUID', 'PGID', 'TZ']) expect(marquee.environment?.[key], key).toBe(compose.services.tautulli!.environment?.[key]);
    expect((marquee.volumes ?? []).some((v) => v.split(':')[1] === '/config')).toBe(true);
  });
});
