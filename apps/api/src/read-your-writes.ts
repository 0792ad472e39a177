// Read-your-writes across streaming replicas. A write's response carries its commit LSN in
// `Parley-Lsn` (when its database has replicas); a client that sends that header back on later
// reads is served by a replica that has replayed past it, or else by the primary. Each request
// runs inside its own `readYourWrites` context, which the data seam reads and fills.
import type { FastifyInstance } from 'fastify';
import { isLsn, readYourWrites } from '@parley/data';
import { ParleyError } from '@parley/domain';

export const LSN_HEADER = 'parley-lsn';

export function registerReadYourWrites(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const sent = req.headers[LSN_HEADER];
    if (sent !== undefined && (typeof sent !== 'string' || !isLsn(sent))) {
      done(new ParleyError('invalid_field', {
        message: 'The Parley-Lsn header must be an LSN as a write returned it, like "0/1A2B3C".',
        details: { field: `headers.${LSN_HEADER}` },
      }));
      return;
    }
    readYourWrites.run({ after: sent }, done);
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const committed = readYourWrites.getStore()?.committed;
    if (committed) reply.header(LSN_HEADER, committed);
    return payload;
  });
}
