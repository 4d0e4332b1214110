import { sharedSchema } from './001_shared_schema';

export interface Migration {
  version: number;
  name: string;
  /** SQL for the quoted, validated schema name. */
  up: (schema: string) => string;
}

/** Applied in order; append only. */
export const migrations: Migration[] = [{ version: 1, name: 'shared schema', up: sharedSchema }];
