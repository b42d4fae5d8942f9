/**
 * The broker's live network map (GET /map, docs/map.md): one page, its stylesheet and its script, served
 * with a policy that allows nothing but themselves and /map.json. The script polls /map.json and draws the
 * regions as SVG (no WebGL, no tiles, nothing from elsewhere); the DOM is built with createElementNS only.
 * Also the embeddable site counter, an SVG image (GET /counter.svg?site=ORIGIN).
 */

export const MAP_POLL_MS = 2_000;

export const MAP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'";

export const MAP_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Starling network map</title>
<link rel="stylesheet" href="/map.css">
<link rel="icon" href="data:,">
</head>
<body>
<main>
<h1>Starling network, live</h1>
<p class="totals" aria-live="polite">
  <span class="v"><b id="volunteers">0</b> volunteers</span>
  <span class="c"><b id="clients">0</b> people being helped</span>
  <span class="m"><b id="matches">0</b> matches in the last 30 s</span>
  <span><b id="today">0</b> today</span>
</p>
<svg id="map" viewBox="0 0 800 460" role="img" aria-label="Regions with their volunteers, clients and matches"></svg>
<p class="note">By coarse region when the operator has configured a region source, else one region, "all".
No IP address ever reaches this page. Updated every ${MAP_POLL_MS / 1000} s from <a href="/map.json">/map.json</a>.
<span id="updated"></span></p>
</main>
<script src="/map.js"></script>
</body>
</html>
`;

export const MAP_CSS = `body{margin:0;background:#0f1720;color:#e8edf3;font:15px/1.5 system-ui,sans-serif}
main{max-width:52rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.4rem;margin:0 0 .5rem}
.totals{display:flex;flex-wrap:wrap;gap:.5rem 1.5rem;margin:0 0 1rem}
.totals b{font-size:1.3rem;font-variant-numeric:tabular-nums}
.v b{color:#34c59a}.c b{color:#7aa7ff}.m b{color:#f0a640}
svg{width:100%;height:auto;background:#151f2b;border-radius:12px}
.note{color:#9aa5b5;font-size:.85rem}
a{color:inherit}
.link{stroke:#2c3a4c;stroke-width:2}
.link.busy{stroke:#f0a640;stroke-dasharray:6 6;animation:flow 1s linear infinite}
@keyframes flow{to{stroke-dashoffset:-12}}
.hub{fill:#2c3a4c}
.vol{fill:#34c59a}.cli{fill:#7aa7ff}
text{fill:#e8edf3;font:13px system-ui,sans-serif;text-anchor:middle}
text.small{fill:#9aa5b5;font-size:11px}
@media (prefers-reduced-motion:reduce){.link.busy{animation:none}}
`;

export const MAP_JS = `(() => {
  'use strict';
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.getElementById('map');
  const W = 800, H = 460, CX = W / 2, CY = H / 2;
  function node(tag, attrs, parent) {
    const el = document.createElementNS(NS, tag);
    for (const k of Object.keys(attrs)) el.setAttribute(k, String(attrs[k]));
    parent.appendChild(el);
    return el;
  }
  function text(x, y, s, cls, parent) {
    const t = node('text', { x, y }, parent);
    if (cls) t.setAttribute('class', cls);
    t.textContent = s;
    return t;
  }
  function setCount(id, n) {
    const el = document.getElementById(id);
    if (el.textContent !== String(n)) el.textContent = String(n);
  }
  function draw(snap) {
    setCount('volunteers', snap.totals.volunteers);
    setCount('clients', snap.totals.clients);
    setCount('matches', snap.totals.matches);
    setCount('today', snap.totals.matchesToday);
    document.getElementById('updated').textContent = 'Last update: ' + snap.at + '.';
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const regions = snap.regions;
    const r = regions.length <= 1 ? 0 : Math.min(W, H) * 0.36;
    const hub = node('g', {}, svg);
    regions.forEach((reg, i) => {
      const a = (2 * Math.PI * i) / Math.max(1, regions.length) - Math.PI / 2;
      const x = regions.length <= 1 ? CX : CX + r * 1.5 * Math.cos(a);
      const y = regions.length <= 1 ? CY : CY + r * Math.sin(a);
      if (regions.length > 1) node('line', { x1: CX, y1: CY, x2: x, y2: y, class: reg.matches > 0 ? 'link busy' : 'link' }, hub);
      const g = node('g', { 'data-region': reg.region, 'data-volunteers': reg.volunteers, 'data-clients': reg.clients, 'data-matches': reg.matches }, svg);
      const size = 18 + 6 * Math.sqrt(reg.volunteers + reg.clients);
      node('circle', { cx: x - size * 0.45, cy: y, r: 6 + 5 * Math.sqrt(reg.volunteers), class: 'vol' }, g);
      node('circle', { cx: x + size * 0.45, cy: y, r: 6 + 5 * Math.sqrt(reg.clients), class: 'cli' }, g);
      text(x, y + size + 18, reg.region, '', g);
      const n = (k, one, many) => k + ' ' + (k === 1 ? one : many);
      text(x, y + size + 34, n(reg.volunteers, 'volunteer', 'volunteers') + ' · ' + reg.clients + ' helped · ' + n(reg.matches, 'match', 'matches'), 'small', g);
    });
    if (regions.length > 1) node('circle', { cx: CX, cy: CY, r: 10, class: 'hub' }, hub);
    if (regions.length === 0) text(CX, CY, 'No volunteer or client right now.', 'small', svg);
  }
  async function poll() {
    try {
      const res = await fetch('/map.json', { cache: 'no-store' });
      if (res.ok) draw(await res.json());
    } catch (e) {
      document.getElementById('updated').textContent = 'The broker does not answer; retrying.';
    }
    setTimeout(poll, ${MAP_POLL_MS});
  }
  poll();
})();
`;

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** The counter image: "N people helped through this site today" (N rounded; "fewer than 10" below 10). */
export function counterSvg(helped: number): string {
  const words = helped === 0 ? 'Fewer than 10 people' : `${helped.toLocaleString('en')}+ people`;
  const line = `${words} helped through this site today`.replace(/[&<>"]/g, (c) => ESC[c] ?? c);
  const width = 24 + line.length * 7.2;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${Math.ceil(width)}" height="28" role="img" aria-label="${line}"><rect width="100%" height="100%" rx="6" fill="#0e7a61"/><text x="12" y="18.5" fill="#fff" font-family="system-ui,sans-serif" font-size="13">${line}</text></svg>`;
}
