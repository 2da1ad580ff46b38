/** Reading a JSON config file, with errors that name the file (exit 2 in a CLI). */
import { readFileSync } from 'node:fs';
import { ConfigFileError } from './errors.js';

/** The parsed JSON object of `file`; ConfigFileError when unreadable, not JSON or not an object. */
export function readJsonFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigFileError(file, `cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigFileError(file, `not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new ConfigFileError(file, 'must hold a JSON object');
  return json as Record<string, unknown>;
}
