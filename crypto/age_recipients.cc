// The native age recipient types: X25519 and scrypt.
// See https://age-encryption.org/v1, "The X25519 recipient type" and "The
// scrypt recipient type". Both wrap the 16-byte file key with
// ChaCha20-Poly1305 under a zero nonce (each wrap key is used once), and both
// check the body is exactly 32 bytes before decrypting it: an AEAD that
// accepted other lengths would be a partitioning oracle.
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <cstring>

#include "base/bech32.h"
#include "crypto/age_internal.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"
#include "crypto/sodium_check.h"

namespace custody::crypto {

using age_internal::DecodeBase64Raw;
using age_internal::EncodeBase64Raw;

namespace {

constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr std::string_view kScryptLabel = "age-encryption.org/v1/scrypt";
constexpr size_t kWrappedKeySize = kAgeFileKeySize + kAgeTagSize;
constexpr size_t kScryptSaltSize = 16;
constexpr std::array<uint8_t, 12> kZeroNonce{};

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::unexpected<Error> Malformed(std::string message) {
  return Fail(Code::kCorrupt, "age header: " + std::move(message));
}

std::string WrapFileKey(std::span<const uint8_t> wrap_key, const SecretBytes& file_key) {
  std::string body(kWrappedKeySize, '\0');
  age_internal::ChaChaSeal(wrap_key, kZeroNonce, file_key.span(),
                           {reinterpret_cast<uint8_t*>(body.data()), body.size()});
  return body;
}

// The file key if `body` opens under `wrap_key`. REQUIRES: body is 32 bytes.
std::optional<SecretBytes> UnwrapFileKey(std::span<const uint8_t> wrap_key,
                                         std::string_view body) {
  SecretBytes file_key(kAgeFileKeySize);
  if (!age_internal::ChaChaOpen(wrap_key, kZeroNonce, Bytes(body), file_key.span()))
    return std::nullopt;
  return file_key;
}

// The salt of the X25519 wrap key: ephemeral share || recipient.
std::array<uint8_t, 64> X25519Salt(std::span<const uint8_t> share, const X25519Public& recipient) {
  std::array<uint8_t, 64> salt{};
  std::copy(share.begin(), share.end(), salt.begin());
  std::copy(recipient.begin(), recipient.end(), salt.begin() + 32);
  return salt;
}

// log2(N) as the spec spells it: ^[1-9][0-9]*$, no sign, no leading zero.
std::optional<int> ParseWorkFactor(std::string_view text) {
  if (text.empty() || text.size() > 2 || text[0] < '1' || text[0] > '9') return std::nullopt;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

SecretBytes ScryptWrapKey(const SecretBytes& passphrase, std::span<const uint8_t> salt,
                          int work_factor, bool* ok) {
  std::array<uint8_t, kScryptLabel.size() + kScryptSaltSize> full_salt{};
  std::copy(kScryptLabel.begin(), kScryptLabel.end(), full_salt.begin());
  std::copy(salt.begin(), salt.end(), full_salt.begin() + kScryptLabel.size());
  SecretBytes key(32);
  // Declared nonnull even for an empty passphrase, whose data() is null.
  static const uint8_t kNothing = 0;
  const uint8_t* pass = passphrase.empty() ? &kNothing : passphrase.data();
  *ok = crypto_pwhash_scryptsalsa208sha256_ll(pass, passphrase.size(),
                                              full_salt.data(), full_salt.size(),
                                              uint64_t{1} << work_factor, 8, 1, key.data(),
                                              key.size()) == 0;
  return key;
}

}  // namespace

// --- X25519 -----------------------------------------------------------------

Result<AgeX25519Recipient> AgeX25519Recipient::Parse(std::string_view text) {
  auto data = Bech32Decode("age", text);
  if (!data || data->size() != kX25519KeySize)
    return Fail(Code::kUsage, "not an age X25519 recipient (expected age1... of 32 bytes)");
  X25519Public key{};
  std::memcpy(key.data(), data->data(), key.size());
  return AgeX25519Recipient(key);
}

std::string AgeX25519Recipient::ToString() const {
  return Bech32Encode("age", {reinterpret_cast<const char*>(public_key_.data()), public_key_.size()});
}

Result<std::vector<AgeStanza>> AgeX25519Recipient::Wrap(const SecretBytes& file_key) const {
  // A fresh ephemeral secret for every stanza of every file.
  SecretBytes ephemeral = SecretBytes::Random(32);
  std::array<uint8_t, 32> share{};
  internal::MustSucceed(crypto_scalarmult_base(share.data(), ephemeral.data()),
                        "crypto_scalarmult_base");
  SecretBytes shared(32);
  if (crypto_scalarmult(shared.data(), ephemeral.data(), public_key_.data()) != 0)
    return Fail(Code::kUsage, "age recipient is a low-order point (no shared secret)");
  const auto salt = X25519Salt(share, public_key_);
  SecretBytes wrap_key = HkdfSha256Key(shared.span(), salt, kX25519Label);
  AgeStanza stanza;
  stanza.args = {"X25519", EncodeBase64Raw(share)};
  stanza.body = WrapFileKey(wrap_key.span(), file_key);
  return std::vector<AgeStanza>{std::move(stanza)};
}

AgeX25519Identity::AgeX25519Identity(SecretBytes secret) : secret_(std::move(secret)) {
  if (secret_.size() != kX25519KeySize) std::abort();  // programmer error
  internal::MustSucceed(crypto_scalarmult_base(public_key_.data(), secret_.data()),
                        "crypto_scalarmult_base");
}

SecretBytes AgeX25519Identity::ToSecretString() const {
  std::string text = Bech32Encode(
      "age-secret-key-", {reinterpret_cast<const char*>(secret_.data()), secret_.size()});
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  SecretBytes out = SecretBytes::CopyOf(Bytes(text));
  Wipe(text.data(), text.size());
  return out;
}

Result<AgeX25519Identity> AgeX25519Identity::Parse(std::string_view text) {
  if (text.starts_with("AGE-SECRET-KEY-PQ-1") || text.starts_with("AGE-PLUGIN-"))
    return Fail(Code::kUsage,
                "unsupported age identity type (only AGE-SECRET-KEY-1... X25519 identities)");
  // age-keygen writes the upper-case form and age accepts only that.
  if (!text.starts_with("AGE-SECRET-KEY-1"))
    return Fail(Code::kUsage, "not an age identity (expected AGE-SECRET-KEY-1...)");
  auto data = Bech32Decode("age-secret-key-", text);
  if (!data || data->size() != kX25519KeySize) {
    if (data) Wipe(data->data(), data->size());
    return Fail(Code::kUsage, "malformed age identity (bad bech32 checksum or length)");
  }
  SecretBytes secret = SecretBytes::CopyOf(Bytes(*data));
  Wipe(data->data(), data->size());
  return AgeX25519Identity(std::move(secret));
}

Result<SecretBytes> AgeX25519Identity::Unwrap(std::span<const AgeStanza> stanzas) const {
  for (const auto& stanza : stanzas) {
    if (stanza.args[0] != "X25519") continue;  // not ours: ignored, not an error
    if (stanza.args.size() != 2)
      return Malformed("X25519 stanza has " + std::to_string(stanza.args.size() - 1) +
                       " arguments, expected 1");
    auto share = DecodeBase64Raw(stanza.args[1]);
    if (!share || share->size() != 32)
      return Malformed("X25519 share is not canonical base64 of 32 bytes");
    if (stanza.body.size() != kWrappedKeySize)
      return Malformed("X25519 stanza body is " + std::to_string(stanza.body.size()) +
                       " bytes, expected 32");
    SecretBytes shared(32);
    // crypto_scalarmult fails exactly when the result is all zeros (a
    // low-order share), which the spec says MUST abort.
    if (crypto_scalarmult(shared.data(), secret_.data(),
                          reinterpret_cast<const uint8_t*>(share->data())) != 0)
      return Malformed("X25519 share is a low-order point (all-zero shared secret)");
    const auto salt = X25519Salt(Bytes(*share), public_key_);
    SecretBytes wrap_key = HkdfSha256Key(shared.span(), salt, kX25519Label);
    if (auto file_key = UnwrapFileKey(wrap_key.span(), stanza.body)) return std::move(*file_key);
    // Addressed to someone else: try the next stanza.
  }
  return Fail(Code::kAuth, "no X25519 stanza is addressed to this identity");
}

// --- scrypt -----------------------------------------------------------------

AgeScryptRecipient::AgeScryptRecipient(SecretBytes passphrase, int work_factor)
    : passphrase_(std::move(passphrase)), work_factor_(work_factor) {
  if (work_factor_ < 1 || work_factor_ > kAgeMaxScryptWorkFactor) std::abort();
}

Result<std::vector<AgeStanza>> AgeScryptRecipient::Wrap(const SecretBytes& file_key) const {
  std::array<uint8_t, kScryptSaltSize> salt{};
  RandomFill(salt);
  bool ok = false;
  SecretBytes wrap_key = ScryptWrapKey(passphrase_, salt, work_factor_, &ok);
  if (!ok) return Fail(Code::kIo, "age scrypt: out of memory for work factor " +
                                      std::to_string(work_factor_));
  AgeStanza stanza;
  stanza.args = {"scrypt", EncodeBase64Raw(salt), std::to_string(work_factor_)};
  stanza.body = WrapFileKey(wrap_key.span(), file_key);
  return std::vector<AgeStanza>{std::move(stanza)};
}

AgeScryptIdentity::AgeScryptIdentity(SecretBytes passphrase, int max_work_factor)
    : passphrase_(std::move(passphrase)), max_work_factor_(max_work_factor) {}

Result<SecretBytes> AgeScryptIdentity::Unwrap(std::span<const AgeStanza> stanzas) const {
  for (const auto& stanza : stanzas) {
    if (stanza.args[0] != "scrypt") continue;
    // ReadHeader enforces this already; kept here so the identity is safe
    // on any stanza list it is handed.
    if (stanzas.size() != 1) return Malformed("an scrypt stanza must be the only stanza");
    if (stanza.args.size() != 3)
      return Malformed("scrypt stanza has " + std::to_string(stanza.args.size() - 1) +
                       " arguments, expected 2");
    auto salt = DecodeBase64Raw(stanza.args[1]);
    if (!salt || salt->size() != kScryptSaltSize)
      return Malformed("scrypt salt is not canonical base64 of 16 bytes");
    auto work_factor = ParseWorkFactor(stanza.args[2]);
    if (!work_factor) return Malformed("scrypt work factor is not a decimal number 1-99");
    // Bounded before any memory is spent: the file chooses N.
    if (*work_factor > max_work_factor_)
      return Malformed("scrypt work factor " + std::to_string(*work_factor) +
                       " is above the limit " + std::to_string(max_work_factor_));
    if (stanza.body.size() != kWrappedKeySize)
      return Malformed("scrypt stanza body is " + std::to_string(stanza.body.size()) +
                       " bytes, expected 32");
    bool ok = false;
    SecretBytes wrap_key = ScryptWrapKey(passphrase_, Bytes(*salt), *work_factor, &ok);
    if (!ok) return Fail(Code::kIo, "age scrypt: out of memory for work factor " +
                                        std::to_string(*work_factor));
    if (auto file_key = UnwrapFileKey(wrap_key.span(), stanza.body)) return std::move(*file_key);
  }
  return Fail(Code::kAuth, "no scrypt stanza opens with this passphrase");
}

}  // namespace custody::crypto
