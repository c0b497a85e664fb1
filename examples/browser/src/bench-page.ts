/**
 * The bench page: starts the bench worker, prints the table as each workload finishes, and keeps
 * a record in `window.bench` (setup, rows, tables) that the end-to-end test reads.
 * `?only=gemm&only=lenet` picks workloads by name (substrings); `?quick=1` makes the runs short; `?webgl=software` times
 * TF.js's webgl backend even on a software renderer.
 */
import { cells, HEAD, LEGEND, markdownTable, RIGHT, textTable, type Row } from '@torchlet/benchmarks/portable';
import { agrees, type BenchMessage, type BenchRequest } from './bench-protocol.js';

export interface BenchState {
  setup: string[];
  rows: Row[];
  /** Rows whose results differ from the reference by more than `agrees` allows. */
  disagreements: string[];
  text: string;
  markdown: string;
  done: boolean;
  seconds: number | null;
  error: string | null;
}

const state: BenchState = {
  setup: [],
  rows: [],
  disagreements: [],
  text: '',
  markdown: '',
  done: false,
  seconds: null,
  error: null,
};
(window as unknown as { bench: BenchState }).bench = state;

const params = new URLSearchParams(location.search);
const request: BenchRequest = {
  type: 'start',
  only: params
    .getAll('only')
    .map((s) => s.trim())
    .filter((s) => s !== ''),
  quick: params.get('quick') === '1',
  softwareGl: params.get('webgl') === 'software',
};

const $ = (id: string) => document.getElementById(id)!;

function render(): void {
  $('setup').replaceChildren(
    ...state.setup.map((line) => Object.assign(document.createElement('li'), { textContent: line })),
  );
  state.text = textTable(state.rows);
  state.markdown = markdownTable(state.rows);
  const table = $('table');
  const tr = (values: string[], tag: 'th' | 'td', className = '') => {
    const row = document.createElement('tr');
    row.className = className;
    values.forEach((v, i) => {
      const cell = document.createElement(tag);
      cell.textContent = v;
      if (RIGHT.has(i)) cell.className = 'num';
      row.append(cell);
    });
    return row;
  };
  table.replaceChildren(
    tr(HEAD, 'th'),
    ...state.rows.map((r, i) => {
      const first = i === 0 || state.rows[i - 1]!.workload !== r.workload;
      const c = cells(r);
      return tr(first ? c : ['', ...c.slice(1)], 'td', `${first ? 'first' : ''} ${r.ms === null ? 'cannot' : ''}`);
    }),
  );
  $('markdown').textContent = state.markdown;
  $('disagreements').textContent = state.disagreements.length
    ? `Results that disagree with the reference: ${state.disagreements.join('; ')}`
    : '';
}

const worker = new Worker(new URL('./bench-worker.js', import.meta.url), { type: 'module' });
worker.onmessage = (event: MessageEvent<BenchMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'setup':
      state.setup = m.lines;
      break;
    case 'progress':
      $('status').textContent = `running: ${m.line}…`;
      break;
    case 'rows': {
      const scale = m.rows.find((r) => r.scale !== null)?.scale ?? 1;
      for (const r of m.rows)
        if (!agrees(r, scale)) state.disagreements.push(`${r.workload} · ${r.impl}: max |Δ| ${r.maxDiff}`);
      state.rows.push(...m.rows);
      break;
    }
    case 'done':
      state.done = true;
      state.seconds = m.seconds;
      $('status').textContent = `done in ${m.seconds.toFixed(0)} s.`;
      break;
    case 'error':
      state.error = m.message;
      $('status').textContent = `error: ${m.message}`;
      $('status').className = 'error';
      break;
  }
  render();
};
worker.onerror = (e) => {
  state.error = e.message || 'the bench worker failed to start';
  $('status').textContent = `error: ${state.error}`;
  $('status').className = 'error';
};
$('legend').textContent = LEGEND;
worker.postMessage(request);
