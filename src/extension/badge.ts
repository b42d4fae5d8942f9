/** The toolbar button's badge and tooltip for a relay snapshot: on/off, people helped now, errors. */
import { chooseLanguage, formatCount, helpingText, LANGUAGES, type Language } from '../widget/i18n.js';
import type { Snapshot } from './messages.js';

export interface Badge {
  text: string;
  color: string;
  title: string;
}

/** The widget's light-theme colours (src/widget/styles.ts): accent, error, off. */
const COLORS = { on: '#0e7a61', error: '#c0262d', off: '#586274' } as const;

export function badgeFor(
  snapshot: Snapshot,
  langTag: string | undefined,
  browserLanguages: readonly string[],
): Badge {
  const lang = chooseLanguage([langTag, ...browserLanguages]);
  const { status, stats } = snapshot;
  const title = [`Starling: ${statusLine(lang, snapshot)}`];
  if (stats.totalHelped > 0)
    title.push(`${LANGUAGES[lang].helpedTotal}: ${formatCount(lang, stats.totalHelped)}`);
  const badge = { title: title.join('\n') };
  if (status.state === 'error') return { ...badge, text: '!', color: COLORS.error };
  if (!status.on || status.state === 'off') return { ...badge, text: '', color: COLORS.off };
  if (status.state === 'helping')
    return { ...badge, text: formatCount(lang, stats.helping), color: COLORS.on };
  return { ...badge, text: 'on', color: COLORS.on };
}

function statusLine(lang: Language, { status, stats }: Snapshot): string {
  const s = LANGUAGES[lang];
  switch (status.state) {
    case 'off':
      return s.off;
    case 'connecting':
      return s.connecting;
    case 'waiting':
      return s.waiting;
    case 'helping':
      return helpingText(lang, Math.max(1, stats.helping));
    case 'paused':
      if (status.pausedBy === 'battery') return s.pausedBattery;
      if (status.pausedBy === 'total-cap') return s.capReached;
      return s.paused;
    case 'error':
      return status.problem === 'broker' ? s.brokerDown : s.failed;
  }
}
