import type { IAuthenticateGeneric, ICredentialTestRequest, ICredentialType, INodeProperties, Icon } from 'n8n-workflow';

/**
 * An OpenAI-compatible chat completions endpoint for AI Classify: OpenAI itself, or a self-hosted
 * model behind the same API (vLLM, Ollama, LM Studio, a gateway). The node hands key, base URL and
 * organization to the runtime's classifier (runtime/classify/model.ts), which calls it with the
 * `openai` SDK. Its name is part of the package contract (DESIGN §2), hence no "Api" suffix.
 */
// eslint-disable-next-line n8n-nodes-base/cred-class-name-unsuffixed
export class SequencerOpenAi implements ICredentialType {
  // eslint-disable-next-line n8n-nodes-base/cred-class-field-name-unsuffixed
  name = 'sequencerOpenAi';

  // eslint-disable-next-line n8n-nodes-base/cred-class-field-display-name-missing-api
  displayName = 'Sequencer OpenAI';

  icon: Icon = { light: 'file:sequencerOpenAi.svg', dark: 'file:sequencerOpenAi.dark.svg' };

  documentationUrl = 'https://github.com/sequencer-dev/n8n-nodes-unipile-sequencer/blob/main/docs/classify.md#credential';

  properties: INodeProperties[] = [
    {
      displayName: 'API Key',
      name: 'apiKey',
      type: 'string',
      typeOptions: { password: true },
      default: '',
      required: true,
      description: 'An OpenAI API key, or the key of your OpenAI-compatible server (any non-empty value if it needs none)',
    },
    {
      displayName: 'Base URL',
      name: 'baseUrl',
      type: 'string',
      default: 'https://api.openai.com/v1',
      required: true,
      placeholder: 'https://api.openai.com/v1',
      description: 'Where the chat completions API lives, up to and including /v1 — e.g. http://localhost:11434/v1 for a local Ollama',
    },
    {
      displayName: 'Organization ID',
      name: 'organization',
      type: 'string',
      default: '',
      placeholder: 'org-…',
      description: 'Optional: the OpenAI organization the requests are billed to (sent as OpenAI-Organization)',
    },
  ];

  authenticate: IAuthenticateGeneric = {
    type: 'generic',
    properties: { headers: { Authorization: '=Bearer {{$credentials.apiKey}}' } },
  };

  /** Lists the models: proves the base URL answers and the key is accepted. */
  test: ICredentialTestRequest = {
    request: {
      baseURL: '={{ $credentials.baseUrl.trim().replace(/\\/+$/, "") }}',
      url: '/models',
    },
  };
}
