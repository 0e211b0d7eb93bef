// A spec worker without a bundler: a module Worker cannot use the page's import map, so it loads the
// self-contained build (dist/standalone.js, async-mutex inside) by URL.
import * as lib from '/pkg/dist/standalone.js';
import { serveTasks } from './tasks.js';

serveTasks(lib);
