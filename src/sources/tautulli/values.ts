/** Tautulli copies Plex attributes with a '' default, so INTEGER columns can hold '' (or text). */
export const num = (value: unknown): number => {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
};

/** A year Tautulli copied from Plex ('' or 0 when Plex had none), from its database or its API. */
export const validYear = (value: unknown): number | null => {
  const year = num(value);
  return Number.isInteger(year) && year > 0 ? year : null;
};
