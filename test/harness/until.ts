// Polling with a deadline, for effects that arrive through another process or a retry delay: the
// probe runs until it returns a value, and the deadline turns a hang into a clear failure.
export async function until<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>, everyMs = 50): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${deadlineMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
