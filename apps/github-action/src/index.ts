/**
 * Entry point the runner executes (bundled to dist/index.js). Everything lives in `run()`, which
 * catches every error and reports it through `core.setFailed`.
 */
import { run } from './main.js';

await run();
