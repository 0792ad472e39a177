// The API process the fuzzer attacks: the product's own standalone entry (apps/api/src/main.ts,
// configured through the environment), plus one thing for the fuzzer. On SIGUSR2 it collects
// garbage (the child runs with --expose-gc) and prints its memory as a JSON line, so the fuzzer can
// tell live objects (a cache without a bound) from heap slack and allocator pages.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ memory: { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers } })}\n`);
});

await import('../../apps/api/src/main.ts');
