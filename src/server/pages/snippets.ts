/**
 * The copy-and-paste snippets shown for each image. Pure: (image, base URL, themes) -> text.
 * The text is plain (not HTML); the page template escapes it when it is displayed.
 */

export interface SnippetImage {
  name: string;
  /** The server the image is of (issue 20); absent: what `/i/<name>.png` shows. */
  server?: string;
  theme: string;
  alt: string;
  width: number;
  height: number;
}

export interface Snippet {
  /** Stable key, also used in element ids and by tests. */
  kind: 'markdown' | 'bbcode' | 'html' | 'picture' | 'url' | 'discord';
  label: string;
  /** Where this snippet is the right choice; a few words, shown under the label. */
  hint: string;
  text: string;
}

export interface ThemePair {
  dark: string;
  light: string;
}

/**
 * Picks the dark/light variants for a `<picture>`: the image's own theme family when the registry
 * has both halves (nord + nord_light, solarized_dark + solarized_light), else plain dark + light.
 */
export function themePair(theme: string, themes: readonly string[]): ThemePair | null {
  const has = (t: string) => themes.includes(t);
  const family = theme.replace(/_(dark|light)$/, '');
  if (has(`${family}_light`)) {
    if (has(`${family}_dark`)) return { dark: `${family}_dark`, light: `${family}_light` };
    if (has(family)) return { dark: family, light: `${family}_light` };
  }
  if (has('dark') && has('light')) return { dark: 'dark', light: 'light' };
  return null;
}

/** Markdown alt text: brackets and backslashes would end or escape the `![...]` early. */
const markdownAlt = (alt: string) => alt.replace(/[\\[\]]/g, '\\$&').replace(/\s+/g, ' ');

/** Attribute values inside a snippet the user pastes into their own HTML. */
const attr = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The path of an image under /i/ or /embed/: `<name>`, or `<server>/<name>` for one server's. */
export const imagePath = (image: { name: string; server?: string }) => (image.server ? `${image.server}/${image.name}` : image.name);

export function imageUrls(base: string, image: { name: string; server?: string }) {
  const at = imagePath(image);
  return {
    /** Path-only and ending in .png: the one shape phpBB-style [img] filters and Gmail's proxy accept. */
    plain: `${base}/i/${at}.png`,
    retina: `${base}/i/${at}@2x.png`,
    themed: (theme: string) => `${base}/i/${at}-${theme}.png`,
    embed: `${base}/embed/${at}`,
  };
}

export function buildSnippets(image: SnippetImage, base: string, themes: readonly string[]): Snippet[] {
  const url = imageUrls(base, image);
  const size = `width="${image.width}" height="${image.height}"`;
  const alt = attr(image.alt);
  const snippets: Snippet[] = [
    { kind: 'markdown', label: 'Markdown', hint: 'GitHub, Reddit', text: `![${markdownAlt(image.alt)}](${url.plain})` },
    { kind: 'bbcode', label: 'BBCode', hint: 'Forum signatures', text: `[img]${url.plain}[/img]` },
    {
      kind: 'html',
      label: 'HTML',
      hint: 'Websites, email',
      // Explicit size keeps layouts stable while loading and in mail clients that block images.
      text: `<img src="${url.plain}" srcset="${url.retina} 2x" ${size} alt="${alt}">`,
    },
  ];
  const pair = themePair(image.theme, themes);
  if (pair) {
    snippets.push({
      kind: 'picture',
      label: 'Dark / light',
      hint: 'Follows reader theme',
      text: [
        '<picture>',
        `  <source media="(prefers-color-scheme: dark)" srcset="${url.themed(pair.dark)}">`,
        `  <source media="(prefers-color-scheme: light)" srcset="${url.themed(pair.light)}">`,
        `  <img src="${url.plain}" ${size} alt="${alt}">`,
        '</picture>',
      ].join('\n'),
    });
  }
  snippets.push(
    { kind: 'url', label: 'URL', hint: 'Any image field', text: url.plain },
    // Discord freezes an unfurl per message, so it gets a page that points at a versioned image.
    { kind: 'discord', label: 'Discord', hint: 'Post the link', text: url.embed },
  );
  return snippets;
}
