// Secrets that the one-machine default generates once and keeps across restarts (the admin token,
// the embedded Postgres password), each in its own file readable only by its owner.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Returns the secret stored in `path`, creating it with `make()` (mode 0600) when absent. */
export async function readOrCreateSecret(path: string, make: () => string = () => randomBytes(32).toString('hex')): Promise<{ value: string; created: boolean }> {
  try {
    const value = (await readFile(path, 'utf8')).trim();
    if (value) {
      await chmod(path, 0o600);
      return { value, created: false };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true });
  const value = make();
  // 'wx' fails if another starter wrote it meanwhile; then theirs wins.
  try {
    await writeFile(path, `${value}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readOrCreateSecret(path, make);
    throw err;
  }
  return { value, created: true };
}
