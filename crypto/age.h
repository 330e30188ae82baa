// The age v1 file format (C2SP, https://age-encryption.org/v1): a streaming
// writer and reader, X25519 and scrypt recipients, and the ASCII armor.
//
// A file written here opens with the stock tool (`age -d -i KEY`), and a file
// the stock tool writes (`age -r`, `age -a -r`, `age -p`) opens here. The
// reader is checked against the C2SP/CCTV age test kit
// (tests/crypto/age_cctv/, one CTest case per vector).
//
//   header  = "age-encryption.org/v1\n" stanza+ "--- " HMAC "\n"
//   payload = nonce(16) || STREAM chunks of 64 KiB plaintext each, sealed
//             with ChaCha20-Poly1305 under HKDF(file key, nonce, "payload")
//
// What it does not do: hybrid post-quantum (mlkem768x25519), tagged (p256tag)
// and plugin recipients are not implemented; their stanzas are ignored like
// any unknown stanza, so a file addressed only to them is refused with "no
// identity matched". Seeking is not offered. Nothing here hides the payload's
// length (age does not pad).
//
// Keys: the file key, the payload key, X25519 secrets, passphrases and every
// plaintext buffer live in SecretBytes (locked, wiped). Memory is bounded: one
// 64 KiB chunk of plaintext and one of ciphertext per reader or writer,
// whatever the file's size (the header is bounded by kAgeMaxHeaderSize).
//
// Errors: every failure names the problem ("age header MAC mismatch", "age
// payload truncated: no final chunk", ...). Codes: kCorrupt for a malformed,
// tampered or truncated file; kAuth when the file is intact but none of the
// given identities can open it (wrong key or passphrase); kUsage for bad
// arguments (a malformed `age1...` string, an scrypt recipient mixed with
// others); kIo from the sink or source. The finer class the test kit
// distinguishes (armor / header / HMAC / no match / payload) is AgeFailure.
//
// Not thread-safe: one reader or writer per thread (AgePayloadKey is).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/sealed_box.h"
#include "crypto/secret_bytes.h"

namespace custody::crypto {

// On disk, never change (age v1).
inline constexpr size_t kAgeFileKeySize = 16;
inline constexpr size_t kAgeChunkSize = 64 * 1024;  // plaintext bytes per STREAM chunk
inline constexpr size_t kAgeTagSize = 16;           // Poly1305 tag per chunk
inline constexpr size_t kAgePayloadNonceSize = 16;
// Ours, not the spec's: a header longer than this is refused before it is
// buffered (an X25519 stanza is ~110 bytes; age's largest native stanza, the
// post-quantum one, is under 2 KiB).
inline constexpr size_t kAgeMaxHeaderSize = 1 << 20;
// Our bound on an scrypt stanza's log2(N). age itself accepts up to 22
// (4 GiB of memory); 20 (1 GiB) is the bound crypto/password_kdf.h applies to
// Argon2id, and `age -p` writes 18, so what the tool writes still opens.
inline constexpr int kAgeMaxScryptWorkFactor = 20;
// What AgeScryptRecipient writes unless told otherwise: age's own default.
inline constexpr int kAgeDefaultScryptWorkFactor = 18;

// --- Streaming seams -------------------------------------------------------

// Where a writer puts bytes. Write either takes every byte or fails.
class AgeSink {
 public:
  virtual ~AgeSink() = default;
  virtual Status Write(std::span<const uint8_t> bytes) = 0;
};

// Where a reader takes bytes from. Read fills a prefix of `out` and returns its
// length; 0 means end of input (and only then). REQUIRES: !out.empty().
class AgeSource {
 public:
  virtual ~AgeSource() = default;
  virtual Result<size_t> Read(std::span<uint8_t> out) = 0;
};

// In-memory adapters, for small files and tests. Both keep a reference: the
// string / bytes must outlive them.
class AgeStringSink final : public AgeSink {
 public:
  explicit AgeStringSink(std::string& out) : out_(out) {}
  Status Write(std::span<const uint8_t> bytes) override;

 private:
  std::string& out_;
};
class AgeBytesSource final : public AgeSource {
 public:
  explicit AgeBytesSource(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  explicit AgeBytesSource(std::string_view bytes)
      : bytes_(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()) {}
  Result<size_t> Read(std::span<uint8_t> out) override;

 private:
  std::span<const uint8_t> bytes_;
};

// --- Stanzas, recipients, identities ----------------------------------------

// One recipient stanza of the header: `-> type args...` and its body.
// args[0] is the stanza's type ("X25519", "scrypt", ...).
struct AgeStanza {
  std::vector<std::string> args;
  std::string body;  // decoded; a wrapped file key is public once wrapped
};

// Something a file key can be wrapped for (the public side).
class AgeRecipient {
 public:
  virtual ~AgeRecipient() = default;
  // Wraps the 16-byte file key into one or more stanzas.
  virtual Result<std::vector<AgeStanza>> Wrap(const SecretBytes& file_key) const = 0;
  // True for recipient types that must be the only stanza of a header
  // (scrypt: a passphrase-encrypted file must not also open with a key).
  virtual bool MustBeAlone() const { return false; }
};

// Something that can unwrap a file key (the secret side).
class AgeIdentity {
 public:
  virtual ~AgeIdentity() = default;
  // Looks through every stanza of a header. Returns the file key if a stanza
  // addressed to this identity opens; kAuth ("no match") if none does; and
  // kCorrupt if a stanza of this identity's type is malformed (wrong argument
  // count, bad share or salt, body not 32 bytes, low-order share, work factor
  // out of bounds), which aborts the whole read as a header failure.
  virtual Result<SecretBytes> Unwrap(std::span<const AgeStanza> stanzas) const = 0;
};

// `age1...` (bech32): an X25519 public key.
class AgeX25519Recipient final : public AgeRecipient {
 public:
  explicit AgeX25519Recipient(const X25519Public& public_key) : public_key_(public_key) {}
  // kUsage unless `text` is a valid `age1...` recipient of 32 bytes.
  static Result<AgeX25519Recipient> Parse(std::string_view text);
  std::string ToString() const;  // "age1..."
  const X25519Public& public_key() const { return public_key_; }
  Result<std::vector<AgeStanza>> Wrap(const SecretBytes& file_key) const override;

 private:
  X25519Public public_key_;
};

// `AGE-SECRET-KEY-1...` (bech32, as age-keygen writes it): an X25519 secret.
class AgeX25519Identity final : public AgeIdentity {
 public:
  // REQUIRES: secret.size() == 32.
  explicit AgeX25519Identity(SecretBytes secret);
  // kUsage unless `text` is a valid `AGE-SECRET-KEY-1...` line (no
  // surrounding whitespace). `AGE-SECRET-KEY-PQ-1...` and plugin identities
  // are refused with "unsupported age identity type".
  static Result<AgeX25519Identity> Parse(std::string_view text);
  AgeX25519Recipient Recipient() const { return AgeX25519Recipient(public_key_); }
  // The `AGE-SECRET-KEY-1...` line (upper case, as age-keygen writes it and
  // age reads it), in locked memory: it is the secret key.
  SecretBytes ToSecretString() const;
  Result<SecretBytes> Unwrap(std::span<const AgeStanza> stanzas) const override;

 private:
  SecretBytes secret_;
  X25519Public public_key_{};
};

// A passphrase (`age -p`). Writing: one scrypt stanza, alone in the header.
class AgeScryptRecipient final : public AgeRecipient {
 public:
  // REQUIRES: 1 <= work_factor <= kAgeMaxScryptWorkFactor (log2 N).
  explicit AgeScryptRecipient(SecretBytes passphrase,
                              int work_factor = kAgeDefaultScryptWorkFactor);
  Result<std::vector<AgeStanza>> Wrap(const SecretBytes& file_key) const override;
  bool MustBeAlone() const override { return true; }

 private:
  SecretBytes passphrase_;
  int work_factor_;
};

// A passphrase for reading. Refuses (kCorrupt) work factors above
// `max_work_factor` before spending any time or memory on them.
class AgeScryptIdentity final : public AgeIdentity {
 public:
  explicit AgeScryptIdentity(SecretBytes passphrase,
                             int max_work_factor = kAgeMaxScryptWorkFactor);
  Result<SecretBytes> Unwrap(std::span<const AgeStanza> stanzas) const override;

 private:
  SecretBytes passphrase_;
  int max_work_factor_;
};

// --- Payload chunks, for callers that seal or open them in parallel ----------

// The STREAM payload's key. A chunk's nonce is only its index and whether it
// is the final one, so once a caller knows the payload's length (a document
// being sealed, a regular file being opened) the chunks are independent: it
// may seal or open them on several threads and put them in order itself
// (vault/ops/copies.cc, `custody open`). AgeWriter and AgeReader use the
// same primitive one chunk at a time. Seal and Open are const and
// thread-safe.
class AgePayloadKey {
 public:
  AgePayloadKey() = default;
  explicit AgePayloadKey(SecretBytes key) : key_(std::move(key)) {}

  // Chunk `index` into `sealed` (plaintext.size() + kAgeTagSize bytes).
  // REQUIRES (the spec's last-chunk rule, the caller's to keep):
  // plaintext.size() == kAgeChunkSize unless `last`; a chunk is `last` only
  // if it is the payload's final one; empty only for an empty payload's one
  // chunk.
  void Seal(uint64_t index, bool last, std::span<const uint8_t> plaintext,
            std::span<uint8_t> sealed) const;
  // False, and `plaintext` (sealed.size() - kAgeTagSize bytes) zeroed,
  // unless the chunk authenticates as chunk `index` with that final flag.
  bool Open(uint64_t index, bool last, std::span<const uint8_t> sealed,
            std::span<uint8_t> plaintext) const;
  // Open for a payload whose chunk count is known (AgePayloadChunks): kCorrupt
  // with the message AgeReader gives for the same file ("age payload
  // invalid: chunk N failed to authenticate", "... data after the final
  // chunk", "... truncated: no final chunk").
  Status OpenAt(uint64_t index, uint64_t count, std::span<const uint8_t> sealed,
                std::span<uint8_t> plaintext) const;

 private:
  SecretBytes key_;
};

inline constexpr size_t kAgeSealedChunkSize = kAgeChunkSize + kAgeTagSize;

// The chunk count of a payload of `plaintext_size` bytes (an empty payload
// has one, empty, chunk) and of one `payload_length` bytes long as stored
// (after the nonce). The latter is kCorrupt, as AgeReader words it, for a
// length no writer produces: no chunk, a final chunk shorter than its tag,
// an empty final chunk after others.
uint64_t AgeChunkCount(uint64_t plaintext_size);
Result<uint64_t> AgeStoredChunkCount(uint64_t payload_length);

// --- Writer -----------------------------------------------------------------

struct AgeWriteOptions {
  bool armor = false;  // PEM "-----BEGIN AGE ENCRYPTED FILE-----", 64 columns
};

// Encrypts a stream: Create writes the header (and the armor's first line) to
// the sink, Write buffers at most one chunk and seals every full chunk once
// it knows another byte follows, Finish seals the final chunk (empty only if
// the whole payload is) and closes the armor. Nothing is written after a
// failure; a writer destroyed without Finish leaves a truncated file that
// every reader refuses ("no final chunk").
class AgeWriter {
 public:
  // kUsage for no recipients, or a MustBeAlone recipient among others.
  // The recipients are used only inside Create; the sink must outlive the
  // writer.
  static Result<std::unique_ptr<AgeWriter>> Create(
      AgeSink& sink, std::span<const AgeRecipient* const> recipients,
      const AgeWriteOptions& options = {});
  ~AgeWriter();
  AgeWriter(const AgeWriter&) = delete;
  AgeWriter& operator=(const AgeWriter&) = delete;

  // REQUIRES: Finish not called yet.
  Status Write(std::span<const uint8_t> plaintext);
  // REQUIRES: called once.
  Status Finish();

  // For a caller that seals the chunks itself (AgePayloadKey): writes the
  // binary header and the payload nonce to `sink` and returns the payload
  // key. The caller then writes the sealed chunks, in order, after them; a
  // file so written is the same as one Write/Finish would have made.
  // Errors as for Create.
  static Result<AgePayloadKey> WriteHeader(AgeSink& sink,
                                           std::span<const AgeRecipient* const> recipients);

 private:
  class Impl;
  explicit AgeWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// --- Reader -----------------------------------------------------------------

// Which stage refused a file: the test kit's classes of failure.
enum class AgeFailure {
  kNone,
  kArmor,      // the ASCII armor is malformed (or data surrounds it)
  kHeader,     // the header does not parse, or a stanza for our identity is malformed
  kNoMatch,    // the header parses but no identity opens any stanza
  kHeaderMac,  // a file key was unwrapped but the header MAC does not match it
  kPayload,    // a STREAM chunk fails, is missing, or data follows the final one
  kIo,         // the source failed
};
const char* AgeFailureName(AgeFailure failure);

enum class AgeArmor {
  kDetect,   // armored iff the input starts (after whitespace) with "-----BEGIN"
  kBinary,   // the binary format only
  kArmored,  // the ASCII armor only
};

struct AgeReadOptions {
  AgeArmor armor = AgeArmor::kDetect;
};

// Decrypts a stream. Open reads and checks the whole header (armor, syntax,
// the scrypt-alone rule, an identity's unwrap, the header MAC) and the payload
// nonce; Next then returns the payload one authenticated chunk at a time.
//
// A chunk is released only after its Poly1305 tag verified. Because a reader
// cannot know a chunk is the final one until it sees what follows, plaintext
// released before an error is a prefix of the true payload, and the error
// comes at the latest with the next call: a file is complete only when Next
// returned the empty span. Truncation (no final chunk), an empty final chunk
// after others, a chunk after the final one and trailing data are all
// kCorrupt / AgeFailure::kPayload (or kArmor for data after the armor).
class AgeReader {
 public:
  // `identities` are tried in order; they and `source` must outlive Open, and
  // `source` must outlive the reader. On failure `*failure` (if given) says
  // which stage refused.
  static Result<std::unique_ptr<AgeReader>> Open(
      AgeSource& source, std::span<const AgeIdentity* const> identities,
      const AgeReadOptions& options = {}, AgeFailure* failure = nullptr);
  ~AgeReader();
  AgeReader(const AgeReader&) = delete;
  AgeReader& operator=(const AgeReader&) = delete;

  // The next chunk of plaintext (at most kAgeChunkSize bytes, in locked
  // memory owned by the reader, valid until the next call); the empty span
  // once the final chunk has been returned and the input verified to end
  // there. After an error every later call fails the same way.
  Result<std::span<const uint8_t>> Next();
  // kNone until Next fails; then the class of that failure.
  AgeFailure failure() const;
  bool armored() const;

  // For a caller that opens the chunks itself (AgePayloadKey::OpenAt),
  // reading the source's bytes by offset: the payload key and the number of
  // source bytes before the first chunk (header and nonce). kUsage for an
  // armored file or once Next was called.
  struct Payload {
    AgePayloadKey key;
    uint64_t offset = 0;
  };
  Result<Payload> TakePayload();

 private:
  class Impl;
  explicit AgeReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace custody::crypto
