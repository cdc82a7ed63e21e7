/**
 * MEXC Spot v3, as the root module exports it (`import { Mexc } from "scoped-exchange"`): the
 * venue adapter (`Mexc.Venue.adapter`), its exchanges (`Mexc.Public`, `Mexc.Private`), its REST
 * client and quota preset (`Mexc.Rest`, `Mexc.Quotas`), and its wire: WebSocket protocol, protobuf
 * push frames, REST schemas, signing, error codes and wire-to-domain parsing (shared by the real
 * MEXC adapter and the simulator).
 *
 * @since 0.1.0
 */
export * as ErrorCodes from "./ErrorCodes.ts"
export * as Parse from "./Parse.ts"
export * as Private from "./MexcPrivate.ts"
export * as Proto from "./Proto.ts"
export * as Protocol from "./MexcProtocol.ts"
export * as Public from "./MexcPublic.ts"
export * as PushParse from "./PushParse.ts"
export * as Quotas from "./Quotas.ts"
export * as Rest from "./MexcRest.ts"
export * as Schemas from "./Schemas.ts"
export * as Signing from "./Signing.ts"
export * as Venue from "./MexcVenue.ts"
