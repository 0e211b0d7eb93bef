// A spec worker bundled by esbuild: 'shared-sync' is resolved through the package's exports like any dependency.
import * as lib from 'shared-sync';
import { serveTasks } from './tasks.js';

serveTasks(lib);
