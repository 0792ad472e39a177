import type { FastifyInstance } from 'fastify';
import { buildApp, type AppDeps } from './app.ts';

export { buildApp } from './app.ts';
export type { AppDeps } from './app.ts';

/** Builds the app and listens on config.host:config.port. */
export async function startApi(deps: AppDeps): Promise<{ app: FastifyInstance; url: string; close(): Promise<void> }> {
  const app = await buildApp(deps);
  await app.listen({ host: deps.config.host, port: deps.config.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : deps.config.port;
  const host = deps.config.host === '0.0.0.0' ? '127.0.0.1' : deps.config.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
