import { describe, expect, it } from 'vitest';
import { JoinableQueue, Queue, QueueFullError, revive, TaskDoneError, TimeoutError } from '../lib/index';
import { nextMessage, resultOf, spawn } from './helpers/workers';

const JOINERS = 113; // header word (lib/internal/ring.ts): threads announced as waiting in join

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('JoinableQueue: Python behaviour', () => {
  it('is a Queue', () => {
    const queue = new JoinableQueue<number>({ maxsize: 2 });
    expect(queue).toBeInstanceOf(Queue);
    queue.putNowait(1);
    queue.putNowait(2);
    expect(() => queue.putNowait(3)).toThrow(QueueFullError);
    expect([queue.getNowait(), queue.getNowait()]).toEqual([1, 2]);
  });

  it('counts every successful put as unfinished, and no failed one', async () => {
    const queue = new JoinableQueue<unknown>({ maxsize: 1 });
    queue.putNowait('a');
    expect(() => queue.putNowait('b')).toThrow(QueueFullError);
    expect(() => queue.putSync(() => 1)).toThrow(TypeError);
    await expect(queue.put('c', { timeout: 5 })).rejects.toThrow(QueueFullError);
    expect(queue.unfinishedTasks()).toBe(1);
    queue.getNowait(); // getting does not finish a task
    expect(queue.unfinishedTasks()).toBe(1);
    queue.taskDone();
    expect(queue.unfinishedTasks()).toBe(0);
  });

  it('throws TaskDoneError when taskDone is called more often than items were put, and changes nothing', () => {
    const queue = new JoinableQueue<number>();
    expect(() => queue.taskDone()).toThrow(TaskDoneError);
    expect(() => queue.taskDone()).toThrow(/^JoinableQueue\.taskDone: called more times than items were put/);
    queue.putNowait(1);
    queue.putNowait(2);
    queue.taskDone();
    queue.taskDone();
    expect(() => queue.taskDone()).toThrow(TaskDoneError);
    expect(queue.unfinishedTasks()).toBe(0);
    queue.putNowait(3);
    expect(queue.unfinishedTasks()).toBe(1);
  });

  it('join and joinSync return at once when nothing is unfinished', async () => {
    const queue = new JoinableQueue<number>();
    await queue.join();
    expect(queue.joinSync()).toBe(true);
    queue.putNowait(1);
    queue.taskDone();
    await queue.join({ timeout: 0 });
    expect(queue.joinSync(0)).toBe(true);
  });

  it('join resolves only when the last task is marked done', async () => {
    const queue = new JoinableQueue<number>();
    for (let i = 0; i < 5; i++) queue.putNowait(i);
    let doneCalls = 0;
    const joined = queue.join({ timeout: 5000 }).then(() => doneCalls);
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      doneCalls++;
      queue.taskDone();
    }
    expect(await joined).toBe(5);
  });

  it('joinSync returns false and join rejects with TimeoutError when tasks stay unfinished; an abort rejects with the reason', async () => {
    const queue = new JoinableQueue<number>();
    queue.putNowait(1);
    expect(queue.joinSync(20)).toBe(false);
    expect(queue.joinSync(0)).toBe(false);
    await expect(queue.join({ timeout: 20 })).rejects.toThrow(TimeoutError);
    const reason = new Error('stop');
    await expect(queue.join({ signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const pending = queue.join({ signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(() => queue.joinSync(-1)).toThrow(/^JoinableQueue\.joinSync: timeout/);
    await expect(queue.join(5 as never)).rejects.toThrow(TypeError);
    expect(queue.unfinishedTasks()).toBe(1);
  });

  it('wakes a joinSync in another thread when this thread marks the last task done', async () => {
    const queue = new JoinableQueue<number>();
    queue.putNowait(1);
    const words = new Int32Array(queue.buffer, queue.byteOffset, 128);
    const worker = spawn('queue-op', { queue, op: 'joinSync', timeout: 20_000 });
    await nextMessage(worker, 10_000, (m: { ready?: boolean }) => m.ready === true);
    await until(() => Atomics.load(words, JOINERS) > 0, 'the worker waits in joinSync');
    queue.getNowait();
    queue.taskDone();
    expect(await resultOf(worker, 10_000)).toEqual({ value: true });
  });

  it('is rebuilt by from() and revive(); from() rejects a plain Queue', () => {
    const queue = new JoinableQueue<number>();
    const copy = JoinableQueue.from<number>(structuredClone(queue));
    copy.putNowait(1);
    expect(queue.unfinishedTasks()).toBe(1);
    const { q } = revive(structuredClone({ q: queue }));
    expect(q).toBeInstanceOf(JoinableQueue);
    q.taskDone();
    expect(queue.unfinishedTasks()).toBe(0);
    expect(() => JoinableQueue.from(new Queue())).toThrow(/^JoinableQueue\.from: expected a JoinableQueue/);
  });
});

describe('JoinableQueue across threads', () => {
  it('with 4 consumer workers, join() returns exactly when the last taskDone() has happened, batch after batch', async () => {
    const queue = new JoinableQueue<number>({ maxsize: 64 });
    const counters = new SharedArrayBuffer(4);
    const done = new Int32Array(counters);
    const workers = Array.from({ length: 4 }, () => spawn('queue-joinable-consumer', { queue, counters }));
    const batch = 2000;
    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < batch; i++) await queue.put(i, { timeout: 20_000 });
      await queue.join({ timeout: 20_000 });
      // Consumers count a task right before its taskDone: all of them must have happened, and no more.
      expect(Atomics.load(done, 0)).toBe(round * batch);
      expect(queue.unfinishedTasks()).toBe(0);
    }
    queue.close();
    const handled = await Promise.all(workers.map((w) => resultOf<{ handled: number }>(w, 20_000)));
    expect(handled.reduce((sum, r) => sum + r.handled, 0)).toBe(3 * batch);
  }, 60_000);
});
