// AgeWriter and AgeReader: the header around the STREAM payload.
// See https://age-encryption.org/v1, "Payload". The chunk nonce is an 11-byte
// big-endian counter and a last-chunk flag; the flag is what makes truncation
// at a chunk boundary detectable, so the reader never treats end of input as
// the end of the payload unless the chunk before it was sealed as final.
#include <sodium.h>

#include <algorithm>

#include "crypto/age_internal.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"

namespace custody::crypto {

using namespace age_internal;

namespace {

constexpr size_t kSealedChunkSize = kAgeSealedChunkSize;

std::array<uint8_t, 12> ChunkNonce(uint64_t counter, bool last) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 1 : 0;
  return nonce;
}

AgePayloadKey PayloadKey(const SecretBytes& file_key, std::span<const uint8_t> nonce) {
  return AgePayloadKey(HkdfSha256Key(file_key.span(), nonce, "payload"));
}

std::string ChunkName(uint64_t index) { return "chunk " + std::to_string(index); }

}  // namespace

void AgePayloadKey::Seal(uint64_t index, bool last, std::span<const uint8_t> plaintext,
                         std::span<uint8_t> sealed) const {
  ChaChaSeal(key_.span(), ChunkNonce(index, last), plaintext, sealed);
}

bool AgePayloadKey::Open(uint64_t index, bool last, std::span<const uint8_t> sealed,
                         std::span<uint8_t> plaintext) const {
  return ChaChaOpen(key_.span(), ChunkNonce(index, last), sealed, plaintext);
}

Status AgePayloadKey::OpenAt(uint64_t index, uint64_t count, std::span<const uint8_t> sealed,
                             std::span<uint8_t> plaintext) const {
  const bool last = index + 1 == count;
  if (Open(index, last, sealed, plaintext)) return {};
  // As AgeReader: a chunk that verifies under the other flag is authentic
  // but in the wrong place. Only a full chunk can be either.
  const std::string which = ChunkName(index);
  const bool full = sealed.size() == kAgeSealedChunkSize;
  std::string message = "invalid: " + which + " failed to authenticate (damaged or truncated)";
  if (full && Open(index, !last, sealed, plaintext))
    message = last ? "truncated: no final chunk (" + which + " is sealed as not the last)"
                   : "invalid: data after the final chunk (" + which + ")";
  else if (!full && Open(index, false, sealed, plaintext))
    message = "truncated: no final chunk (" + which + " is short and sealed as not the last)";
  Wipe(plaintext.data(), plaintext.size());
  return Fail(Code::kCorrupt, "age payload " + message);
}

uint64_t AgeChunkCount(uint64_t plaintext_size) {
  return plaintext_size == 0 ? 1 : (plaintext_size + kAgeChunkSize - 1) / kAgeChunkSize;
}

Result<uint64_t> AgeStoredChunkCount(uint64_t payload_length) {
  if (payload_length == 0) return Fail(Code::kCorrupt, "age payload truncated: no chunks");
  const uint64_t count = (payload_length + kAgeSealedChunkSize - 1) / kAgeSealedChunkSize;
  const uint64_t final_size = payload_length - (count - 1) * kAgeSealedChunkSize;
  if (final_size < kAgeTagSize)
    return Fail(Code::kCorrupt, "age payload truncated: " + ChunkName(count - 1) +
                                    " is shorter than its tag");
  if (final_size == kAgeTagSize && count > 1)
    return Fail(Code::kCorrupt,
                "age payload invalid: the final chunk is empty (only an empty payload may be)");
  return count;
}

Status AgeStringSink::Write(std::span<const uint8_t> bytes) {
  out_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return {};
}

Result<size_t> AgeBytesSource::Read(std::span<uint8_t> out) {
  const size_t n = std::min(out.size(), bytes_.size());
  std::copy_n(bytes_.begin(), n, out.begin());
  bytes_ = bytes_.subspan(n);
  return n;
}

const char* AgeFailureName(AgeFailure failure) {
  switch (failure) {
    case AgeFailure::kNone: return "none";
    case AgeFailure::kArmor: return "armor failure";
    case AgeFailure::kHeader: return "header failure";
    case AgeFailure::kNoMatch: return "no match";
    case AgeFailure::kHeaderMac: return "HMAC failure";
    case AgeFailure::kPayload: return "payload failure";
    case AgeFailure::kIo: return "i/o failure";
  }
  return "unknown";
}

// --- Writer -----------------------------------------------------------------

namespace {

Status CheckRecipients(std::span<const AgeRecipient* const> recipients) {
  if (recipients.empty()) return Fail(Code::kUsage, "age writer: no recipients");
  for (const AgeRecipient* recipient : recipients)
    if (recipient->MustBeAlone() && recipients.size() != 1)
      return Fail(Code::kUsage, "age writer: a passphrase (scrypt) recipient must be the only one");
  return {};
}

// A fresh file key wrapped for every recipient, the header MACed under it,
// a fresh payload nonce: everything before the first chunk.
Result<AgePayloadKey> WriteHeaderAndNonce(AgeSink& out,
                                          std::span<const AgeRecipient* const> recipients) {
  SecretBytes file_key = SecretBytes::Random(kAgeFileKeySize);
  std::vector<AgeStanza> stanzas;
  for (const AgeRecipient* recipient : recipients) {
    CUSTODY_ASSIGN(auto wrapped, recipient->Wrap(file_key));
    for (auto& stanza : wrapped) stanzas.push_back(std::move(stanza));
  }
  std::string header = EncodeHeaderWithoutMac(stanzas);
  const auto mac = HeaderMac(file_key, header);
  header += " " + EncodeBase64Raw(mac) + "\n";
  std::array<uint8_t, kAgePayloadNonceSize> nonce{};
  RandomFill(nonce);
  CUSTODY_TRY(out.Write({reinterpret_cast<const uint8_t*>(header.data()), header.size()}));
  CUSTODY_TRY(out.Write(nonce));
  return PayloadKey(file_key, nonce);
}

}  // namespace

Result<AgePayloadKey> AgeWriter::WriteHeader(AgeSink& sink,
                                             std::span<const AgeRecipient* const> recipients) {
  CUSTODY_TRY(CheckRecipients(recipients));
  return WriteHeaderAndNonce(sink, recipients);
}

class AgeWriter::Impl {
 public:
  Impl(AgeSink& sink, bool armor) : raw_(sink), armor_(sink), armored_(armor) {}

  AgeSink& out() { return armored_ ? static_cast<AgeSink&>(armor_) : raw_; }

  Status Start(std::span<const AgeRecipient* const> recipients) {
    if (armored_) CUSTODY_TRY(armor_.Begin());
    CUSTODY_ASSIGN(payload_key_, WriteHeaderAndNonce(out(), recipients));
    return {};
  }

  Status Write(std::span<const uint8_t> plaintext) {
    if (failed_ || finished_) return Fail(Code::kUsage, "age writer: write after failure or Finish");
    while (!plaintext.empty()) {
      // A full chunk is sealed only now that more data follows it: until
      // then it may be the final chunk.
      if (buffered_ == kAgeChunkSize) CUSTODY_TRY(Guard(SealChunk(false)));
      const size_t n = std::min(plaintext.size(), kAgeChunkSize - buffered_);
      std::copy_n(plaintext.begin(), n, plaintext_.data() + buffered_);
      buffered_ += n;
      plaintext = plaintext.subspan(n);
    }
    return {};
  }

  Status Finish() {
    if (failed_ || finished_) return Fail(Code::kUsage, "age writer: Finish after failure or Finish");
    finished_ = true;
    // Empty only if the whole payload is: Write never leaves an empty
    // buffer behind a sealed chunk.
    CUSTODY_TRY(Guard(SealChunk(true)));
    if (armored_) CUSTODY_TRY(Guard(armor_.Close()));
    return {};
  }

 private:
  Status Guard(Status status) {
    if (!status) failed_ = true;
    return status;
  }

  Status SealChunk(bool last) {
    payload_key_.Seal(counter_, last, plaintext_.slice(0, buffered_),
                      std::span(sealed_).first(buffered_ + kAgeTagSize));
    ++counter_;
    // The plaintext is not needed any more; do not leave it lying around.
    Wipe(plaintext_.data(), buffered_);
    const size_t n = buffered_ + kAgeTagSize;
    buffered_ = 0;
    return out().Write(std::span(sealed_).first(n));
  }

  AgeSink& raw_;
  ArmorSink armor_;
  bool armored_;
  AgePayloadKey payload_key_;
  SecretBytes plaintext_{kAgeChunkSize};
  std::vector<uint8_t> sealed_ = std::vector<uint8_t>(kSealedChunkSize);
  size_t buffered_ = 0;
  uint64_t counter_ = 0;
  bool failed_ = false;
  bool finished_ = false;
};

AgeWriter::AgeWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AgeWriter::~AgeWriter() = default;

Result<std::unique_ptr<AgeWriter>> AgeWriter::Create(
    AgeSink& sink, std::span<const AgeRecipient* const> recipients,
    const AgeWriteOptions& options) {
  CUSTODY_TRY(CheckRecipients(recipients));
  auto impl = std::make_unique<Impl>(sink, options.armor);
  CUSTODY_TRY(impl->Start(recipients));
  return std::unique_ptr<AgeWriter>(new AgeWriter(std::move(impl)));
}

Status AgeWriter::Write(std::span<const uint8_t> plaintext) { return impl_->Write(plaintext); }
Status AgeWriter::Finish() { return impl_->Finish(); }

// --- Reader -----------------------------------------------------------------

class AgeReader::Impl {
 public:
  explicit Impl(AgeSource& source) : raw_(source) {}

  // Open's work. On failure sets failure_ and returns the error.
  Status Open(std::span<const AgeIdentity* const> identities, const AgeReadOptions& options) {
    CUSTODY_TRY(Stage(AgeFailure::kHeader, SetUpArmor(options.armor)));
    CUSTODY_ASSIGN(Header header, Stage(AgeFailure::kHeader, ReadHeader(*payload_in_)));

    Result<SecretBytes> file_key = Fail(Code::kAuth, "");
    for (const AgeIdentity* identity : identities) {
      file_key = identity->Unwrap(header.stanzas);
      if (file_key) break;
      if (file_key.error().code != Code::kAuth)  // a malformed stanza of its type
        return Stage(AgeFailure::kHeader, Status(std::unexpected(file_key.error())));
    }
    if (!file_key)
      return Stage(AgeFailure::kNoMatch,
                   Status(Fail(Code::kAuth, "age: no identity matched any of the " +
                                                std::to_string(header.stanzas.size()) +
                                                " recipient stanza(s)")));

    const auto mac = HeaderMac(*file_key, header.mac_input);
    if (sodium_memcmp(mac.data(), header.mac.data(), mac.size()) != 0)
      return Stage(AgeFailure::kHeaderMac,
                   Status(Fail(Code::kCorrupt,
                               "age header MAC mismatch (the header was altered after it was "
                               "written)")));

    std::array<uint8_t, kAgePayloadNonceSize> nonce{};
    CUSTODY_ASSIGN(size_t got, Stage(AgeFailure::kHeader, payload_in_->ReadFull(nonce)));
    if (got != nonce.size())
      return Stage(AgeFailure::kHeader,
                   Status(Fail(Code::kCorrupt, "age header: truncated: the payload nonce is " +
                                                   std::to_string(got) + " bytes, expected 16")));
    payload_key_ = PayloadKey(*file_key, nonce);
    return {};
  }

  Result<std::span<const uint8_t>> Next() {
    if (error_) return std::unexpected(*error_);
    if (pending_error_) {
      error_ = std::move(pending_error_);
      failure_ = AgeFailure::kPayload;
      return std::unexpected(*error_);
    }
    if (done_) return std::span<const uint8_t>();
    auto chunk = NextChunk();
    if (!chunk) error_ = chunk.error();
    return chunk;
  }

  AgeFailure failure() const { return failure_; }
  bool armored() const { return armor_ != nullptr; }

  Result<Payload> TakePayload() {
    if (armor_) return Fail(Code::kUsage, "age reader: an armored payload has no byte offsets");
    if (taken_ || counter_ != 0 || error_ || done_)
      return Fail(Code::kUsage, "age reader: the payload was already read or taken");
    taken_ = true;
    error_ = Error{Code::kUsage, "age reader: the payload was taken"};
    return Payload{std::move(payload_key_), raw_.consumed()};
  }

 private:
  Status SetUpArmor(AgeArmor mode) {
    bool armored = mode == AgeArmor::kArmored;
    if (mode == AgeArmor::kDetect) {
      // A binary file starts with "age-encryption.org/"; PEM with "-----",
      // possibly after whitespace.
      CUSTODY_ASSIGN(auto head, raw_.Peek(1024 + 1));
      auto first = std::find_if(head.begin(), head.end(), [](uint8_t c) {
        return c != ' ' && c != '\t' && c != '\r' && c != '\n';
      });
      armored = first != head.end() && *first == '-';
    }
    if (armored) {
      armor_ = std::make_unique<ArmorSource>(raw_);
      armored_in_ = std::make_unique<BufferedSource>(*armor_);
      payload_in_ = armored_in_.get();
    } else {
      payload_in_ = &raw_;
    }
    return {};
  }

  // Tags an error with the stage that produced it; armor and source errors
  // keep their own class whatever the stage.
  template <typename T>
  T Stage(AgeFailure stage, T result) {
    if (!result) {
      if (armor_ && armor_->failed())
        failure_ = AgeFailure::kArmor;
      else if (result.error().code == Code::kIo)
        failure_ = AgeFailure::kIo;
      else
        failure_ = stage;
    }
    return result;
  }

  Result<std::span<const uint8_t>> NextChunk() {
    // Up to one sealed chunk plus one byte: the extra byte tells a full
    // chunk that is final from one that is not.
    CUSTODY_ASSIGN(size_t got, Stage(AgeFailure::kPayload,
                                     payload_in_->ReadFull(std::span(sealed_).subspan(
                                         carried_, sealed_.size() - carried_))));
    const size_t n = carried_ + got;
    carried_ = 0;
    const std::string which = "chunk " + std::to_string(counter_);
    auto payload_error = [&](std::string message) -> Result<std::span<const uint8_t>> {
      failure_ = AgeFailure::kPayload;
      return Fail(Code::kCorrupt, "age payload " + std::move(message));
    };

    if (n == 0)
      return payload_error(counter_ == 0 ? "truncated: no chunks"
                                         : "truncated: no final chunk");
    if (n < kAgeTagSize) return payload_error("truncated: " + which + " is shorter than its tag");
    const bool more = n > kSealedChunkSize;
    const size_t size = more ? kSealedChunkSize : n;
    if (!more && size == kAgeTagSize && counter_ > 0)
      return payload_error("invalid: the final chunk is empty (only an empty payload may be)");
    auto sealed = std::span<const uint8_t>(sealed_).first(size);
    auto plain = plaintext_.span().first(size - kAgeTagSize);

    if (payload_key_.Open(counter_, !more, sealed, plain)) {
      if (more) {
        sealed_[0] = sealed_[kSealedChunkSize];
        carried_ = 1;
      } else {
        done_ = true;  // ReadFull hit the end of input: nothing follows
      }
      ++counter_;
      return std::span<const uint8_t>(plain);
    }
    // The tag failed under the flag the chunk's position implies. If it
    // verifies under the other flag, the chunk is authentic but the stream
    // around it is wrong: a chunk sealed as final with data after it, or a
    // chunk sealed as not final with nothing after it (cut at a chunk
    // boundary). Its plaintext is released like any verified chunk (the test
    // kit expects that: released bytes are a verified prefix) and the error
    // comes with the next call.
    // Only a full chunk can be either: a short one must be final.
    const bool full = size == kSealedChunkSize;
    if (full && payload_key_.Open(counter_, more, sealed, plain)) {
      ++counter_;
      pending_error_ = Error{
          Code::kCorrupt,
          more ? "age payload invalid: data after the final chunk (" + which + ")"
               : "age payload truncated: no final chunk (" + which + " is sealed as not the last)"};
      return std::span<const uint8_t>(plain);
    }
    if (!full && payload_key_.Open(counter_, false, sealed, plain)) {
      // A short chunk is final by position, so one sealed as not final means
      // the rest of the file was cut off. Not released: chunks before a
      // final one are always full, so this cannot be a valid prefix.
      Wipe(plain.data(), plain.size());
      return payload_error("truncated: no final chunk (" + which +
                           " is short and sealed as not the last)");
    }
    return payload_error("invalid: " + which + " failed to authenticate (damaged or truncated)");
  }

  BufferedSource raw_;
  std::unique_ptr<ArmorSource> armor_;
  std::unique_ptr<BufferedSource> armored_in_;
  BufferedSource* payload_in_ = nullptr;
  AgePayloadKey payload_key_;
  bool taken_ = false;
  SecretBytes plaintext_{kAgeChunkSize};
  std::vector<uint8_t> sealed_ = std::vector<uint8_t>(kSealedChunkSize + 1);
  size_t carried_ = 0;
  uint64_t counter_ = 0;
  bool done_ = false;
  std::optional<Error> error_;
  std::optional<Error> pending_error_;  // for the call after a released chunk
  AgeFailure failure_ = AgeFailure::kNone;
};

AgeReader::AgeReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AgeReader::~AgeReader() = default;

Result<std::unique_ptr<AgeReader>> AgeReader::Open(
    AgeSource& source, std::span<const AgeIdentity* const> identities,
    const AgeReadOptions& options, AgeFailure* failure) {
  auto impl = std::make_unique<Impl>(source);
  auto opened = impl->Open(identities, options);
  if (failure) *failure = impl->failure();
  if (!opened) return std::unexpected(opened.error());
  return std::unique_ptr<AgeReader>(new AgeReader(std::move(impl)));
}

Result<std::span<const uint8_t>> AgeReader::Next() { return impl_->Next(); }
AgeFailure AgeReader::failure() const { return impl_->failure(); }
bool AgeReader::armored() const { return impl_->armored(); }
Result<AgeReader::Payload> AgeReader::TakePayload() { return impl_->TakePayload(); }

}  // namespace custody::crypto
