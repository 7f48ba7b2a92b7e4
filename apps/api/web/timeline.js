// The timeline page: coalition membership over valid time, as known at a chosen knowledge time.
// Every number on it comes from the HTTP API (/coalitions/{id}/history, /timeline and
// /coalitions/{id}?at=&knownAt=); the page folds nothing itself. Text from reports is only
// ever inserted as text (textContent, or escaped in chart tooltips): it cannot inject markup.

const DAY = 86_400_000;
const params = new URLSearchParams(location.search);

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
const ROLE_COLORS = {
  'air-strikes': '#D55E00',
  'ground-forces': '#0072B2',
  training: '#009E73',
  'military-assistance': '#CC79A7',
  logistics: '#E69F00',
  intelligence: '#56B4E9',
  other: '#7F7F7F',
};
const MEMBER_COLOR = '#BFC6CE';
const EVENT_SYMBOLS = {
  'coalition.formed': 'diamond',
  'coalition.proposed': 'triangle',
  'diplomacy.meeting': 'roundRect',
  'stance.declared': 'pin',
  'territory.control-reported': 'rect',
  'report.retracted': 'emptyCircle',
};
const MEMBERSHIP_TYPES = new Set(['coalition.member-joined', 'coalition.member-left', 'coalition.role-started', 'coalition.role-ended']);

const $ = (id) => document.getElementById(id);
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const countryName = (code) => {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
};
const day = (iso) => (iso ? iso.slice(0, 10) : '');
const escapeHtml = (text) => String(text ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
const safeUrl = (url) => (typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null);
const roleText = (r) => `${r.kind}${r.theater ? ` in ${countryName(r.theater)}` : ''}`;

const state = { coalition: '', knownAt: Date.now(), cursor: Date.now(), timeline: [], history: [], lanes: [], range: [0, 1] };
let chart;
let reloadTimer;

async function api(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${body.message ?? response.status}`);
  return body;
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function link(text, url) {
  const href = safeUrl(url);
  if (!href) return el('span', text);
  return el('a', text, { href, target: '_blank', rel: 'noopener noreferrer' });
}

async function init() {
  chart = echarts.init($('chart'), null, { renderer: 'canvas' });
  window.addEventListener('resize', () => chart.resize());
  chart.on('click', (event) => onChartClick(event));

  const legend = $('legend');
  for (const [kind, color] of Object.entries(ROLE_COLORS)) {
    const item = el('li');
    item.append(el('span', '', { class: 'swatch', style: `background:${color}`, 'aria-hidden': 'true' }), document.createTextNode(kind));
    legend.append(item);
  }
  const member = el('li');
  member.append(el('span', '', { class: 'swatch', style: `background:${MEMBER_COLOR}`, 'aria-hidden': 'true' }), document.createTextNode('member, no role reported'));
  legend.append(member);

  const { items } = await api('/coalitions');
  const select = $('coalition');
  for (const c of items) select.append(el('option', c.name ? `${c.name} (${c.id})` : c.id, { value: c.id }));
  const wanted = params.get('coalition');
  if (wanted && items.some((c) => c.id === wanted)) select.value = wanted;
  select.addEventListener('change', () => loadCoalition(select.value));

  $('known-at').addEventListener('input', (e) => setKnownAt(Number(e.target.value)));
  $('known-at-date').addEventListener('change', (e) => e.target.value && setKnownAt(Date.parse(`${e.target.value}T23:59:59.999Z`)));
  $('cursor').addEventListener('change', (e) => {
    if (!e.target.value) return;
    state.cursor = Date.parse(`${e.target.value}T23:59:59.999Z`);
    render();
    void loadMembers();
  });
  if (select.value) await loadCoalition(select.value);
  else $('chart-summary').textContent = 'No coalition is known yet: publish some reports.';
}

/** A new coalition: its whole timeline (as known now), then the picture at the chosen knowledge time. */
async function loadCoalition(id) {
  state.coalition = id;
  const now = Date.now();
  // the whole timeline, a page at a time (the API's pages are at most 5000 reports)
  const items = [];
  for (let next = ''; next !== null; ) {
    const page = await api(`/coalitions/${encodeURIComponent(id)}/timeline?limit=5000${next ? `&after=${encodeURIComponent(next)}` : ''}`);
    items.push(...page.items);
    next = page.next;
  }
  state.timeline = items;
  state.lanes = [...new Set(items.filter((i) => MEMBERSHIP_TYPES.has(i.type) && i.country).map((i) => i.country))].sort();
  const times = items.map((i) => Date.parse(i.occurredAt));
  const known = items.map((i) => Date.parse(i.knownAt));
  const first = Math.min(...times, now);
  const last = Math.max(...times, first + 30 * DAY);
  state.range = [first - 20 * DAY, last + 20 * DAY];
  const slider = $('known-at');
  slider.min = String(Math.floor((Math.min(...known, now) - DAY) / DAY) * DAY);
  slider.max = String(now);
  const requested = params.get('knownAt');
  state.knownAt = requested ? Date.parse(`${requested}T23:59:59.999Z`) : now;
  const cursor = params.get('at');
  state.cursor = cursor ? Date.parse(`${cursor}T23:59:59.999Z`) : Math.max(...times.filter((t, i) => MEMBERSHIP_TYPES.has(items[i].type)), first);
  $('cursor').value = day(new Date(state.cursor).toISOString());
  await reload();
}

function setKnownAt(ms) {
  state.knownAt = ms;
  syncKnownAtControls();
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => void reload(), 120);
}

function syncKnownAtControls() {
  const slider = $('known-at');
  slider.value = String(Math.min(Math.max(state.knownAt, Number(slider.min)), Number(slider.max)));
  const label = day(new Date(state.knownAt).toISOString());
  $('known-at-label').textContent = label;
  $('known-at-date').value = label;
  slider.setAttribute('aria-valuetext', `reports published by ${label}`);
}

async function reload() {
  syncKnownAtControls();
  document.body.dataset.ready = 'false';
  const knownAt = new Date(state.knownAt).toISOString();
  // every interval, a page at a time (the API's pages are at most 5000 intervals)
  const intervals = [];
  for (let next = ''; next !== null; ) {
    const page = await api(`/coalitions/${encodeURIComponent(state.coalition)}/history?knownAt=${encodeURIComponent(knownAt)}&limit=5000${next ? `&after=${encodeURIComponent(next)}` : ''}`);
    intervals.push(...page.items);
    next = page.next;
  }
  state.history = intervals;
  render();
  renderHistoryTable();
  await loadMembers();
  document.body.dataset.ready = 'true';
}

function render() {
  const lanes = ['Other events', ...state.lanes];
  const bars = state.history.map((row) => [lanes.indexOf(row.country), Date.parse(row.from), row.to ? Date.parse(row.to) : state.range[1], row]);
  const events = state.timeline
    .filter((i) => !MEMBERSHIP_TYPES.has(i.type))
    .map((i) => ({
      value: [Date.parse(i.occurredAt), 0],
      item: i,
      symbol: EVENT_SYMBOLS[i.type] ?? 'circle',
      // published after "known at": faded, still there so that the eye sees what is missing
      itemStyle: { opacity: Date.parse(i.knownAt) <= state.knownAt ? 1 : 0.15, color: '#3d4650' },
    }));
  chart.setOption(
    {
      animation: false,
      grid: { left: 160, right: 30, top: 20, bottom: 50 },
      xAxis: { type: 'time', min: state.range[0], max: state.range[1] },
      yAxis: { type: 'category', data: lanes.map((c, i) => (i === 0 ? c : `${countryName(c)} (${c})`)), inverse: true, axisTick: { show: false } },
      tooltip: { trigger: 'item', enterable: true, confine: true, formatter: tooltip },
      series: [
        { type: 'custom', name: 'membership', renderItem: renderBar, encode: { x: [1, 2], y: 0 }, data: bars, z: 2 },
        { type: 'scatter', name: 'events', symbolSize: 14, data: events, z: 3 },
        {
          type: 'line',
          name: 'cursor',
          data: [],
          markLine: { silent: true, symbol: 'none', label: { formatter: `cursor ${day(new Date(state.cursor).toISOString())}` }, lineStyle: { color: '#0b5cad', width: 2 }, data: [{ xAxis: state.cursor }] },
        },
      ],
    },
    { notMerge: true },
  );
  $('chart').setAttribute(
    'aria-label',
    `Membership of ${state.coalition} over time as known at ${day(new Date(state.knownAt).toISOString())}: ${new Set(state.history.map((r) => r.country)).size} countries. The tables below give the same information as text.`,
  );
  $('chart-summary').textContent = `${state.history.length} membership interval(s) and ${events.filter((e) => e.itemStyle.opacity === 1).length} other event(s) known at ${day(new Date(state.knownAt).toISOString())}. Click a bar to move the cursor there and list the facts behind it.`;
}

/** A membership interval: a grey bar, with one coloured stripe per role held during it. */
function renderBar(params, api) {
  const lane = api.value(0);
  const start = api.coord([api.value(1), lane]);
  const end = api.coord([api.value(2), lane]);
  const height = api.size([0, 1])[1] * 0.7;
  const row = state.history[params.dataIndex];
  const top = start[1] - height / 2;
  const width = Math.max(2, end[0] - start[0]);
  const children = [{ type: 'rect', shape: { x: start[0], y: top, width, height, r: 3 }, style: { fill: MEMBER_COLOR } }];
  const roles = row.roles;
  roles.forEach((role, i) => {
    const stripe = (height - 4) / roles.length;
    children.push({
      type: 'rect',
      shape: { x: start[0], y: top + 2 + i * stripe, width, height: Math.max(1, stripe - 1) },
      style: { fill: ROLE_COLORS[role.kind] ?? ROLE_COLORS.other },
    });
    if (width > 90 && stripe >= 11) {
      children.push({ type: 'text', style: { text: roleText(role), x: start[0] + 4, y: top + 2 + i * stripe + stripe / 2, verticalAlign: 'middle', fill: '#ffffff', font: '11px sans-serif' } });
    }
  });
  return { type: 'group', children };
}

/** The facts behind a bar: the visible reports about this country during the interval. */
function factsBehind(row) {
  const from = Date.parse(row.since);
  const to = row.to ? Date.parse(row.to) : Infinity;
  return state.timeline.filter(
    (i) => i.country === row.country && MEMBERSHIP_TYPES.has(i.type) && Date.parse(i.occurredAt) >= from && Date.parse(i.occurredAt) < to && Date.parse(i.knownAt) <= state.knownAt,
  );
}

function tooltip(p) {
  if (p.seriesName === 'membership') {
    const row = p.data[3];
    const facts = factsBehind(row)
      .map((f) => `<li>${escapeHtml(day(f.occurredAt))} ${escapeHtml(f.type.replace('coalition.', ''))}${f.role ? ` (${escapeHtml(roleText(f.role))})` : ''} — ${sourceHtml(f)}</li>`)
      .join('');
    return `<strong>${escapeHtml(countryName(row.country))}</strong> member ${escapeHtml(day(row.from))} → ${escapeHtml(row.to ? day(row.to) : 'now')} (since ${escapeHtml(day(row.since))})<br>` +
      `Roles: ${row.roles.length ? row.roles.map((r) => escapeHtml(`${roleText(r)} since ${day(r.since)}`)).join(', ') : 'none reported'}` +
      `<ul>${facts}</ul>`;
  }
  if (p.seriesName === 'events') {
    const i = p.data.item;
    const details = Object.entries(i.details ?? {})
      .map(([k, v]) => `${escapeHtml(k)}: ${escapeHtml(Array.isArray(v) ? v.join(', ') : typeof v === 'object' ? JSON.stringify(v) : v)}`)
      .join('<br>');
    return `<strong>${escapeHtml(day(i.occurredAt))} ${escapeHtml(i.type)}</strong>${i.country ? ` ${escapeHtml(countryName(i.country))}` : ''}<br>${details}<br>${sourceHtml(i)}${Date.parse(i.knownAt) > state.knownAt ? '<br><em>published after the “known at” date</em>' : ''}`;
  }
  return '';
}

function sourceHtml(item) {
  const text = `${item.publisher}${item.publishedAt ? ` ${day(item.publishedAt)}` : ''}`;
  const href = safeUrl(item.url);
  return href ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${escapeHtml(text)}</a>` : escapeHtml(text);
}

function onChartClick(event) {
  if (event.seriesName !== 'membership') return;
  const row = event.data[3];
  const clicked = chart.convertFromPixel({ seriesIndex: 0 }, [event.event.offsetX, event.event.offsetY]);
  state.cursor = Math.max(Date.parse(row.from), Math.min(clicked?.[0] ?? Date.parse(row.from), row.to ? Date.parse(row.to) - 1 : Infinity));
  $('cursor').value = day(new Date(state.cursor).toISOString());
  showFacts(row.country, factsBehind(row));
  render();
  void loadMembers();
}

function showFacts(country, facts) {
  const panel = $('details');
  panel.replaceChildren(el('strong', `Facts behind ${countryName(country)}:`));
  const list = el('ul');
  for (const f of facts) {
    const item = el('li', `${day(f.occurredAt)} ${f.type}${f.role ? ` (${roleText(f.role)})` : ''}${f.roles?.length ? ` (${f.roles.map(roleText).join(', ')})` : ''} — `);
    item.append(link(`${f.publisher}${f.publishedAt ? ` ${day(f.publishedAt)}` : ''}`, f.url));
    list.append(item);
  }
  panel.append(list);
}

/** The member table: exactly GET /coalitions/{id}?at=<cursor>&knownAt=<known at>. */
async function loadMembers() {
  const at = new Date(state.cursor).toISOString();
  const knownAt = new Date(state.knownAt).toISOString();
  const body = await api(`/coalitions/${encodeURIComponent(state.coalition)}?at=${encodeURIComponent(at)}&knownAt=${encodeURIComponent(knownAt)}`);
  $('members-caption').textContent = `${body.members.length} member(s) of ${body.name ?? body.id} on ${day(body.at)}, as known at ${day(body.knownAt)}`;
  const rows = body.members.map((m) => {
    const tr = el('tr', undefined, { 'data-country': m.country });
    tr.append(el('th', `${countryName(m.country)} (${m.country})`, { scope: 'row' }), el('td', day(m.since)), el('td', m.roles.map((r) => `${roleText(r)} since ${day(r.since)}`).join('; ') || '—'));
    const sources = el('td');
    m.sources.forEach((s, i) => {
      if (i) sources.append(document.createTextNode(', '));
      sources.append(link(`${s.publisher}${s.publishedAt ? ` ${day(s.publishedAt)}` : ''}`, s.url));
    });
    const button = el('button', 'Show facts', { type: 'button', 'aria-label': `Show the facts behind ${countryName(m.country)}` });
    button.addEventListener('click', () => {
      const row = state.history.find((h) => h.country === m.country && Date.parse(h.from) <= state.cursor && (!h.to || state.cursor < Date.parse(h.to)));
      showFacts(m.country, row ? factsBehind(row) : []);
    });
    const facts = el('td');
    facts.append(button);
    tr.append(sources, facts);
    return tr;
  });
  $('members').querySelector('tbody').replaceChildren(...rows);
  document.body.dataset.members = body.members.map((m) => m.country).join(',');
}

function renderHistoryTable() {
  const rows = state.history.map((h) => {
    const tr = el('tr', undefined, { 'data-country': h.country });
    tr.append(el('th', `${countryName(h.country)} (${h.country})`, { scope: 'row' }), el('td', day(h.from)), el('td', h.to ? day(h.to) : 'now'), el('td', h.roles.map(roleText).join('; ') || '—'));
    return tr;
  });
  $('history').querySelector('tbody').replaceChildren(...rows);
}

window.addEventListener('DOMContentLoaded', () => {
  init().catch((error) => {
    $('chart-summary').textContent = `Could not load: ${error.message}`;
    document.body.dataset.ready = 'error';
  });
});
