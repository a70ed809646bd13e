/**
 * The `kling-avatar` executable (the shebang comes from the build). Ctrl-C or SIGTERM cancels the
 * running command gracefully (tasks keep running at Kling; waits and renders can be resumed); a second
 * Ctrl-C exits at once.
 */
import { runCli } from './cli.js';
import { EXIT } from './util/errors.js';

const controller = new AbortController();
let interrupted = false;
const onSignal = () => {
  if (interrupted) process.exit(EXIT.interrupted);
  interrupted = true;
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// `kling-avatar list | head`: a closed pipe ends the command quietly, as it does for other tools.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

runCli(process.argv.slice(2), undefined, controller.signal).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // runCli catches everything it knows about; this is a bug, so show it.
    process.stderr.write(
      `kling-avatar: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
