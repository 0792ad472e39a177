// Query strings are text, and ajv's coercion reads "012", "+12", "12.0", " 12" and "1e1" as
// numbers. A number in a request has one spelling (like an id: checkId), so before the coercing
// validator runs, every integer-typed query parameter must be written in plain digits.
import type { FastifyValidationResult } from 'fastify/types/schema.js';
import { integerTextPattern, ParleyError } from '@parley/domain';

type Validate = FastifyValidationResult;

function integerKeys(schema: unknown): string[] {
  const props = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  return Object.entries(props).filter(([, p]) => p.type === 'integer').map(([k]) => k);
}

/** Wraps a querystring validator so that integer parameters accept only their one spelling. */
export function strictIntegers(schema: unknown, validate: Validate): Validate {
  const keys = integerKeys(schema);
  if (keys.length === 0) return validate;
  const strict = (data: unknown) => {
    const q = (data ?? {}) as Record<string, unknown>;
    for (const k of keys) {
      const v = q[k];
      if (typeof v === 'string' && !integerTextPattern.test(v)) {
        const field = `querystring.${k}`;
        return {
          error: new ParleyError('invalid_field', {
            message: `${field} must be a whole number in plain digits ("12", not "012", "+12", "12.0" or " 12").`,
            details: { field, rule: 'integer' },
          }),
        };
      }
    }
    return validate(data);
  };
  // fastify reads a failed ajv validator's errors from the function itself
  return Object.defineProperty(strict, 'errors', { get: () => validate.errors }) as Validate;
}
