// The sync waiter of the owner-death bench: on { acquire } it blocks in lock.acquireSync() on a lock whose
// holder is about to die, and reports when it got the lock (process.hrtime, the clock every thread of the
// process shares) and how (OwnerDiedError expected). On { echo } it reports when the message arrived: the
// postMessage peer.
import { parentPort, workerData } from 'node:worker_threads';
import { Lock, OwnerDiedError } from '../../../lib/index';

const lock = Lock.from(workerData.lock);
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

parentPort!.on('message', (message: { acquire?: true; echo?: true }) => {
  if (message.echo) {
    parentPort!.postMessage({ at: now() });
    return;
  }
  let told = 'none';
  try {
    if (!lock.acquireSync(10_000)) told = 'timeout';
  } catch (err) {
    told = err instanceof OwnerDiedError ? 'OwnerDiedError' : String(err);
  }
  const at = now();
  if (told !== 'timeout') lock.release();
  parentPort!.postMessage({ at, told });
});
parentPort!.postMessage({ ready: true });
