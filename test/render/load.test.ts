import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinFields, extendCatalogue } from '../../src/snapshot/fields.js';
import { createRenderer, TemplateError } from '../../src/render/index.js';
import { loadTemplates } from '../../src/render/template/load.js';
import { loadThemes } from '../../src/render/theme/load.js';
import type { TextOp } from '../../src/render/drawlist.js';
import { catalogues, input, root } from './helpers.js';
import { sampleSnapshot } from './sample.js';

/** Templates and themes are data: every mistake is caught at start-up and names file and field. */

function dirWith(files: Record<string, unknown>): string {
  const dir = mkdtempSync(join(tmpdir(), 'marquee-tpl-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));
  return dir;
}

const base = { name: 'mine', description: 'x', width: 200, height: 50 };
const textWidget = (text: string) => ({ type: 'text', x: 0, y: 0, w: 100, h: 20, text });

function loadError(tpl: unknown): TemplateError {
  try {
    loadTemplates([dirWith({ 'mine.json': tpl })], builtinFields(), catalogues().get('en')!);
  } catch (e) {
    if (e instanceof TemplateError) return e;
    throw e;
  }
  throw new Error('expected a TemplateError');
}

describe('template validation', () => {
  it.each([
    ['an unknown field', { ...base, widgets: [textWidget('{activity.nope}')] }, 'widgets.0.text', /unknown field "activity.nope"/],
    ['an unknown format', { ...base, widgets: [textWidget('{activity.streamCount|weird}')] }, 'widgets.0.text', /unknown format/],
    ['a list bound as text', { ...base, widgets: [textWidget('{activity.streams}')] }, 'widgets.0.text', /is a list/],
    ['a box outside the image', { ...base, widgets: [{ ...textWidget('x'), x: 150 }] }, 'widgets.0.x', /leaves the 200x50 image/],
    [
      'a non-series sparkline',
      { ...base, widgets: [{ type: 'sparkline', x: 0, y: 0, w: 10, h: 10, series: 'activity.streamCount' }] },
      'widgets.0.series',
      /not a series/,
    ],
    [
      'a string bar value',
      { ...base, widgets: [{ type: 'bar', x: 0, y: 0, w: 10, h: 10, value: 'state' }] },
      'widgets.0.value',
      /not a number/,
    ],
    ['an unknown widget type', { ...base, widgets: [{ type: 'clock', x: 0, y: 0, w: 10, h: 10 }] }, 'widgets.0.type', /./],
    ['a typo in a property', { ...base, widgets: [{ ...textWidget('x'), colur: 'text' }] }, 'widgets.0', /colur/],
    ['a missing size', { name: 'mine', description: 'x', height: 50, widgets: [textWidget('x')] }, 'width', /./],
  ])('rejects %s, naming file and field', (_what, tpl, field, message) => {
    const e = loadError(tpl);
    expect(e.file).toMatch(/mine\.json$/);
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(e.message).toContain('mine.json');
  });

  it('rejects a file that is not JSON', () => {
    expect(() => loadTemplates([dirWith({ 'bad.json': '{ nope' })], builtinFields(), catalogues().get('en')!)).toThrow(
      /bad\.json: not valid JSON/,
    );
  });

  // V8's JSON.parse message quotes the text around the error; a secret on that line would be printed.
  const SECRET = 'hunter2-9f8e7d6c5b4a';
  it.each([
    ['an unquoted value', `{\n  "name": "mine",\n  "apiKey": ${SECRET}\n}`, SECRET],
    ['a missing comma', `{\n  "name": "mine"\n  "webhook": "https://discord.com/api/webhooks/1/${SECRET}"\n}`, '"webhook"'],
    ['an unfinished string', `{\n  "name": "mine",\n  "token": "${SECRET}\n}`, `"${SECRET}`],
    ['trailing text', `{ "name": "mine" }\n${SECRET}`, SECRET],
  ])('a syntax error (%s) names file, line and column, never the text', (_what, text, at) => {
    let message = '';
    try {
      loadTemplates([dirWith({ 'bad.json': text })], builtinFields(), catalogues().get('en')!);
    } catch (e) {
      message = (e as Error).message;
    }
    // The oracle: where the offending token starts, counted here from the text itself (1-based).
    const offset = text.indexOf(at);
    const line = text.slice(0, offset).split('\n').length;
    const column = offset - text.lastIndexOf('\n', offset - 1);
    expect(message).toMatch(new RegExp(`bad\\.json: not valid JSON: [a-z ]+ at line ${line}, column ${column}$`));
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain('discord');
  });

  it('accepts custom metrics only when the catalogue has them', () => {
    const tpl = { ...base, widgets: [textWidget('queue {metrics.queue}')] };
    expect(loadError(tpl).message).toMatch(/unknown field "metrics.queue"/);
    const cat = extendCatalogue(builtinFields(), [
      { path: 'metrics.queue', type: 'int', unit: 'count', description: 'Jobs queued', identifying: false },
    ]);
    const r = createRenderer({
      templateDirs: [dirWith({ 'mine.json': tpl })],
      themeDirs: [`${root}themes`],
      fontsDir: `${root}fonts`,
      fieldCatalogue: cat,
    });
    const snap = sampleSnapshot({ metrics: { queue: { status: 'ok', value: 1234 } } });
    const op = r.layout(input({ template: 'mine', snapshot: snap })).ops.find((o): o is TextOp => o.op === 'text');
    expect(op?.text).toBe('queue 1,234');
    const broken = sampleSnapshot({ metrics: { queue: { status: 'error', error: 'timeout', value: null } } });
    expect(r.layout(input({ template: 'mine', snapshot: broken })).ops.find((o): o is TextOp => o.op === 'text')?.text).toBe('queue —');
  });

  it('lets a user folder add templates and replace a built-in by name', () => {
    const user = dirWith({
      'sig.json': { ...base, name: 'signature', widgets: [textWidget('{title}')] },
      'extra.json': { ...base, name: 'extra', widgets: [textWidget('x')] },
    });
    const all = loadTemplates([`${root}templates`, user], builtinFields(), catalogues().get('en')!);
    expect(all.get('signature')?.width).toBe(200);
    expect(all.has('extra')).toBe(true);
    expect(all.has('og')).toBe(true);
  });

  it('every catalogue entry has a type, unit and description', () => {
    for (const f of builtinFields().values()) {
      expect(f.description.length, f.path).toBeGreaterThan(5);
    }
    expect(builtinFields().get('activity.streams')?.identifying).toBe(true);
    expect(() =>
      extendCatalogue(builtinFields(), [{ path: 'state', type: 'int', unit: 'count', description: 'x', identifying: false }]),
    ).toThrow();
  });
});

describe('theme validation', () => {
  const theme = JSON.parse(JSON.stringify({ name: 't', description: 'x', mode: 'dark', background: '#000', colours: {} })) as Record<
    string,
    unknown
  >;

  it('names the file and the bad colour', () => {
    const colours = Object.fromEntries(
      ['title', 'text', 'muted', 'accent', 'border', 'track', 'panel', 'ok', 'warn', 'bad', 'offline', 'stale'].map((k) => [k, '#123456']),
    );
    const bad = { ...theme, colours: { ...colours, accent: 'orange' } };
    expect(() => loadThemes([dirWith({ 't.json': bad })])).toThrow(/t\.json: colours\.accent: expected a hex colour/);
    const pair = { ...theme, colours, pair: 'missing' };
    expect(() => loadThemes([dirWith({ 't.json': pair })])).toThrow(/t\.json: pair: no theme named "missing"/);
    expect(loadThemes([dirWith({ 't.json': { ...theme, colours, background: '90,#000,#fff' } })]).get('t')?.background).toMatchObject({
      angle: 90,
    });
  });

  it('a syntax error in a theme names file, line and column, never the text', () => {
    const text = '{\n  "name": "t",\n  "background": #000-hunter2\n}';
    expect(() => loadThemes([dirWith({ 't.json': text })])).toThrow(/^.*t\.json: not valid JSON: invalid symbol at line 3, column 17$/);
    expect(() => loadThemes([dirWith({ 't.json': text })])).not.toThrow(/hunter2/);
  });

  it('every built-in pair points back', () => {
    const themes = loadThemes([`${root}themes`]);
    for (const t of themes.values()) if (t.pair) expect(themes.get(t.pair)?.pair, t.name).toBe(t.name);
  });
});
