#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { ConfigError, loadConfig, redactConfig, type Config } from './config/load.js';
import { createLogger } from './logging/logger.js';
import { createMarquee, startMarquee, type Marquee } from './main.js';
import { acquireInstanceLock, type InstanceLock } from './stores/sqlite/instance-lock.js';
import { VERSION } from './version.js';
import type { Logger } from 'pino';

const program = new Command()
  .name('marquee')
  .description("Turns a Plex media server's live state into embeddable status images")
  .version(VERSION)
  .showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('collect on schedule and serve images over HTTP')
  .option('--no-collect', 'do not collect; serve what the store holds (remote renderer)')
  .addOption(new Option('--store <kind>', 'where the server reads snapshots from').choices(['sqlite', 'sheets']))
  .option('-p, --port <port>', 'port to listen on (overrides config)', parsePort)
  .action(async (opts: { collect: boolean; store?: 'sqlite' | 'sheets'; port?: number }) => {
    const config = withOverrides(load(), opts);
    const collect = opts.collect && config.collector.enabled;
    // Only a collecting process writes the store; read-only renderers may share a data directory.
    const lock = collect ? acquireInstanceLock(config.dataDir) : null;
    const logger = createLogger(config.logLevel);
    const marquee = await createMarquee(config, logger);
    await startMarquee(marquee, logger, { collect });
    logger.info(
      { url: marquee.url, demo: config.demo, store: config.store },
      `Marquee ${VERSION} serving${config.demo ? ' demo data' : ''}`,
    );
    stopOnSignals(marquee, logger, lock);
  });

program
  .command('collect')
  .description('run collection cycles without serving')
  .option('--once', 'run one cycle and exit')
  .option('--print', 'print the snapshot as JSON')
  .action(async (opts: { once?: boolean; print?: boolean }) => {
    const config = load();
    const lock = acquireInstanceLock(config.dataDir);
    // With --print, stdout carries only the JSON; logs go to stderr.
    const logger = createLogger(config.logLevel, opts.print ? process.stderr : undefined);
    const marquee = await createMarquee(config, logger);
    if (!opts.once) {
      await marquee.collector.collect();
      marquee.collector.start(config.collector.schedule, logger);
      stopOnSignals(marquee, logger, lock);
      return;
    }
    const snapshot = await marquee.collector.collect();
    if (opts.print) process.stdout.write(`${JSON.stringify(snapshot, null, 2)}\n`);
    await marquee.stop();
    lock.release();
  });

program
  .command('check-config')
  .description('validate the configuration, templates and themes, then print it with secrets masked')
  .action(async () => {
    const config = load();
    const logger = createLogger('silent');
    const marquee = await createMarquee(config, logger);
    process.stdout.write(
      `${JSON.stringify({ ok: true, config: redactConfig(config), templates: [...marquee.renderer.templates.keys()], themes: [...marquee.renderer.themes.keys()] }, null, 2)}\n`,
    );
    await marquee.stop();
  });

program
  .command('render')
  .description('render one image to a file from the latest stored snapshot')
  .argument('<template>', 'template name')
  .option('-t, --theme <theme>', 'theme name', 'dark')
  .option('-s, --scale <scale>', '1 or 2', (v) => (v === '2' ? 2 : 1), 1)
  .option('-o, --out <file>', 'output PNG path', 'marquee.png')
  .action(async (template: string, opts: { theme: string; scale: 1 | 2; out: string }) => {
    const config = load();
    const logger = createLogger('warn', process.stderr);
    const marquee = await createMarquee(config, logger);
    const snapshot = marquee.collector.latest ?? (await marquee.collector.collect());
    const history = await marquee.stores.read.history(Date.now() - 86_400_000);
    const image = await marquee.renderer.render({
      snapshot,
      history,
      template,
      theme: opts.theme,
      params: { scale: opts.scale, locale: config.render.locale, timeZone: config.render.timeZone },
      now: Date.now(),
      staleAfterMs: config.render.staleAfterS * 1000,
    });
    writeFileSync(opts.out, image.png);
    process.stderr.write(`wrote ${opts.out} (${image.width}x${image.height}, ${image.png.length} bytes)\n`);
    await marquee.stop();
  });

program
  .command('privacy')
  .description('list every field Marquee collects, where it comes from, where it is stored and which images show it')
  .option('--json', 'print JSON instead of a table')
  .action(async (opts: { json?: boolean }) => {
    const config = load();
    const marquee = await createMarquee(config, createLogger('silent'));
    const { fields, neverCollected } = marquee.inventory;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(marquee.inventory, null, 2)}\n`);
    } else {
      const rows = fields.map((f) => [
        f.path,
        f.identifying ? 'yes' : '',
        `${f.source}${f.sourceTables.length ? ` (${f.sourceTables.join(', ')})` : ''}`,
        [f.stored.sqlite && 'sqlite', f.stored.sheets && 'sheet'].filter(Boolean).join('+'),
        f.exposedBy.join(', '),
      ]);
      const head = ['field', 'identifying', 'source', 'stored', 'shown by images'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
      const line = (r: string[]) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd();
      process.stdout.write(`${[line(head), ...rows.map(line)].join('\n')}\n\nNever collected:\n`);
      for (const n of neverCollected) process.stdout.write(`  - ${n.what} (${n.where})\n`);
    }
    await marquee.stop();
  });

/**
 * SIGTERM/SIGINT: stop the schedule and let a running cycle finish, stop accepting connections
 * and drain in-flight requests, close the stores, then release the instance lock. A shutdown that
 * hangs (a Sheets write retrying) is cut at 10 s: every cycle is one transaction and the outbox
 * is durable, so abandoning it loses nothing.
 */
function stopOnSignals(marquee: Marquee, logger: Logger, lock: InstanceLock | null): void {
  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    void marquee.stop().then(() => {
      lock?.release();
      clearTimeout(force);
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

function load(): Config {
  return loadConfig();
}

function withOverrides(config: Config, opts: { store?: 'sqlite' | 'sheets'; port?: number }): Config {
  return {
    ...config,
    server: { ...config.server, ...(opts.port !== undefined ? { port: opts.port } : {}) },
    store: { ...config.store, ...(opts.store ? { read: opts.store } : {}) },
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number 0-65535');
  return port;
}

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`marquee: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`marquee: ${(err as Error).message}\n`);
  process.exit(1);
});
