// Builds the demo and serves dist/ on http://127.0.0.1:PORT/ (default 8080; --port 0 picks a free
// one). Only the loopback address is bound: the demo is for this machine's browser. The first
// line printed is `serving http://127.0.0.1:PORT/`, which the end-to-end test waits for.
//
// Every response carries COOP/COEP (`same-origin` / `require-corp`), so the pages are cross-origin
// isolated: SharedArrayBuffer exists, and the training worker runs the WebAssembly GEMM on every core.
// A page asked for with `?isolated=0` is sent without them, to see (and test) the single-threaded
// fallback a page gets where its host cannot send these headers.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { buildDemo, distDir } from './build.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.bin': 'application/octet-stream',
  '.wasm': 'application/wasm',
};

/** The headers that make a page cross-origin isolated (and that its workers and scripts need under it). */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
  'cross-origin-resource-policy': 'same-origin',
};

function parsePort(argv) {
  const i = argv.indexOf('--port');
  const raw = i >= 0 ? argv[i + 1] : (argv.find((a) => a.startsWith('--port='))?.slice(7) ?? '8080');
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`--port must be an integer from 0 to 65535, got ${raw}`);
    process.exit(2);
  }
  return port;
}

const port = parsePort(process.argv.slice(2));
await buildDemo({ log: (m) => console.error(m) });
const server = createServer((req, res) => {
  const requested = new URL(req.url ?? '/', 'http://localhost');
  const path = decodeURIComponent(requested.pathname);
  const isolation = requested.searchParams.get('isolated') === '0' ? {} : ISOLATION_HEADERS;
  const file = normalize(join(distDir, path === '/' ? 'index.html' : path));
  // Serve nothing outside dist/ (no ../ escapes).
  if (!file.startsWith(distDir + sep)) {
    res.writeHead(403).end('forbidden');
    return;
  }
  let size;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a file');
    size = stat.size;
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
    return;
  }
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': size,
    'cache-control': 'no-cache',
    ...isolation,
  });
  createReadStream(file).pipe(res);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`serving http://127.0.0.1:${server.address().port}/`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
