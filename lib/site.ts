/**
 * Python's `threading` / `multiprocessing` synchronization primitives for JavaScript worker threads, built on
 * `SharedArrayBuffer` and `Atomics`; and, from `shared-sync/redis`, the same primitives across processes and
 * machines on Redis.
 *
 * (The documentation site's single entry point: both import paths in one namespace, so that links resolve
 * across them. Packages import `shared-sync` and `shared-sync/redis`, never this file.)
 *
 * @packageDocumentation
 */

export * from './index';
export * from './redis/index';
