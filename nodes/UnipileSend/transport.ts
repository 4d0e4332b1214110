import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import { UnipileClient } from '../../runtime/unipile/client';

/** The runtime's UniPile client for the node's `unipileApi` credential, so node, CLI and runtime share one client. */
export interface UnipileCredential {
  dsn: string;
  apiKey: string;
  dryRun?: boolean;
}

export function clientFor(credential: ICredentialDataDecryptedObject): { client: UnipileClient; dryRun: boolean } {
  const c = credential as unknown as UnipileCredential;
  return { client: new UnipileClient({ dsn: c.dsn ?? '', apiKey: c.apiKey ?? '' }), dryRun: Boolean(c.dryRun) };
}
