// A closed thread takes no new comments. Always on: closing a thread is itself the setting.
import { pass, type Phase } from './types.ts';

export const threadClosedPhase: Phase = {
  name: 'threadClosed',
  run: (ctx) =>
    ctx.threadClosed
      ? { action: 'reject', code: 'thread_closed', reason: { phase: 'threadClosed', code: 'thread_closed', detail: 'The thread is closed.' } }
      : pass,
};
