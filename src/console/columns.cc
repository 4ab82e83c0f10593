// ColumnsOf (editor.h): how many terminal columns a code point takes, as
// wcwidth() would for the common cases, from two small tables.
#include "console/editor.h"

namespace floodchat {

namespace {

struct Range {
  uint32_t first, last;
};

bool InRanges(uint32_t cp, const Range* ranges, size_t count) {
  for (size_t i = 0; i < count; ++i)
    if (cp >= ranges[i].first && cp <= ranges[i].last) return true;
  return false;
}

}  // namespace

int ColumnsOf(uint32_t cp) {
  static const Range kZero[] = {
      {0x0300, 0x036f}, {0x0483, 0x0489}, {0x0591, 0x05bd}, {0x0610, 0x061a},
      {0x064b, 0x065f}, {0x0e31, 0x0e31}, {0x0e34, 0x0e3a}, {0x1ab0, 0x1aff},
      {0x1dc0, 0x1dff}, {0x200b, 0x200f}, {0x2060, 0x2064}, {0x20d0, 0x20ff},
      {0xfe00, 0xfe0f}, {0xfe20, 0xfe2f}, {0xfeff, 0xfeff}, {0xe0100, 0xe01ef},
  };
  static const Range kWide[] = {
      {0x1100, 0x115f},   {0x231a, 0x231b},   {0x2329, 0x232a},   {0x23e9, 0x23ec},
      {0x2e80, 0x303e},   {0x3041, 0x33ff},   {0x3400, 0x4dbf},   {0x4e00, 0x9fff},
      {0xa000, 0xa4cf},   {0xac00, 0xd7a3},   {0xf900, 0xfaff},   {0xfe30, 0xfe4f},
      {0xff00, 0xff60},   {0xffe0, 0xffe6},   {0x1f300, 0x1f64f}, {0x1f900, 0x1f9ff},
      {0x20000, 0x2fffd}, {0x30000, 0x3fffd},
  };
  if (InRanges(cp, kZero, sizeof kZero / sizeof kZero[0])) return 0;
  if (InRanges(cp, kWide, sizeof kWide / sizeof kWide[0])) return 2;
  return 1;
}

}  // namespace floodchat
