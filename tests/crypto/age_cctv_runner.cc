// Runs one C2SP/CCTV age test vector (tests/crypto/age_cctv/testdata/) through
// crypto/age.h; CTest runs it once per vector (tests/crypto/CMakeLists.txt).
//
//   age_cctv_runner VECTOR    exit 0: the outcome is what the vector expects
//
// A vector is a `key: value` header, an empty line, and an age file
// (zlib-compressed when `compressed: zlib`). The outcome must match
// `expect:` class for class (success, header failure, HMAC failure, armor
// failure, no match, payload failure); for success and payload failure the
// SHA-256 of every plaintext byte the reader released must equal `payload:`
// (for payload failure: what was released before the error).
//
// Vectors that need what we do not implement (an identity we cannot parse:
// the post-quantum AGE-SECRET-KEY-PQ-1..., or an unknown header key) are
// run anyway with the identities we can parse, and pass only if the file is
// refused: "UNSUPPORTED (refused ...)". Never accepted, never silently skipped.
#include <zlib.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "base/encoding.h"
#include "crypto/age.h"
#include "crypto/hardening.h"
#include "crypto/hash.h"

namespace crypto = custody::crypto;

namespace {

struct Vector {
  std::string expect;
  std::string payload_sha256;  // hex, may be empty
  std::vector<std::string> identities;
  std::vector<std::string> passphrases;
  bool armored = false;
  bool compressed = false;
  std::vector<std::string> unknown_keys;
  std::string file;
};

bool ParseVector(const std::string& bytes, Vector* v, std::string* why) {
  size_t pos = 0;
  while (true) {
    const size_t eol = bytes.find('\n', pos);
    if (eol == std::string::npos) {
      *why = "no empty line after the vector header";
      return false;
    }
    const std::string line = bytes.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) break;
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) {
      *why = "header line without \": \": " + line;
      return false;
    }
    const std::string key = line.substr(0, colon), value = line.substr(colon + 2);
    if (key == "expect") v->expect = value;
    else if (key == "payload") v->payload_sha256 = value;
    else if (key == "identity") v->identities.push_back(value);
    else if (key == "passphrase") v->passphrases.push_back(value);
    else if (key == "armored") v->armored = value == "yes";
    else if (key == "compressed") {
      if (value != "zlib") v->unknown_keys.push_back("compressed: " + value);
      v->compressed = true;
    } else if (key == "file key" || key == "comment") {
      // informational
    } else {
      v->unknown_keys.push_back(key);
    }
  }
  v->file = bytes.substr(pos);
  return true;
}

bool Inflate(const std::string& in, std::string* out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return false;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  std::vector<char> buf(1 << 16);
  int rc = Z_OK;
  while (rc == Z_OK) {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    rc = inflate(&zs, Z_NO_FLUSH);
    out->append(buf.data(), buf.size() - zs.avail_out);
  }
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

struct Outcome {
  crypto::AgeFailure failure = crypto::AgeFailure::kNone;
  std::string message;
  std::string released_sha256;
  size_t released = 0;
};

Outcome Decrypt(const Vector& v, const std::vector<const crypto::AgeIdentity*>& identities) {
  Outcome outcome;
  crypto::Sha256Hasher hasher;
  crypto::AgeBytesSource source(v.file);
  crypto::AgeReadOptions options;
  options.armor = v.armored ? crypto::AgeArmor::kArmored : crypto::AgeArmor::kBinary;
  crypto::AgeFailure failure = crypto::AgeFailure::kNone;
  auto reader = crypto::AgeReader::Open(source, identities, options, &failure);
  if (!reader) {
    outcome.failure = failure;
    outcome.message = reader.error().message;
  } else {
    while (true) {
      auto chunk = (*reader)->Next();
      if (!chunk) {
        outcome.failure = (*reader)->failure();
        outcome.message = chunk.error().message;
        break;
      }
      if (chunk->empty()) break;
      hasher.Update(*chunk);
      outcome.released += chunk->size();
    }
  }
  const auto h = hasher.Final();
  outcome.released_sha256 = custody::ToHex(h);
  return outcome;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: age_cctv_runner VECTOR\n";
    return 2;
  }
  if (!crypto::InitializeProcess()) return 2;
  const std::string path = argv[1];
  const std::string name = path.substr(path.rfind('/') + 1);
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) {
    std::cerr << "FAIL " << name << ": cannot read " << path << "\n";
    return 1;
  }
  Vector v;
  std::string why;
  if (!ParseVector(bytes, &v, &why)) {
    std::cerr << "FAIL " << name << ": malformed vector: " << why << "\n";
    return 1;
  }
  if (v.compressed) {
    std::string inflated;
    if (!Inflate(v.file, &inflated)) {
      std::cerr << "FAIL " << name << ": zlib data does not inflate\n";
      return 1;
    }
    v.file = std::move(inflated);
  }

  std::vector<std::unique_ptr<crypto::AgeIdentity>> owned;
  std::vector<std::string> unsupported = v.unknown_keys;
  for (const auto& text : v.identities) {
    auto id = crypto::AgeX25519Identity::Parse(text);
    if (id) owned.push_back(std::make_unique<crypto::AgeX25519Identity>(std::move(*id)));
    else unsupported.push_back(id.error().message + ": " + text.substr(0, 20) + "...");
  }
  for (const auto& p : v.passphrases)
    owned.push_back(std::make_unique<crypto::AgeScryptIdentity>(crypto::SecretBytes::CopyOf(
        {reinterpret_cast<const uint8_t*>(p.data()), p.size()})));
  std::vector<const crypto::AgeIdentity*> identities;
  for (const auto& id : owned) identities.push_back(id.get());

  const Outcome got = Decrypt(v, identities);
  const std::string got_class = got.failure == crypto::AgeFailure::kNone
                                    ? "success"
                                    : crypto::AgeFailureName(got.failure);
  std::cout << name << ": expect " << v.expect << "; got " << got_class
            << (got.message.empty() ? "" : " (" + got.message + ")") << "; released "
            << got.released << " bytes\n";

  if (!unsupported.empty()) {
    if (got.failure == crypto::AgeFailure::kNone) {
      std::cout << "FAIL " << name << ": UNSUPPORTED vector was accepted (" << unsupported[0]
                << ")\n";
      return 1;
    }
    std::cout << "UNSUPPORTED (refused) " << name << ": " << unsupported[0] << "\n";
    return 0;
  }

  bool ok = got_class == v.expect;
  if (ok && (v.expect == "success" || v.expect == "payload failure") &&
      !v.payload_sha256.empty() && got.released_sha256 != v.payload_sha256) {
    std::cout << "FAIL " << name << ": released plaintext sha256 " << got.released_sha256
              << ", expected " << v.payload_sha256 << "\n";
    return 1;
  }
  if (!ok) {
    std::cout << "FAIL " << name << ": expected " << v.expect << ", got " << got_class << "\n";
    return 1;
  }
  std::cout << "PASS " << name << "\n";
  return 0;
}
