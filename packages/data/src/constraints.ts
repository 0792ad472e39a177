// Postgres refuses some writes by a named constraint (or unique index); which name means which
// client error is known here, next to the schema, and nowhere in the apps.
import { ParleyError, type ErrorCode } from '@parley/domain';

/** constraint or unique-index name (migrations/*.sql) → the error a client gets */
export const constraintErrors = {
  forums_slug_key: 'slug_taken',
  users_username_key: 'username_taken',
  votes_post_id_fkey: 'post_not_found',
  post_flags_post_id_fkey: 'post_not_found',
} as const satisfies Record<string, ErrorCode>;

export type NamedConstraint = keyof typeof constraintErrors;

/** The ParleyError a Postgres error stands for, or undefined when no named constraint refused it. */
export function constraintError(err: unknown, details?: Record<string, unknown>): ParleyError | undefined {
  const name = (err as { constraint?: unknown } | null)?.constraint;
  if (typeof name !== 'string' || !Object.hasOwn(constraintErrors, name)) return undefined;
  return new ParleyError(constraintErrors[name as NamedConstraint], { details });
}

/** In a catch: throws the client error a named constraint stands for, else the error itself. */
export function rethrowConstraint(err: unknown, details?: Record<string, unknown>): never {
  throw constraintError(err, details) ?? err;
}
