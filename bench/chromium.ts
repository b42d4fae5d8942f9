import type { Group } from './lib/group.js';

export const chromiumGroup: Group = {
  name: 'chromium',
  figures: [],
  async measure() {
    return new Map();
  },
};
