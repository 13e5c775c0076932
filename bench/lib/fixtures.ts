import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { generateFixtures, PLEX_DB_FILE, TAUTULLI_DB_FILE, type FixtureProfile } from '../../fixtures/generator/index.js';
import { BENCH_DIR } from './child.js';

/** Every timestamp in the fixture DBs is relative to this; servers and collectors run on a clock based on it. */
export const BENCH_NOW_S = 1_790_000_000;
export const BENCH_NOW_MS = BENCH_NOW_S * 1000;
const SEED = 1;
const CACHE_DIR = path.join(BENCH_DIR, '.cache');

export interface BenchFixtures {
  profile: FixtureProfile;
  /** Which server of a network (generateFixtures' `server`); 0: the profile's usual output. */
  server: number;
  plexDb: string;
  tautulliDb: string;
  /** Seconds spent generating on this run; 0 when reused from bench/.cache. */
  builtInS: number;
}

/**
 * The large profile takes minutes to generate, so builds are cached under bench/.cache and reused
 * while the profile, seed, time and generator sources are unchanged (a stamp file records them).
 */
export function ensureFixtures(profile: FixtureProfile, server = 0): BenchFixtures {
  // Server 0 is the generator's usual output (network.ts), so it is the profile's own cache.
  const dir = path.join(CACHE_DIR, server === 0 ? profile : `${profile}-server-${server}`);
  const paths = { plexDb: path.join(dir, PLEX_DB_FILE), tautulliDb: path.join(dir, TAUTULLI_DB_FILE) };
  const stamp = path.join(dir, 'build.json');
  const wanted = JSON.stringify({
    profile,
    seed: SEED,
    now: BENCH_NOW_S,
    ...(server ? { server } : {}),
    generator: generatorFingerprint(),
  });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted && existsSync(paths.plexDb) && existsSync(paths.tautulliDb)) {
    return { profile, server, ...paths, builtInS: 0 };
  }
  mkdirSync(dir, { recursive: true });
  // No stamp while building: an interrupted build must never pass for a finished one.
  rmSync(stamp, { force: true });
  const t0 = performance.now();
  generateFixtures(dir, { profile, seed: SEED, now: BENCH_NOW_S, ...(server ? { server } : {}) });
  writeFileSync(stamp, wanted);
  return { profile, server, ...paths, builtInS: (performance.now() - t0) / 1000 };
}

function generatorFingerprint(): string {
  const dir = path.resolve(BENCH_DIR, '../fixtures/generator');
  const hash = createHash('sha256');
  // Code and schema only: an edited README must not cost a multi-minute rebuild.
  for (const f of readdirSync(dir)
    .filter((f) => /\.(ts|sql)$/.test(f))
    .sort())
    hash.update(f).update(readFileSync(path.join(dir, f)));
  return hash.digest('hex').slice(0, 16);
}

/**
 * Copies of cached Tautulli files that a bench may write into (the cache itself must stay what its
 * stamp says), each in one temp folder; `remove` deletes them.
 */
export function writableCopy(files: readonly string[]): { paths: string[]; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-bench-rw-'));
  const paths = files.map((file, i) => {
    const copy = path.join(dir, String(i), path.basename(file));
    mkdirSync(path.dirname(copy));
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    return copy;
  });
  return { paths, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
