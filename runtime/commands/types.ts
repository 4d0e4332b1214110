/** A `sequencer` subcommand: its usage text and what it does. Exit codes: 0 ok, 1 failure, 2 usage. */
export interface Command {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
}

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
