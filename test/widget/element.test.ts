/**
 * `<starling-bridge>` in real Chromium on a bare host page: settings apply live, every language renders
 * (right to left for Persian, Arabic and Urdu), the switch works from the keyboard, errors say what to do, and
 * the host page keeps its content, its globals and its cookies. The browser's languages are Spanish, to
 * test the last fallback. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/widget/element.test.ts
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { LANGUAGES, type Language } from '../../src/widget/i18n.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import {
  addWidget,
  type BridgeElement,
  HOST_CONTENT,
  shadowText,
  startHostPages,
  waitForState,
  widgetState,
} from './host-page.js';

/** A URL on 127.0.0.1 where nothing listens. */
async function deadBrokerUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

let chromium: LaunchedChromium;
let pages: Awaited<ReturnType<typeof startHostPages>>;
let deadBroker: string;

before(async () => {
  chromium = await launchChromium({ locale: 'es-ES' });
  pages = await startHostPages();
  deadBroker = await deadBrokerUrl();
});

after(async () => {
  await chromium.close();
  await pages.close();
});

async function blankPage(lang = 'und'): Promise<Page> {
  const page = await chromium.context.newPage();
  await page.goto(`${pages.url}blank?lang=${lang}`);
  await page.evaluate(() => localStorage.clear()); // each test starts with the switch off
  return page;
}

function cardInfo(page: Page): Promise<{ className: string; dir: string; lang: string; bg: string }> {
  return page.evaluate(() => {
    const card = document.querySelector('starling-bridge')!.shadowRoot!.querySelector<HTMLElement>('.card')!;
    return {
      className: card.className,
      dir: card.dir,
      lang: card.lang,
      bg: getComputedStyle(card).backgroundColor,
    };
  });
}

describe('<starling-bridge>', () => {
  test('the bundle adds no global but the custom element, and sets no cookie', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    const before = await page.evaluate(() => Object.getOwnPropertyNames(window));
    await page.addScriptTag({ url: '/starling-bridge.js' });
    await page.addScriptTag({ url: '/starling-bridge.js' }); // twice: defines the element once, no error
    const afterLoad = await page.evaluate(() => Object.getOwnPropertyNames(window));
    assert.deepEqual(
      afterLoad.filter((name) => !before.includes(name)),
      [],
    );
    assert.equal(await page.evaluate(() => typeof customElements.get('starling-bridge')), 'function');
    await addWidget(page, { 'data-broker': deadBroker });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'error');
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stop());
    const afterUse = await page.evaluate(() => Object.getOwnPropertyNames(window));
    assert.deepEqual(
      afterUse.filter((name) => !before.includes(name)),
      [],
    );
    assert.deepEqual(await chromium.context.cookies(), []);
  });

  test('a broker that is down is an error that says what to do; the host page is untouched', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    const errors: Error[] = [];
    page.on('pageerror', (error) => errors.push(error));
    await addWidget(page, { 'data-broker': deadBroker, 'data-lang': 'en' });
    await page.getByRole('switch').click();
    await waitForState(page, 'error');
    assert.deepEqual(await widgetState(page), {
      state: 'error',
      on: true,
      problem: 'broker',
      reason: 'broker unreachable',
    });
    assert.equal(await shadowText(page, '.status'), LANGUAGES.en.brokerDown);
    assert.equal(await page.textContent('#host-text'), HOST_CONTENT);
    assert.equal(await page.evaluate(() => document.body.children.length), 2);
    assert.deepEqual(errors, []);
    await page.getByRole('switch').click();
    await waitForState(page, 'off');
  });

  test('a missing broker or WebRTC turned off are errors with their own message', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await addWidget(page, { 'data-lang': 'en' });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    assert.equal((await widgetState(page)).problem, 'config');
    assert.equal(await shadowText(page, '.status'), LANGUAGES.en.misconfigured);
    assert.equal(await shadowText(page, '.detail'), 'data-broker is missing');
    await page.evaluate(() => {
      Reflect.deleteProperty(window, 'RTCPeerConnection');
      document.querySelector('starling-bridge')!.setAttribute('data-broker', 'http://127.0.0.1:9/');
    });
    await waitForState(page, 'error');
    await page.waitForFunction(
      () => document.querySelector<BridgeElement>('starling-bridge')!.state.problem === 'webrtc',
    );
    assert.equal(await shadowText(page, '.status'), LANGUAGES.en.noWebrtc);
  });

  test("without data-egress the widget does not relay: the broker's list is never adopted", async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': deadBroker, 'data-egress': '', 'data-lang': 'en' });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    assert.deepEqual(await widgetState(page), {
      state: 'error',
      on: true,
      problem: 'config',
      reason: 'data-egress is missing',
    });
    assert.equal(await shadowText(page, '.status'), LANGUAGES.en.misconfigured);
    assert.equal(await shadowText(page, '.detail'), 'data-egress is missing');
  });

  test('relay settings apply live: a bad value is shown, a good one puts the relay back', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': deadBroker, 'data-lang': 'en' });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'error');
    assert.equal((await widgetState(page)).problem, 'broker');
    const set = (name: string, value: string) =>
      page.evaluate(
        ([n, v]) => document.querySelector('starling-bridge')!.setAttribute(n!, v!),
        [name, value],
      );
    await set('data-max-clients', '100');
    await page.waitForFunction(
      () => document.querySelector<BridgeElement>('starling-bridge')!.state.problem === 'config',
    );
    assert.match(await shadowText(page, '.detail'), /data-max-clients must be a whole number from 1 to 64/);
    await set('data-egress', 'https://not-a-websocket.example/');
    await set('data-max-clients', '2');
    await page.waitForFunction(() =>
      /not a ws: or wss: URL/.test(
        document.querySelector<BridgeElement>('starling-bridge')!.state.reason ?? '',
      ),
    );
    await set('data-egress', 'ws://127.0.0.1:9/');
    await page.waitForFunction(
      () => document.querySelector<BridgeElement>('starling-bridge')!.state.problem === 'broker',
    );
  });

  test('the switch is labelled and works from the keyboard with a visible focus ring', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': deadBroker, 'data-lang': 'en' });
    const toggle = page.getByRole('switch', { name: 'Be a bridge' });
    await page.keyboard.press('Tab');
    const ring = await toggle.evaluate((el) => getComputedStyle(el).outlineStyle);
    assert.equal(ring, 'solid');
    await page.keyboard.press('Space');
    assert.equal(await toggle.getAttribute('aria-checked'), 'true');
    await page.keyboard.press('Enter');
    assert.equal(await toggle.getAttribute('aria-checked'), 'false');
    await waitForState(page, 'off');
  });

  test('layout, theme and language change live, without a reload', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await page.setViewportSize({ width: 1200, height: 800 });
    await addWidget(page, { 'data-broker': deadBroker, 'data-lang': 'en', 'data-theme': 'light' });
    await page.evaluate(() => Object.assign(window, { sameDocument: true }));
    const set = (name: string, value: string) =>
      page.evaluate(
        ([n, v]) => document.querySelector('starling-bridge')!.setAttribute(n!, v!),
        [name, value],
      );
    const width = () =>
      page.evaluate(
        () =>
          document
            .querySelector('starling-bridge')!
            .shadowRoot!.querySelector('.card')!
            .getBoundingClientRect().width,
      );
    const light = await cardInfo(page);
    assert.match(light.className, /\bpanel\b/);
    assert.equal(light.bg, 'rgb(255, 255, 255)');
    const panelWidth = await width();

    await set('data-layout', 'banner');
    await page.waitForFunction(() =>
      /banner/.test(document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.card')!.className),
    );
    assert.ok((await width()) > panelWidth + 300, 'the banner spans the page');

    await set('data-layout', 'floating');
    await page.waitForFunction(() =>
      /floating/.test(
        document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.card')!.className,
      ),
    );
    const position = await page.evaluate(
      () =>
        getComputedStyle(document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.card')!)
          .position,
    );
    assert.equal(position, 'fixed');

    await set('data-theme', 'dark');
    await page.waitForFunction(() =>
      /dark/.test(document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.card')!.className),
    );
    assert.equal((await cardInfo(page)).bg, 'rgb(21, 27, 35)');

    await set('data-lang', 'ru');
    await page.waitForFunction(
      () =>
        document
          .querySelector('starling-bridge')!
          .shadowRoot!.querySelector('.card')!
          .getAttribute('lang') === 'ru',
    );
    assert.equal(await shadowText(page, '.title'), LANGUAGES.ru.title);
    assert.equal(
      await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
      true,
    );
  });

  test('auto theme follows the reader’s system', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': deadBroker });
    await page.emulateMedia({ colorScheme: 'dark' });
    assert.equal((await cardInfo(page)).bg, 'rgb(21, 27, 35)');
    await page.emulateMedia({ colorScheme: 'light' });
    assert.equal((await cardInfo(page)).bg, 'rgb(255, 255, 255)');
  });

  for (const lang of Object.keys(LANGUAGES) as Language[]) {
    test(`renders in ${lang}`, async (t) => {
      const page = await blankPage('en');
      t.after(() => page.close());
      await page.setViewportSize({ width: 800, height: 600 });
      await addWidget(page, { 'data-broker': deadBroker, 'data-lang': lang });
      const strings = LANGUAGES[lang];
      assert.equal(await shadowText(page, '.title'), strings.title);
      assert.equal(await shadowText(page, '.status'), strings.off);
      assert.equal(await shadowText(page, '.label'), strings.switchLabel);
      assert.equal(await page.getByRole('switch', { name: strings.switchLabel }).count(), 1);
      assert.equal(await shadowText(page, '.more summary'), strings.learnMore);
      const rtl = lang === 'fa' || lang === 'ar' || lang === 'ur';
      assert.equal((await cardInfo(page)).dir, rtl ? 'rtl' : 'ltr');
      // Right to left: the switch sits at the left edge, the title to its right.
      const [switchX, titleX] = await page.evaluate(() => {
        const root = document.querySelector('starling-bridge')!.shadowRoot!;
        return [root.querySelector('.switch')!, root.querySelector('.title')!].map(
          (el) => el.getBoundingClientRect().x,
        );
      });
      assert.equal(switchX! < titleX!, rtl, `switch at x=${switchX}, title at x=${titleX}`);
    });
  }

  test('the language comes from data-lang, then the page, then the browser', async (t) => {
    const page = await blankPage('zh-Hant-TW');
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': deadBroker });
    assert.equal((await cardInfo(page)).lang, 'zh-TW');
    await page.goto(`${pages.url}blank?lang=fa-IR`);
    await addWidget(page, { 'data-broker': deadBroker, 'data-lang': 'ar' });
    assert.equal((await cardInfo(page)).lang, 'ar');
    await page.goto(`${pages.url}blank?lang=x-klingon`);
    await addWidget(page, { 'data-broker': deadBroker });
    assert.equal((await cardInfo(page)).lang, 'es', 'the browser is set to Spanish');
  });

  test('the reader’s choice and the people helped are remembered (localStorage) across visits', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': deadBroker });
    await page.getByRole('switch').click();
    await page.evaluate(() => localStorage.setItem('starling-bridge:helped', '41'));
    await page.reload();
    await addWidget(page, { 'data-broker': deadBroker });
    assert.equal((await widgetState(page)).on, true);
    assert.equal(
      await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.stats.totalHelped),
      41,
    );
    await page.getByRole('switch').click();
    await page.reload();
    await addWidget(page, { 'data-broker': deadBroker });
    assert.equal((await widgetState(page)).on, false);
  });

  test('storage that throws costs nothing but the memory', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await page.evaluate(() =>
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new DOMException('blocked', 'SecurityError');
        },
      }),
    );
    const throws = await page.evaluate(() => {
      try {
        return localStorage === undefined;
      } catch {
        return true;
      }
    });
    assert.equal(throws, true);
    await addWidget(page, { 'data-broker': deadBroker });
    await page.getByRole('switch').click();
    await waitForState(page, 'error');
    assert.equal(await page.getByRole('switch').getAttribute('aria-checked'), 'true');
  });

  test('a hidden tab keeps running unless data-pause-hidden is set; then it pauses and resumes', async (t) => {
    const page = await blankPage('en');
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': deadBroker, 'data-lang': 'en' });
    const setHidden = (hidden: boolean) =>
      page.evaluate((h) => {
        Object.defineProperty(document, 'visibilityState', {
          value: h ? 'hidden' : 'visible',
          configurable: true,
        });
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'error');
    await setHidden(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await widgetState(page)).state, 'error', 'still running (and retrying the broker)');
    await page.evaluate(() =>
      document.querySelector('starling-bridge')!.setAttribute('data-pause-hidden', ''),
    );
    await waitForState(page, 'paused');
    assert.deepEqual(await widgetState(page), { state: 'paused', on: true, pausedBy: 'hidden' });
    assert.equal(await shadowText(page, '.status'), LANGUAGES.en.paused);
    await setHidden(false);
    await waitForState(page, 'error');
  });

  test('data-pause-battery pauses while the Battery Status API says unplugged', async (t) => {
    const page = await chromium.context.newPage();
    t.after(() => page.close());
    // Chromium's battery cannot be unplugged from a test: a stand-in BatteryManager the page's API returns.
    // As text: tsx would wrap a function's inner arrows in a helper the page does not have.
    await page.addInitScript(`{
      const battery = Object.assign(new EventTarget(), { charging: false });
      Object.defineProperty(window, 'testBattery', { value: battery });
      Object.defineProperty(Navigator.prototype, 'getBattery', { value: () => Promise.resolve(battery) });
    }`);
    await page.goto(`${pages.url}blank?lang=en`);
    await addWidget(page, { 'data-broker': deadBroker, 'data-lang': 'en', 'data-pause-battery': '' });
    await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
    await waitForState(page, 'paused');
    assert.deepEqual(await widgetState(page), { state: 'paused', on: true, pausedBy: 'battery' });
    assert.equal(await shadowText(page, '.status'), LANGUAGES.en.pausedBattery);
    await page.evaluate(() => {
      const battery = (window as unknown as { testBattery: EventTarget & { charging: boolean } }).testBattery;
      battery.charging = true;
      battery.dispatchEvent(new Event('chargingchange'));
    });
    await waitForState(page, 'error'); // running again: the dead broker's error
  });
});
