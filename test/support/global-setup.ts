import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateFixtures } from '../../fixtures/generator/index.js';
import { FIXTURE_NOW_S, FIXTURE_SEED, FIXTURES_ROOT } from './fixtures.js';

/** Builds the tiny and demo databases once per run (skipped when an identical build is on disk). */
export default function setup(): void {
  for (const profile of ['tiny', 'demo'] as const) {
    const dir = path.join(FIXTURES_ROOT, profile);
    const stamp = path.join(dir, 'build.json');
    const wanted = JSON.stringify({ profile, seed: FIXTURE_SEED, now: FIXTURE_NOW_S, generator: generatorFingerprint() });
    if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) continue;
    mkdirSync(dir, { recursive: true });
    generateFixtures(dir, { profile, seed: FIXTURE_SEED, now: FIXTURE_NOW_S });
    writeFileSync(stamp, wanted);
  }
}

/** Rebuild when the generator's sources change. */
function generatorFingerprint(): string {
  const dir = path.resolve(FIXTURES_ROOT, '../../fixtures/generator');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(path.join(dir, f)));
  return hash.digest('hex').slice(0, 16);
}
