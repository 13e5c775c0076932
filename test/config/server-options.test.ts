import express from 'express';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/load.js';
import { redactConfig } from '../../src/config/secrets.js';

function load(yaml: string) {
  const dir = mkdtempSync(path.join(tmpdir(), 'marquee-config-'));
  writeFileSync(path.join(dir, 'marquee.yaml'), yaml);
  return loadConfig({ MARQUEE_CONFIG: 'marquee.yaml' }, dir);
}

/** The oracle: what Express itself accepts as `trust proxy`. */
function expressAccepts(value: unknown): boolean {
  try {
    express().set('trust proxy', value);
    return true;
  } catch {
    return false;
  }
}

describe('server options', () => {
  it('bounds connections and trusts no proxy by default', () => {
    expect(load('').server).toMatchObject({
      trustProxy: false,
      maxConnections: 1024,
      idleTimeoutMs: 10_000,
      headersTimeoutMs: 5_000,
      requestTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000,
    });
  });

  it.each([
    true,
    2,
    'loopback',
    'loopback, 10.0.0.0/8',
    '10.0.0.0/255.0.0.0',
    ['::1', 'fc00::/7', 'uniquelocal'],
    '::ffff:10.0.0.1',
    // Express rejects these; so must the config, naming the key, before anything starts.
    'nonsense',
    '10.0.0.0/33',
    '10.0.0.0/255.0.255.0',
    ['localhost'],
    '2001:db8::/0',
    'fc00::/255.0.0.0',
  ])('server.trustProxy %j is valid exactly when Express accepts it', (value) => {
    const yaml = `server:\n  trustProxy: ${JSON.stringify(value)}\n`;
    if (expressAccepts(value)) expect(load(yaml).server.trustProxy).toEqual(value);
    else expect(() => load(yaml)).toThrow(/server\.trustProxy/);
  });

  it('takes the ETag key from the config when set, and masks it when printed', () => {
    const config = load('server:\n  etagSecret: shared-by-every-renderer\n');
    expect(config.server.etagSecret).toBe('shared-by-every-renderer');
    expect(JSON.stringify(redactConfig(config))).not.toContain('shared-by-every-renderer');
  });

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => load('server:\n  headersTimeoutMs: 20000\n  requestTimeoutMs: 10000\n')).toThrow(ConfigError);
  });
});
