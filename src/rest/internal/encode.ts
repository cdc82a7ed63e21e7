/**
 * What the REST client puts on the wire besides the query: the JSON body text, the base URL's
 * origin and path, and the request line's path.
 *
 * @since 0.1.0
 */

/** The body text of a request's JSON body, `undefined` when it has none. Encoded once per request. */
export const requestBody = (body: unknown): string | undefined => body === undefined ? undefined : JSON.stringify(body)

/** A base URL split into what the HTTP layer needs: scheme, host and port; and its own path. */
export interface BaseParts {
  readonly origin: string
  /** The base URL's path without its trailing slash (`""` for none). */
  readonly path: string
}

/**
 * `baseUrl` split into origin and path (`/api/v2` for `https://api.example.com/api/v2`, `""` for
 * `https://api.example.com`); `undefined` when it is not an http(s) URL.
 */
export const baseParts = (baseUrl: string): BaseParts | undefined => {
  try {
    const url = new URL(baseUrl)
    if (url.protocol !== "http:" && url.protocol !== "https:") return undefined
    return { origin: url.origin, path: url.pathname.replace(/\/+$/, "") }
  } catch {
    return undefined
  }
}

/** Characters a path keeps as they are on a request line (the WHATWG URL parser leaves them). */
const plainPath = /^[\w\-.~!$&'()*+,;=:@/%]*$/

/**
 * The request line's path (no query) for a request's `path` below `base`: as written when it is
 * plain, else as `new URL` would encode it (what Effect's `HttpClient` sends).
 */
export const requestPath = (base: BaseParts, path: string): string => {
  const full = base.path + path
  if (plainPath.test(full)) return full.length > 0 ? full : "/"
  return new URL(base.origin + full).pathname
}
