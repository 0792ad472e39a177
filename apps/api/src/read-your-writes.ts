// Read-your-writes across streaming replicas. A write's response carries its commit position in
// `Parley-Lsn` (`content.1:0/1A2B3C`: the primary's alias and the LSN, when that database has
// replicas); a client that sends it back on later reads is served by a replica that has replayed
// past it, or else by the primary. Each request runs inside its own `readYourWrites` context,
// which the data seam reads and fills.
import type { FastifyInstance } from 'fastify';
import { formatPosition, parsePosition, readYourWrites } from '@parley/data';
import { ParleyError } from '@parley/domain';

export const LSN_HEADER = 'parley-lsn';

export function registerReadYourWrites(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const sent = req.headers[LSN_HEADER];
    const after = typeof sent === 'string' ? parsePosition(sent) : undefined;
    if (sent !== undefined && !after) {
      done(new ParleyError('invalid_field', {
        message: 'The Parley-Lsn header must be sent back as a write returned it, like "content.0:0/1A2B3C".',
        details: { field: `headers.${LSN_HEADER}` },
      }));
      return;
    }
    readYourWrites.run({ after }, done);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const committed = readYourWrites.getStore()?.committed;
    if (committed) reply.header(LSN_HEADER, formatPosition(committed));
    return payload;
  });
}
