import t from 'tap';
import { errorCodes, fail, ParleyError, type ErrorCode } from '@parley/domain';

const codes = Object.keys(errorCodes) as ErrorCode[];

t.test('the registry', async (t) => {
  t.ok(codes.length >= 30, `sanity: ${codes.length} codes`);
  for (const code of codes) {
    const { status, message } = errorCodes[code];
    if (code === 'internal') t.equal(status, 500, 'internal is the only 500');
    // a dependency that is away is not the client's fault, nor a bug of ours
    else if (code === 'database_unavailable' || code === 'unavailable' || code === 'forum_moving' || code === 'sso_keys_unavailable' || code === 'oidc_provider_unavailable') t.equal(status, 503, `${code} is a 503`);
    else t.ok(Number.isInteger(status) && status >= 400 && status <= 499, `${code} is a 4xx (${status})`);
    t.ok(message.trim().length > 0 && /\.$/.test(message), `${code} has a sentence for a message: ${JSON.stringify(message)}`);
    t.match(code, /^[a-z]+(_[a-z]+)*$/, `${code} is snake_case`);
  }
});

t.test('given a code, a ParleyError takes its status and message from the registry', async (t) => {
  for (const code of codes) {
    const err = new ParleyError(code);
    t.ok(err instanceof Error && err.name === 'ParleyError' && err.code === code, `${code} is a named Error`);
    t.equal(err.status, errorCodes[code].status, `${code} status`);
    t.equal(err.message, errorCodes[code].message, `${code} message`);
  }
});

t.test('toJSON is the wire shape', async (t) => {
  t.test('without details, there is no details key', async (t) => {
    const json = new ParleyError('thread_closed').toJSON();
    t.strictSame(json, { error: { code: 'thread_closed', message: 'This thread is closed to new comments.' } });
    t.notOk('details' in json.error);
  });

  t.test('with details and a custom message', async (t) => {
    const err = new ParleyError('message_too_long', { message: 'Too long by 3.', details: { length: 13, maxLength: 10 } });
    t.strictSame(err.toJSON(), { error: { code: 'message_too_long', message: 'Too long by 3.', details: { length: 13, maxLength: 10 } } });
    t.equal(err.status, 400, 'a custom message keeps the status');
  });

  t.test('internal detail stays out of the JSON', async (t) => {
    const err = new ParleyError('internal', { internal: new Error('connection refused at 10.0.0.5:5432') });
    t.strictSame(JSON.parse(JSON.stringify(err)), { error: { code: 'internal', message: errorCodes.internal.message } });
    t.match(err.internal, { message: /connection refused/ }, 'but it is kept for the log');
  });
});

t.test('fail throws the ParleyError it describes', async (t) => {
  t.throws(() => fail('forbidden', { details: { why: 'x' } }), { name: 'ParleyError', code: 'forbidden', status: 403, details: { why: 'x' } });
});
