#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { ConfigError, loadConfig, ONLY_SERVER_LABEL, serverView, type Config } from './config/load.js';
import { serverSummary } from './config/servers.js';
import { redactConfig, scrubSecrets, secretSettings, secretValues } from './config/secrets.js';
import { createLogger } from './logging/logger.js';
import { createMarquee, startMarquee, type Marquee, type ReadOnlyMarquee } from './main.js';
import { sourcesConfig } from './sources/read-all.js';
import { checkRemoteSources } from './sources/remote-check.js';
import { acquireInstanceLock, type InstanceLock } from './stores/sqlite/instance-lock.js';
import { demoData, sampleHistory, sampleSnapshot, NOW as DEMO_NOW } from './render/gallery/demo-data.js';
import { NETWORK_KEY } from './snapshot/server-key.js';
import { checkDatabases, fontWarnings, loadDrawing } from './setup.js';
import type { HistoryPoint, Snapshot } from './snapshot/schema.js';
import { openStoreReader } from './stores/create.js';
import { HISTORY_WINDOW_MS } from './stores/providers.js';
import { VERSION } from './version.js';
import type { Logger } from 'pino';

/** The secret settings' variables, from their marks in the config schema, each with its _FILE twin. */
function secretHelp(): string {
  // Settings inside `servers:` entries have no variable: one variable cannot say which server it sets.
  const lines = secretSettings().flatMap(({ env, path }) => (env ? [`  ${`${env}[_FILE]`.padEnd(39)}${path.join('.')}`] : []));
  return `Secrets: each also reads from the file <NAME>_FILE names (Docker secrets, /run/secrets/...):\n${lines.join('\n')}`;
}

const ENVIRONMENT_HELP = `
Environment (each overrides the config file's key; see README "Pointing it at your server"):
  MARQUEE_CONFIG                   config file (same as --config)
  MARQUEE_PLEX_DB, MARQUEE_TAUTULLI_DB
                                   Plex library and Tautulli databases (neither set: demo data)
  MARQUEE_PLEX_URL, MARQUEE_PLEX_TOKEN
                                   Plex's address and token (posters; the library where no
                                   database is set)
  MARQUEE_TAUTULLI_URL, MARQUEE_TAUTULLI_API_KEY
                                   Tautulli over its API, where no database is set
  MARQUEE_HOST_METRICS_URL         the Plex host's node_exporter (Marquee runs elsewhere)
  MARQUEE_DATA_DIR                 Marquee's own state (default ./data)
  MARQUEE_HOST, MARQUEE_PORT       listen address and port (default 0.0.0.0:8080)
  MARQUEE_PUBLIC_URL               the URL people reach Marquee at (embeds)
  MARQUEE_SCHEDULE                 collection schedule, cron syntax with seconds
  MARQUEE_TZ                       time zone of the images (default: TZ, else the system's)
  MARQUEE_LOG_LEVEL                info, debug, warn...
  MARQUEE_SHEETS_ID, GOOGLE_APPLICATION_CREDENTIALS, MARQUEE_SHEETS_CREDENTIALS_JSON
                                   the Google Sheet store
${secretHelp()}

Examples:
  marquee                          serve demo data on http://127.0.0.1:8080
  marquee -c /config/marquee.yaml  serve with a config file
  marquee help render              help for one command
`;

const program = new Command()
  .name('marquee')
  .description("Turns a Plex media server's live state into embeddable status images")
  .version(VERSION, '-V, --version', 'print the version and exit')
  .option('-c, --config <file>', 'config file (default: ./marquee.yaml, or $MARQUEE_CONFIG)')
  .showHelpAfterError()
  .addHelpText('after', ENVIRONMENT_HELP);

program
  .command('serve', { isDefault: true })
  .description('collect on schedule and serve images over HTTP')
  .option('--no-collect', 'do not collect; serve what the store holds (remote renderer)')
  .addOption(new Option('--store <kind>', 'where the server reads snapshots from').choices(['sqlite', 'sheets']))
  .option('-p, --port <port>', 'port to listen on (overrides config)', parsePort)
  // `serve` is the default command, so a mistyped command name arrives here as an argument.
  .argument('[command]')
  .addHelpText('after', '\nExamples:\n  marquee serve -c /config/marquee.yaml\n  marquee serve --no-collect --store sheets --port 8081')
  .action(async (unknown: string | undefined, opts: { collect: boolean; store?: 'sqlite' | 'sheets'; port?: number }) => {
    if (unknown !== undefined) return unknownCommand(unknown);
    const config = withOverrides(load(), opts);
    const collect = opts.collect && config.collector.enabled;
    // Only a collecting process writes the store; read-only renderers may share a data directory.
    const lock = collect ? acquireInstanceLock(config.dataDir) : null;
    const logger = createLogger(config.logLevel, undefined, { pretty: process.stdout.isTTY, secrets: secrets(config) });
    // Without collecting, the images follow the store another process writes (read mode).
    const marquee = await createMarquee(config, logger, { readOnly: !collect });
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
  .option('--print', 'print the snapshot as JSON (with several servers: { network, servers: { <id>: ... } })')
  .addHelpText('after', '\nExample:\n  marquee collect --once --print > snapshot.json')
  .action(async (opts: { once?: boolean; print?: boolean }) => {
    const config = load();
    const lock = acquireInstanceLock(config.dataDir);
    // With --print, stdout carries only the JSON; logs go to stderr.
    const logger = opts.print
      ? process.stderr.isTTY
        ? createLogger(config.logLevel, undefined, { pretty: true, fd: 2, secrets: secrets(config) })
        : createLogger(config.logLevel, process.stderr, { secrets: secrets(config) })
      : createLogger(config.logLevel, undefined, { pretty: process.stdout.isTTY, secrets: secrets(config) });
    const marquee = await createMarquee(config, logger);
    if (!opts.once) {
      await marquee.collector.collect();
      // Only the schedule: no server runs here, so nothing to post to Discord.
      marquee.jobs.start((job) => job.name === 'collect');
      stopOnSignals(marquee, logger, lock);
      return;
    }
    const snapshot = await marquee.collector.collect();
    // With several servers: the network's snapshot and each server's own (its custom metrics
    // among them: metrics run per server, and the network has none).
    const printed =
      marquee.servers.length > 1
        ? { network: snapshot, servers: Object.fromEntries(marquee.servers.map((s) => [s.id, s.collector.latest])) }
        : snapshot;
    if (opts.print) process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
    await marquee.stop();
    lock.release();
  });

program
  .command('check-config')
  .description('validate the configuration, templates, themes, images and metrics, then print it with secrets masked')
  .addHelpText('after', '\nExample:\n  marquee check-config -c marquee.yaml')
  .action(async () => {
    // Reads and checks only: no data directory, store, secret file or demo database is created.
    const config = load();
    const { renderer, images } = loadDrawing(config);
    const notChecked = config.demo
      ? ['demo data: metrics and privacy.privateSections are checked against the demo databases at start']
      : checkDatabases(config, { storeSchemaOnly: true });
    const say = (text: string) => process.stderr.write(scrubSecrets(text, secrets(config)));
    // A `servers:` list (or the demo network): one line per server, and every line below names its server.
    const named = config.servers.length > 1 || config.servers[0]!.label !== ONLY_SERVER_LABEL;
    if (named) for (const server of config.servers) say(`${server.label}: ${serverSummary(server)}\n`);
    for (const note of notChecked) say(`note: ${note}\n`);
    // Warnings, not failures: the exit code stays as the checks below decide.
    const warnings = [...config.warnings, ...fontWarnings(renderer, [config.render.locale])];
    for (const warning of warnings) say(`warning: ${warning}\n`);
    // One line per remote source (reachable? key accepted?) on stderr; the JSON keeps them too.
    const remote = (
      await Promise.all(
        config.servers.map(async (server) => {
          const checks = await checkRemoteSources(sourcesConfig(serverView(config, server)), config.collector.sourceTimeoutMs);
          return checks.map((check) => ({ ...(named ? { server: server.id } : {}), ...check, label: named ? `${server.label} ` : '' }));
        }),
      )
    ).flat();
    for (const { label, ...r } of remote) say(`${label}${r.source}: ${r.ok ? 'ok' : 'FAILED'} ${r.target}: ${r.detail}\n`);
    const ok = remote.every((r) => r.ok);
    const report = {
      ok,
      config: redactConfig(config),
      templates: [...renderer.templates.keys()],
      themes: [...renderer.themes.keys()],
      images: Object.fromEntries(images),
      notChecked,
      warnings,
      remote: remote.map(({ label: _label, ...r }) => r),
    };
    // redactConfig masks the marked settings; the scrub catches a secret quoted anywhere else.
    process.stdout.write(scrubSecrets(`${JSON.stringify(report, null, 2)}\n`, secrets(config)));
    if (!ok) process.exitCode = 1;
  });

program
  .command('render')
  .description('render one image to a file from the latest stored snapshot (read-only; demo data in demo mode)')
  .argument('<template>', 'template name')
  .option('-t, --theme <theme>', 'theme name', 'dark')
  .option('-s, --scale <scale>', '1 or 2', parseScale, 1)
  .option('-o, --out <file>', 'output PNG path', 'marquee.png')
  .option('--server <id>', 'with several servers: draw this one (default: the network)')
  .addHelpText('after', '\nExample:\n  marquee render og --theme light --scale 2 --out og.png')
  .action(async (template: string, opts: { theme: string; scale: 1 | 2; out: string; server?: string }) => {
    const config = load();
    const { renderer } = loadDrawing(config);
    const { snapshot, history, now } = await storedOrDemo(config, template, opts.server);
    const image = await renderer.render({
      snapshot,
      history,
      template,
      theme: opts.theme,
      params: { scale: opts.scale, locale: config.render.locale, timeZone: config.render.timeZone },
      now,
      staleAfterMs: config.render.staleAfterS * 1000,
    });
    writeFileSync(opts.out, image.png);
    process.stderr.write(`wrote ${opts.out} (${image.width}x${image.height}, ${image.png.length} bytes)\n`);
  });

program
  .command('privacy')
  .description('list every field Marquee collects, where it comes from, where it is stored and which images show it')
  .option('--json', 'print JSON instead of a table')
  .addHelpText('after', '\nExample:\n  marquee privacy --json')
  .action((opts: { json?: boolean }) => {
    const { inventory } = loadDrawing(load());
    const { fields, neverCollected } = inventory;
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(inventory, null, 2)}\n`);
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
  });

/**
 * What `render` draws: the read store's latest snapshot and graph series, read without writing
 * anything, or in demo mode with nothing stored the gallery's demo snapshot at its own moment.
 */
async function storedOrDemo(
  config: Config,
  template: string,
  server: string | undefined,
): Promise<{ snapshot: Snapshot; history: HistoryPoint[]; now: number }> {
  // What `/i/<name>.png` shows (the network with several servers), or the server asked for.
  const several = config.servers.length > 1;
  if (server !== undefined && !config.servers.some((s) => s.id === server))
    throw new ConfigError(
      `--server ${JSON.stringify(server)}: no such server; the servers are ${config.servers.map((s) => s.id).join(', ')}`,
    );
  const key = server ?? (several ? NETWORK_KEY : config.servers[0]!.id);
  const root = openStoreReader(config, Date.now);
  try {
    const store = root?.forServer(key);
    const snapshot = await store?.latest();
    if (store && snapshot) return { snapshot, history: await store.history(Date.now() - HISTORY_WINDOW_MS), now: Date.now() };
  } finally {
    await root?.close();
  }
  if (config.demo) {
    // The gallery's demo: the two-server network for the network's images, one server's otherwise.
    const demo = server === undefined ? demoData(template) : { snapshot: sampleSnapshot(), history: sampleHistory() };
    return { ...demo, now: DEMO_NOW };
  }
  throw new Error(
    `no snapshot stored yet (${config.store.read === 'sheets' ? 'the Sheet is empty' : `no store in ${config.dataDir}`}): ` +
      'run `marquee collect --once` or `marquee serve` first',
  );
}

/**
 * SIGTERM/SIGINT: stop the schedule and let a running cycle finish, stop accepting connections
 * and drain in-flight requests, close the stores, then release the instance lock. A shutdown that
 * hangs (a Sheets write retrying) is cut at 10 s: every cycle is one transaction and the outbox
 * is durable, so abandoning it loses nothing.
 */
function stopOnSignals(marquee: Marquee | ReadOnlyMarquee, logger: Logger, lock: InstanceLock | null): void {
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

/** The secret strings of the loaded configuration: no output of this process may show them. */
let knownSecrets: readonly string[] = [];
const secrets = (config: Config): readonly string[] => secretValues(config);

/** The config, from `--config` when given (it wins over $MARQUEE_CONFIG), else as loadConfig finds it. */
function load(): Config {
  const config = loadConfig(undefined, undefined, program.opts<{ config?: string }>().config);
  knownSecrets = secrets(config);
  return config;
}

function unknownCommand(name: string): void {
  const known = program.commands.map((c) => c.name());
  program.error(`marquee: unknown command '${name}' (commands: ${known.join(', ')}; see marquee --help)`, {
    code: 'marquee.unknownCommand',
    exitCode: 2,
  });
}

function parseScale(value: string): 1 | 2 {
  if (value === '1' || value === '2') return Number(value) as 1 | 2;
  throw new InvalidArgumentError('must be 1 or 2');
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
  // An error's text can quote a URL or a value it was given (a fetch error, a Sheets error).
  process.stderr.write(`marquee: ${scrubSecrets((err as Error).message, knownSecrets)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
