// Snapshots are msgpackr-encoded. Records are off so every payload is self-describing and a
// reader never needs the writer's structure table; Dates round-trip as msgpack timestamps.
import { Packr } from 'msgpackr';
import { postOf, type EventType, type ParleyEvent } from '@parley/domain';

const packr = new Packr({ useRecords: false, moreTypes: false });

export const encodeSnapshot = (snapshot: unknown): Buffer => packr.pack(snapshot);

export const decodeSnapshot = (bytes: Uint8Array): unknown => packr.unpack(bytes);

/**
 * Turns a stored event back into a domain event, upgrading old snapshot versions. Every
 * version still present in the log must have a reader here; all are version 1 today. Fields
 * added to a snapshot later (a post's moderation reasons and flag count, issue 15) are filled
 * with what they meant before they existed, so a new field needs no new version.
 */
export function readEvent(type: string, version: number, bytes: Uint8Array): ParleyEvent {
  const snapshot = decodeSnapshot(bytes);
  if (version !== 1) throw new Error(`no reader for ${type} snapshot version ${version}`);
  const event = { type: type as EventType, version: 1, snapshot } as ParleyEvent;
  const post = typeof snapshot === 'object' && snapshot !== null ? postOf(event) : undefined;
  if (post) {
    post.moderationReasons ??= [];
    post.flagCount ??= 0;
  }
  return event;
}
