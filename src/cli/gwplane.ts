/**
 * The gwplane program as one module: scripts/bundle.mjs bundles this file, with everything it
 * imports, into one CommonJS file, dist/src/cli/gwplane.cjs, which the launcher
 * dist/src/cli/main.cjs (launch.ts) compiles with its V8 code cache; the launcher then calls
 * `runCli`. Run by itself (`node dist/src/cli/gwplane.js`, tsc's output, no bundle), it runs the
 * command line too.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setExternalImporter } from './external-import.js';
import { main, runCli } from './main.js';

export { main, runCli, setExternalImporter };

// run when this file is the program (the bundle's launcher is main.cjs, which calls runCli itself)
if (process.argv[1] && fs.realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) runCli(process.argv);
