// Akismet, the optional outside spam check (a forum's settings.moderation.akismet). It runs after
// the rules passed a comment and before the write's transaction, never inside it, and always
// within PARLEY_AKISMET_TIMEOUT_MS: a slow, down or failing service holds the comment for a
// moderator (reason akismet_unavailable) rather than losing it or answering 500.
//
// The client is @cedx/akismet (no dependencies, fetch-based, takes a base URL). npm's akismet-api
// was the first choice but cannot be pointed at a local server: it prepends the key to the host
// (https://<key>.rest.akismet.com), so a test cannot reach 127.0.0.1 with it.
import { Author, Blog, CheckResult, Client, Comment } from '@cedx/akismet';
import type { Config } from '@parley/data';
import type { Reason } from '@parley/domain';

export interface AkismetQuestion {
  /** the site's front page (Akismet's `blog`) */
  siteUrl: string;
  text: string;
  author: { name: string; email: string | null; ip: string | null; userAgent: string | undefined };
}

export type AkismetAnswer = { verdict: 'ham' } | { verdict: 'spam'; reason: Reason } | { verdict: 'unavailable'; reason: Reason };

/** Whether the instance can ask Akismet at all (a key is configured). */
export const akismetConfigured = (c: Config): boolean => c.akismetKey !== undefined && c.akismetKey !== '';

const validUrl = (u: string): string | undefined => (URL.canParse(u) ? u : undefined);

export async function askAkismet(c: Config, q: AkismetQuestion): Promise<AkismetAnswer> {
  let asked: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), c.akismetTimeoutMs)));
  try {
    const client = new Client(c.akismetKey!, new Blog({ url: validUrl(q.siteUrl) }), { baseUrl: c.akismetUrl });
    const comment = new Comment({
      author: new Author({ name: q.author.name, email: q.author.email ?? '', ipAddress: q.author.ip ?? '', userAgent: q.author.userAgent ?? '' }),
      content: q.text,
      type: 'comment',
      date: new Date(),
    });
    asked = client.checkComment(comment);
    // the client takes no abort signal: a late answer is left to arrive and be ignored
    const result = await Promise.race([asked, late]);
    if (result === 'late') return unavailable(`no answer within ${c.akismetTimeoutMs} ms`);
    if (result === CheckResult.ham) return { verdict: 'ham' };
    const pervasive = result === CheckResult.pervasiveSpam;
    return { verdict: 'spam', reason: { phase: 'akismet', code: 'akismet_spam', detail: pervasive ? 'Akismet: blatant spam' : 'Akismet: spam' } };
  } catch (err) {
    // what failed (a status, a refused connection) is for the moderator; the key travels in the
    // request body and is in none of these messages
    return unavailable(err instanceof Error ? err.message.slice(0, 200) : 'error');
  } finally {
    clearTimeout(timer);
    asked?.catch(() => undefined);
  }
}

const unavailable = (why: string): AkismetAnswer => ({
  verdict: 'unavailable',
  reason: { phase: 'akismet', code: 'akismet_unavailable', detail: `Akismet could not judge the comment (${why}); held for a moderator` },
});
