/**
 * Lifecycle kit: component declarations with bounded, logged shutdown, and the leak checker.
 *
 * @since 0.1.0
 */
export * as LeakCheck from "./LeakCheck.ts"
export * as Lifecycle from "./Lifecycle.ts"
export * as LiveClock from "./LiveClock.ts"
