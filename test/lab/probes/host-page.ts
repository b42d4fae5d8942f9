/**
 * The widget tests' host page (test/widget/host-page.ts) served inside a lab host, for a browser there:
 * on the host's own loopback, so that the page is a secure context (WebCrypto, which pairing needs) as a
 * news site's https page is. Prints `serving URL`.
 */
import { startHostPages } from '../../widget/host-page.js';

const pages = await startHostPages();
console.log(`serving ${pages.url}`);
