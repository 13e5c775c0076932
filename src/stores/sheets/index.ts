export { SheetsStore, SheetsServerView, tabsOf, type SheetsStoreOptions } from './sheets-store.js';
export { createSheetsAuth, SHEETS_SCOPE, SHEETS_READONLY_SCOPE, type SheetsAuthOptions } from './auth.js';
export { OUTBOX_DDL, SqliteOutbox, MemoryOutbox, type Outbox, type OutboxItem } from './outbox.js';
export { defaultHistoryMaxRows } from './layout.js';
export type { RetryPolicy } from './retry.js';
export type { Logger } from './writer.js';
