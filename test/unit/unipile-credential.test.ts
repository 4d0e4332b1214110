import { Workflow, type IHttpRequestOptions, type INode } from 'n8n-workflow';
import { UnipileApi } from '../../credentials/UnipileApi.credentials';
import { UnipileSend } from '../../nodes/UnipileSend/UnipileSend.node';
import { unipileBaseUrl } from '../../runtime/unipile/base-url';
import { TestCredentialsHelper, TestNodeTypes } from '../support/n8n';

/** The credential test runs inside n8n with n8n's expressions; it must call the URL the runtime client calls. */
describe('UniPile API credential', () => {
  const credential = new UnipileApi();
  const node: INode = { id: '1', name: 'UniPile Send', type: 'unipileSend', typeVersion: 1, position: [0, 0], parameters: {} };
  const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes: new TestNodeTypes({ unipileSend: new UnipileSend() }) });

  it.each(['api1.unipile.com:13111', ' https://api6.unipile.com:13443/ ', 'https://api6.unipile.com:13443/api/v1', 'http://127.0.0.1:8080'])(
    'tests %j against the runtime client’s base URL',
    (dsn) => {
      const baseURL = workflow.expression.getSimpleParameterValue(node, credential.test.request.baseURL as string, 'manual', { $credentials: { dsn } } as never);
      expect(baseURL).toBe(unipileBaseUrl(dsn).href);
      expect(credential.test.request.url).toBe('/accounts');
    },
  );

  it('authenticates with X-API-KEY', async () => {
    const helper = new TestCredentialsHelper({ unipileApi: credential }, {});
    const options = (await helper.authenticate({ apiKey: 'k-123' }, 'unipileApi', { url: '/accounts' } as IHttpRequestOptions)) as IHttpRequestOptions;
    expect(options.headers).toEqual({ 'X-API-KEY': 'k-123' });
  });
});
