/**
 * Text in a snapshot comes from databases other people write: a Plex title, a Tautulli user name,
 * a custom metric's row. Every string that enters a snapshot passes through here once, so a
 * 200,000-character title or a right-to-left override cannot reach a store, a JSON route or an
 * image, whatever source (today's SQLite readers, tomorrow's HTTP ones) it came from.
 */

/** Longest string kept, in UTF-16 code units, ellipsis included. No title or name needs more. */
export const MAX_TEXT = 256;

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Line breaks, tabs and line/paragraph separators: whitespace to a person, so they become spaces. */
const BREAKS = /[\t\n\v\f\r\u0085\u2028\u2029]+/g;
/**
 * Invisible controls: every other Cc (C0/C1), every Cf (bidirectional embeddings, overrides and
 * isolates, LRM/RLM, zero-width space, soft hyphen, BOM, word joiner, tag characters) and lone
 * surrogates. Two Cf characters stay: ZWJ (U+200D), which joins emoji sequences such as 👩‍👩‍👧
 * into one glyph, and ZWNJ (U+200C), which Persian and Indic spelling needs. Neither reorders
 * text or hides a character; each only changes how its neighbours join.
 */
const INVISIBLE = /(?![\u200c\u200d])[\p{Cc}\p{Cf}\p{Cs}]/gu;

/**
 * Removes invisible controls and cuts `text` to at most `max` code units on a grapheme boundary,
 * ending with an ellipsis when cut. Idempotent.
 */
export function cleanText(text: string, max = MAX_TEXT): string {
  const clip = clipText(text, max);
  return clip.cut ? clip.text + ELLIPSIS : clip.text;
}

/**
 * The work behind cleanText, for callers that mark a cut themselves (the renderer's text fitting):
 * the text without controls and, when it was longer than `max`, its leading whole graphemes, at
 * most `max - 1` code units (room for an ellipsis). Linear in `max`, not in the input: the input is
 * cut before the expressions and the segmenter see it.
 */
export function clipText(text: string, max: number): { text: string; cut: boolean } {
  // Stripping only shortens, so a generous head is enough; a string that is mostly invisible
  // controls may lose its visible tail, which is a hostile string's problem.
  const limit = max * 8 + 8;
  const head = text.length > limit ? text.slice(0, limit) : text;
  const clean = head.replace(BREAKS, ' ').replace(INVISIBLE, '');
  if (head === text && clean.length <= max) return { text: clean, cut: false };
  // The segment that straddles the cut may be a partial grapheme; dropping the last segment drops
  // it (boundaries before it depend only on what precedes them, so they are the full text's), and
  // frees at least the one code unit an ellipsis needs.
  const parts = Array.from(graphemes.segment(clean.slice(0, max)), (s) => s.segment);
  parts.pop();
  return { text: parts.join('').trimEnd(), cut: true };
}

/**
 * `cleanText` applied to every string inside plain data (objects, arrays), leaving other values
 * as they are. Object keys are not touched: they are ours (schema fields) or the admin's (metric
 * columns). Returns new containers; the input is not modified.
 */
export function sanitiseData<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (Array.isArray(value)) return value.map(walk);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v);
    return out;
  }
  return value;
}
