import { Workflow, type IHttpRequestOptions, type INode } from 'n8n-workflow';
import { SequencerOpenAi } from '../../credentials/SequencerOpenAi.credentials';
import { AiClassify } from '../../nodes/AiClassify/AiClassify.node';
import { TestCredentialsHelper, TestNodeTypes } from '../support/n8n';

/** The credential test runs inside n8n with n8n's expressions: GET <base URL>/models with the key as a bearer token. */
describe('Sequencer OpenAI credential', () => {
  const credential = new SequencerOpenAi();
  const node: INode = { id: '1', name: 'AI Classify', type: 'aiClassify', typeVersion: 1, position: [0, 0], parameters: {} };
  const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: new TestNodeTypes({ aiClassify: new AiClassify() }) });

  it.each([
    ['https://api.openai.com/v1', 'https://api.openai.com/v1'],
    [' http://localhost:11434/v1/ ', 'http://localhost:11434/v1'],
  ])('tests %j by listing its models', (baseUrl, expected) => {
    const baseURL = workflow.expression.getSimpleParameterValue(node, credential.test.request.baseURL as string, 'manual', { $credentials: { baseUrl } } as never);
    expect(baseURL).toBe(expected);
    expect(credential.test.request.url).toBe('/models');
  });

  it('defaults to OpenAI and authenticates with a bearer token', async () => {
    expect(credential.properties.find((p) => p.name === 'baseUrl')?.default).toBe('https://api.openai.com/v1');
    const helper = new TestCredentialsHelper({ sequencerOpenAi: credential }, {});
    const options = (await helper.authenticate({ apiKey: 'sk-123' }, 'sequencerOpenAi', { url: '/models' } as IHttpRequestOptions)) as IHttpRequestOptions;
    expect(options.headers).toEqual({ Authorization: 'Bearer sk-123' });
  });
});
