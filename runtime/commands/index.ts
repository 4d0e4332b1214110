import { accountsCommand } from './accounts';
import { enrollCommand } from './enroll';
import { migrateCommand } from './migrate';
import { reconcileCommand } from './reconcile';
import { retryCommand } from './retry';
import { simulateCommand } from './simulate';
import { startCommand } from './start';
import { statsCommand } from './stats';
import { webhooksCommand } from './webhooks';
import type { Command } from './types';

/** Every `sequencer` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [
  startCommand,
  migrateCommand,
  enrollCommand,
  statsCommand,
  simulateCommand,
  retryCommand,
  accountsCommand,
  webhooksCommand,
  reconcileCommand,
];
