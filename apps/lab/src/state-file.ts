/**
 * The state file: the lab's addresses as JSON for scripts (`probe sweep --vantage` reads its
 * `vantagePoints`), written once every endpoint is HEALTHY. Written atomically (a temporary
 * file in the same directory, then rename), so a script that waits for the file never reads
 * half of it; removed when the lab stops, so its presence means the lab is up.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputError } from './errors.js';
import type { LabState } from './lab.js';

export function writeStateFile(file: string, state: LabState): void {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new OutputError(file, `cannot write the state file: ${(e as Error).message}`, { cause: e });
  }
}

export function removeStateFile(file: string): void {
  rmSync(file, { force: true });
}
