// Snapshots are msgpackr-encoded. Records are off so every payload is self-describing and a
// reader never needs the writer's structure table; Dates round-trip as msgpack timestamps.
import { Packr } from 'msgpackr';
import type { EventType, ParleyEvent } from '@parley/domain';

const packr = new Packr({ useRecords: false, moreTypes: false });

export const encodeSnapshot = (snapshot: unknown): Buffer => packr.pack(snapshot);

export const decodeSnapshot = (bytes: Uint8Array): unknown => packr.unpack(bytes);

/**
 * Turns a stored event back into a domain event, upgrading old snapshot versions. Every
 * version still present in the log must have a reader here; all are version 1 today.
 */
export function readEvent(type: string, version: number, bytes: Uint8Array): ParleyEvent {
  const snapshot = decodeSnapshot(bytes);
  if (version !== 1) throw new Error(`no reader for ${type} snapshot version ${version}`);
  return { type: type as EventType, version: 1, snapshot } as ParleyEvent;
}
