/**
 * `shared-sync/redis`: the library's primitives for several processes or machines, on Redis through `ioredis`
 * and `redis-semaphore` (optional peer dependencies: install them to use this entry point). Same names, options
 * and errors as the shared-memory primitives, async forms only.
 *
 * @packageDocumentation
 */

export type { RedisPrimitiveOptions } from './connection';
export { RedisCancelFlag } from './RedisCancelFlag';
export { RedisEvent } from './RedisEvent';
export { RedisJoinableQueue, type RedisJoinableQueueOptions } from './RedisJoinableQueue';
export { RedisLock, type RedisLockOptions } from './RedisLock';
export { RedisQueue, type RedisQueueOptions } from './RedisQueue';
export { RedisSemaphore, type RedisSemaphoreOptions } from './RedisSemaphore';
