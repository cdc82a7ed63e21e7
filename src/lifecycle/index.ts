/**
 * Lifecycle kit: component declarations with bounded, logged shutdown, the record of every
 * component's life (read by the CLI's teardown and exit report), and the leak checker.
 *
 * @since 0.1.0
 */
export * as ComponentRegistry from "./ComponentRegistry.ts"
export * as LeakCheck from "./LeakCheck.ts"
export * as Lifecycle from "./Lifecycle.ts"
export * as LiveClock from "./LiveClock.ts"
