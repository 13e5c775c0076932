import { z } from 'zod';
import { readJsonDir, TemplateError } from '../template/load.js';
import { BindingError, parseBinding, type Segment } from '../template/bindings.js';

/**
 * The message catalogue: every word an image draws, per locale, as data files (locales/*.json).
 * A message is a text in the template binding language ("updated {takenAt|time}", "+{n} more"), or
 * for a count, one such text per CLDR plural category of the locale ("{n} movie" / "{n} movies"),
 * chosen with Intl.PluralRules. English is the reference: every other file must have exactly its
 * keys, the plural categories its language has, and the same placeholders in each text, or loading
 * fails naming the file and the key.
 */

export const REFERENCE_LOCALE = 'en';

const pluralCategories = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;
type PluralCategory = (typeof pluralCategories)[number];

const messageSchema = z.union([
  z.string(),
  z.strictObject(
    Object.fromEntries(pluralCategories.map((c) => [c, z.string().optional()])) as Record<PluralCategory, z.ZodOptional<z.ZodString>>,
  ),
]);

export const localeFileSchema = z.strictObject({
  $schema: z.string().optional(),
  /** BCP 47 tag: en, fr, pt-BR, ja. */
  locale: z.string().regex(/^[a-z]{2,3}(-[A-Z][a-z]{3})?(-[A-Z]{2})?$/, 'a BCP 47 tag such as fr or pt-BR'),
  /** The language's own name for itself (documentation, gallery). */
  name: z.string().min(1),
  messages: z.record(z.string().regex(/^[a-zA-Z0-9_.-]+$/), messageSchema),
});

type Parsed = { kind: 'text'; segments: Segment[] } | { kind: 'plural'; forms: Partial<Record<PluralCategory, Segment[]>> };

export interface Catalogue {
  locale: string;
  name: string;
  file: string;
  messages: ReadonlyMap<string, Parsed>;
}

/** Placeholder paths of a text, sorted, for comparing a translation with English. */
function placeholders(segments: readonly Segment[]): string[] {
  return segments
    .flatMap((s) => (s.kind === 'field' ? [`${s.path}${s.format ? `|${s.format}` : ''}${s.arg ? `:${s.arg}` : ''}`] : []))
    .sort();
}

function parseText(file: string, key: string, text: string): Segment[] {
  try {
    const segs = parseBinding(text);
    if (segs.some((s) => s.kind === 'msg')) throw new BindingError('a message cannot refer to another message');
    return segs;
  } catch (e) {
    if (e instanceof BindingError) throw new TemplateError(file, `messages.${key}`, e.message);
    throw e;
  }
}

function parseFile(file: string, data: z.infer<typeof localeFileSchema>): Catalogue {
  // Intl falls back silently for a tag it has no data for: the plural rules would be another language's.
  if (Intl.PluralRules.supportedLocalesOf(data.locale).length !== 1) {
    throw new TemplateError(file, 'locale', `"${data.locale}" is not a locale this Node.js knows`);
  }
  const rules = new Intl.PluralRules(data.locale);
  const need = rules.resolvedOptions().pluralCategories as PluralCategory[];
  const messages = new Map<string, Parsed>();
  for (const [key, m] of Object.entries(data.messages)) {
    if (typeof m === 'string') {
      messages.set(key, { kind: 'text', segments: parseText(file, key, m) });
      continue;
    }
    const forms: Partial<Record<PluralCategory, Segment[]>> = {};
    for (const c of pluralCategories) {
      const v = m[c];
      if (v === undefined) {
        if (need.includes(c)) throw new TemplateError(file, `messages.${key}.${c}`, `${data.locale} needs the plural form "${c}"`);
        continue;
      }
      if (!need.includes(c))
        throw new TemplateError(file, `messages.${key}.${c}`, `${data.locale} has no plural form "${c}" (it has ${need.join(', ')})`);
      forms[c] = parseText(file, `${key}.${c}`, v);
    }
    messages.set(key, { kind: 'plural', forms });
  }
  return { locale: data.locale, name: data.name, file, messages };
}

/** The same keys, kinds and placeholders as the reference catalogue. */
function checkAgainst(ref: Catalogue, c: Catalogue): void {
  for (const key of ref.messages.keys()) {
    if (!c.messages.has(key)) throw new TemplateError(c.file, `messages.${key}`, `missing (${ref.file} has it)`);
  }
  for (const [key, m] of c.messages) {
    const r = ref.messages.get(key);
    if (!r) throw new TemplateError(c.file, `messages.${key}`, `unknown key (not in ${ref.file})`);
    if (r.kind !== m.kind)
      throw new TemplateError(c.file, `messages.${key}`, `must be ${r.kind === 'text' ? 'a text' : 'plural forms'} as in ${ref.file}`);
    const want = placeholders(r.kind === 'text' ? r.segments : (r.forms.other ?? []));
    const texts = m.kind === 'text' ? [['', m.segments] as const] : Object.entries(m.forms).map(([k, v]) => [`.${k}`, v] as const);
    for (const [suffix, segs] of texts) {
      const have = placeholders(segs);
      // A plural form may leave the number out ("un film" for one), never add another value.
      const ok = m.kind === 'text' ? have.join() === want.join() : have.every((p) => want.includes(p));
      if (!ok)
        throw new TemplateError(
          c.file,
          `messages.${key}${suffix}`,
          `placeholders {${have.join('} {')}} differ from ${ref.file}'s {${want.join('} {')}}`,
        );
    }
  }
}

/** Loads and cross-checks every locale file; throws TemplateError naming the file and the key. */
export function loadCatalogues(dirs: readonly string[]): Map<string, Catalogue> {
  const out = new Map<string, Catalogue>();
  for (const { file, data } of readJsonDir(dirs, localeFileSchema)) {
    if (out.has(data.locale)) throw new TemplateError(file, 'locale', `"${data.locale}" is defined twice`);
    out.set(data.locale, parseFile(file, data));
  }
  const ref = out.get(REFERENCE_LOCALE);
  if (!ref) throw new TemplateError(dirs.join(', '), '', `no ${REFERENCE_LOCALE}.json message catalogue`);
  for (const c of out.values()) if (c !== ref) checkAgainst(ref, c);
  return out;
}

/**
 * The catalogue for a requested BCP 47 tag: the exact tag, else the same language (fr-CA -> fr,
 * pt-PT -> pt-BR, en-US -> en), else English.
 */
export function matchCatalogue(all: ReadonlyMap<string, Catalogue>, requested: string | undefined): Catalogue {
  const ref = all.get(REFERENCE_LOCALE) as Catalogue;
  if (!requested) return ref;
  let tag: string;
  try {
    tag = Intl.getCanonicalLocales(requested)[0] ?? '';
  } catch {
    return ref;
  }
  const exact = all.get(tag);
  if (exact) return exact;
  const lang = tag.split('-')[0]?.toLowerCase() ?? '';
  return all.get(lang) ?? [...all.values()].find((c) => c.locale.split('-')[0] === lang) ?? ref;
}

/** Messages of one catalogue, with the plural rules of its locale. */
export class Messages {
  private readonly rules: Intl.PluralRules;
  constructor(readonly catalogue: Catalogue) {
    this.rules = new Intl.PluralRules(catalogue.locale);
  }

  get locale(): string {
    return this.catalogue.locale;
  }

  has(key: string): boolean {
    return this.catalogue.messages.has(key);
  }

  /** The parsed text of a message; for plural messages, the form `count` selects. */
  segments(key: string, count?: number): Segment[] {
    const m = this.catalogue.messages.get(key);
    // Keys are checked at load (templates) or are constants (widgets): a miss is a bug, shown as the key.
    if (!m) return [{ kind: 'lit', text: key }];
    if (m.kind === 'text') return m.segments;
    const cat = this.rules.select(count ?? 0) as PluralCategory;
    return m.forms[cat] ?? m.forms.other ?? [];
  }

  /** A message with its `{name}` placeholders filled from `args` (already formatted strings). */
  t(key: string, args: Record<string, string> = {}, count?: number): string {
    return this.segments(key, count)
      .map((s) => (s.kind === 'lit' ? s.text : s.kind === 'field' ? (args[s.path] ?? '') : ''))
      .join('');
  }
}
