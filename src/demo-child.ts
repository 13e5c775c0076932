/**
 * The demo generator's process (see demo.ts): builds the demo databases and reports progress to its
 * parent over IPC, so the server's own heap never holds the build (~300 MB at its peak).
 */
import { generateFixtures } from '../fixtures/generator/index.js';

export interface DemoRequest {
  dir: string;
  /** Epoch seconds the data is relative to. */
  now: number;
}

export type DemoMessage =
  | { type: 'progress'; fraction: number; step: string }
  | { type: 'done'; plexDb: string; tautulliDb: string }
  | { type: 'error'; message: string };

const send = (message: DemoMessage, then?: () => void) => process.send?.(message, undefined, {}, () => then?.());

process.once('message', (request: DemoRequest) => {
  try {
    const built = generateFixtures(request.dir, {
      profile: 'demo',
      seed: 1,
      now: request.now,
      onProgress: (fraction, step) => send({ type: 'progress', fraction, step }),
    });
    // Leave once the last message is out: disconnecting earlier drops it.
    send({ type: 'done', ...built }, () => process.disconnect?.());
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) }, () => process.disconnect?.());
  }
});
