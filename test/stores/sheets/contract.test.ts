import { afterAll, beforeAll } from 'vitest';
import { startSheetsEmulator, type SheetsEmulator } from '../../support/sheets-emulator.js';
import { sheetsRig } from '../../support/sheets-fixture.js';
import { describeStoreContract } from '../store-contract.js';

let emu: SheetsEmulator;
beforeAll(async () => {
  emu = await startSheetsEmulator();
});
afterAll(async () => {
  await emu.close();
});

describeStoreContract('SheetsStore on the emulator', () => {
  const rig = sheetsRig(emu);
  return { store: rig.store, cleanup: () => rig.db.close() };
});

// Same contract with tab names that need quoting in A1 notation, and a reader cache that only
// our own writes invalidate.
describeStoreContract("SheetsStore with quoted tab names ('it''s' / spaces)", () => {
  const rig = sheetsRig(emu, { tabs: { current: "it's current", history: 'history log' }, readerTtlMs: 60_000 });
  return { store: rig.store, cleanup: () => rig.db.close() };
});
