/**
 * Columns a metric may never read, and columns whose values name a person or what they watch.
 *
 * The first list keeps the promises on /privacy ("never collected": tokens, e-mail, IP addresses,
 * machine ids, file paths) true for custom metrics too. It is checked against every column the
 * statement's bytecode reads, so filtering on an e-mail address is refused as well as selecting it.
 * Names are lower-case `table.column`; Plex and Tautulli table names do not collide.
 */
export const neverRead: ReadonlyMap<string, string> = new Map([
  ...[
    'users.user_token',
    'users.server_token',
    'user_login.jwt_token',
    'mobile_devices.device_token',
    'mobile_devices.onesignal_id',
    'imgur_lookup.delete_hash',
  ].map((c): [string, string] => [c, 'a secret']),
  ...['notifiers.notifier_config', 'newsletters.newsletter_config', 'accounts.hashed_password', 'accounts.salt', 'accounts.auth_token'].map(
    (c): [string, string] => [c, 'a secret'],
  ),
  ['users.email', 'an e-mail address'],
  ...['sessions.ip_address', 'session_history.ip_address', 'user_login.ip_address'].map((c): [string, string] => [c, 'an IP address']),
  ...[
    'sessions.machine_id',
    'session_history.machine_id',
    'sessions_continued.machine_id',
    'devices.identifier',
    'mobile_devices.device_id',
  ].map((c): [string, string] => [c, 'a device id']),
  ...['media_parts.file', 'section_locations.root_path', 'directories.path', 'media_streams.url'].map((c): [string, string] => [
    c,
    'a file path',
  ]),
  // "Living Room TV", "Plex for Android": together with the platform they single out a household's device.
  ...['sessions.player', 'session_history.player', 'sessions.product', 'session_history.product', 'user_login.user_agent'].map(
    (c): [string, string] => [c, 'a player or device name'],
  ),
  // plex.tv avatar URLs carry the account's id: a person, whatever the name policy says.
  ...['users.thumb', 'users.custom_avatar_url', 'sessions.user_thumb', 'accounts.thumb', 'accounts.thumb_url'].map(
    (c): [string, string] => [c, "a user's avatar URL"],
  ),
  ['sessions.raw_stream_info', 'the whole session as JSON (IP address and device included)'],
  ['recently_added.media_info', 'a JSON blob'],
]);

/**
 * JSON (and Plex's URL-encoded `extra_data`) blobs carry whatever their writer put in them, today
 * or in a later Plex or Tautulli release: no column list can say what is inside, so none is read.
 */
const blobColumn = /^(raw_.+|.+_json|extra_data|.+_config)$/;

/** Why a metric may not read `table.column` (lower-case), or undefined when it may. */
export function neverReadReason(column: string): string | undefined {
  const listed = neverRead.get(column);
  if (listed) return listed;
  const name = column.slice(column.indexOf('.') + 1);
  return blobColumn.test(name) ? 'a JSON blob' : undefined;
}

/**
 * Tables whose rows belong to no library section. Every other Plex or Tautulli table holds, or
 * counts, items and plays of a section, the private ones included (Marquee's own store is written
 * after the privacy policy, so it holds nothing private).
 */
export const sectionFreeTables: Readonly<Record<'plex' | 'tautulli', ReadonlySet<string>>> = {
  plex: new Set(['accounts', 'devices', 'preferences', 'schema_migrations', 'statistics_bandwidth', 'statistics_resources']),
  tautulli: new Set(['users', 'user_login', 'mobile_devices', 'version_info']),
};

/** Output columns that come straight from these make a metric identifying. */
export const identifyingColumns: ReadonlySet<string> = new Set([
  'users.username',
  'users.friendly_name',
  'users.title',
  'sessions.user',
  'sessions.friendly_name',
  'session_history.user',
  'user_login.user',
  'notify_log.user',
  'accounts.name',
  'devices.name',
  'mobile_devices.friendly_name',
  ...['title', 'full_title', 'parent_title', 'grandparent_title', 'original_title'].flatMap((c) => [
    `sessions.${c}`,
    `session_history_metadata.${c}`,
  ]),
  'metadata_items.title',
  'metadata_items.original_title',
  'metadata_items.title_sort',
]);
