/**
 * @internal MEXC's private pushes, decoded to the connector's events: each binary frame is one
 * protobuf wrapper carrying an order, a deal or an account change (`PrivatePush` parses each to a
 * domain value, checked by the neutral validators). What cannot be read is one problem line,
 * counted and skipped by the connector (which also refuses balances of assets it does not know).
 *
 * @since 0.1.0
 */
import type { PrivateEvent } from "../../../connector/PrivatePort.ts"
import type * as Connection from "../../../socket/Connection.ts"
import { decodePush } from "../Proto.ts"
import * as PrivatePush from "../PrivatePush.ts"

/** A batch of frames as events, in order, and one line per frame that could not be read. */
export const decodeFrames = (
  frames: ReadonlyArray<Connection.Frame>
): { readonly events: ReadonlyArray<PrivateEvent>; readonly problems: ReadonlyArray<string> } => {
  const events: Array<PrivateEvent> = []
  const problems: Array<string> = []
  for (const frame of frames) {
    if (typeof frame === "string") {
      problems.push(`unexpected text frame: ${frame.slice(0, 120)}`)
      continue
    }
    let wrapper
    try {
      wrapper = decodePush(frame)
    } catch (cause) {
      problems.push(`undecodable frame: ${cause instanceof Error ? cause.message : String(cause)}`)
      continue
    }
    const body = wrapper.body
    if (body === undefined) continue
    const time = wrapper.sendTime ?? wrapper.createTime
    switch (body.$case) {
      case "privateOrders": {
        const parsed = PrivatePush.order(body.value, wrapper.symbol, time)
        if (parsed.ok) events.push({ _tag: "Order", order: parsed.value, time })
        else problems.push(`order push: ${parsed.reason}`)
        break
      }
      case "privateDeals": {
        const parsed = PrivatePush.fill(body.value, wrapper.symbol)
        if (parsed.ok) events.push({ _tag: "Fill", fill: parsed.value })
        else problems.push(`deal push: ${parsed.reason}`)
        break
      }
      case "privateAccount": {
        const parsed = PrivatePush.balance(body.value)
        if (parsed.ok) {
          events.push({ _tag: "Balance", balance: parsed.value.balance, reason: parsed.value.reason, time: parsed.value.time })
        } else problems.push(`account push: ${parsed.reason}`)
        break
      }
      default:
        problems.push(`unexpected push ${body.$case} on ${wrapper.channel}`)
    }
  }
  return { events, problems }
}
