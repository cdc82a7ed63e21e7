/**
 * A structural check of protobuf's wire format without decoding: walks the top-level fields
 * (tag, wire type, length) of a message and checks that they tile the buffer exactly. A few
 * varint reads per frame (one per top-level field), no allocation: cheap enough to run on every
 * frame of a feed, and it rejects random bytes and truncated frames.
 */

/**
 * True when `bytes` is a well-formed sequence of top-level protobuf fields that contains field
 * `requiredField` as a length-delimited field (e.g. a wrapper's channel name).
 */
export const isWellFormedMessage = (bytes: Uint8Array, requiredField: number): boolean => {
  const n = bytes.length
  let i = 0
  let seenRequired = false
  while (i < n) {
    // tag: a varint of at most 5 bytes (field numbers fit in 29 bits)
    let tag = 0
    let scale = 1
    let b: number
    let k = 0
    do {
      if (i >= n || k === 5) return false
      b = bytes[i++]!
      tag += (b & 0x7f) * scale
      scale *= 128
      k++
    } while (b & 0x80)
    const field = Math.floor(tag / 8)
    if (field === 0) return false
    switch (tag & 7) {
      case 0: {
        // varint: at most 10 bytes
        let m = 0
        do {
          if (i >= n || m === 10) return false
          b = bytes[i++]!
          m++
        } while (b & 0x80)
        break
      }
      case 1:
        i += 8
        break
      case 2: {
        let length = 0
        let lscale = 1
        let m = 0
        do {
          if (i >= n || m === 5) return false
          b = bytes[i++]!
          length += (b & 0x7f) * lscale
          lscale *= 128
          m++
        } while (b & 0x80)
        i += length
        if (field === requiredField) seenRequired = true
        break
      }
      case 5:
        i += 4
        break
      default:
        return false // groups (3, 4) are deprecated and unused; 6 and 7 do not exist
    }
  }
  return i === n && seenRequired
}
