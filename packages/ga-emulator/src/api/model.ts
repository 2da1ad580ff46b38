/**
 * Types of the API model table (src/api/model.generated.ts, taken from the official model by
 * scripts/gen-model.mjs) and look-ups over it. The emulator never reads the AWS CLI's model
 * file at run time: it works without awscli installed.
 */
import { MODEL } from './model.generated.js';

export interface ShapeModel {
  readonly type: 'structure' | 'list' | 'string' | 'integer' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'blob' | 'map';
  readonly required?: readonly string[];
  readonly members?: Readonly<Record<string, { readonly shape: string; readonly idempotencyToken?: boolean }>>;
  readonly member?: string;
  readonly min?: number;
  readonly max?: number;
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly exception?: boolean;
}

export interface OperationModel {
  readonly input: string | null;
  readonly output: string | null;
  readonly errors: readonly string[];
}

export interface ApiModel {
  readonly metadata: { readonly apiVersion: string; readonly targetPrefix: string; readonly jsonVersion: string; readonly signingName: string };
  readonly allOperations: readonly string[];
  readonly operations: Readonly<Record<string, OperationModel>>;
  readonly shapes: Readonly<Record<string, ShapeModel>>;
}

export { MODEL };

export function shape(name: string): ShapeModel {
  const s = MODEL.shapes[name];
  if (!s) throw new Error(`shape ${name} is not in the model table`);
  return s;
}
