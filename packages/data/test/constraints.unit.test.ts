import t from 'tap';
import { constraintError, constraintErrors, rethrowConstraint } from '@parley/data';
import { errorCodes, ParleyError } from '@parley/domain';

// what node-postgres raises when a named constraint refuses a statement
const pgError = (code: string, constraint?: string) => Object.assign(new Error('refused'), { code, constraint });

t.test('given a named constraint, the error is its registry code', async (t) => {
  t.same(constraintErrors, { forums_slug_key: 'slug_taken', users_username_key: 'username_taken', votes_post_id_fkey: 'post_not_found', post_flags_post_id_fkey: 'post_not_found' });
  const cases = [
    ['forums_slug_key', '23505', 'slug_taken', 409],
    ['users_username_key', '23505', 'username_taken', 409],
    ['votes_post_id_fkey', '23503', 'post_not_found', 404],
  ] as const;
  for (const [name, sqlState, code, status] of cases) {
    const err = constraintError(pgError(sqlState, name), { id: '7' });
    t.ok(err instanceof ParleyError, name);
    t.same([err?.code, err?.status, err?.details], [code, status, { id: '7' }], `${name} → ${code}`);
    t.equal(err?.message, errorCodes[code].message, 'with the registry message');
  }
});

t.test('any other error is not translated', async (t) => {
  t.equal(constraintError(pgError('23505', 'threads_forum_identifier_key')), undefined, 'a constraint the table does not name');
  t.equal(constraintError(pgError('23505')), undefined, 'no constraint');
  t.equal(constraintError(pgError('23505', 'toString')), undefined, 'a name inherited from Object is not a table entry');
  t.equal(constraintError(new Error('boom')), undefined);
  t.equal(constraintError(undefined), undefined);
  t.equal(constraintError(null), undefined);
});

t.test('rethrowConstraint throws the translation, else the error itself', async (t) => {
  t.throws(() => rethrowConstraint(pgError('23505', 'forums_slug_key'), { slug: 'a' }), { code: 'slug_taken', details: { slug: 'a' } });
  const other = pgError('40001', undefined);
  try {
    rethrowConstraint(other);
    t.fail('returned');
  } catch (err) {
    t.equal(err, other, 'the same error object');
  }
});
