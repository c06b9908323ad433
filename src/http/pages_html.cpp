// GET /docs and GET /: small self-contained HTML pages (no CDN, no build step) that talk
// to the API with fetch(). The token field is for servers started with --token; it is
// kept in the browser's localStorage only.
#include "http/pages.hpp"

namespace tc::pages {

std::string_view docs_html() {
  static constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>taskcenter API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#23395d;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header a{color:#cde}main{max-width:980px;margin:0 auto;padding:16px}
section{background:#fff;border:1px solid #ddd;border-radius:6px;margin:12px 0;padding:10px 14px}
h2{font-size:15px;margin:4px 0}code,textarea,pre{font:12px/1.4 ui-monospace,monospace}
.m{display:inline-block;min-width:44px;padding:1px 6px;border-radius:3px;color:#fff;font-size:12px;text-align:center}
.POST{background:#2a7}.GET{background:#27a}textarea{width:100%;box-sizing:border-box;min-height:70px}
pre{background:#f3f3f3;padding:8px;overflow:auto;max-height:300px;white-space:pre-wrap}
details summary{cursor:pointer;color:#555}button{margin:4px 0}
</style></head><body>
<header><b>taskcenter API</b><span id="ver"></span><a href="/">dashboard</a><a href="/openapi.json">openapi.json</a>
<label>token <input id="token" type="password" size="18" placeholder="only with --token"></label></header>
<main><p id="intro"></p><div id="paths">loading /openapi.json&hellip;</div></main>
<script>
const tokenInput = document.getElementById('token');
tokenInput.value = localStorage.getItem('tc_token') || '';
tokenInput.onchange = () => localStorage.setItem('tc_token', tokenInput.value);
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e[k] = v;
  for (const kid of kids) e.append(kid);
  return e;
}
async function send(method, path, body, out) {
  const headers = {};
  if (tokenInput.value) headers['Authorization'] = 'Bearer ' + tokenInput.value;
  if (method === 'POST') headers['Content-Type'] = 'application/json';
  const started = performance.now();
  try {
    const r = await fetch(path, {method, headers, body: method === 'POST' ? body : undefined});
    const text = await r.text();
    let shown = text;
    try { shown = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
    out.textContent = r.status + ' ' + r.statusText + ' (' + Math.round(performance.now() - started) + ' ms)\n' + shown;
  } catch (e) { out.textContent = 'request failed: ' + e; }
}
fetch('/openapi.json').then(r => r.json()).then(doc => {
  document.getElementById('ver').textContent = 'v' + doc.info.version;
  document.getElementById('intro').textContent = doc.info.description;
  const box = document.getElementById('paths');
  box.textContent = '';
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const m = method.toUpperCase();
      const out = el('pre', {textContent: ''});
      const sec = el('section', {}, el('h2', {}, el('span', {className: 'm ' + m, textContent: m}), ' ', el('code', {textContent: path}), ' \u2014 ' + (op.summary || '')));
      if (op.description) sec.append(el('p', {textContent: op.description}));
      let area = null;
      const content = op.requestBody && op.requestBody.content['application/json'];
      if (content) {
        area = el('textarea', {value: JSON.stringify(content.example || {}, null, 1)});
        const schema = el('pre', {textContent: JSON.stringify(content.schema, null, 1)});
        sec.append(el('details', {}, el('summary', {textContent: 'request schema'}), schema), area);
      }
      const button = el('button', {textContent: 'Send'});
      button.onclick = () => send(m, path, area ? area.value : undefined, out);
      sec.append(button, out);
      box.append(sec);
    }
  }
}).catch(e => { document.getElementById('paths').textContent = 'could not load /openapi.json: ' + e; });
</script></body></html>
)HTML";
  return kPage;
}

std::string_view dashboard_html() {
  static constexpr std::string_view kPage = R"HTML(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>taskcenter</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#23395d;color:#fff;padding:12px 20px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header a{color:#cde}main{max-width:1200px;margin:0 auto;padding:16px}
table{border-collapse:collapse;width:100%;background:#fff}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right}
th{background:#eef}td:first-child,th:first-child{text-align:left;word-break:break-all}
#status{color:#555}.err{color:#b00}
</style></head><body>
<header><b>taskcenter</b><span id="ver"></span><a href="/docs">API docs</a><a href="/metrics">metrics</a>
<label>token <input id="token" type="password" size="18" placeholder="only with --token"></label>
<label><input id="auto" type="checkbox" checked> refresh every 2 s</label></header>
<main><p id="status">loading&hellip;</p>
<table><thead><tr><th>queue</th><th>length</th><th>delayed</th><th>leased</th><th>done</th><th>waiting</th>
<th>put</th><th>acquired</th><th>replied</th><th>redelivered</th><th>dead</th><th>removed</th><th>oldest cursor</th><th>newest cursor</th></tr></thead>
<tbody id="rows"></tbody></table></main>
<script>
const tokenInput = document.getElementById('token');
tokenInput.value = localStorage.getItem('tc_token') || '';
tokenInput.onchange = () => { localStorage.setItem('tc_token', tokenInput.value); refresh(); };
const FIELDS = ['length','delayed','leased','done','waiting','total_put','total_acquired','total_replied',
                'total_redelivered','total_dead','total_removed','oldest_cursor','newest_cursor'];
async function post(path, body) {
  const headers = {'Content-Type': 'application/json'};
  if (tokenInput.value) headers['Authorization'] = 'Bearer ' + tokenInput.value;
  const r = await fetch(path, {method: 'POST', headers, body: JSON.stringify(body)});
  const j = await r.json();
  if (j.err_code !== '0000') throw new Error(j.err_code + ': ' + (j.message || r.status));
  return j;
}
async function refresh() {
  const status = document.getElementById('status');
  try {
    const names = [];
    let cursor = null;
    do {  // list_queue is paged; a dashboard shows at most 10 pages
      const page = await post('/task/list_queue', {cursor, size: 1000});
      names.push(...page.data);
      cursor = page.cursor;
    } while (cursor && names.length < 10000);
    const stats = await Promise.all(names.map(q => post('/task/stat_queue', {queue: q}).then(r => r.data).catch(() => null)));
    const rows = document.getElementById('rows');
    rows.textContent = '';
    names.forEach((q, i) => {
      const tr = document.createElement('tr');
      const name = document.createElement('td');
      name.textContent = q;
      tr.append(name);
      for (const f of FIELDS) {
        const td = document.createElement('td');
        const s = stats[i];
        td.textContent = s == null ? '-' : (s[f] == null ? '' : s[f]);
        tr.append(td);
      }
      rows.append(tr);
    });
    status.className = '';
    status.textContent = names.length + ' queue(s), updated ' + new Date().toLocaleTimeString();
  } catch (e) {
    status.className = 'err';
    status.textContent = 'could not read queues: ' + e.message;
  }
}
fetch('/version').then(r => r.json()).then(j => { document.getElementById('ver').textContent = 'v' + j.data; });
refresh();
setInterval(() => { if (document.getElementById('auto').checked) refresh(); }, 2000);
</script></body></html>
)HTML";
  return kPage;
}

}  // namespace tc::pages
