/**
 * The browser's HostConditions (src/volunteer/env.ts): page visibility, and the Battery Status API where
 * the browser has it (Chromium; not Firefox or Safari, where `onBattery` stays false). The battery is asked
 * for only when a relay wants it: a site that never sets `data-pause-battery` never touches the API.
 */
import type { Conditions, HostConditions } from '../volunteer/env.js';

/** The part of the Battery Status API used here. */
interface BatteryManager extends EventTarget {
  readonly charging: boolean;
}

type WithBattery = Navigator & { getBattery?: () => Promise<BatteryManager> };

export const browserConditions: HostConditions = {
  watch(wants, onChange) {
    const now: Conditions = { hidden: false, onBattery: false };
    const stop = new AbortController();
    const { signal } = stop;
    const report = (): void => {
      if (!signal.aborted) onChange({ ...now });
    };
    if (wants.hidden && typeof document !== 'undefined') {
      const read = (): void => {
        now.hidden = document.visibilityState === 'hidden';
      };
      read();
      document.addEventListener(
        'visibilitychange',
        () => {
          read();
          report();
        },
        { signal },
      );
    }
    const getBattery = (navigator as WithBattery).getBattery;
    if (wants.battery && typeof getBattery === 'function') {
      getBattery.call(navigator).then(
        (battery) => {
          if (signal.aborted) return;
          now.onBattery = !battery.charging;
          battery.addEventListener(
            'chargingchange',
            () => {
              now.onBattery = !battery.charging;
              report();
            },
            { signal },
          );
          report();
        },
        () => {
          // Refused (a permissions policy, an insecure context): the device counts as plugged in.
        },
      );
    }
    report();
    return () => stop.abort();
  },
};
