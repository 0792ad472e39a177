// The V8 flags every Parley process runs with. Node 24 lets the young generation grow to about
// 130 MB per process on a machine with much memory (semi-spaces of 64 MB), and it keeps that
// capacity once a burst of allocation has grown it: the soak saw the worker's RSS step from 186 to
// 238 MB and stay, with the live heap flat. Capped at 16 MB semi-spaces (Node 20's default), RSS
// stays flat within a few percent and reads are as fast (docs/reliability.md).
// `scripts/bootstrap.sh` (npm start) and package.json's `start:only` pass the same flag; so should
// whatever runs apps/*/src/main.ts in production (NODE_OPTIONS=--max-semi-space-size=16 works too).
export const PARLEY_NODE_FLAGS = ['--max-semi-space-size=16'];
