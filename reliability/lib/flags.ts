// `--name value` and `--flag` / `--no-flag` on the command line; unknown flags are refused so a
// typo never runs the default by surprise.
export function parseFlags(argv: string[], known: Record<string, 'number' | 'bool'>, usage: string): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(`${usage}\n`);
      process.exit(0);
    }
    const m = /^--(no-)?([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[2];
    if (!m || !name || !known[name]) refuse(`unknown argument ${arg}`, usage);
    if (known[name] === 'bool') {
      out[name] = !m[1];
      continue;
    }
    const text = m[3] ?? argv[++i];
    const value = Number(text);
    if (text === undefined || !Number.isFinite(value) || value < 0) refuse(`--${name} needs a non-negative number`, usage);
    out[name] = value;
  }
  return out;
}

function refuse(why: string, usage: string): never {
  process.stderr.write(`${why}\n${usage}\n`);
  process.exit(2);
}
