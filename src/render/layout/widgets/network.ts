import { halfHourMaxima, SPARK_SLOTS } from '../../../snapshot/sparkline.js';
import type { Rgba } from '../../colour.js';
import type { FontSpec } from '../../drawlist.js';
import { MISSING } from '../../format.js';
import { STATE_ROLE, type ShownState } from '../../state-colour.js';
import type { WidgetSpec } from '../../template/schema.js';
import { colour, MIN_TEXT, num, role, t, type LayoutCtx } from '../context.js';
import { pushSparkline, rect } from '../ops.js';
import { text } from '../text.js';

/**
 * Several servers at a glance (issue 20): a row per server of `network.rows` (state dot, name,
 * streams, bandwidth, its last 24 h) and a total row with the network's sums and "N of M online".
 * A one-server snapshot has no `network`: it is drawn as one row, named by its server's name when it
 * is one of several (`/i/4k/network.png`), else by the image's title.
 *
 * Height: the rows share the widget's box. With few servers a row is roomy (up to ~2.3x the
 * template's size, text at `size`); each added server takes height from the others, and text goes
 * down with the row to 9 px, never below (MIN_ROW). Servers beyond what fits at that height, or
 * beyond `rows`, end in one "+N more servers" line; the total row still counts them all.
 */

type Spec = Extract<WidgetSpec, { type: 'network' }>;

/** Half hours of a sparkline: 24 h, as network.rows[i].sparkline (snapshot/schema.ts). */
/** The least height of a row: 9 px text with room above and below. */
const MIN_ROW = 15;
const GAP = 12;

interface Row {
  name: string;
  state: ShownState;
  streams: number | null;
  bandwidthKbps: number | null;
  sparkline: readonly number[] | null;
}

/** The rows to draw; once the snapshot itself is old, its states and live numbers are history. */
function serverRows(ctx: LayoutCtx): Row[] {
  const s = ctx.snapshot;
  if (!s) return [];
  const old = ctx.stale.reason === 'age';
  if (s.network) {
    return s.network.rows.map((r) => ({
      name: r.name,
      state: old ? 'stale' : r.state,
      streams: old ? null : r.streams,
      bandwidthKbps: old ? null : r.bandwidthKbps,
      sparkline: r.sparkline ?? null,
    }));
  }
  return [
    {
      // One server of several names itself (snapshot.server); the only server goes by the title.
      name: s.server?.name ?? ctx.title,
      state: old ? 'stale' : s.state,
      streams: num(ctx, 'activity.streamCount'),
      bandwidthKbps: num(ctx, 'activity.bandwidthKbps.total'),
      sparkline: halfHourMaxima(ctx.history, ctx.now),
    },
  ];
}

/** "2 of 3 online · partial": from network.online/servers, or the one server's own state. */
function onlineText(ctx: LayoutCtx): string {
  const s = ctx.snapshot;
  if (!s || ctx.stale.reason === 'age') return '';
  const n = s.network ?? { online: s.state === 'offline' ? 0 : 1, servers: 1, partial: false };
  const online = t(ctx, 'network.online', { online: ctx.fmt.num(n.online), servers: ctx.fmt.num(n.servers) });
  return n.partial ? `${online} · ${t(ctx, 'network.partial')}` : online;
}

interface Columns {
  /** Where names start: after the state dot. */
  nameX: number;
  nameW: number;
  streamsX: number;
  streamsW: number;
  bandwidthX: number;
  bandwidthW: number;
  sparkX: number;
  sparkW: number;
}

function columns(s: Spec, dot: number): Columns {
  const right = s.x + s.w;
  const sparkW = s.sparkline ? Math.round(s.w * 0.2) : 0;
  const sparkX = right - sparkW;
  const bandwidthW = Math.round(s.w * 0.18);
  const bandwidthX = sparkX - (sparkW > 0 ? GAP : 0) - bandwidthW;
  const streamsW = Math.round(s.w * 0.1);
  const streamsX = bandwidthX - GAP - streamsW;
  const nameX = s.x + dot + 6;
  return { nameX, nameW: Math.max(1, streamsX - GAP - nameX), streamsX, streamsW, bandwidthX, bandwidthW, sparkX, sparkW };
}

interface Line {
  dot: Rgba | null;
  name: string;
  /** Muted words after the name: a state other than online, or "N of M online". */
  note: string;
  streams: number | null;
  bandwidthKbps: number | null;
  sparkline: readonly number[] | null;
  sparkMax: number;
  strong: boolean;
}

/**
 * Name and note share the name column: the note takes what the name leaves, and the name keeps at
 * least 55% of the column, so a long server name is cut before a short note is.
 */
function nameAndNote(ctx: LayoutCtx, c: Columns, y: number, h: number, size: number, l: Line, tag: string): void {
  const noteFont: FontSpec = { size: Math.max(MIN_TEXT, size - 2), weight: 400 };
  const nameFont: FontSpec = { size, weight: l.strong ? 700 : 600 };
  const noteW = l.note ? ctx.measure.width(l.note, noteFont) + 7 : 0;
  const nameBox = { x: c.nameX, y, w: Math.max(c.nameW * 0.55, c.nameW - noteW), h };
  const drawn = text(ctx, nameBox, l.name, nameFont, role(ctx, 'title'), 'left', `${tag}.name`);
  const room = c.nameW - drawn - 6;
  if (l.note && room > 0) text(ctx, { x: c.nameX + drawn + 6, y, w: room, h }, l.note, noteFont, role(ctx, 'muted'), 'left', `${tag}.note`);
}

function line(ctx: LayoutCtx, s: Spec, c: Columns, y: number, h: number, size: number, l: Line, tag: string): void {
  if (l.dot) {
    const r = Math.max(3, Math.round(size * 0.32));
    ctx.ops.push({ op: 'circle', cx: s.x + r, cy: y + h / 2, r, fill: l.dot, tag: `${tag}.dot` });
  }
  nameAndNote(ctx, c, y, h, size, l, tag);
  const streams = l.streams === null ? MISSING : ctx.fmt.num(l.streams);
  const bandwidth = l.bandwidthKbps === null ? MISSING : ctx.fmt.bitrate(l.bandwidthKbps);
  const bold: FontSpec = { size, weight: 700 };
  text(ctx, { x: c.streamsX, y, w: c.streamsW, h }, streams, bold, role(ctx, 'title'), 'right', `${tag}.streams`);
  const bwFont: FontSpec = l.strong ? bold : { size, weight: 400 };
  text(
    ctx,
    { x: c.bandwidthX, y, w: c.bandwidthW, h },
    bandwidth,
    bwFont,
    role(ctx, l.strong ? 'title' : 'text'),
    'right',
    `${tag}.bandwidth`,
  );
  if (c.sparkW > 0) {
    const sh = Math.max(6, Math.round(h * 0.6));
    sparkline(
      ctx,
      { x: c.sparkX, y: y + (h - sh) / 2, w: c.sparkW, h: sh },
      l.sparkline,
      l.sparkMax,
      colour(ctx, s.colour),
      `${tag}.sparkline`,
    );
  }
}

/**
 * Half-hour values on 48 evenly spaced slots ending at the right edge, so a short series (a new
 * server) sits at the right, where "now" is, on the same time axis as a full one.
 */
function sparkline(
  ctx: LayoutCtx,
  box: { x: number; y: number; w: number; h: number },
  values: readonly number[] | null,
  max: number,
  c: Rgba,
  tag: string,
): void {
  const bottom = box.y + box.h;
  ctx.ops.push({
    op: 'poly',
    points: [box.x, bottom, box.x + box.w, bottom],
    closed: false,
    fill: null,
    stroke: role(ctx, 'track'),
    lineWidth: 1,
    tag: `${tag}.axis`,
  });
  const vs = (values ?? []).slice(-SPARK_SLOTS);
  if (vs.length < 2) return;
  const offset = SPARK_SLOTS - vs.length;
  const xy = vs.flatMap((v, i) => [
    box.x + ((offset + i) / (SPARK_SLOTS - 1)) * box.w,
    bottom - (Math.max(0, Number.isFinite(v) ? v : 0) / max) * (box.h - 1),
  ]);
  pushSparkline(ctx, xy, { bottom, left: box.x, right: box.x + box.w }, c, tag, true);
}

const peak = (lists: readonly (readonly number[] | null)[]) =>
  Math.max(1, ...lists.flatMap((l) => (l ?? []).filter((v) => Number.isFinite(v))));

export function networkWidget(s: Spec, ctx: LayoutCtx): void {
  const tag = s.id ?? 'network';
  const headSize = Math.max(MIN_TEXT, Math.round(s.size * 0.75));
  const headH = Math.round(headSize * 1.6);
  const ruleH = 7;
  const bodyH = s.h - headH - ruleH;
  const all = serverRows(ctx);
  // Server lines that fit beside the total row at the least row height, and the template's cap.
  const cap = Math.max(1, Math.min(s.rows, Math.floor(bodyH / MIN_ROW) - 1));
  const shown = all.length > cap ? all.slice(0, cap - 1) : all;
  const more = all.length - shown.length;
  const slots = shown.length + (more > 0 ? 1 : 0) + 1;
  const rowH = Math.max(MIN_ROW, Math.min(Math.round(s.size * 2.3), bodyH / slots));
  const size = Math.max(MIN_TEXT, Math.min(s.size, Math.round(rowH * 0.55)));
  const c = columns(s, Math.max(3, Math.round(size * 0.32)) * 2);

  const headFont: FontSpec = { size: headSize, weight: 400 };
  const muted = role(ctx, 'muted');
  const head = (x: number, w: number, words: string, align: 'left' | 'right', part: string) =>
    text(ctx, { x, y: s.y, w, h: headH }, words, headFont, muted, align, `${tag}.head.${part}`);
  const nameHead = head(c.nameX, c.nameW, t(ctx, 'network.server'), 'left', 'name');
  // A long word for streams ("Transmisiones") may reach left over the names' column.
  const streamsHeadX = c.nameX + nameHead + GAP;
  head(streamsHeadX, c.streamsX + c.streamsW - streamsHeadX, t(ctx, 'label.streams'), 'right', 'streams');
  head(c.bandwidthX, c.bandwidthW, t(ctx, 'label.bandwidth'), 'right', 'bandwidth');
  if (c.sparkW > 0) head(c.sparkX, c.sparkW, t(ctx, 'network.last24h'), 'left', 'sparkline');

  let y = s.y + headH;
  const sparkMax = peak(shown.map((r) => r.sparkline));
  shown.forEach((r, i) => {
    const note = r.state === 'online' ? '' : t(ctx, `state.${r.state}`);
    const l: Line = { ...r, dot: role(ctx, STATE_ROLE[r.state]), note, sparkMax, strong: false };
    line(ctx, s, c, y, rowH, size, l, `${tag}.row.${i}`);
    y += rowH;
  });
  if (more > 0) {
    const words = t(ctx, 'network.more', { n: ctx.fmt.num(more) }, more);
    text(
      ctx,
      { x: c.nameX, y, w: c.nameW, h: rowH },
      words,
      { size: Math.max(MIN_TEXT, size - 1), weight: 400 },
      muted,
      'left',
      `${tag}.more`,
    );
    y += rowH;
  }
  rect(ctx, s.x, y + Math.floor(ruleH / 2), s.w, 1, role(ctx, 'border'), { tag: `${tag}.rule` });
  y += ruleH;
  const total = halfHourMaxima(ctx.history, ctx.now);
  line(
    ctx,
    s,
    c,
    y,
    rowH,
    size,
    {
      dot: null,
      name: t(ctx, 'network.total'),
      note: onlineText(ctx),
      streams: num(ctx, 'activity.streamCount'),
      bandwidthKbps: num(ctx, 'activity.bandwidthKbps.total'),
      sparkline: total,
      sparkMax: peak([total]),
      strong: true,
    },
    `${tag}.total`,
  );
}
