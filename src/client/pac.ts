/**
 * `/proxy.pac` on the client's HTTP proxy: a proxy auto-config file (the `FindProxyForURL` convention that
 * browsers and operating systems read) that sends everything through Starling except this machine itself.
 * There is no DIRECT fallback: if the proxies are down, pages fail rather than leave unprotected.
 */

/** The PAC script for the HTTP proxy at `http` (host:port), with the SOCKS5 proxy at `socks` as fallback. */
export function proxyPac(http: string, socks?: string): string {
  const routes = [`PROXY ${http}`, ...(socks ? [`SOCKS5 ${socks}`, `SOCKS ${socks}`] : [])].join('; ');
  return `// Starling: everything through the local proxy (never DIRECT), except this machine.
function FindProxyForURL(url, host) {
  host = host.toLowerCase();
  if (host === "localhost" || dnsDomainIs(host, ".localhost") || shExpMatch(host, "127.*") ||
      host === "::1" || host === "[::1]") {
    return "DIRECT";
  }
  return ${JSON.stringify(routes)};
}
`;
}
