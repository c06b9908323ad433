// The dashboard in a real browser: Debian's chromium, headless, driven by playwright-core
// (tests/browser/run.sh installs it). Starts its own server (TC_BINARY) with an admin and
// a read-only token, puts tasks through the API and checks what the page shows and does.
// Every step is required: the queue page must list tasks with list_tasks and open them with
// get, and pause / redrive must work (no fallback for a server that answers 0007 counts
// as passing here). Screenshots go to TC_SCREENSHOT_DIR.
//
//   TC_BINARY=build/taskcenter node tests/browser/dashboard_test.js
//   TC_BROWSER_MEASURE=1 ...  also: first render with 10,000 queues, requests of one tab
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const net = require('node:net');
const { spawn } = require('node:child_process');
const { chromium } = require('playwright-core');

const ADMIN = 'admin-token-browser', READER = 'reader-token-browser';
const shots = process.env.TC_SCREENSHOT_DIR || path.join(os.tmpdir(), 'tc-browser-screenshots');
const results = {passed: 0};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const {port} = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

async function startServer(dir) {
  const tokens = path.join(dir, 'tokens');
  fs.writeFileSync(tokens, `${READER} read *\n`);
  const port = await freePort();
  const log = fs.openSync(path.join(dir, 'server.log'), 'w');
  const proc = spawn(process.env.TC_BINARY, ['--port', String(port), '--no-persist', '--token', ADMIN,
                                             '--token-file', tokens], {stdio: ['ignore', log, log]});
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    try { if ((await fetch(base + '/healthz')).ok) return {proc, base}; } catch (e) { /* not up yet */ }
    await new Promise(r => setTimeout(r, 25));
  }
  throw new Error('the server did not start: ' + fs.readFileSync(path.join(dir, 'server.log'), 'utf8'));
}

function client(base, token) {
  return async (endpoint, body) => {
    const r = await fetch(`${base}/task/${endpoint}`, {method: 'POST', body: JSON.stringify(body),
      headers: {'Content-Type': 'application/json', 'Authorization': 'Bearer ' + token}});
    return r.json();
  };
}

async function step(name, fn) {
  const t0 = Date.now();
  await fn();
  results.passed++;
  console.log(`ok   ${name} (${Date.now() - t0} ms)`);
}

// The cells of the overview row of `queue`, or null when the row is not shown.
async function overviewRow(page, queue) {
  return page.evaluate(q => {
    for (const tr of document.querySelectorAll('#rows tr'))
      if (tr.cells[0].textContent === q) return [...tr.cells].map(c => c.textContent);
    return null;
  }, queue);
}
const COL = {pending: 1, delayed: 2, leased: 3, done: 4, dead: 5};

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tc-browser-'));
  fs.mkdirSync(shots, {recursive: true});
  const {proc, base} = await startServer(dir);
  const api = client(base, ADMIN);
  const browser = await chromium.launch({executablePath: process.env.TC_CHROMIUM || '/usr/bin/chromium',
                                         headless: true, args: ['--no-sandbox']});
  const problems = [];
  let reconcile = () => {};
  try {
    const context = await browser.newContext();  // a fresh profile: nothing stored
    const page = await context.newPage();
    // Chromium logs every 4xx answer to fetch() as a console error ("Failed to load
    // resource"). Those the dashboard asked for and handled (401 no token, 403 outside the
    // token's scope, 404 an endpoint this server lacks) are paired with the /task/*
    // answers seen; any other console error, or one more than the answers, fails the test.
    const answered = new Map(), loadErrors = [];
    page.on('response', r => { if (new URL(r.url()).pathname.startsWith('/task/') && [401, 403, 404].includes(r.status()))
      answered.set(r.status(), (answered.get(r.status()) || 0) + 1); });
    page.on('console', m => {
      if (m.type() !== 'error') return;
      const load = m.text().match(/^Failed to load resource: the server responded with a status of (\d+)/);
      if (load) loadErrors.push(Number(load[1])); else problems.push('console: ' + m.text());
    });
    reconcile = () => {
      for (const status of loadErrors) {
        const n = answered.get(status) || 0;
        if (n === 0) problems.push(`console: a ${status} the dashboard did not ask /task/* for`);
        else answered.set(status, n - 1);
      }
      console.log(`     ${loadErrors.length} expected 4xx answers logged by the browser (${[...new Set(loadErrors)].join(', ')})`);
    };
    page.on('pageerror', e => problems.push('page error: ' + e.message));
    page.on('dialog', d => d.accept());  // every action asks for confirmation
    page.setDefaultTimeout(30000);  // a guard against a hang, not a figure: ctest runs suites side by side
    const run = Math.random().toString(16).slice(2, 8);
    const q = `img-${run}`, other = `txt-${run}`, dlq = `dead-${run}`;

    await step('without a token the page says the server wants one', async () => {
      await page.goto(base + '/');
      await page.waitForFunction(() => /0004/.test(document.getElementById('status').textContent));
    });

    await step('a token typed in is kept for the tab and used', async () => {
      await page.fill('#token', ADMIN);
      await page.dispatchEvent('#token', 'change');
      await page.waitForFunction(() => /queue\(s\) on this page/.test(document.getElementById('status').textContent));
      assert.equal(await page.evaluate(() => sessionStorage.getItem('tc_token')), ADMIN);
    });

    await step('tasks put through the API appear with their counts', async () => {
      for (let i = 0; i < 5; i++) assert.equal((await api('put', {queue: q, id: `t${i}`, info: {n: i}})).data, true);
      await api('put', {queue: other, id: 'x'});
      await page.waitForFunction(q => [...document.querySelectorAll('#rows tr')].some(
        tr => tr.cells[0].textContent === q && tr.cells[1].textContent === '5'), q);
      await page.screenshot({path: path.join(shots, 'overview.png'), fullPage: true});
    });

    await step('counts change as tasks are leased and replied', async () => {
      await api('acquire', {queue: q, ids: ['t0', 't1'], promise_reply_time: 60});
      await api('reply', {queue: q, id: 't1', info: 'done'});
      await page.waitForFunction(q => [...document.querySelectorAll('#rows tr')].some(tr => tr.cells[0].textContent === q &&
        tr.cells[1].textContent === '3' && tr.cells[3].textContent === '1' && tr.cells[4].textContent === '1'), q);
      const row = await overviewRow(page, q);
      assert.ok(row[7].endsWith(' s'), 'oldest pending age shown: ' + row[7]);
      assert.ok(await page.$('#overview-charts svg polyline'), 'a chart is drawn');
    });

    await step('search narrows the overview', async () => {
      await page.fill('#search', 'IMG-' + run);  // ASCII case ignored
      await page.waitForFunction(q => { const rows = document.querySelectorAll('#rows tr');
        return rows.length === 1 && rows[0].cells[0].textContent === q; }, q);
      assert.equal(await overviewRow(page, other), null);
      await page.fill('#search', '');
    });

    await step('a queue page lists its tasks', async () => {
      await page.click(`#rows a[href="#/queue/${encodeURIComponent(q)}"]`);
      await page.waitForFunction(() => !document.getElementById('queue').hidden);
      await page.waitForFunction(() => document.querySelectorAll('#tasks tr').length >= 3);
      // list_tasks, not the peek fallback (which notes that it lists pending tasks only).
      assert.equal(await page.textContent('#tasks-note'), '', 'the queue page uses list_tasks');
      assert.ok(await page.$('#tasks tr[data-id="t0"]'), 'a leased task is listed too');
      await page.screenshot({path: path.join(shots, 'queue.png'), fullPage: true});
    });

    await step('open a task (get)', async () => {
      await page.click('#tasks tr[data-id="t2"] button.open', {force: true});
      await page.waitForFunction(() => !document.getElementById('detail').hidden);
      const body = await page.textContent('#detail-body');
      assert.doesNotMatch(body, /not available on this server/, 'the server has /task/get');
      assert.match(body, /"id": "t2"/);
      assert.match(body, /"state": "pending"/);
      await page.screenshot({path: path.join(shots, 'task.png'), fullPage: true});
    });

    const actionResult = async () => {
      await page.waitForFunction(() => document.getElementById('action-result').textContent !== '');
      return page.textContent('#action-result');
    };
    const clearResult = () => page.evaluate(() => { document.getElementById('action-result').textContent = ''; });

    await step('pause and resume', async () => {
      await clearResult();
      await page.click('#pause');
      const text = await actionResult();
      assert.equal(text, 'paused');
      assert.equal((await api('stat_queue', {queue: q})).data.settings.paused, true);
      await page.waitForFunction(() => /paused/.test(document.getElementById('qstats').textContent));
      await clearResult();
      await page.click('#resume');
      assert.equal(await actionResult(), 'resumed');
      assert.equal((await api('stat_queue', {queue: q})).data.settings.paused, false);
    });

    await step('remove a task', async () => {
      await clearResult();
      await page.click('#tasks tr[data-id="t3"] button.remove');
      assert.equal(await actionResult(), 'removed task t3');
      assert.equal((await api('stat_queue', {queue: q})).data.length, 2);
      await page.waitForFunction(() => !document.querySelector('#tasks tr[data-id="t3"]'));
    });

    await step('a read-only token sees actions it may not do disabled', async () => {
      await page.fill('#token', READER);
      await page.dispatchEvent('#token', 'change');
      await clearResult();
      await page.fill('#remove-id', 't4');
      await page.click('#remove-by-id');
      assert.match(await actionResult(), /this token may not remove/);
      await page.waitForFunction(() => document.getElementById('remove-by-id').disabled &&
                                       /may not remove/.test(document.getElementById('admin-note').textContent));
      assert.equal((await api('stat_queue', {queue: q})).data.length, 2, 'nothing was removed');
      await page.screenshot({path: path.join(shots, 'read-only.png'), fullPage: true});
      await page.fill('#token', ADMIN);
      await page.dispatchEvent('#token', 'change');
      await page.waitForFunction(() => !document.getElementById('remove-by-id').disabled);
    });

    await step('redrive a dead letter', async () => {
      // One attempt, a lease that runs out: the task goes to the dead-letter queue.
      await api('put', {queue: q, id: 'dl', config: {max_attempts: 1, dead_letter_to: dlq}});
      await api('acquire', {queue: q, ids: ['dl'], promise_reply_time: 0.05});
      for (let i = 0; i < 200 && !(await api('stat_queue', {queue: dlq})).data; i++) await new Promise(r => setTimeout(r, 25));
      assert.ok((await api('stat_queue', {queue: dlq})).data, 'the dead letter arrived');
      await page.goto(`${base}/#/queue/${encodeURIComponent(dlq)}`);
      await page.waitForFunction(() => document.querySelectorAll('#tasks tr[data-id="dl"]').length === 1);
      await clearResult();
      await page.click('#redrive');
      const text = await actionResult();
      assert.equal(text, 'moved 1 task(s)');
      const back = await api('peek', {queue: q, size: 100});
      assert.ok(back.data.some(t => t.id === 'dl'), 'the task is pending in its queue again');
    });

    await step('clear a queue', async () => {
      await page.goto(`${base}/#/queue/${encodeURIComponent(q)}`);
      await page.waitForFunction(() => document.querySelectorAll('#tasks tr').length >= 1);
      await clearResult();
      await page.click('#clear');
      assert.match(await actionResult(), /queue cleared/);
      assert.equal((await api('stat_queue', {queue: q})).data, null);
      await page.waitForFunction(() => /does not exist/.test(document.getElementById('status').textContent));
      await page.click('header a[href="#/"]');
      // The overview may first show the figures it fetched before the clear; the next
      // refresh (every 2 s) lists the other queue and no longer the cleared one.
      await page.waitForFunction(([q, o]) => {
        const names = [...document.querySelectorAll('#rows tr')].map(tr => tr.cells[0].textContent);
        return names.includes(o) && !names.includes(q);
      }, [q, other]);
      assert.equal(await overviewRow(page, q), null);
    });

    if (process.env.TC_BROWSER_MEASURE) await measure(browser, base, api);
    await context.close();
  } finally {
    await browser.close();
    proc.kill('SIGTERM');
  }
  reconcile();
  assert.deepEqual(problems, [], 'no console errors');
  console.log(`screenshots in ${shots}`);
  console.log(`${results.passed} passed, 0 failed`);
}

// Figures, not assertions: first render of a fresh tab before and after adding 10,000
// queues, and what one open tab asks of the server over 20 s.
async function measure(browser, base, api) {
  const render = async watch => {
    const context = await browser.newContext();
    await context.addInitScript(t => sessionStorage.setItem('tc_token', t), ADMIN);
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(base + '/');
    await page.waitForFunction(() => window.tcFirstRenderMs);
    const figures = {wall: Date.now() - t0, inPage: Math.round(await page.evaluate(() => window.tcFirstRenderMs))};
    if (watch) {
      let requests = 0;
      page.on('request', () => requests++);
      await page.waitForTimeout(20000);
      figures.requests = requests;
    }
    await context.close();
    return figures;
  };
  const few = await render(false);
  const names = Array.from({length: 10000}, (_, i) => `m-${String(i).padStart(5, '0')}`);
  for (let i = 0; i < names.length; i += 64)
    await Promise.all(names.slice(i, i + 64).map(n => api('put', {queue: n, id: 'a'})));
  const many = await render(true);
  console.log(`measure: first render (navigation to table drawn) ${few.wall} ms with a few queues ` +
              `(${few.inPage} ms in the page), ${many.wall} ms with 10,000 more (${many.inPage} ms in the page); ` +
              `${many.requests} requests in 20 s from one open tab`);
}

main().catch(e => { console.error(e); console.log(`${results.passed} passed, 1 failed`); process.exit(1); });
