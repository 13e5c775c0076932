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
  ...['sessions.machine_id', 'session_history.machine_id', 'sessions_continued.machine_id', 'devices.identifier'].map(
    (c): [string, string] => [c, 'a device id'],
  ),
  ...['media_parts.file', 'section_locations.root_path'].map((c): [string, string] => [c, 'a file path']),
]);

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
