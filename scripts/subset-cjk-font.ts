import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * npx tsx scripts/subset-cjk-font.ts [dir-with-NotoSansJP_*.ttf]
 *
 * Writes fonts/NotoSansJP_<weight>.subset.ttf: Noto Sans JP (Google Fonts' build, OFL 1.1, as
 * packaged in @expo-google-fonts/noto-sans-jp, the source of our Inter files too) cut down to the
 * characters Marquee draws in Japanese, so Japanese renders from the repository and never from
 * whatever CJK font a machine has (goldens, the locale tests, /health's coverage report). The
 * whole font is 5.5 MB a weight; the subset is a few hundred glyphs.
 *
 * Needs `pyftsubset` (pip install fonttools). Without an argument the source package is fetched
 * with `npm pack` into a temporary folder. Run it again after adding Japanese words to
 * locales/ja.json or Japanese strings to the demo data or tests; test/render/fonts.test.ts fails
 * on a character the subset lacks.
 *
 * Which characters:
 *  - every character of locales/ja.json;
 *  - every CJK character written in src/, test/, fixtures/ and templates/ (demo titles, the
 *    strings tests and goldens draw);
 *  - what Intl writes in Japanese for the numbers, units, dates and relative times the formatter
 *    uses (taken from Intl itself, for every unit and style, so a new format needs no new list);
 *  - all of hiragana, katakana, CJK punctuation and the fullwidth forms: a title in kana is drawn
 *    whole whatever its kanji.
 * Below U+2000 nothing is kept: Inter and DejaVu, earlier in the font stack, draw Latin, Greek
 * and Cyrillic.
 */
const PACKAGE = '@expo-google-fonts/noto-sans-jp@0.4.3';
const WEIGHTS = ['400Regular', '600SemiBold', '700Bold'];
const root = fileURLToPath(new URL('../', import.meta.url));

const CJK = /[\u2000-\u206f\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]/gu;
const ranges: [number, number][] = [
  [0x3000, 0x303f], // CJK symbols and punctuation
  [0x3041, 0x309f], // hiragana
  [0x30a0, 0x30ff], // katakana
  [0x31f0, 0x31ff], // katakana phonetic extensions
  [0xff01, 0xff9f], // fullwidth ASCII, halfwidth katakana
];

function walkFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walkFiles(path, out);
    else if (['.ts', '.json', '.yaml', '.yml', '.md'].includes(extname(name))) out.push(path);
  }
  return out;
}

function catalogueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') return Object.values(value).map(catalogueText).join('');
  return '';
}

/** What Intl writes in Japanese for everything Formatter asks of it (format.ts), and more. */
function intlText(locale: string): string {
  const out: string[] = [];
  const values = [0, 1, 2, 12.5, 1234, 56_789, 1_234_567, 12_345_678_901];
  for (const unit of Intl.supportedValuesOf('unit')) {
    for (const unitDisplay of ['short', 'narrow', 'long'] as const) {
      const nf = new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay });
      out.push(nf.format(1), nf.format(2));
      for (const per of ['second', 'hour']) {
        try {
          out.push(new Intl.NumberFormat(locale, { style: 'unit', unit: `${unit}-per-${per}`, unitDisplay }).format(3));
        } catch {
          // Not every pair is a sanctioned compound unit.
        }
      }
    }
  }
  for (const v of values) {
    out.push(new Intl.NumberFormat(locale, { notation: 'compact' }).format(v));
    out.push(new Intl.NumberFormat(locale, { style: 'percent' }).format(v / 100));
  }
  const units: Intl.RelativeTimeFormatUnit[] = ['second', 'minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];
  for (const numeric of ['auto', 'always'] as const) {
    for (const style of ['long', 'short', 'narrow'] as const) {
      const rtf = new Intl.RelativeTimeFormat(locale, { numeric, style });
      for (const u of units) for (const n of [-3, -2, -1, 0, 1, 2, 3]) out.push(rtf.format(n, u));
    }
  }
  for (let m = 0; m < 12; m++) {
    for (let h = 0; h < 24; h++) {
      const at = Date.UTC(2026, m, 1 + ((m * 3 + h) % 7), h, 4);
      for (const opts of [
        { hour: 'numeric', minute: '2-digit' },
        { hour: 'numeric' },
        { day: 'numeric', month: 'short' },
        { day: 'numeric', month: 'long', year: 'numeric' },
        { weekday: 'short' },
        { weekday: 'narrow' },
        { weekday: 'long' },
        { dateStyle: 'medium', timeStyle: 'short' },
        { hour: 'numeric', hour12: true, dayPeriod: 'short' },
      ] as Intl.DateTimeFormatOptions[])
        out.push(new Intl.DateTimeFormat(locale, { ...opts, timeZone: 'UTC' }).format(at));
    }
  }
  for (const type of ['conjunction', 'disjunction', 'unit'] as const) {
    for (const style of ['long', 'short', 'narrow'] as const)
      out.push(new Intl.ListFormat(locale, { type, style }).format(['a', 'b', 'c']));
  }
  return out.join('');
}

function characters(): string[] {
  const chars = new Set<string>();
  const add = (text: string) => {
    for (const ch of text) if ((ch.codePointAt(0) ?? 0) >= 0x2000) chars.add(ch);
  };
  add(catalogueText(JSON.parse(readFileSync(join(root, 'locales', 'ja.json'), 'utf8'))));
  for (const dir of ['src', 'test', 'fixtures', 'templates']) {
    for (const file of walkFiles(join(root, dir))) add((readFileSync(file, 'utf8').match(CJK) ?? []).join(''));
  }
  add(intlText('ja'));
  for (const [from, to] of ranges) for (let c = from; c <= to; c++) add(String.fromCodePoint(c));
  return [...chars].sort();
}

let source = process.argv[2];
let temp: string | null = null;
if (!source) {
  temp = mkdtempSync(join(tmpdir(), 'marquee-cjk-'));
  const tgz = execFileSync('npm', ['pack', PACKAGE, '--silent', '--pack-destination', temp], { encoding: 'utf8' }).trim();
  execFileSync('tar', ['xzf', join(temp, tgz), '-C', temp]);
  source = join(temp, 'package');
}
try {
  const chars = characters();
  const list = join(tmpdir(), `marquee-cjk-${process.pid}.txt`);
  writeFileSync(list, chars.map((ch) => (ch.codePointAt(0) ?? 0).toString(16)).join('\n'));
  for (const weight of WEIGHTS) {
    const file = `NotoSansJP_${weight}.ttf`;
    const input = readdirSync(source, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith(file));
    if (!input) throw new Error(`${file} not found under ${source}`);
    const out = join(root, 'fonts', `NotoSansJP_${weight}.subset.ttf`);
    // Default layout features (kerning, ligatures, the proportional and vertical forms pyftsubset
    // keeps); no hinting (the source has none: Skia autohints); the name table as it is, which
    // carries the font's copyright and licence lines.
    execFileSync('pyftsubset', [join(source, input), `--unicodes-file=${list}`, `--output-file=${out}`, '--name-IDs=*', '--no-hinting'], {
      stdio: 'inherit',
    });
    console.log(`${out}: ${chars.length} characters, ${statSync(out).size} bytes`);
  }
  const license = readdirSync(source, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('LICENSE_FONT'));
  if (license) copyFileSync(join(source, license), join(root, 'fonts', 'OFL-NotoSansJP.txt'));
  rmSync(list);
} finally {
  if (temp) rmSync(temp, { recursive: true, force: true });
}
