import type { SegmentTimes } from '../snapshot/concurrency.js';
import type { SourceResult } from './result.js';

/**
 * How a read's result crosses from the reader thread to the main thread. Structured clone copies
 * an array of arrays element by element: Tautulli's network extras carry every segment of the
 * window as a [started, stopped] pair (~29k on the large fixture), and cloning them was most of the
 * ~160 ms a changed set of extras cost to hand over, half of it on the main thread. The segments
 * travel instead as one Float64Array (started, stopped, started, ...), moved rather than copied,
 * and are made pairs again on arrival: the result the caller gets is the one the source returned.
 */
export interface PackedSegments {
  packedSegments: Float64Array;
}

type WithExtras = SourceResult<unknown> & { extras?: object };

/** The result to post, and the buffers to move with it. */
export function pack(result: SourceResult<unknown>): { message: SourceResult<unknown>; transfer: ArrayBuffer[] } {
  const extras = result.ok ? (result as WithExtras).extras : undefined;
  const segments = extras && 'segments' in extras ? (extras.segments as ReadonlyArray<SegmentTimes>) : undefined;
  if (!segments || !segments.every((s) => typeof s[0] === 'number' && typeof s[1] === 'number')) return { message: result, transfer: [] };
  const packedSegments = new Float64Array(segments.length * 2);
  for (let i = 0; i < segments.length; i++) {
    packedSegments[2 * i] = segments[i]![0];
    packedSegments[2 * i + 1] = segments[i]![1];
  }
  const { segments: _segments, ...rest } = extras as { segments: unknown };
  const message: WithExtras = { ...result, extras: { ...rest, packedSegments } };
  return {
    message,
    transfer: [packedSegments.buffer as ArrayBuffer],
  };
}

/** The result as the source returned it (pack's inverse). */
export function unpack(message: SourceResult<unknown>): SourceResult<unknown> {
  const extras = message.ok ? (message as WithExtras).extras : undefined;
  if (!extras || !('packedSegments' in extras)) return message;
  const { packedSegments, ...rest } = extras as PackedSegments;
  const segments: SegmentTimes[] = new Array(packedSegments.length / 2);
  for (let i = 0; i < segments.length; i++) segments[i] = [packedSegments[2 * i]!, packedSegments[2 * i + 1]!];
  const result: WithExtras = { ...message, extras: { ...rest, segments } };
  return result;
}
