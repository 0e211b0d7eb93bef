import { afterEach } from 'vitest';
import { terminateAll } from './workers';

afterEach(async () => {
  await terminateAll();
});
