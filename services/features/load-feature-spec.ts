import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type CompiledFeatureSpec, compileFeatureSpec } from './feature-spec.ts';

const SPECS_DIR = new URL('./specs/', import.meta.url);

/** A shipped spec by name (`card-default`, `handbook`, `ulb-pca`) or a path to a spec JSON file. */
export async function loadFeatureSpec(nameOrPath: string): Promise<CompiledFeatureSpec> {
  const path = /^[a-z0-9-]+$/.test(nameOrPath) ? fileURLToPath(new URL(`${nameOrPath}.json`, SPECS_DIR)) : nameOrPath;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`feature spec "${nameOrPath}" not found (${(error as NodeJS.ErrnoException).code}: ${path})`);
  }
  return compileFeatureSpec(JSON.parse(text));
}
