import path from 'node:path';
import { PackageDirectoryLoader } from 'n8n-core';
import type { INodeType, IVersionedNodeType } from 'n8n-workflow';
import { closeAllConnections } from '../../nodes/shared/database';
import { createSequence } from '../../runtime/sequences/definitions';
import { openTestDb, type TestDb } from '../support/db';
import { databaseCredential, outputOf, runWorkflow } from '../support/n8n';

/**
 * Loads the package the way n8n does — n8n-core's PackageDirectoryLoader reading package.json's `n8n`
 * block, validating each description and attaching its codex — and runs a workflow through one of
 * the loaded nodes. The only difference from a real install: `dist/…js` paths resolve to the
 * TypeScript sources (ts-jest compiles them), so no build is needed.
 */
const ROOT = path.resolve(__dirname, '../..');

class SourcePackageLoader extends PackageDirectoryLoader {
  override resolvePath(file: string): string {
    const source = file.replace(/^dist\//, '').replace(/\.js$/, '.ts');
    return path.resolve(this.directory, source);
  }
}

let db: TestDb;
beforeAll(async () => {
  db = await openTestDb();
});
afterAll(async () => {
  await closeAllConnections();
  await db.close();
});

describe('the package in n8n-core', () => {
  it('loads every node and credential listed in package.json, with codex and valid descriptions', async () => {
    const loader = new SourcePackageLoader(ROOT);
    await loader.loadAll();
    expect(loader.packageName).toBe('n8n-nodes-unipile-sequencer');
    expect(Object.keys(loader.nodeTypes)).toEqual(expect.arrayContaining(['sequenceStep', 'sequencerTrigger']));
    expect(Object.keys(loader.credentialTypes)).toContain('sequencerDatabase');
    // A node whose `<Name>.node.json` codex did not load has no documentation link.
    const withoutCodex = Object.entries(loader.nodeTypes)
      .filter(([, { type }]) => !(type as INodeType).description.codex?.resources?.primaryDocumentation?.length)
      .map(([name]) => name);
    expect(withoutCodex).toEqual([]);
  });

  it('runs a workflow through the loaded Sequence Step node', async () => {
    const loader = new SourcePackageLoader(ROOT);
    await loader.loadAll();
    const nodeTypes: Record<string, INodeType | IVersionedNodeType> = {};
    for (const [name, { type }] of Object.entries(loader.nodeTypes)) nodeTypes[`${loader.packageName}.${name}`] = type;
    await createSequence(db, { key: 'smoke' });

    const { run } = await runWorkflow({
      nodeTypes,
      workflowJson: {
        nodes: [
          {
            id: 'enroll',
            name: 'Enroll',
            type: `${loader.packageName}.sequenceStep`,
            typeVersion: 1,
            position: [0, 0],
            parameters: { operation: 'enroll', sequenceKey: 'smoke' },
            credentials: { sequencerDatabase: { id: '1', name: 'Sequencer' } },
          },
          {
            id: 'get',
            name: 'Get',
            type: `${loader.packageName}.sequenceStep`,
            typeVersion: 1,
            position: [200, 0],
            parameters: { operation: 'get' },
            credentials: { sequencerDatabase: { id: '1', name: 'Sequencer' } },
          },
        ],
        connections: { Enroll: { main: [[{ node: 'Get', type: 'main', index: 0 }]] } },
      },
      credentials: { sequencerDatabase: databaseCredential(db.url, db.schema) },
      inputItems: [{ json: { email: 'smoke@acme.io', firstName: 'Smoke' } }],
    });
    expect(run.status).toBe('success');
    expect(outputOf(run, 'Enroll')![0].json.outcome).toBe('enrolled');
    expect(outputOf(run, 'Get')![0].json).toMatchObject({ status: 'active', nextStep: 'start', sequence: { key: 'smoke' } });
    expect(outputOf(run, 'Get')![0].pairedItem).toEqual({ item: 0 });
  });
});
