// The primitives against their published vectors (FIPS 180-4, RFC 4231,
// RFC 5869, RFC 8439, RFC 7748 and every case of the Project Wycheproof files
// in tests/vectors), and property tests of the AEAD.
#include "crypto/crypto.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "json.h"

namespace floodchat {
namespace crypto {
namespace {

using floodchat::testing::Json;
using floodchat::testing::LoadVectors;
using floodchat::testing::Unhex;
using Bytes = std::vector<uint8_t>;

std::string Hex(const uint8_t* p, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s.push_back(kDigits[p[i] >> 4]);
    s.push_back(kDigits[p[i] & 15]);
  }
  return s;
}
std::string Hex(const Bytes& b) { return Hex(b.data(), b.size()); }
Bytes Text(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string Sha(const Bytes& m) {
  uint8_t d[kSha256Bytes];
  Sha256Digest(m.data(), m.size(), d);
  return Hex(d, sizeof d);
}

// ---- SHA-256 --------------------------------------------------------------------

TEST(Sha256, Fips180Examples) {
  EXPECT_EQ(Sha(Text("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha(Text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(Sha(Bytes(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  EXPECT_EQ(Sha(Bytes()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Sha256, AnySplitOfTheInputGivesTheSameDigest) {
  Bytes m(200);
  for (size_t i = 0; i < m.size(); ++i) m[i] = static_cast<uint8_t>(i * 7 + 1);
  std::string whole = Sha(m);
  for (size_t a = 0; a <= m.size(); a += 13) {
    for (size_t b = a; b <= m.size(); b += 29) {
      Sha256 h;
      h.Update(m.data(), a);
      h.Update(m.data() + a, b - a);
      h.Update(m.data() + b, m.size() - b);
      uint8_t d[kSha256Bytes];
      h.Final(d);
      ASSERT_EQ(Hex(d, sizeof d), whole) << a << " " << b;
    }
  }
}

// ---- HMAC (RFC 4231) -------------------------------------------------------------

std::string Hmac(const Bytes& key, const Bytes& data) {
  uint8_t mac[kSha256Bytes];
  HmacSha256Digest(key.data(), key.size(), data.data(), data.size(), mac);
  return Hex(mac, sizeof mac);
}

TEST(HmacSha256, Rfc4231) {
  Bytes seq(25);
  for (size_t i = 0; i < seq.size(); ++i) seq[i] = static_cast<uint8_t>(i + 1);
  EXPECT_EQ(Hmac(Bytes(20, 0x0b), Text("Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(Hmac(Text("Jefe"), Text("what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(Hmac(Bytes(20, 0xaa), Bytes(50, 0xdd)),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  EXPECT_EQ(Hmac(seq, Bytes(50, 0xcd)),
            "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  EXPECT_EQ(Hmac(Bytes(20, 0x0c), Text("Test With Truncation")).substr(0, 32),
            "a3b6167473100ee06e0c796c2955552b");
  EXPECT_EQ(Hmac(Bytes(131, 0xaa), Text("Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  EXPECT_EQ(Hmac(Bytes(131, 0xaa),
                 Text("This is a test using a larger than block-size key and a larger than "
                      "block-size data. The key needs to be hashed before being used by the HMAC "
                      "algorithm.")),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

TEST(HmacSha256, Wycheproof) {
  Json doc = LoadVectors("hmac_sha256_test.json");
  size_t cases = 0;
  for (const Json& group : doc["testGroups"].items) {
    size_t tag_bytes = static_cast<size_t>(group["tagSize"].Int()) / 8;
    for (const Json& t : group["tests"].items) {
      Bytes key = Unhex(t["key"].text), msg = Unhex(t["msg"].text), tag = Unhex(t["tag"].text);
      uint8_t mac[kSha256Bytes];
      HmacSha256Digest(key.data(), key.size(), msg.data(), msg.size(), mac);
      bool match = tag.size() == tag_bytes && tag_bytes <= sizeof mac &&
                   EqualConstantTime(mac, tag.data(), tag_bytes);
      EXPECT_EQ(match, t["result"].text == "valid") << "tcId " << t["tcId"].text;
      ++cases;
    }
  }
  EXPECT_EQ(cases, static_cast<size_t>(doc["numberOfTests"].Int()));
}

// ---- HKDF (RFC 5869) -------------------------------------------------------------

TEST(HkdfSha256, Rfc5869) {
  struct Case {
    Bytes ikm, salt, info;
    size_t size;
    const char* prk;
    const char* okm;
  };
  Bytes salt1, info1, ikm2, salt2, info2;
  for (uint8_t i = 0; i <= 0x0c; ++i) salt1.push_back(i);
  for (uint8_t i = 0xf0; i <= 0xf9; ++i) info1.push_back(i);
  for (int i = 0; i < 0x50; ++i) ikm2.push_back(static_cast<uint8_t>(i));
  for (int i = 0x60; i < 0xb0; ++i) salt2.push_back(static_cast<uint8_t>(i));
  for (int i = 0xb0; i < 0x100; ++i) info2.push_back(static_cast<uint8_t>(i));
  const Case cases[] = {
      {Bytes(22, 0x0b), salt1, info1, 42,
       "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
       "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
      {ikm2, salt2, info2, 82, "06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
       "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c6"
       "5e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87"},
      {Bytes(22, 0x0b), Bytes(), Bytes(), 42,
       "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
       "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
  };
  for (const Case& c : cases) {
    uint8_t prk[kSha256Bytes];
    HkdfExtract(c.salt.data(), c.salt.size(), c.ikm.data(), c.ikm.size(), prk);
    EXPECT_EQ(Hex(prk, sizeof prk), c.prk);
    Bytes okm(c.size);
    ASSERT_TRUE(HkdfExpand(prk, c.info.data(), c.info.size(), okm.data(), okm.size()));
    EXPECT_EQ(Hex(okm), c.okm);
  }
}

TEST(HkdfSha256, Wycheproof) {
  Json doc = LoadVectors("hkdf_sha256_test.json");
  size_t cases = 0;
  for (const Json& group : doc["testGroups"].items) {
    for (const Json& t : group["tests"].items) {
      Bytes ikm = Unhex(t["ikm"].text), salt = Unhex(t["salt"].text), info = Unhex(t["info"].text);
      size_t size = static_cast<size_t>(t["size"].Int());
      Bytes okm(size);
      bool ok = Hkdf(salt.data(), salt.size(), ikm.data(), ikm.size(), info.data(), info.size(),
                     okm.data(), size);
      if (t["result"].text == "valid") {
        ASSERT_TRUE(ok) << "tcId " << t["tcId"].text;
        EXPECT_EQ(Hex(okm), t["okm"].text) << "tcId " << t["tcId"].text;
      } else {
        EXPECT_FALSE(ok) << "tcId " << t["tcId"].text;
      }
      ++cases;
    }
  }
  EXPECT_EQ(cases, static_cast<size_t>(doc["numberOfTests"].Int()));
}

// ---- ChaCha20, Poly1305, AEAD (RFC 8439) -----------------------------------------

const char kSunscreen[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, "
    "sunscreen would be it.";

TEST(ChaCha20, Rfc8439Encryption) {
  uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i);
  const uint8_t nonce[12] = {0, 0, 0, 0, 0, 0, 0, 0x4a, 0, 0, 0, 0};
  Bytes m = Text(kSunscreen);
  Bytes c(m.size());
  ChaCha20Xor(key, nonce, 1, m.data(), c.data(), m.size());
  EXPECT_EQ(Hex(c),
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593d"
            "abcd62b3571639d624e65152ab8f530c359f0861d807ca0dbf500d6a6156a38e088a22b65e52bc514d16cc"
            "f806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d");
}

TEST(ChaCha20, LongStreamsMatchBlockByBlock) {
  // The four-block path against the one-block path: the key stream of a long
  // call equals that of one call per 64-byte block.
  uint8_t key[32], nonce[12];
  for (int i = 0; i < 32; ++i) key[i] = static_cast<uint8_t>(i * 3);
  for (int i = 0; i < 12; ++i) nonce[i] = static_cast<uint8_t>(i * 5);
  for (size_t size : {255u, 256u, 257u, 640u, 1000u}) {
    Bytes zero(size, 0), whole(size), pieces(size);
    ChaCha20Xor(key, nonce, 7, zero.data(), whole.data(), size);
    for (size_t at = 0; at < size; at += 64) {
      size_t n = size - at < 64 ? size - at : 64;
      ChaCha20Xor(key, nonce, static_cast<uint32_t>(7 + at / 64), zero.data() + at,
                  pieces.data() + at, n);
    }
    EXPECT_EQ(Hex(whole), Hex(pieces)) << size;
  }
}

std::string PolyTag(const uint8_t* key, const Bytes& m, size_t split) {
  Poly1305 mac(key);
  mac.Update(m.data(), split);
  mac.Update(m.data() + split, m.size() - split);
  uint8_t tag[kTagBytes];
  mac.Final(tag);
  return Hex(tag, sizeof tag);
}

TEST(Poly1305, Rfc8439) {
  Bytes key = Unhex("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
  Bytes m = Text("Cryptographic Forum Research Group");
  for (size_t split = 0; split <= m.size(); ++split)
    ASSERT_EQ(PolyTag(key.data(), m, split), "a8061dc1305136c6c22b8baf0c0127a9") << split;
}

TEST(Poly1305, LongMessagesGiveTheSameTagWholeAndInPieces) {
  // Whole, a long message takes the four-blocks-at-once path where there is
  // one (x86 with AVX2); given 16 bytes at a time, the one-block path. Both
  // must agree, for every length around the chunk boundaries and for keys
  // and messages of all ones, where the limbs are largest.
  std::mt19937 rng(1305);
  for (int round = 0; round < 300; ++round) {
    uint8_t key[32];
    Bytes m(static_cast<size_t>(round < 100 ? 200 + round : rng() % 5000));
    bool ones = round % 4 == 0;
    for (uint8_t& b : key) b = ones ? 0xff : static_cast<uint8_t>(rng());
    for (uint8_t& b : m) b = ones ? 0xff : static_cast<uint8_t>(rng());
    std::string whole = PolyTag(key, m, 0);
    Poly1305 mac(key);
    for (size_t at = 0; at < m.size(); at += 16)
      mac.Update(m.data() + at, std::min<size_t>(16, m.size() - at));
    uint8_t tag[kTagBytes];
    mac.Final(tag);
    ASSERT_EQ(whole, Hex(tag, sizeof tag)) << "length " << m.size();
  }
}

TEST(Poly1305, FinalReductionEdgeCases) {
  // r = 1 (after clamping) and s = 0 make the tag h mod p mod 2^128 for the
  // message itself. Two blocks of ones (with the 2^128 bits): h = 2 (2^129 -
  // 1) = 2^130 - 2 = p + 3, so the tag is 3.
  uint8_t one[32] = {1};
  EXPECT_EQ(PolyTag(one, Bytes(32, 0xff), 32), "03000000000000000000000000000000");
  // Blocks 2^129 - 1 and 2^129 - 4 add up to 2^130 - 5 = p: the tag is 0.
  Bytes m2(32, 0xff);
  m2[16] = 0xfc;
  EXPECT_EQ(PolyTag(one, m2, 32), "00000000000000000000000000000000");
  // And 2^130 - 6 = p - 1 stays as it is: the tag is its low 128 bits,
  // 2^128 - 6.
  m2[16] = 0xfb;
  EXPECT_EQ(PolyTag(one, m2, 32), "faffffffffffffffffffffffffffffff");
}

Bytes Seal(const Bytes& key, const Bytes& nonce, const Bytes& aad, const Bytes& msg) {
  Bytes out(msg.size() + kTagBytes);
  EXPECT_TRUE(AeadSeal(key.data(), nonce.data(), nonce.size(), aad.data(), aad.size(), msg.data(),
                       msg.size(), out.data()));
  return out;
}

TEST(Aead, Rfc8439) {
  Bytes key = Unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
  Bytes nonce = Unhex("070000004041424344454647");
  Bytes aad = Unhex("50515253c0c1c2c3c4c5c6c7");
  Bytes sealed = Seal(key, nonce, aad, Text(kSunscreen));
  EXPECT_EQ(Hex(sealed),
            "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb"
            "69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad6"
            "75945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116"
            "1ae10b594f09e26a7e902ecbd0600691");
  Bytes plain(sealed.size() - kTagBytes);
  ASSERT_TRUE(AeadOpen(key.data(), nonce.data(), nonce.size(), aad.data(), aad.size(),
                       sealed.data(), sealed.size(), plain.data()));
  EXPECT_EQ(std::string(plain.begin(), plain.end()), kSunscreen);
}

TEST(Aead, Wycheproof) {
  Json doc = LoadVectors("chacha20_poly1305_test.json");
  size_t cases = 0;
  for (const Json& group : doc["testGroups"].items) {
    for (const Json& t : group["tests"].items) {
      Bytes key = Unhex(t["key"].text), iv = Unhex(t["iv"].text), aad = Unhex(t["aad"].text);
      Bytes msg = Unhex(t["msg"].text), ct = Unhex(t["ct"].text), tag = Unhex(t["tag"].text);
      Bytes sealed = ct;
      sealed.insert(sealed.end(), tag.begin(), tag.end());
      Bytes plain(sealed.size() >= kTagBytes ? sealed.size() - kTagBytes : 0);
      bool opened = key.size() == kChaChaKeyBytes &&
                    AeadOpen(key.data(), iv.data(), iv.size(), aad.data(), aad.size(),
                             sealed.data(), sealed.size(), plain.data());
      std::string id = "tcId " + t["tcId"].text;
      if (t["result"].text == "valid") {
        ASSERT_TRUE(opened) << id;
        EXPECT_EQ(Hex(plain), Hex(msg)) << id;
        Bytes again(msg.size() + kTagBytes);
        ASSERT_TRUE(AeadSeal(key.data(), iv.data(), iv.size(), aad.data(), aad.size(), msg.data(),
                             msg.size(), again.data()));
        EXPECT_EQ(Hex(again), Hex(sealed)) << id;
      } else {
        EXPECT_FALSE(opened) << id;
      }
      ++cases;
    }
  }
  EXPECT_EQ(cases, static_cast<size_t>(doc["numberOfTests"].Int()));
}

TEST(Aead, RandomMessagesRoundTripAndEveryFlippedBitIsRejected) {
  std::mt19937 rng(20261125);
  for (int round = 0; round < 40; ++round) {
    Bytes key(32), nonce(12), aad(rng() % 20), msg(rng() % 300);
    for (Bytes* b : {&key, &nonce, &aad, &msg})
      for (uint8_t& x : *b) x = static_cast<uint8_t>(rng());
    Bytes sealed = Seal(key, nonce, aad, msg);
    Bytes plain(msg.size());
    ASSERT_TRUE(AeadOpen(key.data(), nonce.data(), 12, aad.data(), aad.size(), sealed.data(),
                         sealed.size(), plain.data()));
    ASSERT_EQ(plain, msg);
    for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
      Bytes bad = sealed;
      bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
      Bytes untouched(msg.size(), 0x5a), out = untouched;
      ASSERT_FALSE(AeadOpen(key.data(), nonce.data(), 12, aad.data(), aad.size(), bad.data(),
                            bad.size(), out.data()))
          << "round " << round << " bit " << bit;
      ASSERT_EQ(out, untouched);  // nothing is written from a forgery
    }
    for (size_t bit = 0; bit < aad.size() * 8; ++bit) {
      Bytes bad = aad;
      bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
      ASSERT_FALSE(AeadOpen(key.data(), nonce.data(), 12, bad.data(), bad.size(), sealed.data(),
                            sealed.size(), plain.data()));
    }
    Bytes other_nonce = nonce;
    other_nonce[rng() % 12] ^= 1;
    ASSERT_FALSE(AeadOpen(key.data(), other_nonce.data(), 12, aad.data(), aad.size(),
                          sealed.data(), sealed.size(), plain.data()));
    if (!sealed.empty()) {
      ASSERT_FALSE(AeadOpen(key.data(), nonce.data(), 12, aad.data(), aad.size(), sealed.data(),
                            sealed.size() - 1, plain.data()));
    }
  }
}

// ---- X25519 (RFC 7748) ----------------------------------------------------------

std::string X(const std::string& scalar, const std::string& point) {
  Bytes k = Unhex(scalar), u = Unhex(point);
  uint8_t out[kX25519Bytes];
  X25519(out, k.data(), u.data());
  return Hex(out, sizeof out);
}

TEST(X25519, Rfc7748Vectors) {
  EXPECT_EQ(X("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
              "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"),
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552");
  EXPECT_EQ(X("4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
              "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493"),
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957");
}

TEST(X25519, Rfc7748Iterated1000Times) {
  // k = u = 9; then repeatedly k, u = X25519(k, u), k.
  uint8_t k[32] = {9}, u[32] = {9}, out[32];
  for (int i = 1; i <= 1000; ++i) {
    X25519(out, k, u);
    memcpy(u, k, 32);
    memcpy(k, out, 32);
    if (i == 1) {
      EXPECT_EQ(Hex(k, 32), "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
    }
  }
  EXPECT_EQ(Hex(k, 32), "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
}

TEST(X25519, Rfc7748DiffieHellman) {
  Bytes alice = Unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  Bytes bob = Unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  uint8_t alice_pub[32], bob_pub[32], s1[32], s2[32];
  X25519Public(alice_pub, alice.data());
  X25519Public(bob_pub, bob.data());
  EXPECT_EQ(Hex(alice_pub, 32), "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
  EXPECT_EQ(Hex(bob_pub, 32), "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
  ASSERT_TRUE(X25519Shared(s1, alice.data(), bob_pub));
  ASSERT_TRUE(X25519Shared(s2, bob.data(), alice_pub));
  EXPECT_EQ(Hex(s1, 32), "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  EXPECT_EQ(Hex(s2, 32), Hex(s1, 32));
}

TEST(X25519, Wycheproof) {
  // Every case, valid and acceptable: the output must be the expected one
  // (RFC 7748 says to mask the top bit and accept non-canonical points), and
  // X25519Shared must refuse exactly the cases whose shared secret is zero.
  Json doc = LoadVectors("x25519_test.json");
  size_t cases = 0, zero = 0;
  for (const Json& group : doc["testGroups"].items) {
    for (const Json& t : group["tests"].items) {
      Bytes pub = Unhex(t["public"].text), priv = Unhex(t["private"].text);
      std::string id = "tcId " + t["tcId"].text;
      ASSERT_EQ(pub.size(), 32u) << id;
      uint8_t out[32];
      bool nonzero = X25519Shared(out, priv.data(), pub.data());
      EXPECT_EQ(Hex(out, 32), t["shared"].text) << id;
      EXPECT_NE(t["result"].text, "invalid") << id;
      bool expect_zero = t["shared"].text == std::string(64, '0');
      EXPECT_EQ(nonzero, !expect_zero) << id;
      zero += expect_zero;
      ++cases;
    }
  }
  EXPECT_EQ(cases, static_cast<size_t>(doc["numberOfTests"].Int()));
  EXPECT_GT(zero, 0u);
}

TEST(Helpers, EqualConstantTimeAndWipe) {
  uint8_t a[5] = {1, 2, 3, 4, 5}, b[5] = {1, 2, 3, 4, 5};
  EXPECT_TRUE(EqualConstantTime(a, b, 5));
  for (int i = 0; i < 5; ++i) {
    b[i] ^= 0x80;
    EXPECT_FALSE(EqualConstantTime(a, b, 5));
    b[i] ^= 0x80;
  }
  Wipe(a, sizeof a);
  for (uint8_t x : a) EXPECT_EQ(x, 0);
}

}  // namespace
}  // namespace crypto
}  // namespace floodchat
