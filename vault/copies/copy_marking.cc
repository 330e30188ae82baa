#include "vault/copies/copy_marking.h"

#include <map>
#include <sstream>

#include "base/encoding.h"
#include "crypto/signing.h"

namespace custody::vault {

namespace {
constexpr const char* kMagic = "custody-copy-marking-v1";
// Domain separation: an Ed25519 signature over a marking can never be taken
// for one over a ledger event or a certificate.
constexpr const char* kDomain = "custody/v1/copy-marking\n";

std::string Body(const CopyMarking& m) {
  std::string b = std::string(kMagic) + "\n";
  b += "vault " + m.vault_id_hex + "\n";
  b += "document " + m.reg_no + "\n";
  b += "copy " + std::to_string(m.copy_no) + " of " + std::to_string(m.of) + "\n";
  b += "level " + m.level + "\n";
  b += "scope " + m.scope + "\n";
  b += "recipient " + m.recipient_line + "\n";
  b += "issuer " + m.issuer_line + "\n";
  b += "issued " + std::to_string(m.issued_unix) + "\n";
  b += "blake2b-256 " + ToHex(std::string_view(reinterpret_cast<const char*>(m.file_hash.data()),
                                               m.file_hash.size())) + "\n";
  return b;
}

Result<uint32_t> ParseCount(const std::string& s) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos)
    return Fail(Code::kCorrupt, "copy marking: bad number '" + s + "'");
  return static_cast<uint32_t>(std::stoul(s));
}
}  // namespace

std::string CopyMarking::Banner() const {
  return "CLASSIFIED " + level + " — " + reg_no + " copy " + std::to_string(copy_no) + " of " +
         std::to_string(of) + " (" + Number() + ")\n" + "  scope:     " + scope + "\n" +
         "  recipient: " + recipient_line + "\n" + "  issued by: " + issuer_line + "\n";
}

Result<std::string> CopyMarking::Sign(const Identity& issuer) const {
  for (const std::string* f : {&vault_id_hex, &reg_no, &level, &scope, &recipient_line, &issuer_line})
    if (f->find_first_of("\r\n") != std::string::npos)
      return Fail(Code::kUsage, "a copy's marking cannot hold a line break: '" + *f + "'");
  if (issuer.public_identity().ToLine() != issuer_line)
    return Fail(Code::kUsage, "copy marking: the issuer line is not the signer's");
  const std::string body = Body(*this);
  return body + "signature " + ToBase64(issuer.Sign(kDomain + body)) + "\n";
}

Result<CopyMarking> CopyMarking::ParseVerified(const std::string& text) {
  const size_t sig_at = text.rfind("signature ");
  if (sig_at == std::string::npos || (sig_at != 0 && text[sig_at - 1] != '\n'))
    return Fail(Code::kCorrupt, "copy marking is not signed");
  const std::string body = text.substr(0, sig_at);
  std::string sig_b64 = text.substr(sig_at + 10);
  if (!sig_b64.empty() && sig_b64.back() == '\n') sig_b64.pop_back();
  std::map<std::string, std::string> fields;
  std::istringstream in(body);
  std::string line;
  if (!std::getline(in, line) || line != kMagic)
    return Fail(Code::kCorrupt, "not a copy marking (expected " + std::string(kMagic) + ")");
  while (std::getline(in, line)) {
    const size_t sp = line.find(' ');
    if (sp == std::string::npos || !fields.emplace(line.substr(0, sp), line.substr(sp + 1)).second)
      return Fail(Code::kCorrupt, "copy marking: malformed line '" + line + "'");
  }
  for (const char* k : {"vault", "document", "copy", "level", "scope", "recipient", "issuer", "issued",
                        "blake2b-256"})
    if (fields.count(k) == 0) return Fail(Code::kCorrupt, std::string("copy marking: no '") + k + "' line");
  CopyMarking m;
  m.vault_id_hex = fields["vault"];
  m.reg_no = fields["document"];
  const std::string& copy = fields["copy"];
  const size_t of_at = copy.find(" of ");
  if (of_at == std::string::npos) return Fail(Code::kCorrupt, "copy marking: bad copy line");
  CUSTODY_ASSIGN(m.copy_no, ParseCount(copy.substr(0, of_at)));
  CUSTODY_ASSIGN(m.of, ParseCount(copy.substr(of_at + 4)));
  m.level = fields["level"];
  m.scope = fields["scope"];
  m.recipient_line = fields["recipient"];
  m.issuer_line = fields["issuer"];
  const std::string& issued = fields["issued"];
  if (issued.empty() || issued.size() > 18 || issued.find_first_not_of("0123456789") != std::string::npos)
    return Fail(Code::kCorrupt, "copy marking: bad issue time");
  m.issued_unix = std::stoll(issued);
  auto hash = FromHex(fields["blake2b-256"]);
  if (!hash || hash->size() != m.file_hash.size())
    return Fail(Code::kCorrupt, "copy marking: bad file hash");
  std::copy(hash->begin(), hash->end(), m.file_hash.begin());
  auto issuer = PublicIdentity::Parse(m.issuer_line);
  if (!issuer) return Fail(Code::kCorrupt, "copy marking: bad issuer line");
  auto sig = FromBase64(sig_b64);
  // Re-serialised and compared: a signed text has exactly one spelling.
  if (!sig || Body(m) != body || !crypto::Verify(issuer->ed25519, kDomain + body, *sig))
    return Fail(Code::kCorrupt, "copy marking's signature does not verify (altered, or not "
                                "the issuer's)");
  return m;
}

}  // namespace custody::vault
