export * from './read-model.ts';
export * from './posts.ts';
export * from './events.ts';
export * from './threads.ts';
export * from './render.ts';
export * from './schemas.ts';
export * from './page-cache.ts';
export * from './object-cache.ts';
