// The servers tests start come from Debian's packages (redis-server, pgbouncer, …): finding their
// binaries, and making sure they die with the test process.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** An executable on PATH (or in /usr/bin, /usr/sbin, where Debian puts daemons), or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat('/usr/bin', '/usr/sbin')) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

const setpriv = which('setpriv');

/**
 * The command line that runs `cmd` so it gets SIGKILL when the test process dies without its
 * teardown (a tap timeout, a crash): util-linux's setpriv sets the parent-death signal, which
 * survives its exec. Without setpriv, `cmd` as is. For any server process a test spawns.
 */
export function dyingWithParent(cmd: string, args: string[]): [string, string[]] {
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
}
