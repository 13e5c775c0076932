import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LONG_DRILLS } from '../drills/long.js';
import drills from '../../vitest.drills.config.js';
import main from '../../vitest.config.js';

/** `npm test` and `npm run test:drills` split the tests between them: each file runs in exactly one, and CI runs both. */
const root = path.resolve(import.meta.dirname, '../..');

describe('the two test commands', () => {
  it('CI runs npm test, then the long drills', () => {
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8').split('\n');
    expect(ci.indexOf('npm run test:drills')).toBeGreaterThan(ci.indexOf('npm test'));
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test:drills']).toBe('vitest run --config vitest.drills.config.ts');
  });

  it('every long drill exists, runs in test:drills and not in npm test', () => {
    const files = readdirSync(path.join(root, 'test/drills')).filter((f) => f.endsWith('.test.ts'));
    for (const drill of LONG_DRILLS) expect(files, drill).toContain(path.basename(drill));
    for (const drill of LONG_DRILLS) expect(existsSync(path.join(root, drill)), drill).toBe(true);
    expect(drills.test?.include).toEqual(LONG_DRILLS);
    expect(main.test?.exclude).toEqual(expect.arrayContaining(LONG_DRILLS));
    expect(main.test?.include).toEqual(['test/**/*.test.ts']);
  });
});
