import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { isCI } from '@anycast-origin/testkit';
// @ts-expect-error: a plain .mjs script without types
import { DEFAULT_MODEL, OUTPUT, SERVED, generate } from '../scripts/gen-model.mjs';
import { MODEL } from '../src/api/model.js';

const present = existsSync(DEFAULT_MODEL as string);
const skip = present ? {} : isCI() ? {} : { skip: `${DEFAULT_MODEL as string} not found: apt-get install awscli` };

t.test('the committed model table is what the AWS CLI\'s model generates', skip, async (t) => {
  if (!present) throw new Error(`${DEFAULT_MODEL as string} not found: apt-get install awscli (CI=true makes a missing model file a failure)`);
  t.equal(readFileSync(OUTPUT as string, 'utf8'), (generate as (s: string) => string)(readFileSync(DEFAULT_MODEL as string, 'utf8')), 'run node scripts/gen-model.mjs');
});

t.test('the table has every served operation with its input shape and errors', async (t) => {
  t.same(Object.keys(MODEL.operations).sort(), [...(SERVED as string[])].sort());
  t.equal(MODEL.metadata.targetPrefix, 'GlobalAccelerator_V20180706');
  t.equal(MODEL.shapes.TrafficDialPercentage?.max, 100);
  t.same([MODEL.shapes.EndpointWeight?.min, MODEL.shapes.EndpointWeight?.max], [0, 255]);
  t.same([MODEL.shapes.ThresholdCount?.min, MODEL.shapes.ThresholdCount?.max], [1, 10]);
  t.equal(MODEL.shapes.EndpointConfigurations?.max, 10);
  t.ok(MODEL.operations.AddEndpoints?.errors.includes('TransactionInProgressException'));
  t.ok(MODEL.allOperations.includes('CreateCustomRoutingAccelerator'));
});
