// The domain's rules and types, as the widget imports them: from the domain's own module files,
// not the package index, because the index also holds the markdown renderer (markdown-it and
// sanitize-html, ~40 KB gzip) and esbuild cannot drop those CommonJS modules. publication.ts and
// transitions.ts import nothing but types. Types are erased by the build and cost no bytes.
export { awaitingModerationStatuses, isPublished, isPublishingEvent } from '../../../packages/domain/src/publication.ts';
export { editableStatuses, votableStatuses } from '../../../packages/domain/src/transitions.ts';
export { flagReasons, type FlagReason } from '../../../packages/domain/src/flags.ts';
export type { PostStatus } from '../../../packages/domain/src/model.ts';
export type { EventView, ForumView, PostView, ThreadView } from '../../../packages/domain/src/views.ts';
