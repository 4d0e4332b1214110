import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';
import { databaseCredentialTest } from '../shared/database';
import { paginate } from '../../runtime/unipile/client';
import { clientFor } from './transport';

/** The account picker: every account of the credential's UniPile tenant. */
async function getAccounts(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
  const { client } = clientFor(await this.getCredentials('unipileApi'));
  const options: INodePropertyOptions[] = [];
  for await (const account of paginate((cursor) => client.listAccounts({ limit: 250, cursor }))) {
    options.push({ name: `${account.name || account.id} (${account.type})`, value: account.id, description: account.id });
  }
  return options.sort((a, b) => a.name.localeCompare(b.name));
}

export const methods = {
  loadOptions: { getAccounts },
  credentialTest: databaseCredentialTest,
};
