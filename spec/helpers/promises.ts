/**
 * Whether `promise` is still pending after a few turns of the event loop: long enough for anything that was
 * going to settle it at once (a fast path, a notify already delivered) to have done so.
 */
export async function isPending(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  return !settled;
}
