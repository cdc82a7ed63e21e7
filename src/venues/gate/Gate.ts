/**
 * Gate.io Spot v4, as the root module exports it (`import { Gate } from "scoped-exchange"`): the
 * venue adapter (`Gate.Venue.adapter`), its exchanges (`Gate.Public`, `Gate.Private`), its REST
 * client and quota preset (`Gate.Rest`, `Gate.Quotas`), the optional dead-man switch
 * (`Gate.DeadManSwitch`), and its wire: WebSocket protocol, JSON schemas, signing, error labels,
 * client order ids and wire-to-domain parsing (see `docs/gate.md`).
 *
 * @since 0.1.0
 */
export * as ClientOrderId from "./ClientOrderId.ts"
export * as DeadManSwitch from "./DeadManSwitch.ts"
export * as ErrorLabels from "./ErrorLabels.ts"
export * as Parse from "./Parse.ts"
export * as Private from "./GatePrivate.ts"
export * as PrivatePush from "./PrivatePush.ts"
export * as Protocol from "./Protocol.ts"
export * as Public from "./GatePublic.ts"
export * as PushParse from "./PushParse.ts"
export * as Quotas from "./Quotas.ts"
export * as Rest from "./GateRest.ts"
export * as Schemas from "./Schemas.ts"
export * as Signing from "./Signing.ts"
export * as Venue from "./GateVenue.ts"
