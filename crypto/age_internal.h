// Internal to the age implementation (crypto/age*.cc); not API. Include
// crypto/age.h instead.
//
//   age_header.cc      unpadded base64, the buffered line reader, the header
//                      grammar (parse and write) and its MAC
//   age_armor.cc       the ASCII armor (RFC 7468 strict PEM), both ways
//   age_recipients.cc  the X25519 and scrypt stanzas
//   age.cc             the STREAM payload: AgeWriter, AgeReader
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/age.h"

namespace custody::crypto::age_internal {

inline constexpr std::string_view kVersionLine = "age-encryption.org/v1";
inline constexpr std::string_view kArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
inline constexpr std::string_view kArmorEnd = "-----END AGE ENCRYPTED FILE-----";
inline constexpr size_t kStanzaColumns = 64;  // body lines: 64 columns = 48 bytes
inline constexpr size_t kArmorColumns = 64;
inline constexpr size_t kArmorLineBytes = 48;
inline constexpr size_t kHeaderMacSize = 32;

// The header's base64: RFC 4648 without padding. Decoding accepts only the
// canonical spelling (no '=', zero trailing bits), as the spec requires: a
// second spelling of a stanza would be a second, differently-MACed header.
std::string EncodeBase64Raw(std::span<const uint8_t> bytes);
std::optional<std::string> DecodeBase64Raw(std::string_view text);

// ChaCha20-Poly1305 (RFC 7539) with an explicit 12-byte nonce: the stanza
// bodies (zero nonce) and the STREAM chunks (counter || last flag) use it.
// `out` is plaintext.size() + 16 / sealed.size() - 16 bytes. Open returns
// false, and leaves `out` zeroed, unless the tag verifies.
void ChaChaSeal(std::span<const uint8_t> key, std::span<const uint8_t, 12> nonce,
                std::span<const uint8_t> plaintext, std::span<uint8_t> out);
bool ChaChaOpen(std::span<const uint8_t> key, std::span<const uint8_t, 12> nonce,
                std::span<const uint8_t> sealed, std::span<uint8_t> out);

// A read buffer over an AgeSource, for the line-oriented parts (header,
// armor) and the lookahead the STREAM reader needs. It is itself a source, so
// the parts stack: file -> armor decoder -> header and payload.
class BufferedSource final : public AgeSource {
 public:
  explicit BufferedSource(AgeSource& in) : in_(in) {}
  Result<size_t> Read(std::span<uint8_t> out) override;
  // Makes at least `n` bytes available unless the input ends first; returns
  // what is available (possibly fewer than n, only at end of input).
  Result<std::span<const uint8_t>> Peek(size_t n);
  void Skip(size_t n);  // REQUIRES: n <= what the last Peek returned
  // The next line up to LF (LF not included). nullopt at end of input before
  // any byte; `ended_with_lf` is false for a last line without LF. kCorrupt
  // if no LF comes within `max_length` bytes.
  struct Line {
    std::string text;
    bool ended_with_lf = false;
  };
  Result<std::optional<Line>> ReadLine(size_t max_length);
  // Reads until `out` is full or the input ends; returns the count.
  Result<size_t> ReadFull(std::span<uint8_t> out);
  // Bytes of the input handed out so far (read or skipped).
  uint64_t consumed() const { return consumed_; }

 private:
  uint64_t consumed_ = 0;
  AgeSource& in_;
  std::vector<uint8_t> buffer_;
  size_t start_ = 0;  // unread bytes are buffer_[start_, buffer_.size())
  bool eof_ = false;
};

// The parsed header. `mac_input` is the exact bytes from the version line up
// to and including "---": the MAC is checked over what was read, never over a
// re-encoding (FORMAT-style rule: authenticate the stored bytes).
struct Header {
  std::vector<AgeStanza> stanzas;
  std::string mac_input;
  std::array<uint8_t, kHeaderMacSize> mac{};
};

// Parses a v1 header, consuming exactly its bytes (the payload follows).
// kCorrupt naming the rule broken ("age header: ..."); the scrypt-alone rule
// is checked here too, since it is a rule of the header as a whole.
Result<Header> ReadHeader(BufferedSource& in);
// The header's bytes up to and including "---" for these stanzas.
// REQUIRES: every stanza has at least one argument of VCHARs.
std::string EncodeHeaderWithoutMac(std::span<const AgeStanza> stanzas);
// HMAC-SHA-256 under HKDF(file key, "", "header").
std::array<uint8_t, kHeaderMacSize> HeaderMac(const SecretBytes& file_key,
                                              std::string_view mac_input);

// The armor writer: the BEGIN line at construction, 64-column lines as bytes
// arrive (one Write to `out` per Write), the last line and END on Close.
class ArmorSink final : public AgeSink {
 public:
  explicit ArmorSink(AgeSink& out) : out_(out) {}
  Status Begin();
  Status Write(std::span<const uint8_t> bytes) override;
  Status Close();

 private:
  AgeSink& out_;
  std::array<uint8_t, kArmorLineBytes> pending_{};
  size_t pending_size_ = 0;
};

// The armor reader: strict PEM as the CCTV armor vectors define it.
// Accepted: whitespace (at most 1 KiB) before the BEGIN line and after the
// END line; LF or CRLF line ends; no line end after END. Refused: anything
// else before or after, headers, empty or whitespace-carrying lines, lines
// over 64 columns, a short line that is not the last, padding other than at
// the very end, non-canonical base64. Every refusal is kCorrupt with a
// message starting "age armor:" and sets failed().
class ArmorSource final : public AgeSource {
 public:
  explicit ArmorSource(BufferedSource& in) : in_(in) {}
  Result<size_t> Read(std::span<uint8_t> out) override;
  bool failed() const { return failed_; }

 private:
  Status Fail(std::string message);
  Status DecodeNextLine();
  Status CheckTrailer();

  BufferedSource& in_;
  bool started_ = false;
  bool done_ = false;
  bool failed_ = false;
  std::string failure_;
  std::array<uint8_t, kArmorLineBytes> line_{};
  size_t line_size_ = 0;
  size_t line_pos_ = 0;
};

}  // namespace custody::crypto::age_internal
