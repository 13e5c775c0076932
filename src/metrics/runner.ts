import type { Snapshot } from '../snapshot/schema.js';
import { MAX_RESULT_BYTES, MAX_VALUE_BYTES, type MetricDbPaths, type MetricDef, type MetricDefs, sourceConfigKey } from './config.js';
import { builtinParams, type BuiltinParams, tzOffsetMinutesAt } from './params.js';
import { QuerySandbox } from './sandbox.js';
import { errored, type MetricResult, shapeResult } from './shape.js';
import { keywordProblem } from './statement.js';

export interface MetricsRunnerOptions {
  defs: MetricDefs;
  dbPaths: MetricDbPaths;
  /** IANA zone behind :tz_offset, :day_start and :month_start (the offset is taken at each run's `now`). */
  timeZone?: string;
  /** A fixed offset east of UTC in minutes; wins over timeZone. Default 0 (UTC). */
  tzOffsetMinutes?: number;
  /** The server the metrics run for: bound as :server (params.ts). Default the only server's id. */
  server?: string;
  /** How long a query waits for a locked database before failing (part of its time budget). */
  busyTimeoutMs?: number;
  /** How long starting the query process may take (not counted against a query's budget). */
  spawnTimeoutMs?: number;
  /** Memory cap of the query process; default QUERY_PROCESS_MAX_RSS_BYTES. */
  maxRssBytes?: number;
  /**
   * Total time one run may take (e.g. the collection interval). Budgets add up when metrics run
   * one after another; metrics not started by then error as skipped instead of delaying the cycle.
   */
  cycleBudgetMs?: number;
}

/**
 * Runs every configured metric once per collection cycle, one at a time, each in the query
 * process with its own time budget, row cap and size caps (MAX_VALUE_BYTES, MAX_RESULT_BYTES). A failing metric becomes `{ status: 'error' }` in
 * the result; the others are unaffected and `run` never rejects.
 *
 * The definitions are assumed to have passed validateMetrics at start-up; the runner still refuses
 * anything that is not a read-only query, since that is the part safety rests on.
 */
export class MetricsRunner {
  private readonly sandbox: QuerySandbox;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: MetricsRunnerOptions) {
    this.sandbox = new QuerySandbox({ spawnTimeoutMs: opts.spawnTimeoutMs, maxRssBytes: opts.maxRssBytes });
  }

  /** Query processes started so far: 1, plus one per query stopped for its budget or crash. */
  get processesStarted(): number {
    return this.sandbox.spawned;
  }

  /** `now` is epoch ms, the cycle's time. Overlapping calls run one after another. */
  run(now: number): Promise<Snapshot['metrics']> {
    const result = this.queue.then(() => this.runAll(now));
    this.queue = result.catch(() => undefined);
    return result.catch((err: Error) => this.allErrored(`metrics runner failed: ${err.message}`));
  }

  close(): Promise<void> {
    return this.sandbox.close();
  }

  private async runAll(now: number): Promise<Snapshot['metrics']> {
    const offset = this.opts.tzOffsetMinutes ?? (this.opts.timeZone ? tzOffsetMinutesAt(this.opts.timeZone, now) : 0);
    const params = builtinParams(now, offset, this.opts.server);
    const deadline = performance.now() + (this.opts.cycleBudgetMs ?? Infinity);
    const out: Snapshot['metrics'] = {};
    for (const [name, def] of Object.entries(this.opts.defs)) {
      out[name] =
        performance.now() < deadline
          ? await this.runOne(def, params)
          : errored(`skipped: this cycle's metrics budget of ${this.opts.cycleBudgetMs} ms was spent`);
    }
    return out;
  }

  private async runOne(def: MetricDef, params: BuiltinParams): Promise<MetricResult> {
    const refused = keywordProblem(def.sql);
    if (refused) return errored(refused);
    const path = this.opts.dbPaths[def.source];
    if (!path) return errored(`no ${def.source} database is configured (set ${sourceConfigKey[def.source]})`);
    try {
      const raw = await this.sandbox.query(
        {
          path,
          sql: def.sql,
          params: { ...params },
          maxRows: def.returns === 'table' ? def.maxRows : 1,
          maxValueBytes: MAX_VALUE_BYTES,
          maxResultBytes: MAX_RESULT_BYTES,
          busyTimeoutMs: Math.min(this.opts.busyTimeoutMs ?? 1000, def.timeoutMs),
        },
        def.timeoutMs,
      );
      return shapeResult(def, raw);
    } catch (err) {
      return errored((err as Error).message);
    }
  }

  private allErrored(message: string): Snapshot['metrics'] {
    return Object.fromEntries(Object.keys(this.opts.defs).map((name) => [name, errored(message)]));
  }
}
