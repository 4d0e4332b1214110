import { migrateCommand } from './migrate';
import { startCommand } from './start';
import type { Command } from './types';

/** Every `sequencer` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [startCommand, migrateCommand];
