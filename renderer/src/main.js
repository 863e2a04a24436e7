// Interim scene browser: open a product or scan a folder and show each product's metadata.
// The map, layers and compare views replace this page as they land.
import { invoke } from './api.js';

const $ = (sel) => /** @type {HTMLElement} */ (document.querySelector(sel));

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function productCard(entry) {
  if (!entry.ok) {
    return el(
      'article',
      { class: 'product bad' },
      el('h2', {}, entry.path),
      el('p', { class: 'problem' }, entry.error.message),
    );
  }
  const m = entry.metadata;
  const offsets = [...new Set(Object.values(m.offsets))].join(', ');
  const rows = [
    ['Mission', m.mission],
    ['Level', `${m.level} (${m.format === 'SAFE_COMPACT' ? 'SAFE compact' : 'PDGS multi-granule'})`],
    ['Sensing time', m.sensingTime],
    ['Tile', `${m.tileId}, relative orbit ${m.relativeOrbit}`],
    ['Processing baseline', m.processingBaseline],
    ['Quantification / offset', `${m.quantificationValue} / ${offsets}`],
    ['CRS', `EPSG:${m.epsg} ${m.crsName ?? ''}`],
    ['Cloud cover', m.cloudCover === null ? '—' : `${m.cloudCover.toFixed(2)} %`],
    [
      'Sun zenith / azimuth',
      m.sun ? `${m.sun.zenithMean.toFixed(2)}° / ${m.sun.azimuthMean.toFixed(2)}°` : '—',
    ],
    ['Bands', entry.bands.map((b) => `${b.name}@${b.resolution}m`).join(' ')],
    ['Masks', [...new Set(entry.masks.map((q) => q.kind))].join(', ') || '—'],
  ];
  const table = el('table', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', {}, k), el('td', {}, v))));
  const warnings = entry.warnings.map((w) => el('p', { class: 'warning' }, w));
  return el(
    'article',
    { class: 'product' },
    el('h2', {}, m.productName),
    el('p', { class: 'path' }, entry.path),
    table,
    ...warnings,
  );
}

async function run(channel, args) {
  const status = $('#status');
  const list = $('#products');
  status.textContent = 'Reading…';
  list.replaceChildren();
  const res = await invoke(channel, args);
  if (!res.ok) {
    status.textContent = res.error.message;
    status.className = 'error';
    return;
  }
  const entries = Array.isArray(res.result) ? res.result : [res.result];
  const bad = entries.filter((e) => !e.ok).length;
  status.className = '';
  status.textContent = `${entries.length - bad} product(s) read, ${bad} with problems.`;
  list.replaceChildren(...entries.map(productCard));
}

$('#open-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  void run('scene.open', { path: /** @type {HTMLInputElement} */ ($('#path')).value.trim() });
});
$('#discover').addEventListener('click', () => {
  void run('scene.discover', { folder: /** @type {HTMLInputElement} */ ($('#path')).value.trim() });
});

invoke('app.info').then((res) => {
  if (res.ok) $('#app-info').textContent = `v${res.result.version} · ${res.result.shell}`;
});
