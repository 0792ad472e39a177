export * from './config.ts';
export * from './db.ts';
export * from './migrate.ts';
