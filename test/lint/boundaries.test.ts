import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The import-boundary rule (eslint.config.js) as a specification: each line is a file of src/ and an
 * import it must not make, linted as if it were that file. The expected verdicts are the issue's
 * rules, written out here.
 */
const root = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: root });
const verdict = async (file: string, from: string) => {
  const [result] = await eslint.lintText(`import '${from}';\n`, { filePath: path.join(root, file) });
  return result!.messages.some((m) => m.ruleId === 'no-restricted-imports') ? 'refused' : 'allowed';
};

describe('layers point one way', () => {
  it.each([
    ['src/render/layout/x.ts', '../../metrics/catalogue.js', 'refused'],
    ['src/metrics/x.ts', '../server/health.js', 'refused'],
    ['src/snapshot/x.ts', '../sources/result.js', 'refused'],
    ['src/sources/x.ts', '../stores/store.js', 'refused'],
    ['src/stores/x.ts', '../render/index.js', 'refused'],
    ['src/demo.ts', '../fixtures/generator/index.js', 'refused'],
    ['src/main.ts', '../test/support/fixtures.js', 'refused'],
    ['src/sources/x.ts', '../snapshot/source-results.js', 'allowed'],
    ['src/render/x.ts', '../snapshot/schema.js', 'allowed'],
    ['src/server/x.ts', '../render/index.js', 'allowed'],
    ['src/main.ts', './wiring/serving.js', 'allowed'],
    ['test/x.test.ts', '../fixtures/generator/index.js', 'allowed'],
  ] as const)('%s importing %s: %s', async (file, from, expected) => {
    expect(await verdict(file, from)).toBe(expected);
  });
});
