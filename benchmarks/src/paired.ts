import { median } from './timing.js';
import type { Row } from './runner.js';

/** One round: the Torchlet backend's median ms, then PyTorch's, timed back to back. */
export interface PairedRound {
  torchletMs: number;
  pytorchMs: number;
}

/**
 * PyTorch's row from rounds that time the fastest Torchlet backend and PyTorch back to back: its
 * speed-up is the median over rounds of (PyTorch's ms ÷ Torchlet's ms), so a drift of the machine that
 * lasts a round falls on both; its ms is the median of its rounds (GFLOP/s and images/s rescaled to it).
 * The note lists every round. Returns a new row; `peer` is PyTorch's row from the single pass.
 */
export function pairedPytorchRow(peer: Row, backendLabel: string, rounds: readonly PairedRound[]): Row {
  if (rounds.length === 0 || peer.ms === null) return peer;
  const ms = median(rounds.map((r) => r.pytorchMs));
  const slower = ms / peer.ms;
  const ratios = rounds.map((r) => r.pytorchMs / r.torchletMs);
  const list = (values: number[], digits: number) => values.map((v) => v.toPrecision(digits)).join(', ');
  const mine = list(
    rounds.map((r) => r.torchletMs),
    3,
  );
  const theirs = list(
    rounds.map((r) => r.pytorchMs),
    3,
  );
  const note =
    `${rounds.length} rounds, each ${backendLabel} then PyTorch: ${backendLabel} ${mine} ms, PyTorch ${theirs} ms, ` +
    `speed-up ${list(ratios, 2)} (median shown; ms and runs: PyTorch's per round)` +
    (peer.note === null ? '' : `; ${peer.note}`);
  return {
    ...peer,
    ms,
    runs: rounds.length,
    gflops: peer.gflops === null ? null : peer.gflops / slower,
    imagesPerSecond: peer.imagesPerSecond === null ? null : peer.imagesPerSecond / slower,
    speedup: median(ratios),
    note,
  };
}
