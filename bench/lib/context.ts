import type { LoadJob, LoadResult } from '../children/load.js';
import type { Row } from './report.js';

export interface BenchArgs {
  json: boolean;
  check: boolean;
  only: string[];
  /** Seconds per measured autocannon run in the serving phase (after a 1 s warm-up). */
  durationS: number;
  rounds: number;
  /** Seconds per measured run of the realistic serving mix, and its rounds. */
  realisticS: number;
  realisticRounds: number;
  connections: number;
  renders: number;
  ogRenders: number;
  largeCycles: number;
  sheetsS: number;
  sheetsTtlS: number;
  memoryS: number;
  memoryClockRate: number;
  /** Seconds of the informational stress run after the judged one (0: skip it). */
  memoryStressS: number;
  memoryStressClockRate: number;
  pinned: boolean;
  skipBuild: boolean;
  /** Where CPU profiles of the measured windows go (--cpu-prof); undefined: no profiling. */
  profileDir?: string;
}

export interface BenchContext {
  args: BenchArgs;
  /** CPU each kind of process is pinned to, when pinning is on. */
  pin: { server?: number; load?: number };
  /** The shared load generator (started on first use). */
  load(job: LoadJob): Promise<LoadResult>;
  progress(message: string): void;
}

export type Phase = (ctx: BenchContext) => Promise<Row[]>;
