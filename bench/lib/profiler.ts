import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * A V8 CPU profile of one window of a child's life (the measured load, the render loop), not of
 * its start-up: `node --cpu-prof` would bury a 5 s load under module loading and the first cycle.
 * The file opens as a flame graph in Chrome DevTools or speedscope; bench/profile-top.ts prints it.
 */
export async function startProfile(): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  // 250 µs: fine enough for a 50 µs request handler to show up over a few thousand requests.
  await session.post('Profiler.setSamplingInterval', { interval: 250 });
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/** Request handlers for a child: profileStart, then profileStop with the file to write. */
export function profileHandlers(): Record<string, (payload: unknown) => Promise<unknown>> {
  let stop: ((file: string) => Promise<void>) | undefined;
  return {
    profileStart: async () => {
      stop = await startProfile();
      return null;
    },
    profileStop: async (file) => {
      await stop?.(file as string);
      stop = undefined;
      return file;
    },
  };
}
