import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GlobalFonts, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import sharp from 'sharp';

/**
 * Generates the demo posters shipped in assets/demo-posters, so demo mode shows real artwork
 * without any copyrighted images. Deterministic: the same code always draws the same posters.
 * Run: npx tsx src/posters/demo-art.ts [outDir] [fontsDir]
 */

const posters: [title: string, from: string, to: string, shape: 'sun' | 'waves' | 'peaks' | 'rings'][] = [
  ['The Long Voyage Home', '#0f2a44', '#d9822b', 'waves'],
  ['Northern Lights', '#081c24', '#2bd9a0', 'peaks'],
  ['Blue in Green', '#0b1a3a', '#3a7bd5', 'rings'],
  ['Paper Moons', '#2a1b3d', '#e0c3fc', 'sun'],
  ['The Last Orbit', '#111111', '#ff5e62', 'rings'],
  ['Salt & Iron', '#1d2b2a', '#c2b280', 'peaks'],
  ['Quiet Harbour', '#0e3b43', '#f4d35e', 'waves'],
  ['Ember Road', '#2b0f0e', '#ff9a3c', 'sun'],
];

const W = 200;
const H = 300;

function hex(c: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];
}

function bands(ctx: SKRSContext2D, from: string, to: string): void {
  const a = hex(from);
  const b = hex(to);
  for (let y = 0; y < H; y += 6) {
    const t = y / H;
    const c = a.map((v, i) => Math.round(v + ((b[i] ?? 0) - v) * t * 0.8));
    ctx.fillStyle = `rgb(${c.join(',')})`;
    ctx.fillRect(0, y, W, 6);
  }
}

function shape(ctx: SKRSContext2D, kind: string, accent: string): void {
  ctx.fillStyle = accent;
  ctx.strokeStyle = accent;
  if (kind === 'sun') {
    ctx.beginPath();
    ctx.arc(100, 120, 52, 0, Math.PI * 2);
    ctx.fill();
  } else if (kind === 'rings') {
    ctx.lineWidth = 6;
    for (const r of [24, 44, 64]) {
      ctx.beginPath();
      ctx.arc(100, 125, r, 0, Math.PI * 2);
      ctx.stroke();
    }
  } else if (kind === 'peaks') {
    ctx.beginPath();
    ctx.moveTo(0, 210);
    ctx.lineTo(60, 110);
    ctx.lineTo(100, 170);
    ctx.lineTo(145, 80);
    ctx.lineTo(200, 200);
    ctx.lineTo(200, 230);
    ctx.lineTo(0, 230);
    ctx.fill();
  } else {
    ctx.lineWidth = 8;
    for (const y of [120, 150, 180]) {
      ctx.beginPath();
      ctx.moveTo(-10, y);
      for (let x = 0; x <= 210; x += 10) ctx.lineTo(x, y + Math.sin(x / 18) * 10);
      ctx.stroke();
    }
  }
}

export async function drawDemoPoster(i: number, fontFamily: string): Promise<Buffer> {
  const [title, from, to, kind] = posters[i % posters.length] ?? posters[0]!;
  const canvas = createCanvas(W, H);
  const ctx = canvas.getContext('2d');
  bands(ctx, from, to);
  shape(ctx, kind, to);
  ctx.fillStyle = 'rgba(0,0,0,0.45)';
  ctx.fillRect(0, 236, W, 64);
  ctx.fillStyle = '#ffffff';
  ctx.font = `700 17px ${fontFamily}`;
  ctx.textAlign = 'center';
  ctx.fillText(title, 100, 274, 184);
  const raw = canvas.data();
  return sharp(Buffer.from(raw), { raw: { width: W, height: H, channels: 4 } })
    .removeAlpha()
    .png({ palette: true, colours: 64, compressionLevel: 9 })
    .toBuffer();
}

export async function writeDemoPosters(outDir: string, fontsDir: string): Promise<string[]> {
  GlobalFonts.registerFromPath(join(fontsDir, 'Inter_700Bold.ttf'), 'MarqueeDemoPoster');
  mkdirSync(outDir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < posters.length; i++) {
    const file = join(outDir, `demo-${String(i + 1).padStart(2, '0')}.png`);
    writeFileSync(file, await drawDemoPoster(i, 'MarqueeDemoPoster'));
    files.push(file);
  }
  return files;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? 'assets/demo-posters';
  const fonts = process.argv[3] ?? 'fonts';
  writeDemoPosters(out, fonts).then((f) => console.log(`wrote ${f.length} posters to ${out}`));
}
