/**
 * The MEXC Spot v3 venue: REST schemas, request signing and protobuf push frames (shared by the
 * real MEXC adapter and the simulator), the REST client (`MexcRest`), its quota preset, error-code
 * table and wire-to-domain parsing.
 *
 * @since 0.1.0
 */
export * as MexcErrorCodes from "./ErrorCodes.ts"
export * as MexcParse from "./Parse.ts"
export * as MexcProto from "./Proto.ts"
export * as MexcQuotas from "./Quotas.ts"
export * as MexcRest from "./MexcRest.ts"
export * as MexcSchemas from "./Schemas.ts"
export * as MexcSigning from "./Signing.ts"
