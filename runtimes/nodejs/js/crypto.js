// The builtin module "crypto" (node:crypto): random bytes and UUIDs from
// WASI's random_get, and createHash / createHmac for sha256, sha1 and md5 in
// plain JavaScript (enough for ETags, cache keys and webhook signatures).
(function (native, internal) {
  "use strict";

  const { utf8Encode, toBytes } = internal.bytes;

  function rotl(x, n) {
    return (x << n) | (x >>> (32 - n));
  }
  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  // Pads a message for a 64-byte-block Merkle–Damgård hash.
  function pad(bytes, bigEndian) {
    const len = bytes.length;
    const total = (((len + 8) >> 6) + 1) << 6;
    const out = new Uint8Array(total);
    out.set(bytes);
    out[len] = 0x80;
    const bits = len * 8;
    const view = new DataView(out.buffer);
    if (bigEndian) {
      view.setUint32(total - 8, Math.floor(bits / 0x100000000));
      view.setUint32(total - 4, bits >>> 0);
    } else {
      view.setUint32(total - 8, bits >>> 0, true);
      view.setUint32(total - 4, Math.floor(bits / 0x100000000), true);
    }
    return view;
  }

  const K256 = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];

  function sha256(bytes) {
    const view = pad(bytes, true);
    const h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
    const w = new Int32Array(64);
    for (let off = 0; off < view.byteLength; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + i * 4);
      for (let i = 16; i < 64; i++) {
        const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
        const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
        w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
      }
      let [a, b, c, d, e, f, g, hh] = h;
      for (let i = 0; i < 64; i++) {
        const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i] + w[i]) | 0;
        const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        hh = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
      h[5] = (h[5] + f) | 0;
      h[6] = (h[6] + g) | 0;
      h[7] = (h[7] + hh) | 0;
    }
    return words(h, false);
  }

  function sha1(bytes) {
    const view = pad(bytes, true);
    const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
    const w = new Int32Array(80);
    for (let off = 0; off < view.byteLength; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = view.getInt32(off + i * 4);
      for (let i = 16; i < 80; i++) w[i] = rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
      let [a, b, c, d, e] = h;
      for (let i = 0; i < 80; i++) {
        const [f, k] = i < 20 ? [(b & c) | (~b & d), 0x5a827999] : i < 40 ? [b ^ c ^ d, 0x6ed9eba1] : i < 60 ? [(b & c) | (b & d) | (c & d), 0x8f1bbcdc] : [b ^ c ^ d, 0xca62c1d6];
        const t = (rotl(a, 5) + f + e + k + w[i]) | 0;
        e = d;
        d = c;
        c = rotl(b, 30);
        b = a;
        a = t;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
      h[4] = (h[4] + e) | 0;
    }
    return words(h, false);
  }

  const S_MD5 = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
  const K_MD5 = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 0x100000000) | 0);

  function md5(bytes) {
    const view = pad(bytes, false);
    const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
    const m = new Int32Array(16);
    for (let off = 0; off < view.byteLength; off += 64) {
      for (let i = 0; i < 16; i++) m[i] = view.getInt32(off + i * 4, true);
      let [a, b, c, d] = h;
      for (let i = 0; i < 64; i++) {
        let f;
        let gi;
        if (i < 16) {
          f = (b & c) | (~b & d);
          gi = i;
        } else if (i < 32) {
          f = (d & b) | (~d & c);
          gi = (5 * i + 1) % 16;
        } else if (i < 48) {
          f = b ^ c ^ d;
          gi = (3 * i + 5) % 16;
        } else {
          f = c ^ (b | ~d);
          gi = (7 * i) % 16;
        }
        const t = d;
        d = c;
        c = b;
        b = (b + rotl((a + f + K_MD5[i] + m[gi]) | 0, S_MD5[(i >> 4) * 4 + (i % 4)])) | 0;
        a = t;
      }
      h[0] = (h[0] + a) | 0;
      h[1] = (h[1] + b) | 0;
      h[2] = (h[2] + c) | 0;
      h[3] = (h[3] + d) | 0;
    }
    return words(h, true);
  }

  function words(h, littleEndian) {
    const out = new Uint8Array(h.length * 4);
    const view = new DataView(out.buffer);
    h.forEach((x, i) => view.setInt32(i * 4, x, littleEndian));
    return out;
  }

  const HASHES = { sha256, sha1, md5 };

  function hashFunction(algorithm) {
    const fn = HASHES[String(algorithm).toLowerCase().replace("-", "")];
    if (!fn) throw new Error(`Digest method not supported: ${algorithm} (Stratus has sha256, sha1 and md5)`);
    return fn;
  }

  function input(data, enc) {
    return typeof data === "string" ? (enc ? Buffer.from(data, enc) : utf8Encode(data)) : toBytes(data);
  }

  function output(bytes, enc) {
    const b = Buffer.from(bytes);
    return enc ? b.toString(enc) : b;
  }

  class Hash {
    constructor(algorithm) {
      this._fn = hashFunction(algorithm);
      this._parts = [];
    }
    update(data, enc) {
      this._parts.push(input(data, enc));
      return this;
    }
    _bytes() {
      return Buffer.concat(this._parts);
    }
    digest(enc) {
      return output(this._fn(this._bytes()), enc);
    }
    copy() {
      const h = Object.create(Hash.prototype);
      h._fn = this._fn;
      h._parts = this._parts.slice();
      return h;
    }
  }

  class Hmac extends Hash {
    constructor(algorithm, key) {
      super(algorithm);
      let k = input(key);
      if (k.length > 64) k = this._fn(k);
      this._key = new Uint8Array(64);
      this._key.set(k);
    }
    digest(enc) {
      const ipad = this._key.map((b) => b ^ 0x36);
      const opad = this._key.map((b) => b ^ 0x5c);
      const inner = this._fn(Buffer.concat([ipad, this._bytes()]));
      return output(this._fn(Buffer.concat([opad, inner])), enc);
    }
  }

  internal.nodeCrypto = {
    randomUUID: internal.crypto.randomUUID,
    getRandomValues: internal.crypto.getRandomValues,
    webcrypto: globalThis.crypto,
    randomBytes(n, cb) {
      const b = Buffer.from(native.random(n));
      if (typeof cb === "function") {
        queueMicrotask(() => cb(null, b));
        return undefined;
      }
      return b;
    },
    randomFillSync(buf, offset = 0, size) {
      const bytes = new Uint8Array(buf.buffer || buf, buf.byteOffset || 0, buf.byteLength);
      const n = size === undefined ? bytes.length - offset : size;
      bytes.set(native.random(n), offset);
      return buf;
    },
    randomFill(buf, offset, size, cb) {
      const callback = [offset, size, cb].find((f) => typeof f === "function");
      const o = typeof offset === "number" ? offset : 0;
      const n = typeof size === "number" ? size : undefined;
      const result = internal.nodeCrypto.randomFillSync(buf, o, n);
      queueMicrotask(() => callback(null, result));
    },
    randomInt(min, max) {
      if (max === undefined) {
        max = min;
        min = 0;
      }
      const r = native.random(4);
      const x = ((r[0] << 24) | (r[1] << 16) | (r[2] << 8) | r[3]) >>> 0;
      return min + (x % (max - min));
    },
    createHash: (algorithm) => new Hash(algorithm),
    createHmac: (algorithm, key) => new Hmac(algorithm, key),
    hash: (algorithm, data, enc = "hex") => new Hash(algorithm).update(data).digest(enc),
    getHashes: () => Object.keys(HASHES),
    timingSafeEqual(a, b) {
      if (a.length !== b.length) throw new RangeError("Input buffers must have the same byte length");
      let d = 0;
      for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
      return d === 0;
    },
  };
});
