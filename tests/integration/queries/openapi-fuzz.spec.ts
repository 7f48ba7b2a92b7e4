import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { openApiDocument } from '@annals/contracts';
import { createTestDatabase, type TestDatabase } from '@annals/testing';
import { schemathesisCommand } from '../../support/schemathesis';
import { seedReports, TestSystem } from '../../support/system';

const ROOT = join(__dirname, '../../..');
const REPORT = join(ROOT, 'tests/artifacts/schemathesis.xml');

/**
 * The HTTP API fuzzed from its own OpenAPI document by schemathesis (positive and negative
 * cases, boundary values, random strings in every parameter): no 5xx, and every response's
 * status, content type and body are the ones the document declares.
 */
describe('queries: the API fuzzed from its OpenAPI document (schemathesis)', () => {
  let db: TestDatabase;
  let system: TestSystem;

  beforeAll(async () => {
    db = await createTestDatabase();
    system = await new TestSystem(db).start();
    await system.publish(seedReports());
  });
  afterAll(async () => {
    await system?.close();
    await db.drop();
  });

  it('no server error, and every response conforms to the document', async () => {
    const st = schemathesisCommand();
    const args = [
      'run',
      `${system.baseUrl}/openapi.json`,
      '--checks',
      'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      '60',
      '--seed',
      '20140919',
      '--workers',
      '2',
      '--no-color',
      '--generation-database',
      ':memory:',
      '--report',
      'junit',
      '--report-junit-path',
      REPORT,
    ];
    // async: the API under test runs in this process and must keep answering meanwhile
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
      const child = spawn(st, args, { env: { ...process.env, SCHEMATHESIS_HOOKS: '' } });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
    // the run reached every documented operation
    const operations = Object.values(openApiDocument().paths ?? {}).flatMap((path) => Object.keys(path ?? {})).length;
    expect(operations).toBeGreaterThanOrEqual(8);
    expect(output).toMatch(new RegExp(`${operations} (selected|operations?)|Operations:\\s+${operations}`));
    expect({ code, tail: code === 0 ? '' : output.slice(-6_000) }).toEqual({ code: 0, tail: '' });
  });
});
