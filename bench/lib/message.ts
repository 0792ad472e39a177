// The comment every benchmark writes: 327 characters of markdown with a link, the size of an
// ordinary comment, so that the bytes rendered, stored and sent are realistic.
export const BENCH_MESSAGE =
  'Thanks for writing this up. I tried the second approach on our staging cluster and it cut the p99 in half, ' +
  'but only after we raised the pool size; with the default of 10 the queue just moved from the database to the app.\n\n' +
  'Has anyone measured it with **synchronous_commit** left on? Our numbers are at https://example.com/notes.';
