import {
  captureTrainingState,
  restoreTrainingState,
  type RestoredTraining,
  type TrainingState,
  type TrainingTargets,
} from '../train/training-state.js';
import { loadWithMetadata, save } from './checkpoint.js';

/**
 * Writes a resumable training checkpoint to `path` (safetensors; see `captureTrainingState` for
 * what it holds), atomically: a temporary file in the same directory is written, fsynced and
 * renamed over `path`, so a crash or a SIGKILL at any moment leaves either the previous checkpoint
 * or the new one, never a mix. Synchronous: the checkpoint is on disk when the call returns.
 *
 * @example
 * saveTrainingCheckpoint('run/last.safetensors', { model, optimizer, scheduler, generators: { shuffle, dropout }, epoch, step });
 */
export function saveTrainingCheckpoint(path: string, state: TrainingState): void {
  const { tensors, metadata } = captureTrainingState(state);
  save(path, tensors, metadata);
}

/**
 * Restores a checkpoint written by `saveTrainingCheckpoint` into a model, optimizer, scheduler
 * and generators built as in the run that saved it; training then continues bit for bit as if it
 * had never stopped. The file is validated (header bounds, CRC-32) before anything is changed.
 *
 * @returns `{ epoch, step, extra }` as saved
 * @throws SafetensorsError for a truncated or corrupt file; CheckpointError for a damaged or
 *   mismatched checkpoint; ENOENT when there is none
 * @example const { epoch, step } = loadTrainingCheckpoint('run/last.safetensors', { model, optimizer, scheduler, generators: { shuffle, dropout } });
 */
export function loadTrainingCheckpoint(path: string, targets: TrainingTargets): RestoredTraining {
  const { tensors, metadata } = loadWithMetadata(path);
  return restoreTrainingState(tensors, metadata, targets);
}
