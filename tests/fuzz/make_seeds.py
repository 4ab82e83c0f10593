#!/usr/bin/env python3
"""Writes the fuzz targets' seed inputs into tests/fuzz/seeds/<target>/.

The seeds are committed; run this again only when the wire format changes.
Each seed starts with the control byte(s) its target reads first (chunk size,
dialled or not, line limit), then the bytes themselves.
"""
import hashlib
import hmac
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def frame(kind, payload):
    return struct.pack(">IB", len(payload) + 1, kind) + payload


VERSION = b"\x02"  # the protocol version (wire/frame.h)


def hello(node_id, nick, port=None):
    p = b"FLCH" + VERSION + struct.pack(">QB", node_id, len(nick)) + nick
    if port is not None:
        p += struct.pack(">H", port)
    return frame(1, p)


def message(n, nick, text, hops=1, limit=64, sent_ms=1796220896000):
    mid = struct.pack(">QQ", 0x1122334455667788, n)
    return frame(2, mid + bytes([hops, limit]) + struct.pack(">QB", sent_ms, len(nick)) + nick + text)


def addresses(kind, flags, entries):
    p = bytes([flags, len(entries)])
    for family, ip, port in entries:
        p += bytes([family]) + ip + struct.pack(">H", port)
    return frame(kind, p)


def key_hello(key_fill, public=bytes([9]) + bytes(31), nonce=bytes(range(16))):
    """A key hello naming the fuzz targets' key (32 bytes of key_fill)."""
    key_id = hmac.new(bytes([key_fill]) * 32, b"floodchat key id 1", hashlib.sha256).digest()[:8]
    return frame(5, b"FLCH" + VERSION + key_id + public + nonce)


def summary(flags, since_ms, records):
    """records: (node_id, floor, top, [(start, end), ...])"""
    p = struct.pack(">BQH", flags, since_ms, len(records))
    for node_id, floor, top, gaps in records:
        p += struct.pack(">QQQB", node_id, floor, top, len(gaps))
        for start, end in gaps:
            p += struct.pack(">QQ", start, end)
    return frame(9, p)


def digest(origins, gaps, h):
    return frame(8, struct.pack(">IIQ", origins, gaps, h))


V4 = (4, bytes([127, 0, 0, 1]), 55555)
V6 = (6, bytes(15) + b"\x01", 55556)

SEEDS = {
    "frame": {
        "hello": b"\x00" + hello(1, b"alice", 55555),
        "hello_old": b"\x03" + hello(2, b"bob"),
        "message": b"\x10" + message(1, b"bob", b"hello\x00\xff\x1b[2J"),
        "addresses": b"\x01" + addresses(3, 1, [V4, V6]),
        "full": b"\x07" + addresses(4, 0, [V4]),
        "unknown": b"\x02" + frame(0x7F, b"xyz"),
        "stream": b"\x05" + hello(3, b"c", 1) + message(2, b"c", b"t") + addresses(3, 0, [])
        + frame(9, b"") + message(3, b"c", b"", 2, 2),
        "huge_length": b"\x00" + b"\xff\xff\xff\xff\x02",
        "summary": b"\x08" + summary(3, 1796220896000, [(7, 10, 20, [(11, 13), (15, 20)]),
                                                         (8, 5, 5, [])]),
        "summary_wrap": b"\x00" + summary(1, 0, [(1, 2**64 - 3, 4, [(2**64 - 1, 2)])]),
        "digest": b"\x03" + digest(2, 0, 0x0123456789abcdef),
        "keepalive": b"\x00" + frame(7, b"\x00"),
        "repair": b"\x06" + frame(12, message(4, b"bob", b"again", 2)) + frame(12, frame(8, b"")),
        "tree": b"\x05" + frame(16, b"") + frame(13, struct.pack(">QQ", 1, 2) + b"\x03" +
                                              struct.pack(">QQ", 1, 3) + b"\x04") +
                frame(14, b"\x00" + struct.pack(">QQ", 1, 2)) + frame(15, struct.pack(">Q", 1)) +
                frame(13, b"\x01" * 16) + frame(15, b"x"),
        "grafted": b"\x07" + frame(17, message(5, b"eve", b"fetched", 3)) + frame(17, frame(14, b"")),
        "history": b"\x01" + frame(10, b"\x00\x32") + frame(11, b"\x00\x32") + frame(11, b"\x01"),
    },
    "hello": {
        "accepted": b"\x00" + hello(1, b"alice", 4000) + message(1, b"alice", b"hi")
        + addresses(3, 1, [V4]),
        "dialled_full": b"\x01" + addresses(4, 0, [V4, V6]),
        "accepted_full": b"\x00" + addresses(4, 0, [V4]),
        "message_first": b"\x00" + message(1, b"x", b"no hello"),
        "second_hello": b"\x01" + hello(1, b"a", 1) + hello(1, b"a", 1),
        "bad_magic": b"\x00" + frame(1, b"HTTP/1.1 200 OK\r\n"),
    },
    "lines": {
        "crlf": b"\x40\x03" + b"one\r\ntwo\n\nthree",
        "long": b"\x08\x01" + b"short\n" + b"x" * 40 + b"\nend\n",
        "binary": b"\xff\x10" + bytes(range(256)),
    },
    "command": {
        "commands": b"\x00/connect 127.0.0.1:55555\n/connect [::1]:1\n/nick bob\n//slash\n"
        b"/peers\n/stats\n/help\n/quit\n/bogus\nplain text\n\n/connect\n/nick\n",
        "raw": b"\x01/quit\n//x\nhello\n",
    },
    # First byte: odd for a node that dialled; second: where the input is split.
    "keyhello": {
        "accepted": b"\x00\x10" + key_hello(0x41) + b"\x00\x00\x00\x20" + bytes(32),
        "second_key": b"\x00\x30" + key_hello(0x42),
        "dialled": b"\x01\x05" + key_hello(0x41) + b"\x00\x00\x00\x11" + bytes(17),
        "unknown_key": b"\x00\x00" + key_hello(0x07),
        "zero_public": b"\x00\x00" + key_hello(0x41, public=bytes(32)),
        "plain_hello": b"\x00\x03" + hello(1, b"open", 1),
        "dialled_full": b"\x01\x00" + addresses(4, 0, []),
        "short": b"\x00\x00" + frame(5, b"FLCH" + VERSION),
    },
    # Byte 0: even, junk instead of records; odd, frames sealed and opened.
    # Byte 1: piece size - 1 and the bit to flip; bytes 2-3: where (ffff: none).
    "record": {
        "junk": b"\x00" + b"\x00\x00\x00\x30" + bytes(range(48)),
        "clean": b"\x01\x07\xff\xff" + b"\x05hello\x10" + bytes(range(16)) * 3,
        "flipped": b"\x01\x00\x00\x09" + b"\x05hello\x02abc" + bytes(300),
        "flip_length": b"\x01\x03\x00\x01" + b"\x20" + bytes(100),
        "big": b"\x01\xff\xff\xff" + bytes([199]) * 20000,
    },
    # First byte: format (byte % 3: chat, text, json) and nick length (byte // 3 % 33).
    "format": {
        "json_plain": bytes([2 + 3 * 5]) + b"alice" + b'hi "you" \\ there',
        "json_invalid": bytes([2 + 3 * 2]) + b"\xff\x80" + b"nul\x00 \xc3\xa9 \xed\xa0\x80 \x1b[2J",
        "chat_controls": bytes([0 + 3 * 3]) + b"m\x07\x1b" + b"tab\there \x7f \xc2\x9b \xe2\x82\xac",
        "text_all_bytes": bytes([1]) + bytes(range(256)),
    },
    # First byte: piece size - 1 (how the bytes arrive); then the request.
    "http": {
        "scrape": b"\x07GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
        "head_lf": b"\x00HEAD /metrics?a=b HTTP/1.0\n\n",
        "post": b"\x03POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        "tls": b"\x40\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
        "long": b"\xffGET /" + b"a" * 5000 + b" HTTP/1.1\r\n\r\n",
    },
}

for target, seeds in SEEDS.items():
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)
