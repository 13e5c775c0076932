import { describe, expect, it } from 'vitest';
import { InvalidParameter, NotFound } from '../../src/server/errors.js';
import { parseImageRequest, type ImageCatalogue, type ImageDefinition } from '../../src/server/image-request.js';

/**
 * parseImageRequest is pure: route parameters and query in, a request value or a typed error out.
 * Expected values are written out from the catalogue below.
 */

const signature: ImageDefinition = { template: 'signature', theme: 'dark', maxAgeS: 60, minMaxAgeS: 30, cacheMode: 'max-age' };
const catalogue: ImageCatalogue = {
  images: new Map([
    ['signature', signature],
    ['status', { ...signature, template: 'status' }],
  ]),
  templates: new Set(['signature', 'status', 'banner', 'card']),
  // 'card-x' reads as a theme, whole, before preset + theme is tried.
  themes: new Set(['dark', 'light', 'nord', 'nord_light', 'card-x']),
  locale: 'en-GB',
  timeZone: 'Europe/Paris',
};
const parse = (file: string, query: Record<string, unknown> = {}, server?: string) =>
  parseImageRequest({ file, ...(server !== undefined ? { server } : {}) }, query, catalogue);

describe('parseImageRequest', () => {
  it.each([
    ['signature.png', {}, { name: 'signature', format: 'png', template: 'signature', theme: 'dark', scale: 1 }],
    ['signature-light@2x.png', {}, { name: 'signature', format: 'png', template: 'signature', theme: 'light', scale: 2 }],
    ['signature.png', { theme: 'nord', scale: '2', size: 'banner' }, { template: 'banner', theme: 'nord', scale: 2 }],
    // The path's spelling wins over the query's.
    ['signature-light.png', { theme: 'nord' }, { theme: 'light' }],
    ['status.shields.json', {}, { name: 'status', format: 'shields.json', template: 'status' }],
    ['signature.json', {}, { format: 'json' }],
    ['signature-nord@2x.svg', {}, { format: 'svg', theme: 'nord', scale: 2 }],
    // Size presets as paths: /i/<name>-<preset>[-<theme>][@2x].png, the preset being a template.
    ['signature-banner.png', {}, { template: 'banner', theme: 'dark', scale: 1 }],
    ['signature-banner@2x.png', {}, { template: 'banner', theme: 'dark', scale: 2 }],
    ['signature-banner-nord_light@2x.png', {}, { template: 'banner', theme: 'nord_light', scale: 2 }],
    ['signature-card-light.png', {}, { template: 'card', theme: 'light' }],
    // A whole suffix naming a theme is the theme, even where it starts like a preset.
    ['signature-card-x.png', {}, { template: 'signature', theme: 'card-x' }],
    // The path's preset wins over the query's, the query's theme still applies beside it.
    ['signature-banner.png', { size: 'card', theme: 'nord' }, { template: 'banner', theme: 'nord' }],
    ['status-banner.shields.json', {}, { format: 'shields.json', template: 'banner' }],
  ])('%s %j', (file, query, expected) => {
    const r = parse(file, query);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const { scale, ...rest } = expected as Record<string, unknown>;
    expect(r.request).toMatchObject(rest);
    if (scale !== undefined) expect(r.request.params.scale).toBe(scale);
  });

  it("fills the owner's locale and zone, keeps colour overrides, takes the last of repeated keys", () => {
    const r = parse('signature.png', { bg_color: ['000000', 'ff0000'], cache_seconds: '3600', utm_source: 'x' });
    expect(r.ok && r.request.params).toEqual({ scale: 1, locale: 'en-GB', timeZone: 'Europe/Paris', overrides: { bg_color: 'ff0000' } });
    expect(r.ok && r.request.cacheSeconds).toBe(3600);
    expect(parse('signature.png', { locale: 'de-DE' })).toMatchObject({ ok: true, request: { params: { locale: 'de-DE' } } });
  });

  it('is of the only server unless one is named, and refuses a server id that is not a slug', () => {
    expect(parse('signature.png')).toMatchObject({ ok: true, request: { server: '' } });
    expect(parse('signature.png', {}, 'fourk')).toMatchObject({ ok: true, request: { server: 'fourk' } });
    const bad = parse('signature.png', {}, '../etc');
    expect(!bad.ok && bad.error).toBeInstanceOf(NotFound);
  });

  describe('with the servers a config names', () => {
    const withServers: ImageCatalogue = { ...catalogue, servers: new Set(['home', '4k']) };
    const at = (server: string, file = 'signature-light@2x.png', query: Record<string, unknown> = {}) =>
      parseImageRequest({ file, server }, query, withServers);

    it('is of a named server with every suffix', () => {
      expect(at('4k')).toMatchObject({ ok: true, request: { server: '4k', theme: 'light', params: { scale: 2 } } });
      expect(at('home', 'signature-banner-nord.svg')).toMatchObject({
        ok: true,
        request: { server: 'home', template: 'banner', theme: 'nord', format: 'svg' },
      });
      expect(at('', 'signature.png')).toMatchObject({ ok: true, request: { server: '' } });
    });

    it.each(['nope', '_network', 'HOME', 'a/b', '-home', 'x'.repeat(40)])(
      'answers server %j with a 404 drawn as the image asked for, before reading its query',
      (server) => {
        const r = at(server, 'signature-light@2x.png', { bg_color: 'zz' });
        expect(r.ok).toBe(false);
        if (r.ok) return;
        expect(r.error).toBeInstanceOf(NotFound);
        expect(r.error.message).toBe('unknown server');
        expect(r.error.look).toEqual({ format: 'png', template: 'signature', theme: 'light', scale: 2 });
      },
    );

    it('answers an unknown image before an unknown server', () => {
      const r = at('nope', 'nope.png');
      expect(!r.ok && r.error.message).toBe('unknown image');
    });
  });

  it.each([
    ['nope.png', {}, NotFound, 404, 'unknown image'],
    ['../signature.png', {}, NotFound, 404, 'unknown image'],
    ['signature.gif', {}, NotFound, 404, 'unknown image'],
    ['signature-nope.png', {}, InvalidParameter, 400, 'unknown theme or size'],
    ['signature-banner-nope.png', {}, InvalidParameter, 400, 'unknown theme or size'],
    ['signature-nope-light.png', {}, InvalidParameter, 400, 'unknown theme or size'],
    ['signature-light-banner.png', {}, InvalidParameter, 400, 'unknown theme or size'],
    ['signature-banner-.png', {}, InvalidParameter, 400, 'unknown theme or size'],
    ['signature.png', { theme: 'nope' }, InvalidParameter, 400, 'unknown theme'],
    ['signature.png', { size: 'og' }, InvalidParameter, 400, 'unknown size'],
    ['signature.png', { scale: '3' }, InvalidParameter, 400, 'bad scale'],
    ['signature.png', { bg_color: 'zz' }, InvalidParameter, 400, 'bad bg_color'],
  ])('%s %j is a %s (%i, %s)', (file, query, kind, status, message) => {
    const r = parse(file, query);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toBeInstanceOf(kind);
    expect([r.error.status, r.error.message]).toEqual([status, message]);
  });

  it('describes how its error should look: the image, a known theme, the scale asked for', () => {
    const r = parse('signature-nope@2x.png');
    expect(!r.ok && r.error.look).toEqual({ format: 'png', template: 'signature', theme: 'dark', scale: 2 });
    const q = parse('signature-light.png', { bg_color: 'zz' });
    expect(!q.ok && q.error.look).toEqual({ format: 'png', template: 'signature', theme: 'light', scale: 1 });
  });
});
