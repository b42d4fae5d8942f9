/**
 * How `<starling-bridge>` looks and reads in real Chromium, measured from computed styles and layout: the
 * switch's contrast in every theme and state (WCAG 1.4.11), the "learn more", no layout shift on upgrade,
 * and the site's own strings. Run inside the private network namespace:
 *   node scripts/netns.mjs node --import tsx --test test/widget/appearance.test.ts
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { LANGUAGES } from '../../src/widget/i18n.js';
import { type LaunchedChromium, launchChromium } from '../helpers/chromium.js';
import { contrast } from './contrast.js';
import { addWidget, type BridgeElement, shadowText, startHostPages } from './host-page.js';

/** Nothing listens there: the widget only needs a broker URL that parses. */
const BROKER = 'http://127.0.0.1:9/';

let chromium: LaunchedChromium;
let pages: Awaited<ReturnType<typeof startHostPages>>;

before(async () => {
  chromium = await launchChromium({ locale: 'en-US' });
  pages = await startHostPages();
});

after(async () => {
  await chromium.close();
  await pages.close();
});

async function blankPage(): Promise<Page> {
  const page = await chromium.context.newPage();
  await page.goto(`${pages.url}blank?lang=en`);
  await page.evaluate(() => localStorage.clear());
  return page;
}

/** The card's background, the switch's track and its thumb, as computed. */
function switchColors(page: Page): Promise<{ card: string; track: string; thumb: string }> {
  return page.evaluate(() => {
    const root = document.querySelector('starling-bridge')!.shadowRoot!;
    const sw = root.querySelector('.switch')!;
    return {
      card: getComputedStyle(root.querySelector('.card')!).backgroundColor,
      track: getComputedStyle(sw).backgroundColor,
      thumb: getComputedStyle(sw, '::after').backgroundColor,
    };
  });
}

describe('<starling-bridge> appearance', () => {
  for (const [theme, scheme] of [
    ['light', 'light'],
    ['dark', 'light'],
    ['auto', 'light'],
    ['auto', 'dark'],
  ] as const) {
    test(`the switch is at least 3:1 against the card, off and on (theme ${theme}, system ${scheme})`, async (t) => {
      const page = await blankPage();
      t.after(() => page.close());
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await addWidget(page, { 'data-broker': BROKER, 'data-theme': theme });
      for (const on of [false, true]) {
        if (on) await page.evaluate(() => document.querySelector<BridgeElement>('starling-bridge')!.start());
        const { card, track, thumb } = await switchColors(page);
        const state = on ? 'on' : 'off';
        assert.ok(
          contrast(track, card) >= 3,
          `${state}: track ${track} on card ${card}: ${contrast(track, card)}`,
        );
        assert.ok(
          contrast(thumb, track) >= 3,
          `${state}: thumb ${thumb} on track ${track}: ${contrast(thumb, track)}`,
        );
      }
    });
  }

  test('"learn more" says what a volunteer shares; it opens from the keyboard', async (t) => {
    const page = await blankPage();
    t.after(() => page.close());
    await addWidget(page, { 'data-broker': BROKER, 'data-lang': 'en' });
    const en = LANGUAGES.en;
    const shown = () =>
      page.evaluate(() => {
        const more = document.querySelector('starling-bridge')!.shadowRoot!.querySelector('details')!;
        return {
          open: more.open,
          text: [...more.querySelectorAll('p')].map((p) => (p.checkVisibility() ? p.textContent : '')),
        };
      });
    assert.deepEqual(await shown(), { open: false, text: ['', '', '', ''] });
    await page.locator('starling-bridge summary').focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await shown(), {
      open: true,
      text: [en.shareIp, en.shareEgress, en.shareSite, en.shareCost],
    });
    assert.match(en.shareIp, /see your IP address/);
    assert.match(en.shareEgress, /not through your internet connection/);
  });

  test('the site overrides strings with data-strings (shared or per language) and setStrings()', async (t) => {
    const page = await blankPage();
    t.after(() => page.close());
    const warnings: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    const strings = { title: 'Our bridge', fa: { title: 'پل ما' }, nope: 'x', hint: 3 };
    await addWidget(page, {
      'data-broker': BROKER,
      'data-lang': 'en',
      'data-strings': JSON.stringify(strings),
    });
    assert.equal(await shadowText(page, '.title'), 'Our bridge');
    assert.equal(await shadowText(page, '.intro'), LANGUAGES.en.intro, 'strings not given stay built in');
    assert.equal(await shadowText(page, '.hint'), LANGUAGES.en.hint, 'a value of the wrong type is left out');
    const setLang = (lang: string) =>
      page.evaluate((l) => document.querySelector('starling-bridge')!.setAttribute('data-lang', l), lang);
    await setLang('fa');
    await page.waitForFunction(
      () =>
        document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.title')!.textContent ===
        'پل ما',
    );
    await setLang('ru');
    await page.waitForFunction(
      () =>
        document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.title')!.textContent ===
        'Our bridge',
    );
    await page.evaluate(() =>
      (
        document.querySelector('starling-bridge') as BridgeElement & { setStrings(s: unknown): void }
      ).setStrings({
        title: 'Set from script',
        helping: { one: '{n} person', other: '{n} people' },
      }),
    );
    assert.equal(await shadowText(page, '.title'), 'Set from script');
    await page.evaluate(() =>
      (
        document.querySelector('starling-bridge') as BridgeElement & { setStrings(s: unknown): void }
      ).setStrings(null),
    );
    assert.equal(await shadowText(page, '.title'), 'Our bridge');
    await page.evaluate(() =>
      document.querySelector('starling-bridge')!.setAttribute('data-strings', '{oops'),
    );
    await page.waitForFunction(
      (title) =>
        document.querySelector('starling-bridge')!.shadowRoot!.querySelector('.title')!.textContent === title,
      LANGUAGES.ru.title,
    );
    assert.deepEqual(warnings.sort(), [
      'starling-bridge: data-strings: "hint" must be a string; left out',
      'starling-bridge: data-strings: not valid JSON; left out',
      'starling-bridge: data-strings: unknown string "nope"; left out',
    ]);
  });
});
