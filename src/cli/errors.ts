// A failure the operator caused or can fix (bad argument, unknown id, locked node): printed as
// one line on stderr, exit status 1, and nothing was changed.
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
