import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import type { FieldCatalogue } from '../../snapshot/fields.js';
import type { Catalogue } from '../i18n/catalogue.js';
import { BindingError, boundPaths, messageKeys, parseBinding, type Segment } from './bindings.js';
import { templateFileSchema, type TemplateFile, type WidgetSpec } from './schema.js';

/** A template or theme file that cannot be used; the message names the file and the field. */
export class TemplateError extends Error {
  constructor(
    readonly file: string,
    readonly field: string,
    problem: string,
  ) {
    super(`${file}: ${field ? `${field}: ` : ''}${problem}`);
    this.name = 'TemplateError';
  }
}

export interface CompiledWidget {
  spec: WidgetSpec;
  /** Parsed text templates by property name (text, label, value, ...). */
  texts: Record<string, Segment[]>;
}

export interface Template extends Omit<TemplateFile, 'widgets' | '$schema'> {
  file: string;
  widgets: CompiledWidget[];
}

/** Placeholders that are not snapshot fields. */
export const pseudoFields = new Set(['title']);

/** Reads every *.json in `dirs` (sorted, so load order is stable), validating with `schema`. */
export function readJsonDir<S extends z.ZodType>(dirs: readonly string[], schema: S): { file: string; data: z.infer<S> }[] {
  const out: { file: string; data: z.infer<S> }[] = [];
  for (const dir of dirs) {
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.json') && !n.endsWith('.schema.json'))
      .sort()) {
      const file = join(dir, name);
      const raw = parseJsonFile(file, readFileSync(file, 'utf8'));
      const parsed = schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new TemplateError(file, issue?.path.join('.') ?? '', issue?.message ?? 'invalid');
      }
      out.push({ file, data: parsed.data });
    }
  }
  return out;
}

/**
 * JSON.parse, with a syntax error located by line and column. V8's own message quotes the text
 * around the error (`Unexpected token 'S', "{"key": S…" is not valid JSON`), and a file beside the
 * templates may hold a secret; jsonc-parser (comments and trailing commas off: strict JSON) says
 * where and what kind without quoting anything.
 */
export function parseJsonFile(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) throw new TemplateError(file, '', 'not valid JSON');
    const before = text.slice(0, first.offset);
    const line = before.split('\n').length;
    const column = first.offset - before.lastIndexOf('\n');
    // InvalidSymbol -> "invalid symbol"
    const what = printParseErrorCode(first.error)
      .replace(/(?<=[a-z])(?=[A-Z])/g, ' ')
      .toLowerCase();
    throw new TemplateError(file, '', `not valid JSON: ${what} at line ${line}, column ${column}`);
  }
}

const textProps = ['text', 'label', 'value', 'empty'] as const;
const numericTypes = new Set(['int', 'number']);

/** 'present' (requires / unless) takes a value or a list: a list is present when it has items. */
function checkPath(path: string, catalogue: FieldCatalogue, want: 'scalar' | 'number' | 'series' | 'present'): string | null {
  if ((want === 'scalar' || want === 'present') && pseudoFields.has(path)) return null;
  const info = catalogue.get(path);
  if (!info) return `unknown field "${path}" (not in the field catalogue)`;
  if (want === 'series' && info.type !== 'series') return `"${path}" is not a series (use a series.* field)`;
  if (want === 'number' && !numericTypes.has(info.type)) return `"${path}" is not a number`;
  if (want === 'scalar' && (info.type === 'list' || info.type === 'series')) return `"${path}" is a ${info.type}, not a value`;
  if (want === 'present' && info.type === 'series') return `"${path}" is a series, not a value`;
  return null;
}

/** Every `{#key}` names a text message, every `|count:noun` a plural "count.noun", in the reference catalogue. */
function checkMessages(segments: readonly Segment[], messages: Catalogue, cat: FieldCatalogue): string | null {
  for (const key of messageKeys(segments)) {
    const m = messages.messages.get(key);
    if (!m) return `unknown message "${key}" (not in ${messages.file})`;
    if (m.kind !== 'text') return `message "${key}" has plural forms; use {path|count:noun} for counts`;
    for (const p of boundPaths(m.segments)) {
      const err = checkPath(p, cat, 'scalar');
      if (err) return `message "${key}": ${err}`;
    }
  }
  for (const s of segments) {
    if (s.kind !== 'field' || s.format !== 'count') continue;
    if (messages.messages.get(`count.${s.arg ?? ''}`)?.kind !== 'plural')
      return `{${s.path}|count:${s.arg ?? ''}}: no plural message "count.${s.arg ?? ''}" in ${messages.file}`;
  }
  return null;
}

function compileWidget(
  spec: WidgetSpec,
  i: number,
  t: TemplateFile,
  file: string,
  cat: FieldCatalogue,
  messages: Catalogue,
): CompiledWidget {
  const where = (p: string): string => `widgets.${i}.${p}`;
  if (spec.x + spec.w > t.width + 0.01 || spec.y + spec.h > t.height + 0.01) {
    throw new TemplateError(file, where('x'), `widget box ${spec.x},${spec.y} ${spec.w}x${spec.h} leaves the ${t.width}x${t.height} image`);
  }
  const texts: Record<string, Segment[]> = {};
  const rec = spec as unknown as Record<string, unknown>;
  for (const prop of textProps) {
    const v = rec[prop];
    // bar/gauge `value` is a path, not a text template.
    if (typeof v !== 'string' || (prop === 'value' && (spec.type === 'bar' || spec.type === 'gauge'))) continue;
    try {
      texts[prop] = parseBinding(v);
    } catch (e) {
      if (e instanceof BindingError) throw new TemplateError(file, where(prop), e.message);
      throw e;
    }
    for (const p of boundPaths(texts[prop])) {
      const err = checkPath(p, cat, 'scalar');
      if (err) throw new TemplateError(file, where(prop), err);
    }
    const err = checkMessages(texts[prop], messages, cat);
    if (err) throw new TemplateError(file, where(prop), err);
  }
  const paths: [string, unknown, 'number' | 'series'][] = [];
  if (spec.type === 'bar' || spec.type === 'gauge') paths.push(['value', spec.value, 'number'], ['max', spec.max, 'number']);
  if (spec.type === 'sparkline') paths.push(['series', spec.series, 'series']);
  for (const prop of ['requires', 'unless'] as const) {
    const err = spec[prop] === undefined ? null : checkPath(spec[prop], cat, 'present');
    if (err) throw new TemplateError(file, where(prop), err);
  }
  for (const [prop, v, want] of paths) {
    if (typeof v !== 'string') continue;
    const err = checkPath(v, cat, want);
    if (err) throw new TemplateError(file, where(prop), err);
  }
  return { spec, texts };
}

export function compileTemplate(t: TemplateFile, file: string, catalogue: FieldCatalogue, messages: Catalogue): Template {
  const { $schema: _schema, widgets, ...rest } = t;
  return { ...rest, file, widgets: widgets.map((w, i) => compileWidget(w, i, t, file, catalogue, messages)) };
}

/** Loads all templates; a later directory may replace a built-in of the same name on purpose. */
export function loadTemplates(dirs: readonly string[], catalogue: FieldCatalogue, messages: Catalogue): Map<string, Template> {
  const out = new Map<string, Template>();
  for (const { file, data } of readJsonDir(dirs, templateFileSchema)) {
    out.set(data.name, compileTemplate(data, file, catalogue, messages));
  }
  return out;
}
