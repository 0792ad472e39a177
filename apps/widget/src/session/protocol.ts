// What the widget (on the host page) and the session frame (on the Parley origin) say to each other
// by postMessage. The frame acts for the signed-in reader on a fixed list of operations; nothing in
// this protocol ever carries the session token. See README.md, "Where the session lives".

/** the operations a host page may ask the frame to do as the reader */
export const operations = ['me', 'post', 'vote', 'flag', 'edit', 'source', 'delete', 'sso', 'signOut', 'page'] as const;
export type Operation = (typeof operations)[number];

/** the reader as the frame tells the widget: public fields only */
export interface Reader {
  id: string;
  username: string;
  displayName?: string;
  avatarUrl?: string | null;
}

/** widget → frame */
export interface Call {
  parley: 'call';
  id: number;
  op: Operation;
  args?: Record<string, unknown>;
}

/** frame → widget */
export type Told =
  | { parley: 'ready'; user: Reader | null }
  | { parley: 'user'; user: Reader | null }
  | { parley: 'size'; height: number }
  | { parley: 'result'; id: number; ok: true; value: unknown }
  | { parley: 'result'; id: number; ok: false; error: { code: string; message: string } };
