import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The Unraid Community Applications template. CA reads only what dockerMan itself writes: a
 * <Container version="2"> with Name and Repository (required), Overview, Category, Support, Project,
 * TemplateURL and Icon (recommended), and <Config> entries whose attributes are Name, Target,
 * Default, Mode, Description, Type, Display, Required and Mask.
 */
const root = path.resolve(import.meta.dirname, '../..');
const xml = readFileSync(path.join(root, 'unraid/marquee.xml'), 'utf8');
const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

interface ConfigEntry {
  '@_Name': string;
  '@_Target': string;
  '@_Default': string;
  '@_Mode': string;
  '@_Description': string;
  '@_Type': string;
  '@_Display': string;
  '@_Required': string;
  '@_Mask': string;
  '#text'?: string | number;
}

const doc = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'Config' }).parse(xml) as {
  Container: Record<string, unknown> & { '@_version': string; Config: ConfigEntry[] };
};
const container = doc.Container;

describe('Unraid template', () => {
  it('is well-formed XML', () => {
    expect(XMLValidator.validate(xml)).toBe(true);
  });

  it('has the fields Community Applications requires and recommends', () => {
    expect(container['@_version']).toBe('2');
    for (const field of ['Name', 'Repository', 'Overview', 'Category', 'Support', 'Project', 'TemplateURL', 'Icon', 'WebUI'])
      expect(String(container[field] ?? '').trim(), field).not.toBe('');
    expect(container.Privileged).toBe(false);
  });

  it('declares every Config entry with the attributes dockerMan writes', () => {
    for (const c of container.Config) {
      for (const attr of ['Name', 'Target', 'Default', 'Mode', 'Description', 'Type', 'Display', 'Required', 'Mask'])
        expect(c, `${c['@_Name']}: ${attr}`).toHaveProperty(`@_${attr}`);
      expect(['Path', 'Port', 'Variable', 'Device', 'Label']).toContain(c['@_Type']);
      expect(['always', 'advanced', 'always-hide', 'advanced-hide']).toContain(c['@_Display']);
    }
  });

  it('matches the image: its port, its /config volume and the settings the entrypoint and Marquee read', () => {
    const byType = (type: string) => container.Config.filter((c) => c['@_Type'] === type);
    const expose = /^EXPOSE (\d+)/m.exec(dockerfile)?.[1];
    expect(byType('Port').map((c) => c['@_Target'])).toEqual([expose]);
    expect(byType('Path').map((c) => c['@_Target'])).toContain('/config');
    const variables = byType('Variable').map((c) => c['@_Target']);
    expect(variables).toEqual(expect.arrayContaining(['PUID', 'PGID', 'UMASK', 'TZ', 'MARQUEE_PLEX_DB', 'MARQUEE_TAUTULLI_DB']));
    // The loader's table, and the schema where secret settings carry their variable with their mark.
    const source = ['load.ts', 'schema.ts'].map((f) => readFileSync(path.join(root, 'src/config', f), 'utf8')).join('\n');
    for (const v of variables.filter((name) => name.startsWith('MARQUEE_'))) expect(source, v).toContain(v);
  });

  it('masks the Plex token, and points the databases inside the mounted appdata folders', () => {
    const entry = (target: string) => container.Config.find((c) => c['@_Target'] === target)!;
    expect(entry('MARQUEE_PLEX_TOKEN')['@_Mask']).toBe('true');
    const mounts = container.Config.filter((c) => c['@_Type'] === 'Path').map((c) => c['@_Target']);
    for (const db of ['MARQUEE_PLEX_DB', 'MARQUEE_TAUTULLI_DB']) {
      const value = String(entry(db)['#text'] ?? entry(db)['@_Default']);
      expect(
        mounts.some((m) => value.startsWith(`${m}/`)),
        db,
      ).toBe(true);
    }
  });
});
