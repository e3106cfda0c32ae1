#!/usr/bin/env node
// How fast pages become interactive on an emulated phone on a slow network.
//
//   PHONE_EMAIL=client@example.com PHONE_PASSWORD=... node end2end/perf/phone.mjs [base_url] [--detail]
//
// base_url defaults to http://127.0.0.1:3000. Needs end2end's npm packages (cd end2end && npm ci) and the system
// Chromium at /usr/bin/chromium (or CHROMIUM_PATH); nothing is downloaded. Each page gets a 375x812 phone (DPR 2,
// touch, phone user agent), 1.6 Mbit/s down / 750 kbit/s up / 150 ms latency, and a CPU slowed 4x (CDP).
// "Interactive" = <body data-hydrated="true"> (set by the app once the wasm has hydrated, app/src/ui/mod.rs) and the
// page's submit button present and enabled; the time is the page's own clock (performance.now(), from navigation
// start) when both first held. Measured:
//   1. login (cold)         /login in a fresh context (empty cache);
//   2. client jobs (cold)   /client/jobs in a fresh context holding only the cookies of a sign-in through the
//                           login form (PHONE_EMAIL / PHONE_PASSWORD, a client's), so the cache is empty again;
//   3. client jobs (warm)   /client/jobs again in that same context (a new tab: the HTTP cache is warm).
// "transferred" sums CDP Network.loadingFinished encodedDataLength (headers + body on the wire) of the page's
// requests until it is interactive and its network is quiet (the never-ending /events stream counts what it got so
// far); KB = 1024 bytes.
// --detail adds a breakdown (document, wasm download vs compile + hydrate, main-thread long tasks, biggest requests).
// Prints one line per measurement and exits 0; exits 1 if a page is not interactive within 60 s (or sign-in fails),
// 2 on bad usage.
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const DETAIL = args.includes('--detail');
const BASE = (args.find((a) => !a.startsWith('--')) ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
const EMAIL = process.env.PHONE_EMAIL;
const PASSWORD = process.env.PHONE_PASSWORD;
const TIMEOUT_MS = 60_000;

const NETWORK = {
  offline: false,
  latency: 150, // ms
  downloadThroughput: (1.6 * 1024 * 1024) / 8, // bytes/s
  uploadThroughput: (750 * 1024) / 8, // bytes/s
};
const CPU_SLOWDOWN = 4;
const PHONE = {
  viewport: { width: 375, height: 812 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  locale: 'en-US',
};
const LOGIN_SUBMIT = '[data-testid="login-form"] button[type="submit"]';
const DELEGATE_SUBMIT = '[data-testid="delegate-submit"]';

class NotInteractive extends Error {}

function usage(msg) {
  console.error(`phone.mjs: ${msg}`);
  console.error('usage: PHONE_EMAIL=<client email> PHONE_PASSWORD=<password> node end2end/perf/phone.mjs [base_url] [--detail]');
  process.exit(2);
}
if (!EMAIL || !PASSWORD) usage('set PHONE_EMAIL and PHONE_PASSWORD to a client account (e.g. from `server seed-demo`)');
try {
  new URL(BASE);
} catch {
  usage(`not a URL: ${BASE}`);
}

// Runs in every page before its own scripts: notes, on the page's clock, when <body data-hydrated="true"> and each
// watched button (present and enabled) first appear, and collects main-thread long tasks.
function probe(selectors) {
  const w = window;
  w.__perf = { hydratedAt: null, readyAt: {}, longTasks: [] };
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.__perf.longTasks.push([e.startTime, e.duration]);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // no long task API
  }
  const check = () => {
    const p = w.__perf;
    const body = document.body;
    if (p.hydratedAt === null && body && body.getAttribute('data-hydrated') === 'true') p.hydratedAt = performance.now();
    if (p.hydratedAt === null) return;
    for (const s of selectors) {
      if (p.readyAt[s] != null) continue;
      const el = document.querySelector(s);
      if (el && !el.disabled && el.getClientRects().length > 0) p.readyAt[s] = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true });
}

/** One page's network, as CDP tells it. */
function watchNetwork(cdp) {
  const reqs = new Map();
  const get = (id) => {
    let r = reqs.get(id);
    if (!r) reqs.set(id, (r = { id, url: '', type: '', bytes: 0, onWire: 0, done: false, headers: {} }));
    return r;
  };
  cdp.on('Network.requestWillBeSent', (e) => {
    const r = get(e.requestId);
    r.url = e.request.url;
    r.type = e.type ?? '';
    r.sentAt = e.timestamp;
  });
  cdp.on('Network.responseReceived', (e) => {
    const r = get(e.requestId);
    r.url ||= e.response.url;
    r.type = e.type ?? r.type;
    r.status = e.response.status;
    r.mime = e.response.mimeType;
    r.fromCache = !!(e.response.fromDiskCache || e.response.fromPrefetchCache || e.response.fromServiceWorker);
    r.headers = Object.fromEntries(Object.entries(e.response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  });
  cdp.on('Network.requestServedFromCache', (e) => {
    get(e.requestId).fromCache = true;
  });
  cdp.on('Network.dataReceived', (e) => {
    get(e.requestId).onWire += e.encodedDataLength;
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = get(e.requestId);
    r.bytes = e.encodedDataLength;
    r.done = true;
    r.finishedAt = e.timestamp;
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = get(e.requestId);
    r.done = true;
    r.failed = e.errorText;
    r.finishedAt = e.timestamp;
  });
  return reqs;
}

const longLived = (r) => r.type === 'EventSource' || r.type === 'WebSocket' || r.url.endsWith('/events');

/** Until no request (but the event stream) is in flight and nothing finished for 500 ms, at most `maxMs`. */
async function networkQuiet(reqs, maxMs) {
  const end = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < end) {
    const all = [...reqs.values()];
    const open = all.filter((r) => !r.done && !longLived(r) && !r.url.startsWith('data:')).length;
    const finished = all.filter((r) => r.done).length;
    if (finished !== last || open > 0) {
      last = finished;
      since = Date.now();
    } else if (Date.now() - since >= 500) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const kb = (n) => `${Math.round(n / 1024)} KB`;
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;

/**
 * Opens `path` in a new tab of `context` with the phone's network and CPU, and waits until it is interactive:
 * hydrated and `button` present and enabled. Returns the figures, and the page (left open).
 */
async function measure(context, label, path, button) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  const reqs = watchNetwork(cdp);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e.message ?? e).split('\n')[0]));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text().split('\n')[0]));

  const started = Date.now();
  const deadline = started + TIMEOUT_MS;
  const fail = async (why) => {
    const state = await page
      .evaluate(() => ({ url: location.href, hydrated: document.body?.getAttribute('data-hydrated') ?? null }))
      .catch(() => ({}));
    const pending = [...reqs.values()].filter((r) => !r.done && !longLived(r)).map((r) => r.url);
    throw new NotInteractive(
      `${label}: ${path} did not become interactive: ${why}` +
        (state.url ? `\n  at ${state.url}, body data-hydrated=${JSON.stringify(state.hydrated)}` : '') +
        (pending.length ? `\n  still loading: ${pending.join(', ')}` : '') +
        (errors.length ? `\n  page errors: ${[...new Set(errors)].slice(0, 5).join(' | ')}` : ''),
    );
  };
  let response;
  try {
    response = await page.goto(BASE + path, { waitUntil: 'commit', timeout: TIMEOUT_MS });
  } catch (e) {
    await fail(`navigation failed (${e.message.split('\n')[0]})`);
  }
  if (response && response.status() >= 400) await fail(`the server answered ${response.status()}`);
  let timing;
  try {
    const handle = await page.waitForFunction(
      (sel) => {
        const p = window.__perf;
        return p && p.hydratedAt != null && p.readyAt[sel] != null ? { hydratedAt: p.hydratedAt, readyAt: p.readyAt[sel] } : null;
      },
      button,
      { timeout: Math.max(1, deadline - Date.now()), polling: 50 },
    );
    timing = await handle.jsonValue();
  } catch (e) {
    const hydrated = await page.evaluate(() => window.__perf?.hydratedAt != null).catch(() => false);
    const limit = `within ${TIMEOUT_MS / 1000} s of navigation start`;
    await fail(hydrated ? `hydrated, but ${button} was not there and enabled ${limit}` : `body[data-hydrated="true"] did not appear ${limit}`);
  }
  const wall = Date.now() - started;
  if (new URL(page.url()).pathname !== path) await fail(`redirected to ${page.url()}`);

  // Bytes are counted once the page's network has settled (late fetches after hydration included).
  await networkQuiet(reqs, 15_000);
  const nav = await page.evaluate(() => {
    const n = performance.getEntriesByType('navigation')[0];
    const res = performance.getEntriesByType('resource').map((r) => ({
      url: r.name,
      start: r.startTime,
      requestStart: r.requestStart,
      responseStart: r.responseStart,
      end: r.responseEnd,
      size: r.transferSize,
    }));
    return {
      ttfb: n?.responseStart,
      docEnd: n?.responseEnd,
      dcl: n?.domContentLoadedEventEnd,
      load: n?.loadEventEnd,
      resources: res,
      longTasks: window.__perf.longTasks,
    };
  });
  const all = [...reqs.values()].filter((r) => r.url && !r.url.startsWith('data:'));
  const bytes = all.reduce((s, r) => s + (r.bytes || (longLived(r) ? r.onWire : 0)), 0);
  const wasms = all.filter((r) => /\.wasm(\?|$)/.test(r.url));
  const wasm = wasms.find((r) => r.bytes > 0) ?? wasms[0];
  const wasmTiming = wasm && nav.resources.find((r) => r.url === wasm.url);
  return {
    label,
    path,
    page,
    interactive: timing.readyAt,
    hydrated: timing.hydratedAt,
    wall,
    bytes,
    requests: all,
    wasm,
    wasms,
    wasmRequests: wasms.length,
    wasmTiming,
    nav,
    errors,
  };
}

function report(m) {
  const w = m.wasm;
  const enc = w ? w.headers['content-encoding'] ?? 'identity' : null;
  // With `--split`, a page loads the main wasm and its role's chunks: all of them count.
  const wasmBytes = m.wasms.reduce((s, r) => s + (r.bytes || 0), 0);
  const files = m.wasms.length > 1 ? ` in ${m.wasms.length} files` : '';
  const wasmPart = w
    ? ` (wasm ${kb(wasmBytes)}${files}, ${enc}${w.fromCache ? ', from cache' : ''})`
    : ' (no wasm loaded)';
  console.log(`${m.label}: interactive after ${sec(m.interactive)}, ${kb(m.bytes)} transferred${wasmPart}`);
  if (!DETAIL) return;
  const d = (s) => console.log(`    ${s}`);
  const n = m.nav;
  d(
    `document: first byte ${sec(n.ttfb)}, last byte ${sec(n.docEnd)}; DOMContentLoaded ${sec(n.dcl)}; load ${sec(n.load)}; ` +
      `hydrated ${sec(m.hydrated)}; button ready ${sec(m.interactive)} (wall clock ${sec(m.wall)})`,
  );
  if (m.wasmTiming) {
    const t = m.wasmTiming;
    const body = w.headers['content-length'] ? `, ${kb(Number(w.headers['content-length']))} body` : '';
    d(
      `wasm: requested ${sec(t.start)}, first byte ${sec(t.responseStart)}, last byte ${sec(t.end)} ` +
        `(download ${sec(t.end - t.start)}${body}); last byte -> hydrated ${sec(m.hydrated - t.end)} (compile + instantiate + hydrate)`,
    );
    const after = n.longTasks.filter(([s]) => s + 1 >= t.start);
    const busy = after.reduce((s, [, dur]) => s + dur, 0);
    const longest = after.reduce((s, [, dur]) => Math.max(s, dur), 0);
    d(`main-thread long tasks after the wasm request: ${after.length}, ${sec(busy)} in all, longest ${sec(longest)}`);
  }
  const rows = [...m.requests].sort((a, b) => (b.bytes || b.onWire) - (a.bytes || a.onWire));
  for (const r of rows.slice(0, 8)) {
    const u = new URL(r.url);
    const t = n.resources.find((x) => x.url === r.url);
    const when = t ? ` ${sec(t.start)} -> ${sec(t.end)}` : '';
    const enc = r.headers['content-encoding'] ?? '-';
    d(
      `${kb(r.bytes || r.onWire).padStart(7)}  ${String(r.status ?? r.failed ?? '?').padEnd(3)} ${enc.padEnd(4)} ` +
        `${r.fromCache ? 'cache ' : ''}${u.pathname}${u.search}${when}`,
    );
  }
  d(`${m.requests.length} requests${m.wasmRequests > 1 ? ` (${m.wasmRequests} wasm files)` : ''}`);
  if (m.errors.length) d(`page errors: ${[...new Set(m.errors)].join(' | ')}`);
}

/** Signs in through the login form on `page` (already on /login and hydrated). */
async function signIn(page) {
  await page.getByLabel('Email').fill(EMAIL);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  try {
    await page.waitForURL((u) => u.pathname !== '/login', { timeout: TIMEOUT_MS });
  } catch {
    const msg = await page
      .getByTestId('form-error')
      .textContent({ timeout: 1000 })
      .catch(() => null);
    throw new NotInteractive(`sign-in as ${EMAIL} failed${msg ? `: ${msg.trim()}` : ' (still on /login after 60 s)'}`);
  }
  const path = new URL(page.url()).pathname;
  if (!path.startsWith('/client')) throw new NotInteractive(`${EMAIL} is not a client (sign-in went to ${path})`);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  const fresh = async () => {
    const ctx = await browser.newContext(PHONE);
    await ctx.addInitScript(probe, [LOGIN_SUBMIT, DELEGATE_SUBMIT]);
    return ctx;
  };
  try {
    // 1. The login page, cold; then sign in there.
    const first = await fresh();
    const login = await measure(first, 'login (cold)', '/login', LOGIN_SUBMIT);
    report(login);
    await signIn(login.page);
    const cookies = await first.cookies();
    await first.close();

    // 2. The client's jobs, cold: a new context with the cookies only.
    const second = await fresh();
    await second.addCookies(cookies);
    const cold = await measure(second, 'client jobs (cold)', '/client/jobs', DELEGATE_SUBMIT);
    report(cold);
    await cold.page.close();

    // 3. Again in the same context: the HTTP cache is warm.
    const warm = await measure(second, 'client jobs (warm)', '/client/jobs', DELEGATE_SUBMIT);
    report(warm);
    await second.close();
  } finally {
    await browser.close();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e instanceof NotInteractive ? e.message : `phone.mjs: ${e.stack ?? e}`);
    process.exit(1);
  },
);
