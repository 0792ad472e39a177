// The read side as one object, built from what it needs and nothing of an app: a Database, the
// page sizes, and the content locator (which shard holds a thread now, and its forum). The API
// serves from it; a worker can render the same pages from it.
import type { ContentLocator, Database } from '@parley/data';
import type { EventPage, Forum, PostPage, Thread, Viewer } from '@parley/domain';
import { listEvents, type EventPageQuery } from './events.ts';
import { listPosts, type PageSizes, type PostPageQuery } from './posts.ts';
import { renderEventPage, renderPostPage } from './render.ts';
import { getThread, threadCounts } from './threads.ts';

export interface ReadModelDeps {
  db: Database;
  pages: PageSizes;
  locator: ContentLocator;
}

export class ReadModel {
  readonly db: Database;
  readonly pages: PageSizes;
  /** which forum a thread or post is in (remembered), and which shard holds it now */
  readonly locator: ContentLocator;

  constructor(deps: ReadModelDeps) {
    this.db = deps.db;
    this.pages = deps.pages;
    this.locator = deps.locator;
  }

  postPage(threadId: string, q: PostPageQuery, viewer: Viewer): Promise<PostPage> {
    return listPosts(this.db, this.locator, this.pages, threadId, q, viewer);
  }

  /** the page as the bytes the API sends */
  async renderedPostPage(threadId: string, q: PostPageQuery, viewer: Viewer): Promise<string> {
    return renderPostPage(await this.postPage(threadId, q, viewer));
  }

  eventPage(threadId: string, q: EventPageQuery, viewer: Viewer): Promise<EventPage> {
    return listEvents(this.db, this.locator, threadId, q, viewer);
  }

  async renderedEventPage(threadId: string, q: EventPageQuery, viewer: Viewer): Promise<string> {
    return renderEventPage(await this.eventPage(threadId, q, viewer));
  }

  thread(threadId: string): Promise<Thread> {
    return getThread(this.db, this.locator, threadId);
  }

  counts(forum: Forum, identifiers: string[]): Promise<Record<string, number>> {
    return threadCounts(this.db, forum, identifiers);
  }
}
