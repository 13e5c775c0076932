/**
 * (4) Sheets read amplification: a remote renderer (`serve --no-collect --store sheets`) under
 * load, against the local Sheets emulator. Counts image responses per Sheets read, at a low and a
 * high request rate: the reads must follow the reader-cache TTL, not the traffic.
 */
import type { ServerReady } from '../children/server.js';
import { startChild } from '../lib/child.js';
import type { BenchContext } from '../lib/context.js';
import { BENCH_NOW_MS, ensureFixtures } from '../lib/fixtures.js';
import { atMost, sheetsReadsAllowed, TARGETS, worst, type Row } from '../lib/report.js';
import { fmtInt } from '../lib/stats.js';
import { startSheetsEmulator } from '../../test/support/sheets-emulator.js';

const SHEET_ID = 'marquee-bench-sheet';
const PATHS = ['/i/signature.png', '/i/banner.png', '/i/card.png', '/i/status.png', '/i/signature.png?theme=light'];

export async function sheetsPhase(ctx: BenchContext): Promise<Row[]> {
  const demo = ensureFixtures('demo');
  const emu = await startSheetsEmulator();
  try {
    emu.addSpreadsheet(SHEET_ID, ['Sheet1']);
    const sheets = (ttl: number) =>
      `sheets:\n  spreadsheetId: ${SHEET_ID}\n  rootUrl: ${emu.rootUrl}\n  credentialsJson: unused-with-the-emulator\n  readerTtlS: ${ttl}\n`;
    ctx.progress('sheets: a collector writes one snapshot to the emulated Sheet');
    const writer = await startChild<ServerReady>('server', {
      kind: 'marquee',
      plexDb: demo.plexDb,
      tautulliDb: demo.tautulliDb,
      clock: { baseMs: BENCH_NOW_MS, rate: 0 },
      collect: true,
      sheetsAuth: true,
      yaml: `${sheets(60)}store:\n  write: sheets\n  read: sqlite\n`,
    });
    await writer.stop();
    const ttl = ctx.args.sheetsTtlS;
    ctx.progress(`sheets: remote renderer with a ${ttl} s reader TTL`);
    // No Plex data at all: everything it draws comes from the Sheet. Its clock runs in real time,
    // because the reader TTL is measured on it.
    const reader = await startChild<ServerReady>(
      'server',
      {
        kind: 'marquee',
        plexDb: '/nonexistent/plex.db',
        tautulliDb: '/nonexistent/tautulli.db',
        clock: { baseMs: BENCH_NOW_MS, rate: 1 },
        collect: false,
        sheetsAuth: true,
        yaml: `${sheets(ttl)}store:\n  read: sheets\n  write: sqlite\n`,
      },
      { cpu: ctx.pin.server },
    );
    const rows: Row[] = [];
    try {
      const reads = () => emu.calls('values.batchGet').length;
      for (const connections of [1, ctx.args.connections]) {
        ctx.progress(`sheets: c=${connections} for ${ctx.args.sheetsS} s`);
        const before = reads();
        const r = await ctx.load({ url: reader.ready.url, paths: PATHS, connections, durationS: ctx.args.sheetsS, expect: 200 });
        const n = reads() - before;
        const allowed = sheetsReadsAllowed(r.durationS, ttl) * TARGETS.sheetsReadsPerTtl;
        rows.push({
          phase: '4 sheets reads',
          case: `remote renderer, c=${connections}, ${r.durationS.toFixed(0)} s, TTL ${ttl} s`,
          result: `${fmtInt(r.ok)} images (${fmtInt(r.rps)}/s), ${n} Sheets reads: ${fmtInt(r.ok / Math.max(1, n))} images per read${r.bad ? `, ${r.bad} bad` : ''}`,
          target: `<= ${allowed} reads (1 per ${ttl} s TTL)`,
          status: worst(atMost(n, allowed), r.bad ? 'MISS' : 'pass'),
          data: { ...r, reads: n, allowed },
        });
      }
    } finally {
      await reader.stop();
    }
    return rows;
  } finally {
    await emu.close();
  }
}
