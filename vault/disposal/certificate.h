// Certificates of sanitization: what a wipe did, signed by the operator who
// ran it and, optionally, a witness, in a form that can be checked years
// later without trusting the file's custodian.
//
// File format (docs/WIPE.md "Certificate format" is the normative text):
//
//   {"body":{...},"signatures":[{"public":"ed25519:<b64>","role":"operator",
//    "signature":"<b64>"},{...,"role":"witness",...}]}\n
//
// The whole file is canonical JSON (base/json.h) followed by one "\n".
// Each signature is Ed25519 over kCertificateSigningContext followed by the
// exact bytes of the body value as they stand in the file. Verification takes
// those bytes from the file (it never re-serializes to check), and also
// rejects any file that is not byte-for-byte canonical, so there is exactly
// one file for a given body and set of signatures.
//
// The body carries the fields of the NIST SP 800-88 Rev. 1 sample
// "Certificate of Sanitization" (person, media, method type and method,
// tool and version, verification, destination, validating person) plus the
// device facts, times, byte counts, I/O errors, the keystream seed of the
// random passes, and the repair record of clause 7.1 (technician, work, state
// before and after). Each signer's Ed25519 public key is named inside the
// body, so a signature cannot be moved to another body or another role.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/keystream.h"
#include "crypto/signing.h"
#include "base/status.h"
#include "base/json.h"
#include "vault/disposal/engine.h"
#include "vault/disposal/method.h"

namespace custody::vault::disposal {

inline constexpr std::string_view kCertificateFormat = "custody-sanitization-certificate";
inline constexpr uint64_t kCertificateVersion = 1;
// Prepended to the body bytes before signing: a certificate signature can
// never be mistaken for a signature over a ledger event or anything else.
inline constexpr std::string_view kCertificateSigningContext =
    "custody sanitization certificate v1\n";
// Certificates larger than this are refused unread (a hostile file).
inline constexpr size_t kMaxCertificateSize = size_t{4} << 20;

enum class Reason { kRepair, kScrap, kReuse, kTransfer };
const char* ReasonName(Reason reason);  // "repair", "scrap", "reuse", "transfer"
Result<Reason> ParseReason(std::string_view name);  // kUsage otherwise
// NIST SP 800-88 "media destination" for a reason.
const char* DestinationFor(Reason reason);

struct Signatory {
  std::string name;  // display name of the identity
  crypto::Ed25519Public ed25519{};
  // "ed25519:<base64>", the spelling identity lines use.
  std::string PublicText() const;
  static std::optional<crypto::Ed25519Public> ParsePublicText(std::string_view text);
};

struct RepairRecord {  // clause 7.1; empty strings are omitted from the body
  std::string technician;
  std::string work;
  std::string state_before;
  std::string state_after;
  bool empty() const {
    return technician.empty() && work.empty() && state_before.empty() && state_after.empty();
  }
};

struct CertificateInput {
  Reason reason = Reason::kReuse;
  Signatory operator_signatory;
  std::optional<Signatory> witness;
  std::string organisation;
  std::string location;
  RepairRecord repair;
  std::string tool_version;  // e.g. "0.1.0"
  std::string host;          // host name of the machine that ran the wipe
  std::string id;            // 32 lowercase hex; a random one if empty
};

// The body for `report`. REQUIRES: every string in `input` is valid UTF-8
// (the CLI checks; see IsValidUtf8).
Json BuildCertificateBody(const WipeReport& report, const CertificateInput& input);

// The bytes an Ed25519 signer signs for `body_bytes`.
std::string CertificateSigningMessage(std::string_view body_bytes);

struct CertificateSignature {
  std::string role;  // "operator" or "witness"
  crypto::Ed25519Public ed25519{};
  std::string signature;  // 64 raw bytes
};

CertificateSignature SignCertificateBody(std::string_view body_bytes, std::string role,
                                         const crypto::SigningKeyPair& key);

// The complete file: canonical {"body","signatures"} and a final "\n".
// REQUIRES: body_bytes is canonical JSON of an object (Json::Write output).
std::string AssembleCertificate(std::string_view body_bytes,
                                const std::vector<CertificateSignature>& signatures);

struct VerifiedCertificate {
  Json body;
  std::string body_bytes;
  Signatory operator_signatory;
  std::optional<Signatory> witness;
};

// Checks a certificate file's bytes:
//   kCorrupt  not canonical, wrong structure or format/version, a signature
//             that does not verify (altered after signing), a signature whose
//             key or role does not match the body, or a missing witness
//             signature when the body names a witness;
//   kAuth     unsigned (no operator in the body or no operator signature),
//             or operator and witness are the same key.
// Does not judge the recorded outcome (see RecordedVerdict).
Result<VerifiedCertificate> VerifyCertificate(std::string_view file_bytes);

// body.verification.result: "passed", "failed" or "not-performed".
std::string RecordedVerdict(const Json& body);

// What a device must hold after the wipe the body describes: the final pass
// over [0, size). kUsage if the body is not for a block device or a file
// that still exists (file and free-space targets were removed), kCorrupt if
// the recorded passes do not match the method.
struct FinalPass {
  Pass pass;
  crypto::KeystreamSeed seed{};
  uint64_t size = 0;
  std::string serial;  // recorded serial ("" if none)
  std::string model;
};
Result<FinalPass> FinalPassOf(const Json& body);

}  // namespace custody::vault::disposal
