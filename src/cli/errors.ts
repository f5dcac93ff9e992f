/** Exit statuses of the `tierjit` command (cli.md) and the error that carries one. */

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** A usage or compile error: its message is printed as is, and the command exits with 2. */
export class CliError extends Error {
  readonly status: number;
  constructor(message: string, status = EXIT_USAGE) {
    super(message);
    this.name = "CliError";
    this.status = status;
  }
}
