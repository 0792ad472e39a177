// The forums and threads a run writes to, created through the API with the admin token.
import { randomBytes } from 'node:crypto';
import { must } from './http.ts';

export interface Fixture {
  forums: { slug: string; id: string; moderatorKey: string }[];
  threads: { id: string; forumSlug: string }[];
}

export async function createFixture(apiUrl: string, adminToken: string, o: { forums: number; threadsPerForum: number; label: string }): Promise<Fixture> {
  const run = randomBytes(3).toString('hex');
  const fixture: Fixture = { forums: [], threads: [] };
  for (let f = 0; f < o.forums; f++) {
    const slug = `${o.label}-${run}-${f}`;
    const body = await must<{ forum: { id: string }; moderatorKey: string }>(apiUrl, 'POST', '/v1/forums', { token: adminToken, body: { slug, name: `${o.label} ${f}` }, want: [201] });
    fixture.forums.push({ slug, id: body.forum.id, moderatorKey: body.moderatorKey });
    for (let t = 0; t < o.threadsPerForum; t++) {
      const identifier = `page-${t}`;
      const th = await must<{ thread: { id: string } }>(apiUrl, 'POST', `/v1/forums/${slug}/threads`, {
        body: { identifier, title: `${o.label} page ${t}`, url: `https://${slug}.example/${identifier}` },
        want: [200, 201],
      });
      fixture.threads.push({ id: th.thread.id, forumSlug: slug });
    }
  }
  return fixture;
}
