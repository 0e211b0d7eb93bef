/**
 * Lock names beyond the registry's name table (1,024 slots, never freed).
 *
 * FAILS on wt-deadlockdemo (8cccd45): once 1,024 named locks have been created in the process (by any thread,
 * including locks long since garbage-collected), `new Lock({ name })` silently loses its name, even in the
 * creating thread: `.name` and every DeadlockError / lock-order message show the generated label `Lock#1025`.
 * A program that names a lock per account or per request hits this after 1,024 of them.
 */

import { describe, expect, it } from 'vitest';
import { Lock, RLock } from '../lib/index';
import { MAX_NAMES } from '../lib/internal/registry';

describe('lock names', () => {
  it('a lock keeps its name after more than MAX_NAMES named locks were created in the process', () => {
    for (let i = 0; i < MAX_NAMES + 10; i++) new Lock({ name: `account-${i}` });
    expect(new Lock({ name: 'ledger' }).name).toBe('ledger');
    expect(new RLock({ name: 'audit' }).name).toBe('audit');
  });
});
