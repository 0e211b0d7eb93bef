// A bank teller as a browser Web Worker: the same withdrawal as the Node teller (../withdraw.ts), one per message.
import { revive } from '../../../lib/index';
import { type TellerJob, withdraw } from '../withdraw';
import type { WorkerScope } from './dom';

const scope = globalThis as unknown as WorkerScope;

scope.onmessage = ({ data }) => {
  try {
    scope.postMessage({ result: withdraw(revive(data as TellerJob)) });
  } catch (err) {
    scope.postMessage({ error: err instanceof Error ? err.message : String(err) });
  }
};
scope.postMessage({ ready: true });
