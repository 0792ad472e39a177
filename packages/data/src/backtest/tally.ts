// What actually happened to each replayed comment (its fate, from the post's later status events),
// and the tally of verdicts against fates: the matrix, the false positives (the rules would have
// stopped a comment that stayed published), the misses (the rules would have let through a comment
// a moderator removed), each with a bounded sample so a moderator can look at real cases. Pure.
import { transitions, type PostStatus, type Reason } from '@parley/domain';
import { verdicts, type Verdict } from './replay.ts';

/** approvedAfterHold: it waited for a moderator (held when written, or held later) who published it. */
export type Fate = 'approved' | 'approvedAfterHold' | 'pending' | 'spam' | 'deleted' | 'shadowed';
export const fates: readonly Fate[] = ['approved', 'approvedAfterHold', 'pending', 'spam', 'deleted', 'shadowed'];

const statusAfter = new Map<string, PostStatus>(Object.values(transitions).map((t) => [t.event, t.to]));

/** The event types that change a post's status after it was written (the fate query reads these). */
export const laterStatusEventTypes: readonly string[] = [...statusAfter.keys()];

/** The status a post was written with, then its later status events in log order. */
export function fateOf(initial: PostStatus, laterTypes: readonly string[]): Fate {
  let status = initial;
  let waited = initial === 'pending';
  for (const type of laterTypes) {
    const to = statusAfter.get(type);
    if (to === undefined) continue;
    status = to;
    if (to === 'pending') waited = true;
  }
  if (status === 'approved') return waited ? 'approvedAfterHold' : 'approved';
  return status;
}

/**
 * A false positive: the rules would have stopped a comment that went out and stayed (any stop), or
 * one a moderator published after review (anything but a hold: holding it is what happened).
 */
export const isFalsePositive = (v: Verdict, f: Fate): boolean =>
  (f === 'approved' && v !== 'approved') || (f === 'approvedAfterHold' && v !== 'approved' && v !== 'held');

/** A miss: the rules would have published a comment a moderator deleted or marked as spam. */
export const isMiss = (v: Verdict, f: Fate): boolean => v === 'approved' && (f === 'deleted' || f === 'spam');

export interface SampleItem {
  postId: string;
  threadId: string;
  at: string;
  verdict: Verdict;
  fate: Fate;
  /** why the rules would have stopped it (empty for a miss) */
  reasons: Reason[];
}

export type Matrix = Record<Verdict, Record<Fate, number>>;

export interface TallyResult {
  comments: number;
  /** rows: the rules' verdict; columns: what happened */
  matrix: Matrix;
  verdicts: Record<Verdict, number>;
  /** how many comments each reason code would have stopped */
  reasons: Record<string, number>;
  falsePositives: { count: number; sample: SampleItem[] };
  misses: { count: number; sample: SampleItem[] };
}

export class Tally {
  private readonly r: TallyResult;
  private readonly sampleSize: number;

  constructor(sampleSize: number) {
    this.sampleSize = sampleSize;
    const row = () => Object.fromEntries(fates.map((f) => [f, 0])) as Record<Fate, number>;
    this.r = {
      comments: 0,
      matrix: Object.fromEntries(verdicts.map((v) => [v, row()])) as Matrix,
      verdicts: Object.fromEntries(verdicts.map((v) => [v, 0])) as Record<Verdict, number>,
      reasons: {},
      falsePositives: { count: 0, sample: [] },
      misses: { count: 0, sample: [] },
    };
  }

  /** One judged comment (its time as a Date: turned into text only for the sample). */
  add(item: Omit<SampleItem, 'at'> & { at: Date }): void {
    const r = this.r;
    r.comments++;
    r.matrix[item.verdict][item.fate]++;
    r.verdicts[item.verdict]++;
    for (const code of new Set(item.reasons.map((x) => x.code))) r.reasons[code] = (r.reasons[code] ?? 0) + 1;
    const bucket = isFalsePositive(item.verdict, item.fate) ? r.falsePositives : isMiss(item.verdict, item.fate) ? r.misses : undefined;
    if (!bucket) return;
    bucket.count++;
    if (bucket.sample.length < this.sampleSize) bucket.sample.push({ ...item, at: item.at.toISOString() });
  }

  get comments(): number {
    return this.r.comments;
  }

  result(): TallyResult {
    return structuredClone(this.r);
  }
}
