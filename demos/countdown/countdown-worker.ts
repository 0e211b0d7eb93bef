// The countdown worker: "T-minus n" once per step while the shared flag says running (Python's CountdownTask.run).
import { rmSync, writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { RawValue } from '../../lib/index';
import { pause } from '../support/rendezvous';
import { Timeline } from '../support/timeline';
import { type CountdownData, CountdownEvent } from './countdown';

const data = workerData as CountdownData;
const running = RawValue.from(data.running, 'bool');
const timeline = new Timeline(data.timeline);

// A resource that a graceful stop releases and a kill leaves behind.
writeFileSync(data.lockFile, String(process.pid));
timeline.record(1, CountdownEvent.START, data.n);
parentPort?.postMessage('started');

let n = data.n;
for (;;) {
  if (!running.value) {
    timeline.record(1, CountdownEvent.SAW_FLAG, n);
    break;
  }
  if (n === 0) {
    timeline.record(1, CountdownEvent.LIFTOFF);
    break;
  }
  timeline.record(1, CountdownEvent.TICK, n);
  n -= 1;
  await pause(data.stepMs);
}
rmSync(data.lockFile, { force: true });
timeline.record(1, CountdownEvent.CLEANED_UP);
// Nothing keeps the thread alive now: it ends by itself, with exit code 0.
