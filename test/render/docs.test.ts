import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { templateJsonSchema, themeJsonSchema } from '../../src/render/gallery/docs.js';
import { root } from './helpers.js';

/** The committed JSON Schemas (editor completion for template authors) must match the loader. */
describe('generated reference', () => {
  it('template.schema.json and theme.schema.json are up to date (regenerate: npm run gallery)', () => {
    expect(readFileSync(`${root}templates/template.schema.json`, 'utf8')).toBe(templateJsonSchema());
    expect(readFileSync(`${root}themes/theme.schema.json`, 'utf8')).toBe(themeJsonSchema());
  });
});
