// A page as the bytes a client receives. The API sends exactly these, and a worker refilling a
// cache renders through the same functions, so a cached page and a fresh one are byte-identical.
import type { EventPage, PostPage } from '@parley/domain';

/** the Content-Type of every rendered page */
export const pageContentType = 'application/json; charset=utf-8';

export const renderPostPage = (page: PostPage): string => JSON.stringify(page);

export const renderEventPage = (page: EventPage): string => JSON.stringify(page);
