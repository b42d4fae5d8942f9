/**
 * The demo's web server (node:http, no dependencies): `/` a news article with the widget below it, `/embed`
 * the embed snippet, `/starling-bridge.js` the widget bundle (dist/widget/, built by
 * scripts/build-widget.mjs). Pages are sent with a strict Content-Security-Policy, the kind a careful news
 * site uses, to show that the widget needs nothing beyond its own script and the broker and egress origins.
 */
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { listen } from '../shared/listen.js';
import { LANGUAGES } from '../widget/i18n.js';
import { loadBundle } from './bundle.js';
import { articlePage, embedPage, type WidgetAttributes } from './pages.js';
import { SITE_CSS } from './site-css.js';

export interface DemoWebOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  brokerUrl: string;
  /** The demo's egress: the widget relays only to it (`data-egress`). */
  egressUrl: string;
  /** The widget bundle; default dist/widget/starling-bridge.js. */
  bundlePath?: string;
}

export interface DemoWeb {
  /** Base URL of the article page, e.g. `http://127.0.0.1:8702/`. */
  url: string;
  close(): Promise<void>;
}

/** Where the bundle is: beside this module in dist/, or in dist/ when this runs from src/ (tsx). */
function defaultBundlePath(): string {
  const candidates = ['../widget/starling-bridge.js', '../../dist/widget/starling-bridge.js'].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

const CHOICES: Record<'layout' | 'theme' | 'lang', readonly string[]> = {
  layout: ['panel', 'banner', 'floating'],
  theme: ['auto', 'light', 'dark'],
  lang: Object.keys(LANGUAGES),
};

/** `?layout=&theme=&lang=` on the article page, each only from its list. */
function choices(url: URL): Pick<WidgetAttributes, 'layout' | 'theme' | 'lang'> {
  const out: Pick<WidgetAttributes, 'layout' | 'theme' | 'lang'> = {};
  for (const key of ['layout', 'theme', 'lang'] as const) {
    const value = url.searchParams.get(key);
    if (value !== null && CHOICES[key].includes(value)) out[key] = value;
  }
  return out;
}

function contentSecurityPolicy(brokerUrl: string, egressUrl: string): string {
  const connect = [new URL(brokerUrl).origin, new URL(egressUrl).origin].join(' ');
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: ${new URL(brokerUrl).origin}`,
    `connect-src ${connect}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "require-trusted-types-for 'script'",
  ].join('; ');
}

export async function startDemoWeb(options: DemoWebOptions): Promise<DemoWeb> {
  const bundlePath = options.bundlePath ?? defaultBundlePath();
  const widget = { broker: options.brokerUrl, egress: new URL(options.egressUrl).href };
  const csp = contentSecurityPolicy(options.brokerUrl, options.egressUrl);
  let origin = '';

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, {
      'content-type': type,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(type.startsWith('text/html') ? { 'content-security-policy': csp } : {}),
    });
    res.end(res.req.method === 'HEAD' ? undefined : body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'text/plain; charset=utf-8', 'method not allowed\n');
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    const html = 'text/html; charset=utf-8';
    const bundle = await loadBundle(bundlePath);
    // The page names the versioned file with its integrity (SRI); without a build, the plain name (a 404).
    const script = { src: `/${bundle?.file ?? 'starling-bridge.js'}`, integrity: bundle?.integrity };
    if (url.pathname === '/')
      send(res, 200, html, articlePage({ ...widget, ...choices(url) }, script, origin));
    else if (url.pathname === '/embed') send(res, 200, html, embedPage(widget, origin, script));
    else if (url.pathname === '/site.css') send(res, 200, 'text/css; charset=utf-8', SITE_CSS);
    else if (url.pathname === '/starling-bridge.js' || url.pathname === script.src) {
      if (bundle === null) {
        send(res, 404, 'text/plain; charset=utf-8', 'widget not built: run `node scripts/build.mjs`\n');
        return;
      }
      send(res, 200, 'text/javascript; charset=utf-8', bundle.code);
    } else send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'internal error\n');
      else res.destroy();
    });
  });
  const port = await listen(server, options.port, options.host);
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  origin = `http://${host}:${port}`;
  return {
    url: `${origin}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
