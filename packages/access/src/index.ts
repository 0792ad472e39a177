export * from './credential.ts';
export * from './origin.ts';
export * from './secrets.ts';
export * from './sso-disqus.ts';
export * from './sso-jwt.ts';
