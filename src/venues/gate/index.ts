/**
 * The Gate.io Spot v4 venue: wire only. REST and WebSocket shapes, request and subscribe signing,
 * WebSocket framing, the REST client (`GateRest`), wire-to-domain parsing of answers and pushes, client order ids as `text`, the
 * error-label table and the quota preset.
 *
 * @since 0.1.0
 */
export * as GateClientOrderId from "./ClientOrderId.ts"
export * as GateDeadManSwitch from "./DeadManSwitch.ts"
export * as GateErrorLabels from "./ErrorLabels.ts"
export * as GateParse from "./Parse.ts"
export * as GatePrivate from "./GatePrivate.ts"
export * as GatePrivatePush from "./PrivatePush.ts"
export * as GateProtocol from "./Protocol.ts"
export * as GatePublic from "./GatePublic.ts"
export * as GatePushParse from "./PushParse.ts"
export * as GateQuotas from "./Quotas.ts"
export * as GateRest from "./GateRest.ts"
export * as GateSchemas from "./Schemas.ts"
export * as GateSigning from "./Signing.ts"
