import { RESERVE_CSS } from '../widget/reserve.js';

/**
 * The demo news site's own stylesheet: a plain, readable article page (the widget styles itself), with the
 * widget's reserving CSS (docs/widget.md, "No layout shift") at its end, as a site would include it.
 */
export const SITE_CSS = `
:root{--ink:#1b1b1b;--muted:#5f5f5f;--rule:#e6e1d8;--paper:#fbfaf7;--red:#b3261e}
*{box-sizing:border-box}
body{margin:0;background:var(--paper);color:var(--ink);font:19px/1.65 Georgia,"Iowan Old Style","Noto Serif","Songti SC",serif}
a{color:inherit}
.masthead{display:flex;flex-wrap:wrap;align-items:baseline;gap:.5rem 2rem;padding:1.1rem max(1.25rem,calc(50vw - 34rem));border-bottom:3px double var(--rule);background:#fff}
.brand{font:700 1.7rem/1.1 Georgia,serif;text-decoration:none;letter-spacing:-.01em}
nav{display:flex;flex-wrap:wrap;gap:1.1rem;font:600 .78rem/1 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.06em}
nav a{text-decoration:none;color:var(--muted)}
nav a:hover{color:var(--ink)}
.page{max-width:42rem;margin:0 auto;padding:2.5rem 1.25rem 3rem}
.kicker{margin:0 0 .6rem;color:var(--red);font:700 .78rem/1 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.08em}
h1{margin:0;font-size:2.45rem;line-height:1.15;letter-spacing:-.015em}
h2{margin:2.2rem 0 .6rem;font-size:1.35rem;line-height:1.3}
.dek{margin:.8rem 0 1rem;color:#3b3b3b;font-size:1.2rem;line-height:1.5}
.byline{margin:0 0 1.6rem;color:var(--muted);font:.85rem/1.4 system-ui,sans-serif}
.figure{height:15rem;border-radius:4px;background:radial-gradient(circle at 20% 30%,#ffd98a 0 2px,transparent 3px),radial-gradient(circle at 70% 60%,#ffd98a 0 2px,transparent 3px),radial-gradient(circle at 45% 75%,#ffe7b3 0 1.5px,transparent 2.5px),radial-gradient(circle at 85% 25%,#ffe7b3 0 1.5px,transparent 2.5px),linear-gradient(160deg,#10223b,#24466b 55%,#3d6a8f)}
.caption{margin:.45rem 0 1.8rem;color:var(--muted);font:.8rem/1.4 system-ui,sans-serif}
blockquote{margin:1.8rem 0;padding:0 0 0 1.2rem;border-left:3px solid var(--red);font-size:1.25rem;font-style:italic}
blockquote p{margin:0}
code{font:.85em ui-monospace,Menlo,Consolas,monospace;background:#f0ede6;padding:.05em .3em;border-radius:3px}
.snippet{overflow:auto;padding:1rem 1.2rem;background:#1e2430;color:#e8edf3;border-radius:6px;font-size:.8rem;line-height:1.55}
.snippet code{background:none;padding:0;color:inherit}
.bridge{margin-top:3rem;padding-top:1.6rem;border-top:1px solid var(--rule)}
.bridge h2{margin-top:0}
.bridge>p{margin:.2rem 0 1.1rem;color:var(--muted);font:1rem/1.5 system-ui,sans-serif}
.footer{padding:1.5rem 1.25rem 6rem;border-top:1px solid var(--rule);color:var(--muted);text-align:center;font:.8rem/1.5 system-ui,sans-serif}
/* The map link and the counter image under the widget. */
.network{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;font:.85rem/1.4 system-ui,sans-serif}
@media (max-width:40rem){body{font-size:17px}h1{font-size:1.9rem}}
`.concat(RESERVE_CSS);
