/**
 * A small built-in icon set, drawn here as 24x24 SVG path data (filled, even-odd) so no icon font
 * or image files are needed and icons scale crisply at scale=2. Shapes are our own simple drawings.
 */
export const icons = {
  play: 'M8 5v14l11-7z',
  pause: 'M6 5h4v14H6zM14 5h4v14h-4z',
  film: 'M3 4h18v16H3zM5 6v2h2V6zm0 5v2h2v-2zm0 5v2h2v-2zM17 6v2h2V6zm0 5v2h2v-2zm0 5v2h2v-2zM9 6v12h6V6z',
  tv: 'M2 4h20v14H2zM4 6v10h16V6zM7 20h10v2H7z',
  music: 'M9 3v12.3A3.5 3.5 0 1 0 11 18V8h8v5.3A3.5 3.5 0 1 0 21 16V3z',
  photo: 'M2 4h20v16H2zM4 6v10l5-5 4 4 3-3 4 4V6zM15 7a2 2 0 1 1 0 4a2 2 0 1 1 0-4z',
  cpu: 'M6 6h12v12H6zM9 9v6h6V9zM8 2h2v3H8zM14 2h2v3h-2zM8 19h2v3H8zM14 19h2v3h-2zM2 8h3v2H2zM2 14h3v2H2zM19 8h3v2h-3zM19 14h3v2h-3z',
  memory: 'M2 7h20v10H2zM5 9v6h3V9zM10.5 9v6h3V9zM16 9v6h3V9z',
  disk: 'M3 4h18v7H3zM3 13h18v7H3zM16 7v1h2V7zM16 16v1h2v-1z',
  network: 'M7 2l-5 6h3.5v8h3V8H12zM17 22l5-6h-3.5V8h-3v8H12z',
  users: 'M12 3a4 4 0 1 1 0 8a4 4 0 1 1 0-8zM4 21c0-4.4 3.6-8 8-8s8 3.6 8 8z',
  clock: 'M12 2a10 10 0 1 1 0 20a10 10 0 1 1 0-20zM11 6v7l5 3 1-1.7-4-2.3V6z',
  server: 'M3 3h18v7H3zM3 14h18v7H3zM6 6v1h3V6zM6 17v1h3v-1z',
  bolt: 'M13 2L4 14h7l-1 8 9-12h-7z',
  library: 'M3 3h4v18H3zM9 3h4v18H9zM14.5 4.2l3.9-1 4.1 17.2-3.9 1z',
  temperature: 'M10 3a2 2 0 0 1 4 0v10.5a4.5 4.5 0 1 1-4 0z',
  chart: 'M3 3h2v16h16v2H3zM7 14l4-4 3 3 5-6 1.5 1.3-6.4 7.6-3.1-3-2.6 2.6z',
  plex: 'M6 2h5.5l7 10-7 10H6l7-10z',
  warning: 'M12 2l11 19H1zM11 9v6h2V9zM11 16.5v2h2v-2z',
} as const;

export type IconName = keyof typeof icons;
export const iconNames = Object.keys(icons) as [IconName, ...IconName[]];
