/**
 * The MEXC Spot v3 wire layer: REST schemas, request signing and protobuf push frames. Shared by
 * the real MEXC adapter and the simulator.
 *
 * @since 0.1.0
 */
export * as MexcProto from "./Proto.ts"
export * as MexcSchemas from "./Schemas.ts"
export * as MexcSigning from "./Signing.ts"
