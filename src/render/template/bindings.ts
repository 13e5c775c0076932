import { formatNames, type FormatName } from '../format.js';

/**
 * A text template such as "{activity.streamCount|int} streams" parsed once at load, so layout
 * never parses strings and every path is checked against the catalogue before the first render.
 */
export type Segment =
  | { kind: 'lit'; text: string }
  | { kind: 'field'; path: string; format: FormatName | null; arg: string | null }
  /** `{#key}`: a message from the catalogue, in the render's language. */
  | { kind: 'msg'; key: string };

const PLACEHOLDER = /\{(?:#([a-zA-Z0-9_.-]+)|([a-zA-Z0-9_.-]+)(?:\|([a-z]+)(?::([^{}]*))?)?)\}/g;

export class BindingError extends Error {}

export function parseBinding(text: string): Segment[] {
  const out: Segment[] = [];
  let last = 0;
  for (const m of text.matchAll(PLACEHOLDER)) {
    const at = m.index;
    if (at > last) out.push({ kind: 'lit', text: text.slice(last, at) });
    const [, key, path = '', format, arg] = m;
    last = at + m[0].length;
    if (key !== undefined) {
      out.push({ kind: 'msg', key });
      continue;
    }
    if (format !== undefined && !(formatNames as readonly string[]).includes(format)) {
      throw new BindingError(`unknown format "${format}" (known: ${formatNames.join(', ')})`);
    }
    out.push({ kind: 'field', path, format: (format as FormatName | undefined) ?? null, arg: arg ?? null });
  }
  if (last < text.length) out.push({ kind: 'lit', text: text.slice(last) });
  const rest = out.filter((s) => s.kind === 'lit').map((s) => (s.kind === 'lit' ? s.text : ''));
  if (rest.some((t) => t.includes('{') || t.includes('}'))) {
    throw new BindingError(`malformed placeholder in "${text}" (expected {path}, {path|format} or {#message})`);
  }
  return out;
}

export function messageKeys(segments: readonly Segment[]): string[] {
  return segments.flatMap((s) => (s.kind === 'msg' ? [s.key] : []));
}

export function boundPaths(segments: readonly Segment[]): string[] {
  return segments.flatMap((s) => (s.kind === 'field' ? [s.path] : []));
}
