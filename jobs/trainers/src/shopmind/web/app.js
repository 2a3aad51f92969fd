// shopmind dashboard: a hash-routed page over the JSON API. No framework, no CDN: it ships in
// the package. Every text from the API goes through textContent (never innerHTML), so product
// titles or reasons cannot inject markup.
'use strict';

const $ = (sel, root = document) => root.querySelector(sel);
function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
const SVG = 'http://www.w3.org/2000/svg';
function s(tag, attrs = {}, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children.flat()) if (c) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
const fmt = (x, d = 4) => (typeof x === 'number' ? (Number.isInteger(x) ? x.toLocaleString() : x.toFixed(d)) : (x ?? ''));
const bytes = (n) => (n > 1e9 ? (n / 1e9).toFixed(2) + ' GB' : n > 1e6 ? (n / 1e6).toFixed(1) + ' MB' : (n / 1e3).toFixed(1) + ' kB');
const when = (unix) => (unix ? new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 19) : '');
const enc = encodeURIComponent;

class ApiError extends Error { constructor(status, body) { super(body.message || ('HTTP ' + status)); this.status = status; this.body = body; } }

// Every call rides on the session cookie; changes also carry the header the server requires
// of cookie sessions (CSRF guard, serve/logins.py).
async function api(path, opts = {}) {
  const init = { method: opts.method || 'GET', credentials: 'same-origin', headers: { 'X-Shopmind-UI': '1' } };
  if (opts.body !== undefined) { init.body = JSON.stringify(opts.body); init.headers['Content-Type'] = 'application/json'; }
  const r = await fetch(path, init);
  const text = await r.text();
  const body = text ? JSON.parse(text) : {};
  if (r.status === 401 && !opts.quiet) { showLogin('Your session ended: log in again.'); }
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

function table(columns, rows, opts = {}) {
  const head = h('tr', {}, columns.map((c) => h('th', { class: c.num ? 'num' : null, text: c.label })));
  const body = rows.map((r) => h('tr', {}, columns.map((c) => {
    const v = c.get ? c.get(r) : r[c.key];
    return h('td', { class: c.num ? 'num' : null }, v instanceof Node ? v : fmt(v, c.digits));
  })));
  return h('div', { class: 'table-wrap' }, h('table', { id: opts.id }, h('thead', {}, head), h('tbody', {}, body)));
}
const badge = (text, cls) => h('span', { class: 'badge ' + (cls || text || '') , text });
const link = (href, text) => h('a', { href, text });
const page = () => $('#page');
function setPage(title, ...children) { page().replaceChildren(h('h1', { text: title }), ...children); }
function fail(err) { page().append(h('p', { class: 'error', role: 'alert', text: err.message })); }

// ---- login ---------------------------------------------------------------------------------
function showLogin(message) {
  $('#nav').hidden = true; page().replaceChildren(); $('#login').hidden = false;
  $('#login-error').textContent = message || '';
}
$('#login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await api('/ui/login', { method: 'POST', body: { key: $('#login-key').value.trim() }, quiet: true });
    $('#login-key').value = ''; $('#login').hidden = true; $('#nav').hidden = false; route();
  } catch (err) { $('#login-error').textContent = err.status === 401 ? 'That key is unknown, wrong or revoked.' : err.message; }
});
$('#logout').addEventListener('click', async () => { await api('/ui/logout', { method: 'POST', quiet: true }).catch(() => {}); showLogin('Logged out.'); });

// ---- overview ------------------------------------------------------------------------------
async function overview() {
  setPage('Overview');
  const o = await api('/v1/overview');
  const rec = (o.headline.recommender || {});
  const held = rec.held_out || {}; const pop = rec.popularity_held_out || {};
  const card = (label, value, id) => h('div', { class: 'card', id }, h('div', { class: 'value', text: value }), h('div', { class: 'label', text: label }));
  page().append(h('div', { class: 'cards' },
    card('assets', String(o.assets.length), 'card-assets'),
    card('on disk', bytes(o.total_bytes)),
    card('active release', o.release ? '#' + o.release.id : 'none', 'card-release'),
    card('recommender NDCG@10 (held out)', held['ndcg@10'] !== undefined ? fmt(held['ndcg@10']) : '-'),
    card('popularity NDCG@10', pop['ndcg@10'] !== undefined ? fmt(pop['ndcg@10']) : '-'),
    card('live users', String(o.live_users)),
    card('events logged', o.events_logged.toLocaleString())));
  if (o.release) {
    page().append(h('h2', { text: 'Served release #' + o.release.id }),
      h('p', { class: 'muted', text: (o.release.note || '') + ' ' + (o.release.created_at || '') }),
      table([{ label: 'asset', key: 'name' }, { label: 'pinned', get: (r) => link('#/asset/' + enc(r.ref), r.ref) }],
        Object.entries(o.release.pins).map(([name, ref]) => ({ name, ref }))));
  }
  page().append(h('h2', { text: 'Assets' }), table([
    { label: 'asset', get: (a) => link('#/asset/' + enc(a.ref), a.ref) },
    { label: 'versions', key: 'versions', num: true }, { label: 'rows', key: 'rows', num: true },
    { label: 'size', get: (a) => bytes(a.bytes), num: true },
    { label: 'age', get: (a) => (a.age_hours < 48 ? a.age_hours.toFixed(1) + ' h' : (a.age_hours / 24).toFixed(1) + ' d'), num: true },
  ], o.assets, { id: 'overview-assets' }));
}

// ---- assets --------------------------------------------------------------------------------
async function assets() {
  setPage('Assets');
  const all = await api('/v1/assets?all=true');
  const byName = {};
  for (const a of all) (byName[a.name] = byName[a.name] || []).push(a);
  page().append(table([
    { label: 'asset', get: (r) => link('#/asset/' + enc(r.latest.ref), r.name) },
    { label: 'versions', get: (r) => h('span', {}, r.versions.map((v, i) => [i ? ' ' : '', link('#/asset/' + enc(v.ref), 'v' + v.version)])) },
    { label: 'rows', get: (r) => r.latest.rows, num: true },
    { label: 'produced by', get: (r) => r.latest.produced_by },
    { label: 'created', get: (r) => r.latest.created_at.slice(0, 19).replace('T', ' ') },
  ], Object.entries(byName).map(([name, versions]) => ({ name, versions, latest: versions[versions.length - 1] })), { id: 'asset-list' }));
}

async function asset(ref) {
  const d = await api('/v1/assets/' + enc(ref));
  setPage(d.ref, h('p', { class: 'muted' }, `${d.rows.toLocaleString()} rows · produced by ${d.produced_by} · ${d.created_at.slice(0, 19)} · `,
    link('#/lineage/' + enc(d.ref), 'lineage graph')));
  const versions = (await api('/v1/assets?all=true')).filter((a) => a.name === d.name);
  page().append(h('div', { class: 'row' }, 'Versions: ', versions.map((v) => (v.ref === d.ref ? h('strong', { text: 'v' + v.version }) : link('#/asset/' + enc(v.ref), 'v' + v.version)))));
  page().append(h('h2', { text: 'Schema' }), table([{ label: 'column', key: 'name' }, { label: 'type', key: 'type' }], d.columns));
  if (d.tags && Object.keys(d.tags).length) page().append(h('p', {}, 'Tags: ', h('code', { text: JSON.stringify(d.tags) })));
  await Promise.all([qualitySection(d), driftSection(d, versions), quarantineSection(d)]);
  await rowsSection(d);
}

async function qualitySection(d) {
  const box = h('div', { id: 'quality' }); page().append(box);
  let q; try { q = await api(`/v1/assets/${enc(d.ref)}/quality?limit=10`); } catch (err) { return; }
  const cols = (q.profile && q.profile.columns) || {};
  if (Object.keys(cols).length) {
    box.append(h('h2', { text: 'Quality profile' }), table([
      { label: 'column', key: 'name' }, { label: 'type', key: 'type' },
      { label: 'nulls', get: (r) => (100 * (r.null_fraction || 0)).toFixed(1) + '%', num: true },
      { label: 'distinct ~', key: 'distinct_approx', num: true }, { label: 'min', key: 'min' }, { label: 'max', key: 'max' },
    ], Object.entries(cols).map(([name, c]) => ({ name, ...c }))));
  }
  if (q.near_duplicates) {
    box.append(h('h2', { text: `Near-duplicate pairs (${q.near_duplicates.rows.toLocaleString()})` }),
      table([{ label: 'cosine', key: 'cosine', num: true, digits: 3 }, { label: 'item a', get: (r) => `${r.item_a} ${r.title_a || ''}` }, { label: 'item b', get: (r) => `${r.item_b} ${r.title_b || ''}` }], q.near_duplicates.sample, { id: 'near-duplicates' }));
  }
  if (q.category_suggestions) {
    box.append(h('h2', { text: `Category suggestions (${q.category_suggestions.rows.toLocaleString()})` }),
      table([{ label: 'item', key: 'item_id' }, { label: 'reason', key: 'reason' }, { label: 'now', key: 'current_category' }, { label: 'suggested', key: 'suggested_category' }, { label: 'confidence', key: 'confidence', num: true, digits: 2 }], q.category_suggestions.sample));
  }
}

async function driftSection(d, versions) {
  const older = versions.filter((v) => v.version < d.version).pop();
  if (!older) return;
  const box = h('div', { id: 'drift' }); page().append(box);
  try {
    const r = await api(`/v1/assets/${enc(d.name)}/drift?older=${older.version}&newer=${d.version}`);
    box.append(h('h2', { text: `Drift from ${r.older} (${r.rows[0].toLocaleString()} rows)` }), table([
      { label: 'column', key: 'column' }, { label: 'kind', key: 'kind' },
      { label: 'PSI', get: (c) => (c.psi === null ? '-' : c.psi.toFixed(3)), num: true },
      { label: 'verdict', get: (c) => (c.verdict ? badge(c.verdict) : '') },
      { label: 'nulls', get: (c) => c.null_share.map((x) => (100 * x).toFixed(1) + '%').join(' → ') },
    ], r.columns, { id: 'drift-table' }));
    if (r.added.length || r.removed.length) box.append(h('p', { text: `columns added: ${r.added.join(', ') || '-'}; removed: ${r.removed.join(', ') || '-'}` }));
  } catch (err) { box.append(h('p', { class: 'muted', text: 'drift: ' + err.message })); }
}

async function quarantineSection(d) {
  if (!d.report || d.report.input_rows === undefined) return;
  const box = h('div', { id: 'quarantine' }); page().append(box);
  box.append(h('h2', { text: 'Ingest' }), h('p', { text: `${d.report.input_rows.toLocaleString()} input rows = ${d.report.accepted.toLocaleString()} accepted + ${d.report.quarantined.toLocaleString()} quarantined` }));
  try {
    const q = await api(`/v1/assets/${enc(d.ref)}/quarantine?limit=50`);
    box.append(h('h2', { text: `Quarantined rows (${q.total.toLocaleString()})` }),
      table([{ label: 'row', key: 'row', num: true }, { label: 'field', key: 'field' }, { label: 'check', key: 'check' }, { label: 'reason', key: 'reason' }], q.rows, { id: 'quarantine-table' }));
  } catch (err) { box.append(h('p', { class: 'muted', text: err.message })); }
}

async function rowsSection(d) {
  let r; try { r = await api(`/v1/assets/${enc(d.ref)}/rows?limit=20`); } catch (err) { return; }
  const cell = (v) => (v !== null && typeof v === 'object' ? JSON.stringify(v).slice(0, 120) : v);
  page().append(h('h2', { text: `Rows (first ${r.rows.length} of ${r.total.toLocaleString()})` }),
    table(r.columns.map((c) => ({ label: c, get: (row) => cell(row[c]) })), r.rows, { id: 'rows-table' }));
}

// ---- lineage -------------------------------------------------------------------------------
async function lineage(ref) {
  setPage(ref ? 'Lineage of ' + ref : 'Lineage of the served release');
  const nodes = new Map(); // id -> {id, label, kind, inputs: [ids]}
  const add = (n) => { if (!nodes.has(n.ref)) nodes.set(n.ref, { id: n.ref, label: n.ref, kind: 'asset', sub: n.produced_by, inputs: [...n.inputs] }); };
  let roots = [];
  if (ref) roots = [ref];
  else {
    const releases = await api('/v1/releases');
    const active = releases.find((r) => r.active);
    if (!active) { page().append(h('p', { class: 'muted', text: 'No release is active yet: run a build.' })); return; }
    roots = Object.values(active.pins);
    nodes.set('release', { id: 'release', label: 'release #' + active.id, kind: 'release', sub: 'served', inputs: roots });
  }
  for (const r of roots) {
    const chain = await api(`/v1/assets/${enc(r)}/lineage`);
    for (const n of chain) {
      add(n);
      for (const src of n.sources || []) {
        const where = String(src.path || src.package || src.name || JSON.stringify(src));
        const id = 'file:' + where;
        if (!nodes.has(id)) nodes.set(id, { id, label: where.split('/').pop(), kind: 'file', sub: src.path ? 'raw file' : 'package', inputs: [] });
        if (!nodes.get(n.ref).inputs.includes(id)) nodes.get(n.ref).inputs.push(id);
      }
    }
  }
  page().append(h('p', { class: 'muted', text: 'Raw files on the left, the served release on the right; click a version to open it.' }), lineageSvg(nodes));
}

function lineageSvg(nodes) {
  const level = new Map();
  const depth = (id, seen = new Set()) => {
    if (level.has(id)) return level.get(id);
    if (seen.has(id)) return 0; seen.add(id);
    const n = nodes.get(id); const ins = n ? n.inputs.filter((i) => nodes.has(i)) : [];
    const l = ins.length ? 1 + Math.max(...ins.map((i) => depth(i, seen))) : 0;
    level.set(id, l); return l;
  };
  for (const id of nodes.keys()) depth(id);
  const columns = [];
  for (const [id, l] of level) (columns[l] = columns[l] || []).push(id);
  const W = 176, H = 46, GX = 44, GY = 16;
  const pos = new Map();
  // each column ordered by the mean row of its inputs (fewer crossing edges), left to right
  columns.forEach((col, x) => {
    const key = (id) => { const ys = nodes.get(id).inputs.map((i) => pos.get(i)).filter(Boolean).map((p) => p.y); return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0; };
    col.sort((a, b) => key(a) - key(b) || a.localeCompare(b)).forEach((id, y) => pos.set(id, { x: 10 + x * (W + GX), y: 10 + y * (H + GY) }));
  });
  const width = 20 + columns.length * (W + GX), height = 20 + Math.max(...columns.map((c) => c.length)) * (H + GY);
  const svg = s('svg', { id: 'lineage-graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'lineage graph' });
  for (const n of nodes.values()) for (const i of n.inputs) {
    const a = pos.get(i), b = pos.get(n.id); if (!a || !b) continue;
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    svg.append(s('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}` }));
  }
  for (const n of nodes.values()) {
    const p = pos.get(n.id);
    const label = n.label.length > 26 ? n.label.slice(0, 25) + '…' : n.label;
    const g = s('g', { class: 'node ' + n.kind, transform: `translate(${p.x},${p.y})`, 'data-ref': n.id },
      s('rect', { width: W, height: H }), s('text', { x: 10, y: 19 }, label), s('text', { x: 10, y: 36, class: 'muted', fill: '#6b7280' }, n.sub || ''),
      s('title', {}, n.label));
    svg.append(n.kind === 'asset' ? s('a', { href: '#/asset/' + enc(n.id) }, g) : g);
  }
  return h('div', { class: 'chart' }, svg);
}

// ---- search --------------------------------------------------------------------------------
const searchState = { q: '', category: '', brand: [], price_min: '', price_max: '', in_stock: false, user: '', explain: false };
async function search() {
  setPage('Search playground');
  const st = searchState;
  const form = h('form', { class: 'row', id: 'search-form' },
    h('input', { type: 'search', id: 'q', placeholder: 'query, e.g. red running shoes under 80', value: st.q, 'aria-label': 'query' }),
    h('input', { type: 'text', id: 'f-user', class: 'short', placeholder: 'user', value: st.user, 'aria-label': 'user' }),
    h('input', { type: 'number', id: 'f-min', class: 'short', placeholder: 'min price', value: st.price_min, min: 0, 'aria-label': 'minimum price' }),
    h('input', { type: 'number', id: 'f-max', class: 'short', placeholder: 'max price', value: st.price_max, min: 0, 'aria-label': 'maximum price' }),
    h('label', {}, h('input', { type: 'checkbox', id: 'f-stock', checked: st.in_stock }), ' in stock'),
    h('label', {}, h('input', { type: 'checkbox', id: 'f-explain', checked: st.explain }), ' explain'),
    h('button', { type: 'submit', text: 'Search' }));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    Object.assign(st, { q: $('#q').value, user: $('#f-user').value.trim(), price_min: $('#f-min').value, price_max: $('#f-max').value,
      in_stock: $('#f-stock').checked, explain: $('#f-explain').checked });
    runSearch();
  });
  page().append(form, h('div', { id: 'active-filters', class: 'chips' }), h('div', { id: 'search-out' }));
  if (st.q) runSearch();
}

async function runSearch() {
  const st = searchState; const out = $('#search-out'); if (!out) return;
  const p = new URLSearchParams({ q: st.q, k: '20' });
  if (st.category) p.set('category', st.category);
  for (const b of st.brand) p.append('brand', b);
  if (st.price_min !== '') p.set('price_min', st.price_min);
  if (st.price_max !== '') p.set('price_max', st.price_max);
  if (st.in_stock) p.set('in_stock', 'true');
  if (st.user) p.set('user', st.user);
  if (st.explain) p.set('explain', 'true');
  const chips = $('#active-filters'); chips.replaceChildren();
  const drop = (label, undo) => chips.append(h('button', { type: 'button', class: 'chip on', onclick: () => { undo(); runSearch(); }, text: label + ' ×' }));
  if (st.category) drop('category: ' + st.category, () => { st.category = ''; });
  for (const b of st.brand) drop('brand: ' + b, () => { st.brand = st.brand.filter((x) => x !== b); });
  out.replaceChildren(h('p', { class: 'muted', text: 'searching…' }));
  let r; try { r = await api('/v1/search?' + p.toString()); } catch (err) { out.replaceChildren(h('p', { class: 'error', role: 'alert', text: err.message })); return; }
  // how the engine read the query (typo stand-ins, joined and split words, synonyms)
  const readAs = Object.entries(r.corrections || {}).flatMap(([kind, found]) => Object.entries(found).map(
    ([w, v]) => w + ' → ' + (Array.isArray(v) ? v.join(kind === 'split' ? ' + ' : ' | ') : v)));
  const info = h('p', { class: 'muted', id: 'search-info' }, `${r.results.length} results · ${r.searched}` + (r.understood.length ? ' · understood: ' + r.understood.join(', ') : '') +
    (readAs.length ? ' · read as: ' + readAs.join('; ') : '') +
    (r.personalised ? ' · personalised' : '') + (r.ranked ? ' · learned ranker' : ''));
  const facets = h('div', { class: 'facets', id: 'facets' });
  for (const [name, values] of Object.entries(r.facets || {})) {
    if (!Array.isArray(values) || !values.length) continue;
    const box = h('div', { class: 'card' }, h('div', { class: 'label', text: name }));
    const list = h('div', { class: 'chips' });
    for (const v of values.slice(0, 12)) {
      if (name === 'category' || name === 'brand') {
        const on = name === 'category' ? st.category === v.value : st.brand.includes(v.value);
        list.append(h('button', { type: 'button', class: 'chip' + (on ? ' on' : ''), 'data-facet': name, 'data-value': v.value, text: `${v.value} (${v.count})`,
          onclick: () => { if (name === 'category') st.category = on ? '' : v.value; else st.brand = on ? st.brand.filter((x) => x !== v.value) : [...st.brand, v.value]; runSearch(); } }));
      } else if (v.min !== undefined) {
        list.append(h('button', { type: 'button', class: 'chip', text: `${v.min}–${v.max ?? '…'} (${v.count})`,
          onclick: () => { st.price_min = String(v.min); st.price_max = v.max === null || v.max === undefined ? '' : String(v.max); $('#f-min').value = st.price_min; $('#f-max').value = st.price_max; runSearch(); } }));
      } else list.append(h('span', { class: 'chip', text: `${v.value ?? JSON.stringify(v)} (${v.count ?? ''})` }));
    }
    box.append(list); facets.append(box);
  }
  const hits = h('div', { id: 'results' }, r.results.map((hit, i) => {
    const box = h('div', { class: 'hit', 'data-item': hit.item_id }, h('div', { class: 'title', text: `${i + 1}. ${hit.title || hit.item_id}` }),
      h('div', { class: 'meta', text: `${hit.item_id} · score ${fmt(hit.score)}` }));
    const contrib = hit.explain && hit.explain.contributions;
    if (contrib) box.append(h('details', { open: i === 0 }, h('summary', { text: 'why this rank' }), explainTable(contrib, hit.explain.features || {})));
    else if (hit.explain && Object.keys(hit.explain).length) box.append(h('pre', { text: JSON.stringify(hit.explain, null, 1) }));
    return box;
  }));
  out.replaceChildren(info, facets, hits);
}

function explainTable(contrib, features) {
  const rows = Object.entries(contrib).map(([name, c]) => ({ name, c, v: features[name] })).sort((a, b) => Math.abs(b.c) - Math.abs(a.c));
  const max = Math.max(...rows.map((r) => Math.abs(r.c)), 1e-9);
  return table([{ label: 'feature', key: 'name' }, { label: 'value', key: 'v', num: true }, { label: 'contribution', key: 'c', num: true },
    { label: '', get: (r) => h('span', { class: 'bar' + (r.c < 0 ? ' neg' : ''), style: `width:${Math.round(80 * Math.abs(r.c) / max)}px` }) }], rows, { id: 'explain' });
}

// ---- users ---------------------------------------------------------------------------------
async function users(user) {
  setPage('User explorer');
  const form = h('form', { class: 'row', id: 'user-form' }, h('input', { type: 'text', id: 'user-id', placeholder: 'user id', value: user || '', 'aria-label': 'user id' }), h('button', { type: 'submit', text: 'Open' }));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); location.hash = '#/users/' + enc($('#user-id').value.trim()); });
  page().append(form);
  if (!user) { page().append(h('p', { class: 'muted', text: 'Open a user to see their history, profile and recommendations.' })); return; }
  const u = await api('/v1/users/' + enc(user) + '?k=10');
  const recs = h('ol', { id: 'recommendations' }, u.recommendations.map((r) => h('li', { 'data-item': r.item_id }, h('strong', { text: r.item_id }), ' ', r.title || '', ' ', h('span', { class: 'muted', text: '· ' + r.reason }))));
  const post = h('form', { class: 'row', id: 'event-form' },
    h('input', { type: 'text', id: 'event-item', placeholder: 'item id', value: u.recommendations.length ? u.recommendations[0].item_id : '', 'aria-label': 'item id' }),
    h('select', { id: 'event-type', 'aria-label': 'event type' }, ['view', 'click', 'add_to_cart', 'purchase'].map((t) => h('option', { value: t, text: t }))),
    h('button', { type: 'submit', text: 'Post event' }));
  post.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('/v1/events', { method: 'POST', body: { user_id: user, item_id: $('#event-item').value.trim(), event_type: $('#event-type').value } });
      await users(user);
      page().append(h('p', { id: 'event-posted', class: 'muted', text: 'Event recorded; the recommendations above are the new ones.' }));
    } catch (err) { fail(err); }
  });
  const prof = u.profile || {};
  const shares = (m) => Object.entries(m || {}).sort((a, b) => b[1] - a[1]).slice(0, 8);
  const profile = h('div', { id: 'profile' }, ['top', 'leaf', 'brand'].map((k) => shares(prof[k]).length ? h('div', {}, h('div', { class: 'label muted', text: { top: 'categories', leaf: 'leaf categories', brand: 'brands' }[k] }),
    shares(prof[k]).map(([name, share]) => h('div', {}, h('span', { class: 'bar', style: `width:${Math.round(120 * share)}px` }), ` ${name} ${(100 * share).toFixed(0)}%`))) : null));
  const timeline = h('ul', { class: 'timeline', id: 'timeline' }, u.history.slice().reverse().map((e) => h('li', {},
    h('span', { class: 'muted', text: when(e.timestamp) + ' ' }), badge(e.event_type, e.live ? 'live' : ''), ' ', h('strong', { text: e.item_id }), ' ', e.title || '', e.live ? h('span', { class: 'muted', text: ' (live)' }) : null)));
  page().append(h('p', { class: 'muted', text: u.known ? `${u.history.length} events` : 'unknown user: popular items' }),
    h('div', { class: 'split' },
      h('div', {}, h('h2', { text: 'Recommendations' }), recs, h('h2', { text: 'Post an event' }), post, h('h2', { text: 'Profile' }), Object.keys(prof).length ? profile : h('p', { class: 'muted', text: 'no profile at the last build' })),
      h('div', {}, h('h2', { text: 'History (newest first)' }), timeline)));
}

// ---- reports -------------------------------------------------------------------------------
async function reports() {
  setPage('Evaluation reports');
  const r = await api('/v1/reports');
  const bar = h('div', { class: 'row' }, h('button', { type: 'button', id: 'run-evaluate', text: 'Run evaluation', onclick: () => startJob('evaluate') }),
    h('span', { class: 'muted', text: `${r.points.length} figures from ${r.files.length} report files and the model versions` }));
  page().append(bar);
  if (!r.points.length) { page().append(h('p', { class: 'muted', text: 'No figures yet: build, or run an evaluation.' })); return; }
  const datasets = [...new Set(r.points.map((p) => p.dataset))];
  const metrics = [...new Set(r.points.map((p) => p.metric))].filter((m) => !/seconds|_ms$/.test(m));
  const dsSel = h('select', { id: 'report-dataset', 'aria-label': 'dataset' }, datasets.map((d) => h('option', { value: d, text: d })));
  const mSel = h('select', { id: 'report-metric', 'aria-label': 'metric' }, metrics.map((m) => h('option', { value: m, text: m, selected: m === 'ndcg@10' })));
  const chart = h('div', { id: 'report-chart' }); const trend = h('div', { id: 'report-trend' });
  const draw = () => {
    const pts = r.points.filter((p) => p.dataset === dsSel.value && p.metric === mSel.value);
    const latest = new Map(); for (const p of pts) if (!latest.has(p.model) || latest.get(p.model).date < p.date) latest.set(p.model, p);
    chart.replaceChildren(barChart([...latest.values()].map((p) => ({ label: p.model, value: p.value })), mSel.value));
    const series = r.points.filter((p) => p.metric === mSel.value && p.source.includes('@'));
    trend.replaceChildren(series.length > 1 ? lineChart(series, mSel.value) : h('p', { class: 'muted', text: 'One model version so far: the trend appears after the next build.' }));
  };
  dsSel.addEventListener('change', draw); mSel.addEventListener('change', draw);
  page().append(h('div', { class: 'row' }, 'Dataset ', dsSel, ' metric ', mSel), h('h2', { text: 'By model' }), chart, h('h2', { text: 'Over time (model versions)' }), trend, draw() || '');
  page().append(h('h2', { text: 'All figures' }), table([{ label: 'dataset', key: 'dataset' }, { label: 'model', key: 'model' }, { label: 'metric', key: 'metric' }, { label: 'value', key: 'value', num: true }, { label: 'source', key: 'source' }, { label: 'date', get: (p) => p.date.slice(0, 19) }], r.points));
}

function barChart(items, metric) {
  if (!items.length) return h('p', { class: 'muted', text: 'no figures for this choice' });
  const W = 520, row = 26, left = 150, max = Math.max(...items.map((i) => i.value), 1e-9);
  const svg = s('svg', { width: W, height: items.length * row + 10, viewBox: `0 0 ${W} ${items.length * row + 10}`, role: 'img', 'aria-label': metric + ' by model' });
  items.sort((a, b) => b.value - a.value).forEach((it, i) => {
    const w = (W - left - 70) * it.value / max;
    svg.append(s('text', { x: 4, y: i * row + 18 }, it.label), s('rect', { x: left, y: i * row + 6, width: Math.max(w, 1), height: 16, fill: '#2457c5', rx: 3 }),
      s('text', { x: left + w + 6, y: i * row + 18 }, fmt(it.value)));
  });
  return h('div', { class: 'chart' }, svg);
}

function lineChart(points, metric) {
  const byModel = new Map(); for (const p of points) (byModel.get(p.model) || byModel.set(p.model, []).get(p.model)).push(p);
  const times = points.map((p) => Date.parse(p.date)); const t0 = Math.min(...times), t1 = Math.max(...times) || t0 + 1;
  const vmax = Math.max(...points.map((p) => p.value), 1e-9);
  const W = 560, H = 220, L = 50, B = 30, colours = ['#2457c5', '#b45309', '#13795b', '#b91c1c', '#6d28d9'];
  const x = (t) => L + (W - L - 20) * (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)); const y = (v) => H - B - (H - B - 10) * v / vmax;
  const svg = s('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': metric + ' over time' },
    s('line', { x1: L, y1: H - B, x2: W - 10, y2: H - B, stroke: '#94a3b8' }), s('text', { x: 4, y: 14 }, fmt(vmax)), s('text', { x: 4, y: H - B }, '0'));
  [...byModel.entries()].forEach(([model, pts], i) => {
    pts.sort((a, b) => Date.parse(a.date) - Date.parse(b.date));
    const c = colours[i % colours.length];
    svg.append(s('polyline', { fill: 'none', stroke: c, 'stroke-width': 2, points: pts.map((p) => `${x(Date.parse(p.date))},${y(p.value)}`).join(' ') }));
    for (const p of pts) svg.append(s('circle', { cx: x(Date.parse(p.date)), cy: y(p.value), r: 3, fill: c }, s('title', {}, `${p.source} ${fmt(p.value)}`)));
    svg.append(s('text', { x: L + 10 + 130 * i, y: H - 8, fill: c }, model));
  });
  return h('div', { class: 'chart' }, svg);
}

// ---- jobs ----------------------------------------------------------------------------------
let jobTimer = null;
async function startJob(kind) {
  try { await api('/v1/jobs', { method: 'POST', body: { kind } }); location.hash = '#/jobs'; } catch (err) { fail(err); }
}
async function jobs() {
  setPage('Jobs', h('div', { class: 'row' },
    h('button', { type: 'button', id: 'run-build', text: 'Run build', onclick: () => startJob('build') }),
    h('button', { type: 'button', class: 'secondary', id: 'run-evaluate-jobs', text: 'Run evaluation', onclick: () => startJob('evaluate') })),
  h('div', { id: 'jobs-list' }));
  const draw = async () => {
    const list = await api('/v1/jobs'); const box = $('#jobs-list'); if (!box) return false;
    box.replaceChildren(list.length ? table([
      { label: 'job', key: 'id', num: true }, { label: 'kind', key: 'kind' }, { label: 'status', get: (j) => badge(j.status) },
      { label: 'progress', get: (j) => h('div', { class: 'progress', title: Math.round(100 * j.progress) + '%' }, h('div', { style: `width:${Math.round(100 * j.progress)}%` })) },
      { label: 'step', key: 'step' }, { label: 'seconds', key: 'seconds', num: true, digits: 1 },
      { label: 'log', get: (j) => h('div', {}, (j.error ? [h('div', { class: 'error', text: j.error })] : []), j.log.slice(-4).map((l) => h('div', { class: 'muted', text: l }))) },
    ], list, { id: 'jobs-table' }) : h('p', { class: 'muted', text: 'No jobs yet.' }));
    return list.some((j) => j.status === 'running' || j.status === 'queued');
  };
  const tick = async () => { if (location.hash !== '#/jobs') return; const busy = await draw().catch(() => false); jobTimer = setTimeout(tick, busy ? 1000 : 4000); };
  clearTimeout(jobTimer); tick();
}

// ---- routing -------------------------------------------------------------------------------
const ROUTES = [
  [/^#?\/?$/, overview], [/^#\/assets$/, assets], [/^#\/asset\/(.+)$/, asset], [/^#\/lineage(?:\/(.+))?$/, lineage],
  [/^#\/search$/, search], [/^#\/users(?:\/(.+))?$/, users], [/^#\/reports$/, reports], [/^#\/jobs$/, jobs],
];
async function route() {
  if ($('#nav').hidden) return;
  const hash = location.hash || '#/';
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', hash === a.getAttribute('href') || (a.getAttribute('href') !== '#/' && hash.startsWith(a.getAttribute('href'))));
  for (const [re, fn] of ROUTES) {
    const m = hash.match(re);
    if (m) { try { await fn(...m.slice(1).map((x) => (x === undefined ? undefined : decodeURIComponent(x)))); } catch (err) { if (err.status !== 401) fail(err); } return; }
  }
  setPage('Not found', h('p', { text: 'No page at ' + hash }));
}
window.addEventListener('hashchange', route);

(async function start() {
  try { await api('/ui/me', { quiet: true }); $('#login').hidden = true; $('#nav').hidden = false; route(); }
  catch (err) { showLogin(); }
})();
