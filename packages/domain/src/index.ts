export * from './errors.ts';
export * from './model.ts';
export * from './events.ts';
export * from './transitions.ts';
export * from './validate.ts';
export * from './render.ts';
export * from './cursor.ts';
export * from './views.ts';
