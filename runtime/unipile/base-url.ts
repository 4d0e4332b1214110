/**
 * The API base URL from what users copy out of the UniPile dashboard: a DSN (`api1.unipile.com:13111`)
 * or a full URL (`https://api1.unipile.com:13111`, with or without `/api/v1`). The credential's test
 * request applies the same rule (credentials/UnipileApi.credentials.ts).
 */
export function unipileBaseUrl(dsnOrUrl: string): URL {
  const raw = dsnOrUrl.trim();
  if (!raw) throw new Error('UniPile DSN is empty: copy it from the UniPile dashboard, e.g. api1.unipile.com:13111');
  let url: URL;
  try {
    url = new URL(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
  } catch {
    throw new Error(`UniPile DSN ${JSON.stringify(raw)} is not a host:port or URL: use e.g. api1.unipile.com:13111`);
  }
  if (url.search || url.hash) throw new Error(`UniPile DSN ${JSON.stringify(raw)} has a query or fragment: use the DSN with its port, e.g. api1.unipile.com:13111`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/api/v1') ? path : `${path}/api/v1`;
  return url;
}
