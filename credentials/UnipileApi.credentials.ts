import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * A UniPile tenant: its DSN (or base URL) and an API key. Nodes pass both to the runtime's UniPile
 * client (runtime/unipile), so node, CLI and runtime make identical requests.
 */
export class UnipileApi implements ICredentialType {
  name = 'unipileApi';

  displayName = 'UniPile API';

  icon: Icon = { light: 'file:unipile.svg', dark: 'file:unipile.dark.svg' };

  documentationUrl = 'https://github.com/sequencer-dev/n8n-nodes-unipile-sequencer#credentials';

  properties: INodeProperties[] = [
    {
      displayName: 'DSN or Base URL',
      name: 'dsn',
      type: 'string',
      default: '',
      required: true,
      placeholder: 'api1.unipile.com:13111',
      description: 'The DSN shown in the UniPile dashboard (host and port), or a full base URL such as https://api1.unipile.com:13111/api/v1',
    },
    {
      displayName: 'API Key',
      name: 'apiKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
      description: 'An access token from the UniPile dashboard',
    },
    {
      displayName: 'Dry Run',
      name: 'dryRun',
      type: 'boolean',
      default: false,
      description:
        'Whether nodes using this credential only pretend to send: everything is recorded (status dry_run) but nothing is sent to UniPile',
    },
  ];

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: { headers: { 'X-API-KEY': '={{$credentials.apiKey}}' } },
  };

  /** Lists accounts: proves the DSN answers and the key is accepted. Same base URL rule as runtime/unipile/base-url.ts. */
  test: ICredentialTestRequest = {
    request: {
      baseURL:
        '={{ (/^https?:\\/\\//i.test($credentials.dsn.trim()) ? $credentials.dsn.trim() : "https://" + $credentials.dsn.trim()).replace(/\\/+$/, "").replace(/(\\/api\\/v1)?$/, "/api/v1") }}',
      url: '/accounts',
      qs: { limit: 1 },
      headers: { accept: 'application/json' },
    },
  };
}
