/**
 * Message queue: a bounded, scoped buffer between a socket and its handler.
 *
 * @since 0.1.0
 */
export * as MessageQueue from "./MessageQueue.ts"
export * as QueueMetrics from "./QueueMetrics.ts"
