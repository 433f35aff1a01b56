// Chooses the TensorFlow.js backend once, at start. The native packages (`@tensorflow/tfjs-node-gpu`,
// `@tensorflow/tfjs-node`) are optional: their install downloads libtensorflow, which is not possible
// on every machine, so they are loaded dynamically and a missing or broken one is recorded and skipped
// in `auto`. An operator who asks for a specific backend gets that backend or an error naming the
// package and the reason: silently running on a slower backend than configured would hide a broken
// deployment behind a latency regression.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export const backendPreferences = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof backendPreferences)[number];
export type BackendName = Exclude<BackendPreference, 'auto'>;

export interface BackendAttempt {
  backend: BackendName;
  package: string;
  ok: boolean;
  /** Why it was not used, or what was loaded ("loaded 4.22.0"). */
  reason: string;
}

export interface BackendSelection {
  name: BackendName;
  /** The tfjs backend id now active (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  package: string;
  version: string;
  attempts: BackendAttempt[];
}

/** Loads a module by specifier; `import()` in production, a fake in tests. */
export type ModuleLoader = (specifier: string) => Promise<unknown>;

export interface SelectBackendOptions {
  load?: ModuleLoader;
  /** Resolves a package's main file; used to find the wasm binaries. */
  resolve?: (specifier: string) => string;
}

interface Candidate {
  backend: BackendName;
  package: string;
  tfBackend: string;
  activate: (deps: Required<SelectBackendOptions>) => Promise<string>;
}

const candidates: readonly Candidate[] = [
  { backend: 'tensorflow-gpu', package: '@tensorflow/tfjs-node-gpu', tfBackend: 'tensorflow', activate: (deps) => activateNative('@tensorflow/tfjs-node-gpu', deps) },
  { backend: 'tensorflow', package: '@tensorflow/tfjs-node', tfBackend: 'tensorflow', activate: (deps) => activateNative('@tensorflow/tfjs-node', deps) },
  { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', tfBackend: 'wasm', activate: activateWasm },
  { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', tfBackend: 'cpu', activate: activateCpu },
];

const defaultLoad: ModuleLoader = (specifier) => import(specifier);
const defaultResolve = (specifier: string): string => createRequire(import.meta.url).resolve(specifier);

/**
 * Activates the preferred backend (in `auto`: GPU native, CPU native, wasm, plain JS, first that
 * works) and reports every attempt. Idempotent: tfjs backends are process-global, so calling it
 * again re-activates the already initialised backend without re-initialising it.
 */
export async function selectBackend(preference: BackendPreference = 'auto', options: SelectBackendOptions = {}): Promise<BackendSelection> {
  if (!backendPreferences.includes(preference)) {
    throw new Error(`unknown backend preference "${String(preference)}" (expected one of ${backendPreferences.join(', ')})`);
  }
  const deps = { load: options.load ?? defaultLoad, resolve: options.resolve ?? defaultResolve };
  const tried = preference === 'auto' ? candidates : candidates.filter((c) => c.backend === preference);
  const attempts: BackendAttempt[] = [];
  for (const candidate of tried) {
    try {
      const version = await candidate.activate(deps);
      attempts.push({ backend: candidate.backend, package: candidate.package, ok: true, reason: `loaded ${version}` });
      return { name: candidate.backend, tfBackend: candidate.tfBackend, package: candidate.package, version, attempts };
    } catch (error) {
      const reason = describe(error);
      attempts.push({ backend: candidate.backend, package: candidate.package, ok: false, reason });
      if (preference !== 'auto') {
        throw new Error(`backend "${preference}" was requested but ${candidate.package} could not be used: ${reason}`, { cause: error });
      }
    }
  }
  // Unreachable in practice: the cpu backend ships inside @tensorflow/tfjs.
  throw new Error(`no TensorFlow.js backend could be initialised: ${attempts.map((a) => `${a.backend}: ${a.reason}`).join('; ')}`);
}

async function activateNative(pkg: string, { load }: Required<SelectBackendOptions>): Promise<string> {
  const mod = (await load(pkg)) as { version?: Record<string, string> } | undefined;
  // The package registers 'tensorflow' on the @tensorflow/tfjs it requires. If npm installed it a
  // copy of its own (version mismatch), the registration landed on another engine than ours.
  if (tf.findBackendFactory('tensorflow') == null) {
    throw new Error(`${pkg} loaded but registered no 'tensorflow' backend with this process's @tensorflow/tfjs ${tf.version_core} (mismatched versions?)`);
  }
  await setBackendOrThrow('tensorflow');
  return mod?.version?.['tfjs-node'] ?? 'unknown';
}

async function activateWasm({ load, resolve }: Required<SelectBackendOptions>): Promise<string> {
  const pkg = '@tensorflow/tfjs-backend-wasm';
  const mod = (await load(pkg)) as { setWasmPaths?: (prefix: string) => void; version_wasm?: string };
  if (typeof mod.setWasmPaths !== 'function') throw new Error(`${pkg} does not export setWasmPaths`);
  // The .wasm binaries sit beside the package's main file. Paths can only be set before the backend
  // is first initialised; a second selection finds it initialised and leaves it alone.
  if (!(tf.engine().registry as Record<string, unknown>)['wasm']) {
    mod.setWasmPaths(`${dirname(resolve(pkg))}/`);
  }
  await setBackendOrThrow('wasm');
  return mod.version_wasm ?? 'unknown';
}

async function activateCpu(): Promise<string> {
  await setBackendOrThrow('cpu');
  return tf.version_core;
}

async function setBackendOrThrow(name: string): Promise<void> {
  if (tf.findBackendFactory(name) == null) throw new Error(`backend '${name}' is not registered`);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' failed to initialise${await initialisationError(name)}`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`backend '${name}' was set but '${tf.getBackend()}' is active`);
}

/**
 * tfjs swallows a failing backend factory's error (it only prints a warning), but the operator
 * needs the cause on the health endpoint. Calling the factory once more surfaces it; a factory that
 * failed once fails the same way, and an instance it unexpectedly returns is disposed.
 */
async function initialisationError(name: string): Promise<string> {
  try {
    const instance = await tf.findBackendFactory(name)?.();
    instance?.dispose();
    return '';
  } catch (error) {
    return `: ${describe(error)}`;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const firstLine = error.message.split('\n')[0] ?? '';
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return `not installed (${firstLine})`;
    return firstLine;
  }
  return String(error);
}
