/**
 * What the REST client puts on the wire besides the query: the JSON body text and the URL path a
 * signer signs.
 *
 * @since 0.1.0
 */

/** The body text of a request's JSON body, `undefined` when it has none. Encoded once per request. */
export const requestBody = (body: unknown): string | undefined => body === undefined ? undefined : JSON.stringify(body)

/**
 * The path part of a base URL without its trailing slash (`/api/v2` for `https://api.example.com/api/v2`,
 * `""` for `https://api.example.com`): what a venue that signs the full path puts before a request's path.
 */
export const urlPath = (baseUrl: string): string => {
  try {
    return new URL(baseUrl).pathname.replace(/\/+$/, "")
  } catch {
    return ""
  }
}
