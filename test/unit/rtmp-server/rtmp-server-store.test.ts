import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AccessRuleRecord, RtmpServerRecord } from '../../../server/rtmp-servers/rtmp-server-record';
import { RtmpServerStore } from '../../../server/rtmp-servers/rtmp-server-store';

const SERVER: RtmpServerRecord = {
  id: 's1',
  name: 'studio',
  type: 'SERVER_TYPE_RTMP',
  bufferSeconds: 2.5,
  port: 19350,
  active: true,
  created: '2024-01-01T00:00:00.000Z',
  modified: '2024-01-01T00:00:00.000Z',
};
const RULE: AccessRuleRecord = {
  id: 'r1',
  serverId: 's1',
  action: 'publish',
  app: 'live',
  streamKey: 'cam',
  webhookUrl: null,
  allowIps: ['10.0.0.0/8'],
  denyIps: [],
  created: '2024-01-01T00:00:00.000Z',
  modified: '2024-01-01T00:00:00.000Z',
};

describe('RtmpServerStore', () => {
  let dir: string;
  let store: RtmpServerStore | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtmp-store-'));
  });

  afterEach(async () => {
    store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('creates the file and its directory, and keeps servers and rules across a reopen', () => {
    const file = path.join(dir, 'nested', 'gateway.sqlite');
    store = RtmpServerStore.open(file);
    store.saveServer(SERVER);
    store.saveRule(RULE);
    store.close();
    store = RtmpServerStore.open(file);
    expect(store.servers()).toEqual([SERVER]);
    expect(store.rules('s1')).toEqual([RULE]);
    expect(store.rule('r1')).toEqual(RULE);
  });

  test('saving an existing server updates it in place and keeps its rules', () => {
    store = RtmpServerStore.open(':memory:');
    store.saveServer(SERVER);
    store.saveRule(RULE);
    store.saveServer({ ...SERVER, name: 'renamed', port: 19351, active: false, modified: '2024-02-01T00:00:00.000Z' });
    expect(store.server('s1')).toEqual({ ...SERVER, name: 'renamed', port: 19351, active: false, modified: '2024-02-01T00:00:00.000Z' });
    expect(store.rules()).toEqual([RULE]);
  });

  test('deleting a server deletes its rules; unknown ids read as undefined', () => {
    store = RtmpServerStore.open(':memory:');
    store.saveServer(SERVER);
    store.saveServer({ ...SERVER, id: 's2', name: 'other', port: 19352 });
    store.saveRule(RULE);
    store.saveRule({ ...RULE, id: 'r2', serverId: 's2' });
    store.deleteServer('s1');
    expect(store.server('s1')).toBeUndefined();
    expect(store.rule('r1')).toBeUndefined();
    expect(store.rules().map((r) => r.id)).toEqual(['r2']);
  });

  test('the database itself refuses a second server on the same port or name', () => {
    store = RtmpServerStore.open(':memory:');
    store.saveServer(SERVER);
    expect(() => store!.saveServer({ ...SERVER, id: 's2', name: 'other' })).toThrow(/UNIQUE/);
    expect(() => store!.saveServer({ ...SERVER, id: 's3', port: 1 })).toThrow(/UNIQUE/);
  });

  test('a rule of an unknown server is refused', () => {
    store = RtmpServerStore.open(':memory:');
    expect(() => store!.saveRule({ ...RULE, serverId: 'missing' })).toThrow(/FOREIGN KEY/);
  });
});
