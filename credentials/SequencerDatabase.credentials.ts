import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * The shared Postgres schema the runtime and every Sequencer node work in. Tested by the nodes
 * (`testedBy: 'sequencerDatabaseTest'`), as a database connection is not an HTTP request.
 * Its name is part of the package contract (DESIGN §2), hence no "Api" suffix.
 */
// eslint-disable-next-line n8n-nodes-base/cred-class-name-unsuffixed
export class SequencerDatabase implements ICredentialType {
  // eslint-disable-next-line n8n-nodes-base/cred-class-field-name-unsuffixed
  name = 'sequencerDatabase';

  // eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api
  displayName = 'Sequencer Database';

  icon: Icon = { light: 'file:sequencer.svg', dark: 'file:sequencer.dark.svg' };

  documentationUrl = 'https://github.com/sequencer-dev/n8n-nodes-unipile-sequencer#credentials';

  properties: INodeProperties[] = [
    {
      displayName: 'Connection URL',
      name: 'connectionString',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      placeholder: 'postgres://user:password@host:5432/database',
      description: 'The same database as the runtime\'s DATABASE_URL. When set, the fields below except Schema are ignored.',
    },
    { displayName: 'Host', name: 'host', type: 'string', default: 'localhost' },
    { displayName: 'Port', name: 'port', type: 'number', default: 5432 },
    { displayName: 'Database', name: 'database', type: 'string', default: 'postgres' },
    { displayName: 'User', name: 'user', type: 'string', default: 'postgres' },
    { displayName: 'Password', name: 'password', type: 'string', typeOptions: { password: true }, default: '' },
    {
      displayName: 'SSL',
      name: 'ssl',
      type: 'options',
      default: 'disable',
      options: [
        { name: 'Disable', value: 'disable' },
        { name: 'Require', value: 'require', description: 'Encrypt and verify the server certificate' },
        { name: 'Require (Allow Self-Signed)', value: 'allow-self-signed', description: 'Encrypt without verifying the certificate' },
      ],
    },
    {
      displayName: 'Schema',
      name: 'schema',
      type: 'string',
      default: 'sequencer',
      description: 'The workspace schema, the runtime\'s SEQUENCER_SCHEMA. A plain lower-case identifier.',
    },
  ];
}
