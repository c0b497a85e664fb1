/**
 * TensorFlow.js as the runner sees it: the library, the backends that started and how to switch
 * between them. Free of Node imports, so the browser bench page (examples/browser) runs the same
 * runner on the same workloads; tfjs.ts loads TF.js in Node.
 */
import type * as TF from '@tensorflow/tfjs-core';

export type Tf = typeof TF;

/** A TensorFlow.js backend the bench can time (`webgl` only in a browser with a GPU context). */
export type TfBackendName = 'cpu' | 'wasm' | 'webgl';

export interface TfPeers {
  tf: Tf;
  version: string;
  /** The backends that initialised, in table order; `failed` says why any other did not. */
  backends: TfBackendName[];
  failed: Partial<Record<TfBackendName, string>>;
  /** Table labels where `tfjs <backend>` says too little (e.g. `tfjs wasm×2` for its threaded build). */
  labels?: Partial<Record<TfBackendName, string>>;
}

/** The table label of a TF.js backend. */
export function tfLabel(peers: TfPeers, name: TfBackendName): string {
  return peers.labels?.[name] ?? `tfjs ${name}`;
}

/** Makes `name` the active TF.js backend (already initialised). */
export async function useTfBackend(tf: Tf, name: TfBackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`bench: TF.js backend ${name} did not start`);
}

export function firstLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.split('\n')[0]!.slice(0, 160);
}
