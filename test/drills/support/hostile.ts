import fc from 'fast-check';

/**
 * Arbitraries for hostile URLs. Each request is a path (bytes as sent) and optional headers; the
 * generators lean on what breaks servers: traversal in every spelling, NUL, invalid and double
 * percent-encoding, raw Latin-1 (invalid UTF-8 on the wire), huge numbers, long strings, repeated keys.
 */

export const IMAGE_NAMES = ['signature', 'banner', 'card', 'status', 'userbar', 'nowplaying', 'og', 'health'];
const THEMES = ['dark', 'light', 'nord', 'dracula', 'transparent', 'nope', 'DARK', 'dark-', '-dark'];
const QUERY_KEYS = [
  'theme',
  'scale',
  'locale',
  'cache_seconds',
  'bg_color',
  'text_color',
  'title_color',
  'icon_color',
  'accent_color',
  'border_color',
  'border_radius',
  'hide_border',
  'title',
  '__proto__',
  'constructor',
  'toString',
];

const traversal = fc.constantFrom(
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '..%2f',
  '%2e%2e%2f',
  '..%5c',
  '%2e%2e%5c',
  '....//',
  '..;',
  '%252e%252e%252f',
  '%c0%ae%c0%ae',
  '%c0%af',
  '%00',
  '%2500',
  '%0a',
  '%0d%0a',
  '/etc/passwd',
  '..\\..\\windows\\win.ini',
  '.env',
  '.git/config',
  'package.json',
  '../package.json',
  '../../src/main.ts',
  '%2e%2e%2fpackage.json',
);
const malformedEscape = fc.constantFrom('%', '%z', '%zz', '%e0%a4%a', '%ff%fe', '%u2215', '%%%', '%G0');
const hugeNumber = fc.constantFrom(
  '1e308',
  '-1e308',
  '9'.repeat(400),
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '0x10',
  '1.5',
  '-1',
  '2',
  '1',
  '0',
  '3',
  '1e-320',
  '99999999999999999999',
);
const colour = fc.oneof(
  fc.integer({ min: 0, max: 0xffffff }).map((n) => n.toString(16).padStart(6, '0')),
  fc.constantFrom('fff', '#fff', 'ffff', 'ff00ff80', 'zzz', '45,ff0000,00ff00', '90,' + 'abcdef,'.repeat(12), 'red', 'rgb(1,2,3)'),
);
const localeLike = fc.constantFrom(
  'en',
  'de-DE',
  'ja-JP',
  'zh-Hans-CN',
  'ar-EG',
  'x-private',
  'en-US-u-nu-arab',
  'i-klingon',
  'root',
  '',
  'xx-XX-xx-XX-xx',
);
const longString = fc
  .integer({ min: 200, max: 6000 })
  .chain((n) => fc.constantFrom('A', '%41', '../', '\u00e9', '%00').map((u) => u.repeat(Math.ceil(n / u.length))));
const anyText = fc.string({ unit: 'binary', maxLength: 40 });
/** Printable ASCII and Latin-1 (never DEL or controls, which Node's client refuses to send in a header). */
const latin1Text = fc.string({
  unit: fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff })).map((c) => String.fromCharCode(c)),
  maxLength: 24,
});

const atom = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...IMAGE_NAMES) },
  { weight: 3, arbitrary: traversal },
  { weight: 1, arbitrary: malformedEscape },
  { weight: 2, arbitrary: hugeNumber },
  { weight: 1, arbitrary: longString },
  { weight: 2, arbitrary: anyText },
  { weight: 1, arbitrary: latin1Text },
);

/** How a component travels: as typed (Node's client refuses bytes outside 0x21-0xff, so those get escaped), escaped once or twice. */
const encoding = fc.constantFrom('raw', 'raw', 'escape', 'double');
function encode(s: string, how: string): string {
  if (how === 'escape') return encodeURIComponent(s);
  if (how === 'double') return encodeURIComponent(encodeURIComponent(s));
  return s.replace(/[^\u0021-\u00ff]/gu, (c) => encodeURIComponent(c));
}
const part = (a: fc.Arbitrary<string>) => fc.tuple(a, encoding).map(([s, how]) => encode(s, how));

const imageFile = fc
  .record({
    name: part(atom),
    theme: fc.option(part(fc.oneof(fc.constantFrom(...THEMES), atom)), { nil: undefined }),
    scale: fc.option(fc.constantFrom('1', '2', '3', '0', '22', 'x'), { nil: undefined }),
    ext: fc.constantFrom('.png', '.png', '.png', '.json', '.shields.json', '.PNG', '.png.json', '.svg', '', '.png%00.json', '.png/'),
  })
  .map((f) => `${f.name}${f.theme !== undefined ? `-${f.theme}` : ''}${f.scale !== undefined ? `@${f.scale}x` : ''}${f.ext}`);

const queryValue = fc.oneof(atom, hugeNumber, colour, localeLike, fc.constantFrom('true', 'false', '', '[]', '{}', 'null'));
const query = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  {
    weight: 6,
    arbitrary: fc
      .array(
        fc.tuple(
          fc.oneof(fc.constantFrom(...QUERY_KEYS), part(anyText), fc.constantFrom('theme[]', 'scale[0]', 'a[b][c]')),
          part(queryValue),
        ),
        { minLength: 1, maxLength: 8 },
      )
      .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
  },
  { weight: 1, arbitrary: part(fc.oneof(anyText, longString)).map((q) => `?${q}`) },
);

const path = fc.oneof(
  { weight: 8, arbitrary: imageFile.map((f) => `/i/${f}`) },
  { weight: 2, arbitrary: fc.tuple(part(atom), imageFile).map(([etag, f]) => `/v/${etag}/${f}`) },
  // Several servers (issue 20): a server segment, a real id ('default') among hostile ones.
  { weight: 2, arbitrary: fc.tuple(fc.oneof(fc.constant('default'), part(atom)), imageFile).map(([server, f]) => `/i/${server}/${f}`) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(part(atom), fc.oneof(fc.constant('default'), part(atom)), imageFile)
      .map(([etag, server, f]) => `/v/${etag}/${server}/${f}`),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.oneof(fc.constant('default'), part(atom)), part(atom)).map(([server, n]) => `/embed/${server}/${n}`),
  },
  { weight: 1, arbitrary: fc.oneof(fc.constant('default'), part(atom)).map((server) => `/health/${server}`) },
  { weight: 3, arbitrary: fc.array(part(atom), { minLength: 1, maxLength: 5 }).map((segs) => `/assets/${segs.join('/')}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/assets/gallery.css',
      '/assets/gallery.js',
      '/assets/favicon.svg',
      '/assets',
      '/assets/',
      '/assets//gallery.css',
    ),
  },
  { weight: 1, arbitrary: part(atom).map((n) => `/embed/${n}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '/',
      '/health',
      '/privacy',
      '//',
      '/i/',
      '/i',
      '/v/',
      '/i//signature.png',
      '/./health',
      '/%2e/health',
      '/HEALTH',
    ),
  },
  { weight: 2, arbitrary: fc.array(part(atom), { minLength: 1, maxLength: 4 }).map((segs) => `/${segs.join('/')}`) },
);

export interface HostileRequest {
  path: string;
  headers: Record<string, string>;
}

export function hostileRequest(knownEtag: string): fc.Arbitrary<HostileRequest> {
  const headers = fc.oneof(
    { weight: 6, arbitrary: fc.constant({}) },
    { weight: 2, arbitrary: fc.constant({ 'If-None-Match': knownEtag }) },
    { weight: 1, arbitrary: latin1Text.map((t) => ({ 'If-None-Match': t })) },
    { weight: 1, arbitrary: fc.constantFrom('*', 'W/"x", "y"', `${knownEtag}, "other"`).map((t) => ({ 'If-None-Match': t })) },
  );
  return fc.record({ path: fc.tuple(path, query).map(([p, q]) => `${p}${q}`), headers });
}
