/**
 * The venue-neutral REST client.
 *
 * @since 0.1.0
 */
export * as RestClient from "./RestClient.ts"
export * as Transport from "./Transport.ts"
