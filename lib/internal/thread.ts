/**
 * The current thread's id, as the owner recorded by an `RLock`.
 *
 * In Node it is `worker_threads.threadId` (0 on the main thread), plus one so that 0 can mean "no owner".
 * Elsewhere (a browser worker) there is no such id, so a random 29-bit one is drawn once per thread: two
 * threads colliding would need one chance in about 2^29 per pair. Ids fit in 29 bits because a lock word
 * stores its holder's id above two state bits (`mutex.ts`).
 *
 * @internal
 * @module
 */

interface NodeProcess {
  getBuiltinModule?(id: string): unknown;
}

function nodeThreadId(): number | undefined {
  const proc = (globalThis as { process?: NodeProcess }).process;
  const workerThreads = proc?.getBuiltinModule?.('node:worker_threads') as { threadId?: number } | undefined;
  return typeof workerThreads?.threadId === 'number' ? workerThreads.threadId : undefined;
}

function randomId(): number {
  const bytes = new Uint32Array(1);
  globalThis.crypto.getRandomValues(bytes);
  return (bytes[0] & 0x1fff_fffe) + 1;
}

const id = nodeThreadId();

/** A positive 29-bit integer that identifies this thread among the threads of the process. */
export const currentThreadId: number = id === undefined ? randomId() : id + 1;
