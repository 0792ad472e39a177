// Is a Redis answering on a loopback port? One PING, for readiness checks.
import { connect } from 'node:net';

/** 'PONG' when a Redis answers on the port, else a short reason. */
export function ping(port: number): Promise<string> {
  return new Promise((ok) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answer: string) => {
      socket.destroy();
      ok(answer);
    };
    socket.setTimeout(1000, () => done('timeout'));
    socket.on('error', (err) => done(err.message));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG') ? 'PONG' : reply.trim());
    });
  });
}
