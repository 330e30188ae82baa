#include "vault/identity/identity.h"

#include "base/posix.h"

#include <fstream>
#include <sstream>

#include "crypto/aead.h"
#include "base/bech32.h"
#include "base/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "format/constants.h"
#include "format/custody.pb.h"
#include "format/endian.h"
#include "base/atomic_file.h"
#include "base/env.h"

namespace custody::vault {

namespace {

constexpr std::string_view kSignPrefix = "ed25519:";

std::string Raw(const auto& array) {
  return std::string(reinterpret_cast<const char*>(array.data()), array.size());
}

// Associated data of the sealed secrets: every public field, in a fixed
// layout (FORMAT.md "Identity file"), so that none can be altered.
std::string SecretsAd(const format::IdentityFile& f) {
  std::string ad(format::kAdIdentity);
  format::PutLe64(ad, f.keys().name().size());
  ad += f.keys().name();
  ad += f.keys().x25519();
  ad += f.keys().ed25519();
  format::PutLe64(ad, f.kdf_opslimit());
  format::PutLe64(ad, f.kdf_memlimit());
  ad += f.salt();
  return ad;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 200) return false;
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string PublicIdentity::AgeRecipient() const { return Bech32Encode("age", Raw(x25519)); }

std::string PublicIdentity::ToLine() const {
  return AgeRecipient() + " " + std::string(kSignPrefix) + custody::ToBase64(Raw(ed25519)) + " " +
         name;
}

std::string PublicIdentity::Fingerprint() const {
  return custody::ToHex(Raw(crypto::Blake2b256(Raw(ed25519))).substr(0, 8));
}

Result<PublicIdentity> PublicIdentity::Parse(const std::string& line_in) {
  std::string line = line_in;
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
    line.pop_back();
  size_t start = line.find_first_not_of(' ');
  if (start == std::string::npos) return Fail(Code::kUsage, "empty public identity");
  line = line.substr(start);
  auto bad = [&](const std::string& why) {
    return Fail(Code::kUsage, "not a public identity (" + why +
                                  "); expected 'age1... ed25519:BASE64 NAME' as printed by "
                                  "'custody id public'");
  };
  auto sp1 = line.find(' ');
  if (sp1 == std::string::npos) return bad("missing signing key");
  auto sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos) return bad("missing name");
  std::string age = line.substr(0, sp1);
  std::string sign = line.substr(sp1 + 1, sp2 - sp1 - 1);
  PublicIdentity id;
  id.name = line.substr(sp2 + 1);
  auto x = Bech32Decode("age", age);
  if (!x || x->size() != 32) return bad("bad age1 recipient");
  if (sign.rfind(kSignPrefix, 0) != 0) return bad("signing key must start with ed25519:");
  auto e = custody::FromBase64(sign.substr(kSignPrefix.size()));
  if (!e || e->size() != 32) return bad("bad ed25519 key");
  if (!ValidName(id.name)) return bad("bad name");
  std::copy(x->begin(), x->end(), id.x25519.begin());
  std::copy(e->begin(), e->end(), id.ed25519.begin());
  return id;
}

Result<PublicIdentity> PublicIdentity::ParseLineOrFile(const std::string& line_or_path) {
  if (line_or_path.rfind("age1", 0) == 0) return Parse(line_or_path);
  // A public identity line is well under 1 KiB (a name is at most 200
  // characters); the bound keeps `--to /dev/zero` from eating memory.
  auto text = ReadSmallFile(line_or_path, 4096, "a public identity file", Code::kUsage);
  if (!text) {
    if (text.error().code == Code::kNotFound)
      return Fail(Code::kNotFound, "public identity file " + line_or_path + " not found");
    return std::unexpected(text.error());
  }
  std::string line = text->substr(0, text->find('\n'));
  auto parsed = Parse(line);
  if (!parsed) return std::unexpected(parsed.error().With(line_or_path));
  return parsed;
}

std::unique_ptr<Identity> Identity::Generate(const std::string& name) {
  std::unique_ptr<Identity> id(new Identity());
  id->x25519_ = crypto::GenerateX25519();
  id->signing_ = crypto::GenerateSigningKey();
  id->public_.name = name;
  id->public_.x25519 = id->x25519_.public_key;
  id->public_.ed25519 = id->signing_.public_key;
  return id;
}

std::string Identity::Sign(std::string_view message) const {
  return crypto::Sign(signing_, message);
}

Status Identity::Save(const std::string& path, const crypto::SecretBytes& passphrase,
                      crypto::KdfProfile profile) const {
  if (!ValidName(public_.name))
    return Fail(Code::kUsage, "identity name must be 1-200 printable characters");
  format::IdentityFile f;
  f.set_version(1);
  f.mutable_keys()->set_name(public_.name);
  f.mutable_keys()->set_x25519(Raw(public_.x25519));
  f.mutable_keys()->set_ed25519(Raw(public_.ed25519));
  auto params = crypto::KdfParamsFor(profile);
  f.set_kdf_opslimit(params.opslimit);
  f.set_kdf_memlimit(params.memlimit);
  f.set_salt(crypto::RandomString(crypto::kKdfSaltSize));
  CUSTODY_ASSIGN(auto key, crypto::DeriveKeyFromPassphrase(passphrase, f.salt(), params));
  crypto::SecretBytes secrets(64);
  std::copy(x25519_.secret_key.data(), x25519_.secret_key.data() + 32, secrets.data());
  auto seed = signing_.seed();
  std::copy(seed.begin(), seed.end(), secrets.data() + 32);
  std::string sealed(64 + crypto::kAeadOverhead, '\0');
  std::string ad = SecretsAd(f);
  crypto::AeadSeal(key.span(), secrets.span(), crypto::AsBytes(ad),
                   {reinterpret_cast<uint8_t*>(sealed.data()), sealed.size()});
  f.set_sealed_secrets(sealed);
  std::string bytes(format::kIdentityMagic);
  bytes += f.SerializeAsString();

  return WriteFileAtomically(DefaultEnv(), path, bytes, /*replace=*/false);
}

namespace {
// Reads and structurally validates an identity file (no secrets touched).
Result<format::IdentityFile> ReadIdentityFile(const std::string& path) {
  Env* env = DefaultEnv();
  auto opened = env->Open(path, OpenMode::kRead);
  if (!opened) {
    if (opened.error().code == Code::kNotFound)
      return Fail(Code::kNotFound, "identity file " + path + " not found");
    return std::unexpected(opened.error());
  }
  auto& file = *opened;
  CUSTODY_ASSIGN(uint64_t size, file->Size());
  if (size > format::kMaxIdentityFileSize)
    return Fail(Code::kCorrupt, path + " is not a Custody identity file (" + std::to_string(size) +
                                    " bytes, at most " +
                                    std::to_string(format::kMaxIdentityFileSize) + ")");
  std::string bytes(size, '\0');
  CUSTODY_ASSIGN(size_t n, file->ReadAt(0, {reinterpret_cast<uint8_t*>(bytes.data()), size}));
  bytes.resize(n);
  const auto& magic = format::kIdentityMagic;
  if (bytes.compare(0, magic.size(), magic) != 0)
    return Fail(Code::kCorrupt, path + " is not a Custody identity file (bad magic)");
  format::IdentityFile f;
  if (!f.ParseFromArray(bytes.data() + magic.size(), static_cast<int>(bytes.size() - magic.size())) ||
      f.version() != 1 || f.keys().x25519().size() != 32 || f.keys().ed25519().size() != 32 ||
      f.salt().size() != crypto::kKdfSaltSize ||
      f.sealed_secrets().size() != 64 + crypto::kAeadOverhead || !ValidName(f.keys().name()))
    return Fail(Code::kCorrupt, "identity file " + path + " is damaged (fields out of range)");
  return f;
}
}  // namespace

Result<PublicIdentity> PublicIdentity::ReadFromIdentityFile(const std::string& path) {
  CUSTODY_ASSIGN(auto f, ReadIdentityFile(path));
  PublicIdentity id;
  id.name = f.keys().name();
  std::copy(f.keys().x25519().begin(), f.keys().x25519().end(), id.x25519.begin());
  std::copy(f.keys().ed25519().begin(), f.keys().ed25519().end(), id.ed25519.begin());
  return id;
}

Result<std::unique_ptr<Identity>> Identity::Load(const std::string& path,
                                                 const crypto::SecretBytes& passphrase) {
  CUSTODY_ASSIGN(auto f, ReadIdentityFile(path));
  crypto::KdfParams params{f.kdf_opslimit(), f.kdf_memlimit()};
  if (auto s = crypto::ValidateKdfParams(params); !s)
    return std::unexpected(s.error().With("identity file " + path));
  CUSTODY_ASSIGN(auto key, crypto::DeriveKeyFromPassphrase(passphrase, f.salt(), params));
  crypto::SecretBytes secrets(64);
  std::string ad = SecretsAd(f);
  if (!crypto::AeadOpen(key.span(), crypto::AsBytes(f.sealed_secrets()), crypto::AsBytes(ad),
                        secrets.span()))
    return Fail(Code::kAuth, "wrong passphrase for identity " + path +
                                 " (or the file was altered)");
  std::unique_ptr<Identity> id(new Identity());
  id->x25519_.secret_key = crypto::SecretBytes::CopyOf(secrets.slice(0, 32));
  id->x25519_.public_key = crypto::X25519PublicFromSecret(id->x25519_.secret_key);
  id->signing_ = crypto::SigningKeyFromSeed(crypto::SecretBytes::CopyOf(secrets.slice(32, 32)));
  if (Raw(id->x25519_.public_key) != f.keys().x25519() ||
      Raw(id->signing_.public_key) != f.keys().ed25519())
    return Fail(Code::kCorrupt, "identity file " + path + " is inconsistent (keys do not match)");
  id->public_.name = f.keys().name();
  id->public_.x25519 = id->x25519_.public_key;
  id->public_.ed25519 = id->signing_.public_key;
  return id;
}

}  // namespace custody::vault
