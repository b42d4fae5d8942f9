/**
 * The widget's DOM inside its shadow root: built once with createElement (no innerHTML, so pages that
 * enforce Trusted Types work), then updated in place. Styles are a constructed stylesheet where the
 * browser has them (not subject to a page's `style-src` CSP), else one `<style>` element.
 */
import type { BridgeStats, BridgeStatus } from './controller.js';
import { direction, formatBytes, formatCount, helpingText, type Language, type Strings } from './i18n.js';
import type { Layout, Theme } from './settings.js';
import { CSS } from './styles.js';

export interface ViewModel {
  lang: Language;
  /** The words in `lang`, with the site's overrides (i18n.ts stringsFor). */
  strings: Strings;
  layout: Layout;
  theme: Theme;
  status: BridgeStatus;
  stats: BridgeStats;
  /** Show the "someone just connected" notice. */
  notice: boolean;
}

let shared: CSSStyleSheet | null = null;

function adoptStyles(root: ShadowRoot): void {
  try {
    shared ??= new CSSStyleSheet();
    if (shared.cssRules.length === 0) shared.replaceSync(CSS);
    root.adoptedStyleSheets = [shared];
  } catch {
    const style = document.createElement('style');
    style.textContent = CSS;
    root.append(style);
  }
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  parent: ParentNode,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== '') node.className = className;
  parent.append(node);
  return node;
}

/** A bridge arch: the mark beside the title. */
function mark(parent: ParentNode): void {
  const box = el('span', 'mark', parent);
  box.setAttribute('aria-hidden', 'true');
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M2 17.5h20M5.5 17.5v-4M18.5 17.5v-4M12 17.5v-6.5M2 13.5c4.5-6 15.5-6 20 0');
  path.setAttribute('fill', 'none');
  path.setAttribute('stroke', 'currentColor');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linecap', 'round');
  svg.append(path);
  box.append(svg);
}

export class BridgeView {
  readonly #wrap: HTMLDivElement;
  readonly #card: HTMLDivElement;
  readonly #title: HTMLParagraphElement;
  readonly #status: HTMLSpanElement;
  readonly #label: HTMLSpanElement;
  readonly #switch: HTMLButtonElement;
  readonly #intro: HTMLParagraphElement;
  readonly #statLabels: HTMLElement[] = [];
  readonly #statValues: HTMLElement[] = [];
  readonly #notice: HTMLParagraphElement;
  readonly #hint: HTMLParagraphElement;
  readonly #moreSummary: HTMLElement;
  readonly #moreText: HTMLParagraphElement[] = [];
  readonly #detail: HTMLParagraphElement;

  constructor(root: ShadowRoot, onToggle: () => void) {
    adoptStyles(root);
    this.#wrap = el('div', '', root);
    this.#card = el('div', 'card', this.#wrap);
    this.#card.setAttribute('part', 'card');
    mark(this.#card);
    this.#title = el('p', 'title', this.#card);
    const status = el('p', 'status', this.#card);
    status.id = 'status';
    status.setAttribute('role', 'status');
    el('span', 'dot', status).setAttribute('aria-hidden', 'true');
    this.#status = el('span', '', status);
    const control = el('div', 'control', this.#card);
    this.#label = el('span', 'label', control);
    this.#label.id = 'label';
    this.#switch = el('button', 'switch', control);
    this.#switch.type = 'button';
    this.#switch.setAttribute('role', 'switch');
    this.#switch.setAttribute('aria-labelledby', 'label');
    this.#switch.setAttribute('aria-describedby', 'status');
    // The button turns Space and Enter into a click; the click on the label reaches here too.
    control.addEventListener('click', onToggle);
    this.#intro = el('p', 'intro', this.#card);
    const stats = el('dl', 'stats', this.#card);
    for (let i = 0; i < 3; i++) {
      const item = el('div', '', stats);
      this.#statLabels.push(el('dt', '', item));
      this.#statValues.push(el('dd', '', item));
    }
    this.#notice = el('p', 'notice', this.#card);
    this.#notice.setAttribute('role', 'status');
    this.#hint = el('p', 'hint', this.#card);
    // "Learn more": a native disclosure, so it opens with the keyboard and needs no script of ours.
    const more = el('details', 'more', this.#card);
    this.#moreSummary = el('summary', '', more);
    for (let i = 0; i < 4; i++) this.#moreText.push(el('p', '', more));
    this.#detail = el('p', 'detail', this.#card);
  }

  render(model: ViewModel): void {
    const s = model.strings;
    const { status, stats } = model;
    this.#wrap.className = model.layout === 'banner' ? 'cq' : '';
    this.#card.className = `card ${model.layout} ${model.theme}`;
    this.#card.dir = direction(model.lang);
    this.#card.lang = model.lang;
    this.#card.dataset.state = status.state;
    setText(this.#title, s.title);
    setText(this.#status, statusText(s, model));
    setText(this.#label, s.switchLabel);
    this.#switch.setAttribute('aria-checked', String(status.on));
    setText(this.#intro, s.intro);
    const labels = [s.helpingNow, s.helpedTotal, s.relayed];
    const values = [
      formatCount(model.lang, stats.helping),
      formatCount(model.lang, stats.totalHelped),
      formatBytes(model.lang, stats.bytesRelayed),
    ];
    for (let i = 0; i < 3; i++) {
      setText(this.#statLabels[i]!, labels[i]!);
      setText(this.#statValues[i]!, values[i]!);
    }
    this.#notice.hidden = !model.notice;
    setText(this.#notice, model.notice ? s.notice : '');
    // Off, the hint keeps its room (invisible): switching on, or a remembered "on", moves nothing below.
    this.#card.toggleAttribute('data-on', status.on);
    setText(this.#hint, s.hint);
    setText(this.#moreSummary, s.learnMore);
    const share = [s.shareIp, s.shareEgress, s.shareSite, s.shareCost];
    for (let i = 0; i < 4; i++) setText(this.#moreText[i]!, share[i]!);
    const technical = status.problem === 'config' || status.problem === 'other';
    this.#detail.hidden = !technical || status.reason === undefined;
    setText(this.#detail, technical ? (status.reason ?? '') : '');
  }
}

/** Writes only on change, so screen readers announce only what changed. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}

function statusText(s: Strings, model: ViewModel): string {
  const { status } = model;
  switch (status.state) {
    case 'off':
      return s.off;
    case 'connecting':
      return s.connecting;
    case 'waiting':
      return s.waiting;
    case 'helping':
      return helpingText(model.lang, Math.max(1, model.stats.helping), s);
    case 'paused':
      if (status.pausedBy === 'battery') return s.pausedBattery;
      if (status.pausedBy === 'total-cap') return s.capReached;
      return s.paused;
    case 'error':
      if (status.problem === 'broker') return s.brokerDown;
      if (status.problem === 'webrtc') return s.noWebrtc;
      if (status.problem === 'config') return s.misconfigured;
      return s.failed;
  }
}
