/** The CLI's two kinds of failure; main.ts maps them to exit codes. */

/** A bad command line, config file or STARLING_* variable: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The command line was fine but the command cannot run: a port in use, Redis down, an unreadable key file.
 * Printed with its reason and no usage, exit code 1.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}
