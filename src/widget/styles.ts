/**
 * The widget's only styles, scoped by its Shadow DOM: nothing leaks into the host page and the page's
 * styles reach in only through the documented custom properties (`--starling-accent`, `--starling-font`).
 * Themes: light, dark, auto (follows the reader's system). Layouts: panel, banner, floating. Logical
 * properties throughout, so right-to-left languages mirror by themselves. Only the banner's wrapper is a
 * size container (container queries): containment would trap the floating card's fixed position.
 */
export const CSS = `
:host{all:initial;display:block}
.cq{container-type:inline-size}
:host([hidden]){display:none}
.card{
--bg:#fff;--fg:#17202b;--muted:#586274;--line:#dfe3ea;--soft:#f3f5f8;--accent:var(--starling-accent,#0e7a61);
--on-accent:#fff;--track:#6b7585;--thumb-on:#fff;--warn:#b25e00;--bad:#c0262d;--focus:#2563eb;--shadow:0 1px 2px rgb(15 23 42/.06),0 4px 16px rgb(15 23 42/.08);
color-scheme:light;box-sizing:border-box;display:grid;grid-template-columns:auto 1fr auto;
grid-template-areas:"mark title control" "mark status control" "intro intro intro" "stats stats stats" "notice notice notice" "hint hint hint" "more more more" "detail detail detail";
align-items:center;column-gap:.875rem;padding:1.125rem 1.25rem;max-width:34rem;background:var(--bg);color:var(--fg);
border:1px solid var(--line);border-radius:14px;box-shadow:var(--shadow);
font:15px/1.45 var(--starling-font,system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic","Noto Nastaliq Urdu","Noto Sans Myanmar","PingFang SC","Microsoft YaHei",sans-serif);
text-align:start}
.dark{--bg:#151b23;--fg:#e8edf3;--muted:#9aa5b5;--line:#2c3542;--soft:#1d2530;--accent:var(--starling-accent,#34c59a);
--on-accent:#06231b;--track:#748093;--thumb-on:#06231b;--warn:#f0a640;--bad:#ff7b7f;--focus:#7aa7ff;--shadow:0 4px 18px rgb(0 0 0/.4);color-scheme:dark}
@media (prefers-color-scheme:dark){.auto{--bg:#151b23;--fg:#e8edf3;--muted:#9aa5b5;--line:#2c3542;--soft:#1d2530;
--accent:var(--starling-accent,#34c59a);--on-accent:#06231b;--track:#748093;--thumb-on:#06231b;--warn:#f0a640;--bad:#ff7b7f;--focus:#7aa7ff;
--shadow:0 4px 18px rgb(0 0 0/.4);color-scheme:dark}}
*,*::before,*::after{box-sizing:border-box}
p,dl,dd{margin:0}
[hidden]{display:none!important}
.mark{grid-area:mark;display:grid;place-items:center;width:2.5rem;height:2.5rem;border-radius:50%;background:var(--accent);color:var(--on-accent)}
.mark svg{width:1.5rem;height:1.5rem}
.title{grid-area:title;align-self:end;min-width:0;font-weight:650;font-size:1.02em;line-height:1.3}
.status{grid-area:status;align-self:start;min-width:0;display:flex;align-items:baseline;gap:.45rem;color:var(--muted);font-size:.93em;margin-top:.15rem}
.dot{flex:none;width:.55rem;height:.55rem;border-radius:50%;background:var(--muted);transform:translateY(-.05rem)}
[data-state=connecting] .dot{background:var(--warn);animation:pulse 1s ease-in-out infinite}
[data-state=waiting] .dot{background:var(--accent);animation:pulse 2s ease-in-out infinite}
[data-state=helping] .dot{background:var(--accent);box-shadow:0 0 0 .2rem color-mix(in srgb,var(--accent) 30%,transparent)}
[data-state=helping] .status{color:var(--fg)}
[data-state=error] .dot{background:var(--bad)}
[data-state=error] .status{color:var(--bad)}
@keyframes pulse{50%{opacity:.3}}
.control{grid-area:control;display:flex;align-items:center;gap:.6rem;cursor:pointer;user-select:none}
.label{font-weight:600;font-size:.93em}
.switch{all:unset;position:relative;flex:none;width:3rem;height:1.75rem;border-radius:1rem;background:var(--track);
cursor:pointer;transition:background .2s}
.switch::after{content:"";position:absolute;top:.1875rem;inset-inline-start:.1875rem;width:1.375rem;height:1.375rem;
border-radius:50%;background:#fff;box-shadow:0 1px 3px rgb(0 0 0/.3);transition:transform .2s}
.switch[aria-checked=true]{background:var(--accent)}
.switch[aria-checked=true]::after{background:var(--thumb-on)}
.switch[aria-checked=true]::after{transform:translateX(1.25rem)}
[dir=rtl] .switch[aria-checked=true]::after{transform:translateX(-1.25rem)}
.switch:focus-visible{outline:3px solid var(--focus);outline-offset:3px}
.intro{grid-area:intro;margin-top:.85rem;color:var(--muted);font-size:.93em}
.stats{grid-area:stats;display:grid;grid-template-columns:repeat(3,1fr);gap:.5rem;margin-top:.9rem}
.stats div{background:var(--soft);border-radius:10px;padding:.5rem .7rem;min-width:0}
.stats dt{color:var(--muted);font-size:.78em;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.stats dd{font-weight:650;font-size:1.15em;font-variant-numeric:tabular-nums;white-space:nowrap}
.notice{grid-area:notice;margin-top:.75rem;padding:.5rem .75rem;border-radius:10px;font-size:.93em;
background:color-mix(in srgb,var(--accent) 14%,var(--bg));color:var(--fg);animation:rise .3s ease-out}
@keyframes rise{from{opacity:0;transform:translateY(.3rem)}}
.card:not([data-on]) .hint{visibility:hidden}
.hint{grid-area:hint;margin-top:.75rem;color:var(--muted);font-size:.85em}
.more{grid-area:more;margin-top:.6rem;font-size:.85em;color:var(--muted)}
.more summary{width:fit-content;cursor:pointer;color:var(--fg);text-decoration:underline;text-underline-offset:.15em}
.more summary:focus-visible{outline:3px solid var(--focus);outline-offset:2px;border-radius:2px}
.more p{margin-top:.4rem}
.detail{grid-area:detail;margin-top:.5rem;color:var(--muted);font:.78em/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}
.banner{max-width:none;grid-template-columns:auto 1fr auto auto;
grid-template-areas:"mark title stats control" "mark status stats control" "notice notice notice notice" "hint hint hint hint" "more more more more" "detail detail detail detail";
padding:.75rem 1rem;border-radius:10px}
.banner .intro{display:none}
.banner .stats{margin:0 .25rem;grid-template-columns:repeat(3,auto);gap:.375rem}
.banner .stats div{padding:.25rem .6rem}
.banner .hint{margin-top:.4rem}
@container (max-width:44rem){.banner{grid-template-columns:auto 1fr auto;
grid-template-areas:"mark title control" "mark status control" "stats stats stats" "notice notice notice" "hint hint hint" "more more more" "detail detail detail"}
.banner .stats{margin-top:.6rem;grid-template-columns:repeat(3,1fr)}}
.floating{position:fixed;z-index:2147483000;inset-block-end:1rem;inset-inline-end:1rem;width:min(25rem,calc(100vw - 2rem));
grid-template-areas:"mark title control" "status status status" "stats stats stats" "notice notice notice" "hint hint hint" "more more more" "detail detail detail";
padding:.9rem 1rem;box-shadow:0 8px 30px rgb(15 23 42/.22)}
.floating .title{align-self:center}
.floating .status{margin-top:.6rem}
.floating .intro{display:none}
.floating .stats{margin-top:.7rem}
@media (prefers-reduced-motion:reduce){.card *{animation:none!important;transition:none!important}}
@media (forced-colors:active){.switch{border:2px solid ButtonText}.switch[aria-checked=true]::after{background:Highlight}}
`;
