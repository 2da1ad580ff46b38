import t from 'tap';
import { NODE_END_OF_LIFE, runtimeInfo } from '../src/runtime.js';
import { uwsChoice } from '../src/backend.js';

t.test('Node 20 is past its end of life from 2026-04-30 on', async (t) => {
  t.match(runtimeInfo(new Date('2026-04-29T23:59:59Z'), '20.20.2'), { node: '20.20.2', nodeEndOfLife: '2026-04-30', endOfLife: false });
  t.match(runtimeInfo(new Date('2026-04-30T00:00:00Z'), '20.20.2'), { endOfLife: true });
});

t.test('Node 24 and 22 are supported today; an unknown major is not called end-of-life', async (t) => {
  const now = new Date('2026-11-28T00:00:00Z');
  t.match(runtimeInfo(now, '24.21.0'), { nodeEndOfLife: '2028-04-30', endOfLife: false });
  t.match(runtimeInfo(now, '22.23.3'), { nodeEndOfLife: '2027-04-30', endOfLife: false });
  t.match(runtimeInfo(now, '25.2.0'), { nodeEndOfLife: '2026-06-01', endOfLife: true });
  t.match(runtimeInfo(now, '30.0.0'), { nodeEndOfLife: null, endOfLife: false });
});

t.test('this process: its Node and the uWS build it loaded', async (t) => {
  const r = runtimeInfo();
  t.equal(r.node, process.versions.node);
  t.equal(r.nodeEndOfLife, NODE_END_OF_LIFE[Number(process.versions.node.split('.')[0])] ?? null);
  t.equal(r.uws, uwsChoice().build.version);
  t.equal(r.uwsPackage, uwsChoice().build.package);
  t.equal(r.uwsBackend, 'native');
});

t.test('even majors are LTS with 30 months after LTS; the dates are ISO days', async (t) => {
  for (const [major, date] of Object.entries(NODE_END_OF_LIFE)) t.match(date, /^20\d\d-\d\d-\d\d$/, `Node ${major}`);
  t.equal(NODE_END_OF_LIFE[20], '2026-04-30');
  t.equal(NODE_END_OF_LIFE[24], '2028-04-30');
});
