// One assertion per expected error: the call must throw a ParleyError with exactly this code.
import type { Test } from 'tap';
import { ParleyError, type ErrorCode } from '@parley/domain';

export function throwsCode(t: Test, fn: () => unknown, code: ErrorCode, what?: string): ParleyError | undefined {
  let caught: unknown;
  let returned: unknown;
  try {
    returned = fn();
  } catch (e) {
    caught = e;
  }
  const got =
    caught === undefined
      ? `no error (returned ${JSON.stringify(returned)})`
      : caught instanceof ParleyError
        ? caught.code
        : `not a ParleyError: ${String(caught)}`;
  t.equal(got, code, what ?? `throws ${code}`);
  return caught instanceof ParleyError ? caught : undefined;
}
