/**
 * `@kling-avatar/cli` as a library: the batch render engine (`runBatch`) that the `kling-avatar render`
 * command and the GitHub Action share, plus the report formatting both print.
 */

export { runCli } from './cli.js';
export * from './engine/index.js';
export {
  formatBatchSummary,
  formatJobProblems,
  formatPlanTable,
  formatProblem,
  formatResultTable,
} from './render-output.js';
export type { CliIo, OutputStream } from './util/io.js';
