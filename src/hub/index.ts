/**
 * Stream hub: typed topics, latest-value replay, scoped subscriber streams.
 *
 * @since 0.1.0
 */
export * as HubError from "./HubError.ts"
export * as HubMetrics from "./HubMetrics.ts"
export * as StreamHub from "./StreamHub.ts"
export * as Topic from "./Topic.ts"
