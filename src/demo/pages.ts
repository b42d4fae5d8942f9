/**
 * The demo's HTML: a news article with the widget below it, the way a news site would embed it, and an
 * "embed this on your site" page. Placeholder text; the publication and everyone in it are invented.
 */

export interface WidgetAttributes {
  broker: string;
  egress: string;
  layout?: string;
  theme?: string;
  lang?: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** The embed snippet for these settings (exactly what /embed shows). */
export function widgetTag(a: WidgetAttributes, indent = ''): string {
  const attrs = [
    `data-broker="${escapeHtml(a.broker)}"`,
    `data-egress="${escapeHtml(a.egress)}"`,
    ...(a.layout ? [`data-layout="${escapeHtml(a.layout)}"`] : []),
    ...(a.theme ? [`data-theme="${escapeHtml(a.theme)}"`] : []),
    ...(a.lang ? [`data-lang="${escapeHtml(a.lang)}"`] : []),
  ];
  return `${indent}<starling-bridge\n${attrs.map((x) => `${indent}  ${x}`).join('\n')}>\n${indent}</starling-bridge>`;
}

/** The widget's script: its (versioned) path and, when known, its Subresource Integrity value. */
export interface ScriptRef {
  src: string;
  integrity?: string | undefined;
}

/** The script tag for the widget; with `integrity`, `crossorigin` too, which SRI needs across origins. */
export function scriptTag(script: ScriptRef, defer = false): string {
  const sri =
    script.integrity === undefined
      ? ''
      : ` integrity="${escapeHtml(script.integrity)}" crossorigin="anonymous"`;
  return `<script src="${escapeHtml(script.src)}"${sri}${defer ? ' defer' : ''}></script>`;
}

function shell(title: string, body: string, script: ScriptRef): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="/site.css">
<link rel="icon" href="data:,">
</head>
<body>
<header class="masthead">
  <a class="brand" href="/">The Meridian Review</a>
  <nav aria-label="Sections"><a href="/">China</a><a href="/">Hong Kong</a><a href="/">Taiwan</a><a href="/">Tech &amp; Society</a><a href="/embed">For publishers</a></nav>
</header>
${body}
<footer class="footer">
  <p>The Meridian Review is a fictional publication on a Starling demo page. All text is placeholder.</p>
</footer>
${scriptTag(script)}
</body>
</html>
`;
}

/** The broker's live map and this site's counter image (docs/map.md), under the widget. */
function networkLinks(broker: string, origin: string): string {
  const map = new URL('map', broker).href;
  const counter = new URL(`counter.svg?site=${encodeURIComponent(origin)}`, broker).href;
  return `  <p class="network"><img src="${escapeHtml(counter)}" alt="People helped through this site today" height="28"> <a href="${escapeHtml(map)}">See the Starling network live</a></p>`;
}

export function articlePage(widget: WidgetAttributes, script: ScriptRef, origin = ''): string {
  return shell(
    'How our readers in mainland China still reach us — The Meridian Review',
    `<main class="page">
<article class="article">
  <p class="kicker">Press freedom</p>
  <h1>How our readers in mainland China still reach us</h1>
  <p class="dek">Our site has been blocked for six years. Every day, thousands of people read it anyway, thanks to strangers who leave a browser tab open.</p>
  <p class="byline">By Lin Qiao, Hong Kong &middot; <time datetime="2026-11-28">28 November 2026</time> &middot; 6 min read</p>
  <div class="figure" role="img" aria-label="Illustration: lights of a city at night, connected by thin lines"></div>
  <p class="caption">Connections between readers and volunteers, drawn as light. Illustration: The Meridian Review.</p>
  <p>When the block came, it came quietly. One Tuesday morning our traffic from Shanghai, Chengdu and Wuhan fell to almost nothing, and the letters began: <em>your site does not open any more; is everything all right?</em></p>
  <p>Everything was all right, except that a large part of our audience could no longer read us. Tools to get around the firewall exist, but each one that becomes popular is found and blocked within weeks. Its servers have fixed addresses, and fixed addresses are easy to list.</p>
  <blockquote><p>&ldquo;You cannot block every reader&rsquo;s browser. There are too many of them, and they change every few minutes.&rdquo;</p></blockquote>
  <p>The idea behind the switch at the end of this article is old and simple. Instead of a few well-known servers, the path out of the firewall runs through ordinary people&rsquo;s browsers, anywhere in the world, for as long as they keep one of our pages open. To a censor, each of them looks like someone making a video call. There are too many to list, and by the time one is found it has already gone.</p>
  <p>Turning it on takes one click. While it is on, a person behind the firewall can reach the open web through your tab. Their traffic is encrypted from their device to our exit server: you cannot read it, and it does not mix with your own browsing. You can switch off at any moment, and the people you were helping move on to another volunteer without noticing.</p>
  <h2>What it costs you</h2>
  <p>A little bandwidth, only while the tab is open. The widget shows how many people you are helping and how much data you have passed along, and you can cap both. Nothing is installed; closing the tab stops everything.</p>
  <p>&ldquo;I leave it running while I read the morning news,&rdquo; says one volunteer in Toronto, a retired engineer. &ldquo;Somewhere, somebody is reading the same news because of it.&rdquo;</p>
</article>
<section class="bridge" aria-labelledby="bridge-heading">
  <h2 id="bridge-heading">Help a reader behind the firewall</h2>
  <p>Flip the switch and keep this tab open. That is all.</p>
${widgetTag(widget, '  ')}
${origin === '' ? '' : networkLinks(widget.broker, origin)}
</section>
</main>`,
    script,
  );
}

export function embedPage(widget: WidgetAttributes, origin: string, script: ScriptRef): string {
  const snippet = `${scriptTag({ ...script, src: `${origin}${script.src}` }, true)}\n${widgetTag(widget)}`;
  return shell(
    'Embed the Starling bridge on your site — The Meridian Review',
    `<main class="page">
<article class="article">
  <p class="kicker">For publishers</p>
  <h1>Embed the bridge on your site</h1>
  <p class="dek">Two lines of HTML turn your readers&rsquo; spare bandwidth into a way out of the firewall.</p>
  <p>Put this where the switch should appear, for example below your articles. Serve <code>starling-bridge.js</code> from your own domain: the widget loads nothing from anyone else.</p>
  <pre class="snippet"><code>${escapeHtml(snippet)}</code></pre>
  <h2>Options</h2>
  <ul>
    <li><code>data-layout</code>: <code>panel</code> (default), <code>banner</code> or <code>floating</code>.</li>
    <li><code>data-theme</code>: <code>auto</code> (default, follows the reader&rsquo;s system), <code>light</code> or <code>dark</code>.</li>
    <li><code>data-lang</code>: <code>en</code>, <code>zh-CN</code>, <code>zh-TW</code>, <code>fa</code>, <code>ar</code>, <code>ru</code>, <code>es</code>, <code>tr</code>, <code>uk</code>, <code>vi</code>, <code>ko</code>, <code>my</code>, <code>ur</code>; by default the page&rsquo;s <code>lang</code>, then the browser&rsquo;s.</li>
    <li><code>data-strings</code>: your own words for any of the widget&rsquo;s strings, as JSON.</li>
    <li><code>data-max-clients</code>, <code>data-max-rate</code> and <code>data-max-rate-per-client</code> (bytes per second), <code>data-max-total</code> (bytes), <code>data-pause-hidden</code>, <code>data-pause-battery</code>.</li>
  </ul>
  <p>The file name carries the version, so it can be cached for good, and <code>integrity</code> makes the browser refuse the script if a single byte of it changes: the build prints the value (<code>dist/widget/manifest.json</code>).</p>
  <p>Every setting applies at once when you change the attribute. Try the layouts on the <a href="/?layout=banner">article page</a>: <a href="/?layout=panel">panel</a>, <a href="/?layout=banner">banner</a>, <a href="/?layout=floating">floating</a>, <a href="/?theme=dark">dark</a>, <a href="/?lang=zh-CN">中文</a>, <a href="/?lang=fa">فارسی</a>.</p>
</article>
</main>`,
    script,
  );
}
