// Tests that depend on real time wait for a condition with a deadline, never a fixed sleep.

/** One look at a condition: its truthy value, or null with the error it threw (for the message). */
export async function checkCondition<T>(condition: () => T | Promise<T>): Promise<{ value: NonNullable<T> | null; error?: unknown }> {
  try {
    const value = await condition();
    return { value: value ? (value as NonNullable<T>) : null };
  } catch (error) {
    return { value: null, error };
  }
}

export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = 10_000, intervalMs = 25, message = 'condition' } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const check = await checkCondition(condition);
    if (check.value) return check.value;
    if ('error' in check) lastError = check.error;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${message}` + (lastError ? `: ${String(lastError)}` : ''));
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
