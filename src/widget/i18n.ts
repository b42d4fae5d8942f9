/**
 * The widget's words in every language it speaks, how one is chosen (`data-lang`, then the page's `lang`,
 * then the browser's languages, then English), and the site's own overrides (`data-strings`, `setStrings`).
 * Persian, Arabic and Urdu are laid out right to left.
 */

import { ar, en, es, fa, type Plural, ru, type Strings, zhCN, zhTW } from './strings.js';
import { ko, my, tr, uk, ur, vi } from './strings-more.js';

export type { Plural, Strings } from './strings.js';

/** Every language the widget speaks, by its BCP 47 tag. */
export const LANGUAGES = {
  en,
  'zh-CN': zhCN,
  'zh-TW': zhTW,
  fa,
  ar,
  ru,
  es,
  tr,
  uk,
  vi,
  ko,
  my,
  ur,
} as const;
export type Language = keyof typeof LANGUAGES;

const RTL: ReadonlySet<Language> = new Set<Language>(['fa', 'ar', 'ur']);

/** Chinese tags that mean Traditional script. */
const TRADITIONAL = /^zh-(hant|tw|hk|mo)\b/;

/** The supported language closest to one BCP 47 tag, or undefined. */
export function matchLanguage(tag: string): Language | undefined {
  const lower = tag.trim().toLowerCase().replaceAll('_', '-');
  if (lower === '') return undefined;
  if (lower === 'zh' || lower.startsWith('zh-')) return TRADITIONAL.test(lower) ? 'zh-TW' : 'zh-CN';
  const base = lower.split('-')[0];
  return (Object.keys(LANGUAGES) as Language[]).find((l) => l === base);
}

/** The first supported language among the candidates, in order; English when none is. */
export function chooseLanguage(candidates: readonly (string | null | undefined)[]): Language {
  for (const tag of candidates) {
    const match = typeof tag === 'string' ? matchLanguage(tag) : undefined;
    if (match !== undefined) return match;
  }
  return 'en';
}

export function direction(lang: Language): 'rtl' | 'ltr' {
  return RTL.has(lang) ? 'rtl' : 'ltr';
}

/** `helping` in `lang` for `n` people, with `n` written the local way. */
export function helpingText(lang: Language, n: number, strings: Strings = LANGUAGES[lang]): string {
  const forms = strings.helping;
  const form = forms[new Intl.PluralRules(lang).select(n)] ?? forms.other;
  return form.replace('{n}', formatCount(lang, n));
}

export function formatCount(lang: Language, n: number): string {
  return new Intl.NumberFormat(lang).format(n);
}

const BYTE_UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'] as const;

/** Bytes in the largest unit that keeps the number at least 1 (decimal units), localized. */
export function formatBytes(lang: Language, bytes: number): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1000 && unit < BYTE_UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(lang, {
    style: 'unit',
    unit: BYTE_UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: value < 10 && unit > 0 ? 1 : 0,
  }).format(value);
}

/**
 * A site's own words: for every language (`{"hint": "..."}`), or per language tag (`{"fa": {"hint": "..."}}`),
 * or both; a tag's entry wins over the shared one. `helping` may be one string or plural forms, with `{n}`.
 */
export type StringOverrides = Partial<Record<Exclude<keyof Strings, 'helping'>, string>> & {
  helping?: Plural;
};

export interface SiteStrings {
  all: StringOverrides;
  byLang: Partial<Record<Language, StringOverrides>>;
}

export const NO_SITE_STRINGS: SiteStrings = { all: {}, byLang: {} };

const STRING_KEYS = new Set(Object.keys(en));
const PLURAL_FORMS: ReadonlySet<string> = new Set(['zero', 'one', 'two', 'few', 'many', 'other']);

/** One language's overrides from plain data; unknown keys and values of the wrong type are problems. */
function overridesOf(value: Record<string, unknown>, where: string, problems: string[]): StringOverrides {
  const out: Record<string, string | Plural> = {};
  for (const [key, text] of Object.entries(value)) {
    if (!STRING_KEYS.has(key)) problems.push(`${where}unknown string "${key}"`);
    else if (typeof text === 'string') out[key] = key === 'helping' ? { other: text } : text;
    else if (key === 'helping' && isPlural(text)) out[key] = text;
    else problems.push(`${where}"${key}" must be a string`);
  }
  return out as StringOverrides;
}

function isPlural(value: unknown): value is Plural {
  if (typeof value !== 'object' || value === null) return false;
  const entries = Object.entries(value);
  return (
    typeof (value as { other?: unknown }).other === 'string' &&
    entries.every(([form, text]) => PLURAL_FORMS.has(form) && typeof text === 'string')
  );
}

/**
 * Reads a site's overrides from JSON text or an object (`data-strings`, `setStrings`). What cannot be used
 * is left out and named in `problems`, so one typo costs one string, never the widget.
 */
export function parseSiteStrings(input: unknown): { strings: SiteStrings; problems: string[] } {
  const problems: string[] = [];
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch {
      return { strings: NO_SITE_STRINGS, problems: ['not valid JSON'] };
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { strings: NO_SITE_STRINGS, problems: ['must be a JSON object'] };
  const shared: Record<string, unknown> = {};
  const byLang: SiteStrings['byLang'] = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const lang = STRING_KEYS.has(key) ? undefined : matchLanguage(key);
    if (lang === undefined) shared[key] = entry;
    else if (typeof entry === 'object' && entry !== null && !Array.isArray(entry))
      byLang[lang] = overridesOf(entry as Record<string, unknown>, `${key}: `, problems);
    else problems.push(`"${key}" must be an object of strings`);
  }
  return { strings: { all: overridesOf(shared, '', problems), byLang }, problems };
}

/**
 * The words to show in `lang`: the built-in ones, then for each layer of site overrides in order (the
 * attribute's, then `setStrings`'s) its shared entries and its entries for `lang`.
 */
export function stringsFor(lang: Language, ...layers: SiteStrings[]): Strings {
  let out: Strings = LANGUAGES[lang];
  for (const site of layers) out = { ...out, ...site.all, ...site.byLang[lang] };
  return out;
}
