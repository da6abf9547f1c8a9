// Front-end figures: the initial JavaScript a browser downloads (gzipped), and the time to render
// a queue of 500 pending sessions in a real browser (Debian's chromium through playwright-core).
// The built app (web/dist) is served by a small static server here; the API is answered by
// Playwright routes, so only the front end is measured.
//
//   npm run build && npm run bench              # prints the figures
//   npm run bench -- --write                    # and writes "Workbench (web)" in docs/BENCHMARKS.md
import { execSync } from 'node:child_process';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const web = resolve(here, '..');
const dist = join(web, 'dist');
const QUEUE = 500;
const RUNS = 15;
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (!existsSync(join(dist, 'index.html'))) {
  console.error('web/dist is missing: run npm run build first');
  process.exit(1);
}

// 1. Initial JS: every script and modulepreload that index.html loads, gzipped.
const html = readFileSync(join(dist, 'index.html'), 'utf8');
const scripts = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="([^"]+\.js)"/g)].map((m) => m[1]);
let rawBytes = 0;
let gzipBytes = 0;
for (const src of scripts) {
  const body = readFileSync(join(dist, src.replace(/^\//, '')));
  rawBytes += body.length;
  gzipBytes += gzipSync(body, { level: 9 }).length;
}
const cssFiles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="([^"]+)"/g)].map((m) => m[1]);
const cssGzip = cssFiles.reduce((n, f) => n + gzipSync(readFileSync(join(dist, f.replace(/^\//, ''))), { level: 9 }).length, 0);

// 2. Render time of 500 pending sessions.
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };
const server = createServer((req, res) => {
  const path = new URL(req.url, 'http://x').pathname;
  const file = join(dist, path);
  const target = path !== '/' && existsSync(file) && file.startsWith(dist) ? file : join(dist, 'index.html');
  res.writeHead(200, { 'Content-Type': TYPES[extname(target)] ?? 'application/octet-stream' });
  res.end(readFileSync(target));
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const base = `http://127.0.0.1:${server.address().port}`;

const priorities = ['highest', 'high', 'medium', 'low', 'info'];
const levels = ['regular', 'silver', 'gold', 'platinum', 'diamond'];
const start = Date.now() - 3_600_000;
const pending = Array.from({ length: QUEUE }, (_, i) => ({
  session_id: `sess-bench-${String(i).padStart(4, '0')}`,
  user_id: `u_${10000 + i}`,
  priority: priorities[Math.floor((i * priorities.length) / QUEUE)],
  escalate_reason: i % 3 === 0 ? 'Customer asked for a human' : 'Consecutive failures reached the threshold and the user was agitated',
  turn_count: 2 + (i % 9),
  created_at: new Date(start + i * 5_000).toISOString(),
  agent_status: 'pending',
  assigned_agent_id: null,
  member_level: levels[i % levels.length],
  // As the server answers since the team routes: the escalation time, the wait and the SLA.
  escalated_at: new Date(start + i * 5_000).toISOString(),
  waiting_seconds: Math.round((Date.now() - (start + i * 5_000)) / 1000),
  sla_due_at: new Date(start + i * 5_000 + 5 * 60_000).toISOString(),
  sla_breached: Date.now() > start + i * 5_000 + 5 * 60_000,
}));

const loadBefore = loadavg()[0];
const executablePath = process.env.CHROMIUM_PATH || execSync('bash ' + join(web, 'e2e/ensure-chromium.sh')).toString().trim();
const browser = await chromium.launch({ executablePath, args: ARGS });
const chromiumVersion = browser.version();
const samples = [];
const commits = [];
const scrolls = [];
let rowsInDom = 0;
try {
  for (let run = 0; run < RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((count) => {
      sessionStorage.setItem('workbench.tokens', JSON.stringify({ accessToken: 'bench', expiresAt: Date.now() + 3_600_000 }));
      // t0: the queue's response reaches the page's fetch. tCommit: the queue of `count` rows is in
      // the DOM (a MutationObserver sees React's commit: rows carrying aria-setsize=count).
      // tPaint: that frame has been laid out and painted (a task queued from the next animation
      // frame runs after the paint).
      const realFetch = window.fetch.bind(window);
      window.fetch = async (...args) => {
        const response = await realFetch(...args);
        const url = String(args[0] instanceof Request ? args[0].url : args[0]);
        if (url.includes('/sessions/pending') && window.__queueT0 === undefined) window.__queueT0 = performance.now();
        return response;
      };
      const rows = document.getElementsByClassName('queue-item');
      const observer = new MutationObserver(() => {
        if (window.__queueT0 === undefined || rows.length === 0 || rows[0].getAttribute('aria-setsize') !== String(count)) return;
        window.__queueRowsInDom = rows.length;
        observer.disconnect();
        window.__queueCommit = performance.now() - window.__queueT0;
        requestAnimationFrame(() =>
          setTimeout(() => {
            window.__queuePaint = performance.now() - window.__queueT0;
          }, 0),
        );
      });
      observer.observe(document, { childList: true, subtree: true });
      window.WebSocket = class {
        constructor() {
          this.readyState = 0;
        }
        send() {}
        close() {}
      };
    }, QUEUE);
    await context.route('**/config.json', (r) => r.fulfill({ json: { auth: 'local' } }));
    await context.route('**/api/v1/agent/me', (r) => r.fulfill({ json: { agent_id: 'agent-001', name: 'Bench Agent', roles: ['agent'] } }));
    await context.route('**/api/v1/agent/sessions?assigned_to=me', (r) => r.fulfill({ status: 404, json: { error: 'route_not_found', message: 'no route' } }));
    await context.route('**/api/v1/agent/sessions/pending**', (r) => r.fulfill({ json: pending }));
    await context.route('**/api/v1/agents/agent-001', (r) => r.fulfill({ json: { agent_id: 'agent-001', max_sessions: null, max_sessions_source: 'none', active_sessions: 0 } }));
    await context.route('**/dev/agents', (r) => r.fulfill({ json: { agents: [] } }));
    const page = await context.newPage();
    await page.goto(base + '/');
    await page.waitForFunction(() => window.__queuePaint !== undefined, null, { timeout: 30_000 });
    const ms = await page.evaluate(() => [window.__queuePaint, window.__queueCommit]);
    const setSize = await page.locator('[data-testid="queue-item"]').first().getAttribute('aria-setsize');
    if (setSize !== String(QUEUE)) throw new Error(`expected a queue of ${QUEUE}, saw ${setSize}`);
    rowsInDom = await page.evaluate(() => window.__queueRowsInDom);
    // Scrolling to the end renders the last rows.
    const scrollMs = await page.evaluate(
      (count) =>
        new Promise((ok) => {
          const scroller = document.querySelector('[data-testid="queue-scroll"]');
          const t = performance.now();
          scroller.scrollTop = scroller.scrollHeight;
          const check = () => {
            const last = document.querySelector(`[data-testid="queue-item"][aria-posinset="${count}"]`);
            if (last) requestAnimationFrame(() => setTimeout(() => ok(performance.now() - t), 0));
            else requestAnimationFrame(check);
          };
          check();
        }),
      QUEUE,
    );
    scrolls.push(scrollMs);
    if (process.env.BENCH_DEBUG) console.error('run', run, ms);
    samples.push(ms[0]);
    commits.push(ms[1]);
    await context.close();
  }
} finally {
  await browser.close();
  server.close();
}

samples.sort((a, b) => a - b);
const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
const median = pct(50);
commits.sort((a, b) => a - b);
scrolls.sort((a, b) => a - b);
const scrollMedian = scrolls[Math.floor(scrolls.length / 2)];
const commitMedian = commits[Math.floor(commits.length / 2)];
const cpu = execSync("lscpu | sed -n 's/^Model name:[[:space:]]*//p'").toString().trim();
const cores = execSync('nproc').toString().trim();
const date = new Date().toISOString().slice(0, 10);
const kb = (n) => (n / 1024).toFixed(1);

const section = `## Workbench (web)

Measured ${date} on ${cores} cores, ${cpu}, Node ${process.version}, Chromium ${chromiumVersion} (headless);
1-minute load average ${loadBefore.toFixed(1)} when the run started (other builds share the machine).
Reproduce: \`cd web && npm run build && npm run bench\` (\`-- --write\` rewrites this section).

| figure | measured | target |
| --- | --- | --- |
| initial JS, gzipped (${scripts.length} file${scripts.length === 1 ? '' : 's'} loaded by index.html, gzip -9) | ${kb(gzipBytes)} KB (${kb(rawBytes)} KB raw) | ≤ 150 KB |
| initial CSS, gzipped | ${kb(cssGzip)} KB | |
| queue of ${QUEUE} pending sessions: response in the page → queue painted, median of ${RUNS} page loads | ${median.toFixed(1)} ms | ≤ 100 ms |
| same, fastest / slowest | ${samples[0].toFixed(1)} / ${samples[samples.length - 1].toFixed(1)} ms | |
| of which response → rows in the DOM (React render and commit), median | ${commitMedian.toFixed(1)} ms | |
| scroll to the end of the ${QUEUE} → last row painted, median | ${scrollMedian.toFixed(1)} ms | |

How: the built app is served from \`web/dist\`; Playwright answers \`/config.json\`, \`/api/v1/agent/me\`, the agent's capacity, the roster and
the pending list (${QUEUE} sessions, all five priorities and member levels) so only the front end is
timed, by \`performance.now()\` in the page: from the moment the pending response resolves in the
page's \`fetch\` to the moment the frame showing the queue has been painted (a MutationObserver sees
React commit the rows of a ${QUEUE}-long list; a task queued from the next animation frame runs after
that paint). The list is windowed: rows have one height, the list is as tall as all ${QUEUE}, and only
the rows in view plus a few (${rowsInDom} here, at 1280×800) are in the DOM.
Each row has its own live waiting clock and first-response SLA countdown (one shared 1 s ticker),
and its escalation time (one reused \`Intl.DateTimeFormat\`: building one per row doubled the render).
`;

console.log(section);
if (process.argv.includes('--write')) {
  const file = resolve(web, '../docs/BENCHMARKS.md');
  const current = readFileSync(file, 'utf8');
  const at = current.indexOf('## Workbench (web)');
  let next;
  if (at < 0) next = current.replace(/\s*$/, '\n\n') + section;
  else {
    const after = current.slice(at + 1).search(/\n## /);
    next = current.slice(0, at) + section + (after < 0 ? '' : current.slice(at + 1 + after + 1));
  }
  writeFileSync(file, next);
  console.error(`wrote the "Workbench (web)" section of ${file}`);
}
