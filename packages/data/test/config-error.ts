// For the config tests: `fn` must refuse with a ConfigError whose message matches; returns the message.
import type { Test } from 'tap';
import { ConfigError } from '@parley/data';

export function configError(t: Test, fn: () => unknown, pattern: RegExp, what: string): string {
  try {
    fn();
    t.fail(`${what}: accepted`);
    return '';
  } catch (err) {
    t.ok(err instanceof ConfigError, `${what}: a ConfigError`);
    t.match((err as Error).message, pattern, what);
    return (err as Error).message;
  }
}
