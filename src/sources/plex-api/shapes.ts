/**
 * The parts of Plex's JSON answers that Marquee reads, validated leniently: only the fields used,
 * unknown ones dropped, numbers accepted as numbers or numeric strings (PMS sends ids such as `key`
 * and `ratingKey` as strings, and some versions send `librarySectionID` either way).
 * The JSON is PMS's XML turned into objects: XML attributes become fields, child elements become
 * arrays named by their tag (`Directory`, `Metadata` for Video/Track/Photo, `Media`, `Part`, `Stream`),
 * a single child object (`User`, `Player`, `Session`, `TranscodeSession`) becomes an object.
 * Sources: Tautulli plexpy/pmsconnect.py (get_library_details, get_session_each, get_current_activity),
 * python-plexapi library.py (totalViewSize, _getTotalDurationStorage).
 */
import { z } from 'zod';

/** Strings from Plex reach images: cap them (a 10 kB title is an attack or a bug, never a name). */
export const MAX_STRING = 256;
const str = z
  .unknown()
  .transform((v) => (typeof v === 'string' ? v.slice(0, MAX_STRING) : typeof v === 'number' ? String(v) : undefined))
  .optional();
const int = z
  .unknown()
  .transform((v) => {
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
    return Number.isFinite(n) ? n : undefined;
  })
  .optional();
const container = <T extends z.ZodRawShape>(shape: T) => z.object({ MediaContainer: z.object(shape) });

export const identitySchema = container({ machineIdentifier: str, version: str });

/** /library/sections: one Directory per library section. */
export const sectionsSchema = container({
  Directory: z
    .array(
      z.object({
        key: int,
        title: str,
        type: str,
        // The section's change stamps (network extras' token, identities.ts): contentChangedAt is
        // library_sections.content_changed_at, updatedAt its updated_at (the section's own settings).
        contentChangedAt: int,
        updatedAt: int,
      }),
    )
    .default([]),
});

/** Any listing asked with X-Plex-Container-Size=0: only its total matters. */
export const countSchema = container({ totalSize: int, size: int });

/** A library listing (sorted by addedAt): just enough for a "recently added" entry. */
export const itemsSchema = container({
  totalSize: int,
  Metadata: z
    .array(
      z.object({
        ratingKey: int,
        type: str,
        title: str,
        year: int,
        addedAt: int,
        parentTitle: str,
        grandparentTitle: str,
      }),
    )
    .default([]),
});

/**
 * A library listing asked with includeGuids=1 (network extras, identities.ts): each item's own guid,
 * the external ids PMS keeps beside a plex:// guid (one `Guid` element each, python-plexapi
 * Guid.id: "imdb://tt0113243"), and where a season or episode sits (parentRatingKey, index).
 */
export const identityItemsSchema = container({
  totalSize: int,
  Metadata: z
    .array(
      z.object({
        ratingKey: int,
        guid: str,
        parentRatingKey: int,
        index: int,
        Guid: z
          .array(z.object({ id: str }))
          .max(64)
          .default([]),
      }),
    )
    .default([]),
});

/** /media/providers?includeStorage=1: the library provider's per-section totals (python-plexapi _getTotalDurationStorage). */
export const providersSchema = container({
  MediaProvider: z
    .array(
      z.object({
        identifier: str,
        Feature: z
          .array(
            z.object({
              type: str,
              Directory: z.array(z.object({ id: int, durationTotal: int, storageTotal: int })).default([]),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

const streamSchema = z.object({ streamType: int, decision: str });
/** /status/sessions: one Metadata per playing item (pmsconnect get_session_each reads the same fields). */
export const sessionsSchema = container({
  Metadata: z
    .array(
      z.object({
        type: str,
        guid: str,
        title: str,
        grandparentTitle: str,
        year: int,
        thumb: str,
        grandparentThumb: str,
        duration: int,
        viewOffset: int,
        librarySectionID: int,
        librarySectionTitle: str,
        Media: z
          .array(
            z.object({
              selected: z.unknown().optional(),
              duration: int,
              Part: z.array(z.object({ selected: z.unknown().optional(), Stream: z.array(streamSchema).default([]) })).default([]),
            }),
          )
          .default([]),
        User: z.object({ title: str }).optional(),
        Player: z.object({ state: str, local: z.unknown().optional() }).optional(),
        Session: z.object({ bandwidth: int, location: str }).optional(),
        TranscodeSession: z.object({ videoDecision: str, audioDecision: str }).optional(),
      }),
    )
    .default([]),
});
export type PlexSession = z.infer<typeof sessionsSchema>['MediaContainer']['Metadata'][number];

/** Validates `body` against `schema`, naming the endpoint (not the URL) on failure. */
export function parseShape<T extends z.ZodType>(schema: T, body: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw Object.assign(
    new Error(`${where}: unexpected answer (${first ? `${first.path.join('.') || 'body'}: ${first.message}` : 'invalid'})`),
    {
      code: 'EPLEX_SHAPE',
    },
  );
}
