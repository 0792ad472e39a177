// What the console reads from the API: the domain's view types (erased by the build) and the shapes
// of the moderation routes as docs/api.md states them.
import type { ForumView, PostView } from '../../../../packages/domain/src/views.ts';
import type { ModerationSettings } from '../../../../packages/domain/src/moderation/settings.ts';
import type { QueueItemView as QueueItem, QueueName } from '../../../../packages/domain/src/queue.ts';
import type { BanView as Ban } from '../../../../packages/domain/src/moderation/ban-record.ts';

export type { Ban, ForumView, ModerationSettings, PostView, QueueItem, QueueName };
