import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type ModuleLoader } from '../../services/model/backend.ts';

const realLoad: ModuleLoader = (specifier) => import(specifier);

/** The error Node raises for a package that is not in node_modules. */
function notFound(specifier: string): Error {
  return Object.assign(new Error(`Cannot find package '${specifier}' imported from /app/services/model/backend.ts`), { code: 'ERR_MODULE_NOT_FOUND' });
}

/** A loader where the native packages behave as given and everything else loads for real. */
function loaderWith(natives: Record<string, () => Promise<unknown>>): { load: ModuleLoader; calls: string[] } {
  const calls: string[] = [];
  const load: ModuleLoader = async (specifier) => {
    calls.push(specifier);
    const fake = natives[specifier];
    return fake ? fake() : realLoad(specifier);
  };
  return { load, calls };
}

const missing = {
  '@tensorflow/tfjs-node-gpu': () => Promise.reject(notFound('@tensorflow/tfjs-node-gpu')),
  '@tensorflow/tfjs-node': () => Promise.reject(notFound('@tensorflow/tfjs-node')),
};

describe('selectBackend', () => {
  after(() => {
    if (tf.findBackendFactory('tensorflow') != null) tf.removeBackend('tensorflow');
  });

  it('falls back from missing native packages to wasm, in order, recording why', async () => {
    const { load, calls } = loaderWith(missing);
    const selection = await selectBackend('auto', { load });
    assert.equal(selection.name, 'wasm');
    assert.equal(selection.tfBackend, 'wasm');
    assert.equal(selection.package, '@tensorflow/tfjs-backend-wasm');
    assert.match(selection.version, /^\d+\.\d+\.\d+/);
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(calls, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm']);
    assert.deepEqual(
      selection.attempts.map(({ backend, ok }) => ({ backend, ok })),
      [
        { backend: 'tensorflow-gpu', ok: false },
        { backend: 'tensorflow', ok: false },
        { backend: 'wasm', ok: true },
      ],
    );
    assert.match(selection.attempts[0]!.reason, /^not installed \(Cannot find package '@tensorflow\/tfjs-node-gpu'/);
    assert.match(selection.attempts[1]!.reason, /^not installed \(Cannot find package '@tensorflow\/tfjs-node'/);
    // The wasm binaries were found and really compute.
    assert.deepEqual(Array.from(tf.tidy(() => tf.matMul([[1, 2]], [[3], [4]])).dataSync()), [11]);
  });

  it('skips a native package that is installed but broken, with its own reason', async () => {
    const { load } = loaderWith({
      // The native addon fails to load (e.g. no CUDA on the machine).
      '@tensorflow/tfjs-node-gpu': () => Promise.reject(new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory')),
      // The package loads and registers a backend whose initialisation fails (e.g. a bad libtensorflow).
      '@tensorflow/tfjs-node': async () => {
        tf.registerBackend('tensorflow', () => {
          throw new Error('libtensorflow.so.2: undefined symbol');
        }, 3);
        return { version: { 'tfjs-node': '4.22.0' } };
      },
    });
    const selection = await selectBackend('auto', { load });
    assert.equal(selection.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(
      selection.attempts.map(({ backend, ok, reason }) => ({ backend, ok, reason })),
      [
        { backend: 'tensorflow-gpu', ok: false, reason: 'libcudart.so.11.0: cannot open shared object file: No such file or directory' },
        { backend: 'tensorflow', ok: false, reason: "backend 'tensorflow' failed to initialise: libtensorflow.so.2: undefined symbol" },
        { backend: 'wasm', ok: true, reason: `loaded ${selection.version}` },
      ],
    );
    tf.removeBackend('tensorflow');
  });

  it('notices a native package that registered its backend on another copy of tfjs', async () => {
    const { load } = loaderWith({ ...missing, '@tensorflow/tfjs-node-gpu': async () => ({ version: { 'tfjs-node': '4.0.0' } }) });
    const selection = await selectBackend('auto', { load });
    assert.equal(selection.name, 'wasm');
    assert.match(selection.attempts[0]!.reason, /registered no 'tensorflow' backend/);
  });

  it('uses a working native package when it is there', async () => {
    const { load, calls } = loaderWith({
      ...missing,
      '@tensorflow/tfjs-node': async () => {
        // Stand-in for the native backend: the cpu backend under the name tfjs-node registers.
        tf.registerBackend('tensorflow', () => tf.findBackend('cpu'), 3);
        return { version: { 'tfjs-node': '4.22.0' } };
      },
    });
    const selection = await selectBackend('auto', { load });
    assert.deepEqual({ name: selection.name, tfBackend: selection.tfBackend, version: selection.version }, { name: 'tensorflow', tfBackend: 'tensorflow', version: '4.22.0' });
    assert.equal(tf.getBackend(), 'tensorflow');
    assert.deepEqual(calls, ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']);
    await selectBackend('wasm');
    tf.removeBackend('tensorflow');
  });

  it('refuses an explicitly requested backend that cannot load, naming the package and reason', async () => {
    const { load } = loaderWith(missing);
    await assert.rejects(selectBackend('tensorflow', { load }), (error: Error) => {
      assert.match(error.message, /backend "tensorflow" was requested but @tensorflow\/tfjs-node could not be used: not installed/);
      return true;
    });
    await assert.rejects(selectBackend('tensorflow-gpu', { load }), /@tensorflow\/tfjs-node-gpu could not be used/);
    await assert.rejects(selectBackend('wasm', { load: async () => ({}) }), /@tensorflow\/tfjs-backend-wasm could not be used: @tensorflow\/tfjs-backend-wasm does not export setWasmPaths/);
    await assert.rejects(selectBackend('gpu' as never), /unknown backend preference "gpu"/);
  });

  it('is idempotent: selecting again keeps the initialised backend and its tensors', async () => {
    const first = await selectBackend('wasm');
    const kept = tf.tensor1d([1, 2, 3]);
    const second = await selectBackend('wasm');
    assert.deepEqual(second, first);
    assert.deepEqual(Array.from(kept.dataSync()), [1, 2, 3]);
    kept.dispose();
  });

  it('selects plain cpu on request, and the default loader finds an embedded backend', async () => {
    const cpu = await selectBackend('cpu');
    assert.equal(cpu.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    const auto = await selectBackend('auto');
    assert.equal(auto.attempts.at(-1)!.ok, true);
    assert.equal(tf.getBackend(), auto.tfBackend);
    for (const attempt of auto.attempts.slice(0, -1)) assert.equal(attempt.ok, false);
  });
});
