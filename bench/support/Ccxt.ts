/**
 * A ccxt pro MEXC client pointed at a local server (the simulator or the feed server): only its
 * URLs change. ccxt's own client-side throttle is off (`enableRateLimit: false`), so it is measured
 * at its fastest, as ours is.
 */
import ccxt from "ccxt"

export type Mexc = InstanceType<typeof ccxt.pro.mexc>

export const mexcAt = async (
  restUrl: string,
  wsUrl: string,
  credentials?: { readonly apiKey: string; readonly secret: string }
): Promise<Mexc> => {
  const exchange = new ccxt.pro.mexc({ ...credentials, enableRateLimit: false })
  const urls = exchange.urls as { api: Record<string, Record<string, string>> }
  urls.api.spot!.public = restUrl
  urls.api.spot!.private = restUrl
  urls.api.contract!.public = `${restUrl}/api/v1/contract`
  urls.api.contract!.private = `${restUrl}/api/v1/private`
  urls.api.ws!.spot = wsUrl
  // ccxt refuses plain ws:// URLs until its proxy agent module is loaded.
  await exchange.loadHttpProxyAgent()
  return exchange
}
