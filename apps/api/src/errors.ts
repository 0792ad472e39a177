// One error handler: ParleyErrors keep their code; fastify's own request errors (bad JSON, body
// too large, schema) become registry codes; anything else is ours, logged and answered 500
// with nothing of its internals.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance } from 'fastify';
import { ParleyError, type ErrorCode } from '@parley/domain';

interface AjvError {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

function fromValidation(err: FastifyError): ParleyError {
  const first = (err.validation as AjvError[] | undefined)?.[0];
  const where = err.validationContext ?? 'body';
  if (!first) return new ParleyError('validation_failed');
  const field = [where, ...first.instancePath.split('/').filter(Boolean)].join('.');
  let code: ErrorCode = 'invalid_field';
  let message = `${field} ${first.message ?? 'is not valid'}.`;
  if (first.keyword === 'additionalProperties') {
    code = 'unknown_field';
    message = `${field} has a field this endpoint does not take: "${String(first.params.additionalProperty)}".`;
  } else if (first.keyword === 'required') {
    code = 'missing_field';
    message = `${field} is missing the required field "${String(first.params.missingProperty)}".`;
  } else if (first.keyword === 'type') {
    message = `${field} must be ${first.params.type === 'integer' ? 'a whole number' : `a ${String(first.params.type)}`}.`;
  }
  return new ParleyError(code, { message, details: { field, rule: first.keyword } });
}

export function toParleyError(err: FastifyError | Error): ParleyError | undefined {
  if (err instanceof ParleyError) return err;
  const e = err as FastifyError;
  if (e.validation) return fromValidation(e);
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ParleyError('invalid_json', { message: `The request body is not valid JSON: ${e.message}` });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ParleyError('body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ParleyError('unsupported_media_type');
  }
  if (e instanceof SyntaxError) return new ParleyError('invalid_json');
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new ParleyError('validation_failed', { message: e.message });
  }
  return undefined;
}

/** what a 503 tells clients to wait: about one restart of the embedded Postgres */
export const RETRY_AFTER_SECONDS = 2;

// While the database is away every request fails the same way: log the first, then one per 10 s.
let lastOutageLog = 0;
function quietOutage(err: ParleyError): boolean {
  if (err.code !== 'database_unavailable') return false;
  if (Date.now() - lastOutageLog < 10_000) return true;
  lastOutageLog = Date.now();
  return false;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    const known = toParleyError(err);
    if (known) {
      if (known.status === 413) reply.header('connection', 'close');
      // a dependency is away: clients (and HAProxy) back off and come back
      if (known.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      if (known.internal && !quietOutage(known)) req.log.warn({ err: known.internal, code: known.code }, 'request refused');
      return reply.status(known.status).send(known.toJSON());
    }
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(new ParleyError('internal').toJSON());
  });
  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send(new ParleyError('route_not_found', { message: `There is no endpoint ${req.method} ${req.url.split('?')[0]}.` }).toJSON());
  });
}

/**
 * Errors Node's HTTP parser raises before fastify sees a request (headers over 16 KB, a slow
 * client past its deadline, bytes that are not HTTP): answered in our error shape, and with
 * `Connection: close`, because the socket is closed next. Without that header a keep-alive client
 * (or a proxy) would send its next request on a socket that is already gone.
 */
export function clientErrorHandler(err: Error & { code?: string; rawPacket?: unknown }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  // An answer to HEAD has no body: a client reads one as garbage after `Connection: close`
  // (found by the fuzzer). The bytes being parsed show the method when they hold the request line.
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  const known =
    err.code === 'HPE_HEADER_OVERFLOW' ? new ParleyError('headers_too_large')
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? new ParleyError('request_timeout')
    : new ParleyError('validation_failed', { message: 'The request is not valid HTTP/1.1.' });
  if (socket.writable) {
    const body = head ? '' : JSON.stringify(known.toJSON());
    socket.write(
      `HTTP/1.1 ${known.status} ${known.status === 431 ? 'Request Header Fields Too Large' : known.status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
        `Connection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}
