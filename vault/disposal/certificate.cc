#include "vault/disposal/certificate.h"

#include "base/encoding.h"

namespace custody::vault::disposal {
namespace {

constexpr std::string_view kEd25519Prefix = "ed25519:";

std::unexpected<Error> Corrupt(const std::string& what) {
  return Fail(Code::kCorrupt, "certificate: " + what);
}

// Fetches a member of the given type or fails naming its path.
Result<const Json*> Member(const Json& obj, std::string_view key, Json::value_t type,
                           const std::string& where) {
  if (!obj.is_object()) return Corrupt(where + " is not an object");
  const Json* v = FindMember(obj, key);
  if (v == nullptr) return Corrupt("missing " + where + "." + std::string(key));
  if (v->type() != type) return Corrupt(where + "." + std::string(key) + " has the wrong type");
  return v;
}

Result<Signatory> ParseSignatory(const Json& j, const std::string& where) {
  Signatory s;
  CUSTODY_ASSIGN(const Json* name, Member(j, "name", Json::value_t::string, where));
  CUSTODY_ASSIGN(const Json* pub, Member(j, "public", Json::value_t::string, where));
  auto key = Signatory::ParsePublicText(pub->get_ref<const std::string&>());
  if (!key) return Corrupt(where + ".public is not an ed25519:<base64> key");
  s.name = name->get_ref<const std::string&>();
  s.ed25519 = *key;
  return s;
}

}  // namespace

const char* ReasonName(Reason reason) {
  switch (reason) {
    case Reason::kRepair: return "repair";
    case Reason::kScrap: return "scrap";
    case Reason::kReuse: return "reuse";
    case Reason::kTransfer: return "transfer";
  }
  return "unknown";
}

Result<Reason> ParseReason(std::string_view name) {
  if (name == "repair") return Reason::kRepair;
  if (name == "scrap") return Reason::kScrap;
  if (name == "reuse") return Reason::kReuse;
  if (name == "transfer") return Reason::kTransfer;
  return Fail(Code::kUsage, "unknown reason \"" + std::string(name) +
                                "\"; expected repair, scrap, reuse or transfer");
}

const char* DestinationFor(Reason reason) {
  switch (reason) {
    case Reason::kRepair: return "manufacturer or repairer (sent out for repair)";
    case Reason::kScrap: return "destruction (scrapped at a designated place)";
    case Reason::kReuse: return "internal reuse";
    case Reason::kTransfer: return "external reuse (transferred out of the organisation)";
  }
  return "unknown";
}

std::string Signatory::PublicText() const {
  return std::string(kEd25519Prefix) +
         custody::ToBase64(std::string_view(reinterpret_cast<const char*>(ed25519.data()),
                                       ed25519.size()));
}

std::optional<crypto::Ed25519Public> Signatory::ParsePublicText(std::string_view text) {
  if (!text.starts_with(kEd25519Prefix)) return std::nullopt;
  auto raw = custody::FromBase64(text.substr(kEd25519Prefix.size()));
  if (!raw || raw->size() != crypto::kEd25519PublicSize) return std::nullopt;
  crypto::Ed25519Public key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>((*raw)[i]);
  return key;
}

std::string CertificateSigningMessage(std::string_view body_bytes) {
  std::string msg(kCertificateSigningContext);
  msg.append(body_bytes);
  return msg;
}

CertificateSignature SignCertificateBody(std::string_view body_bytes, std::string role,
                                         const crypto::SigningKeyPair& key) {
  CertificateSignature s;
  s.role = std::move(role);
  s.ed25519 = key.public_key;
  s.signature = crypto::Sign(key, CertificateSigningMessage(body_bytes));
  return s;
}

std::string AssembleCertificate(std::string_view body_bytes,
                                const std::vector<CertificateSignature>& signatures) {
  Json sigs = Json::array();
  for (const auto& s : signatures) {
    Json j = Json::object();
    j["role"] = s.role;
    j["public"] = Signatory{"", s.ed25519}.PublicText();
    j["signature"] = custody::ToBase64(s.signature);
    sigs.push_back(std::move(j));
  }
  // {"body":<body bytes>,"signatures":[...]}: the keys are already in order.
  std::string out = "{\"body\":";
  out.append(body_bytes);
  out += ",\"signatures\":";
  out += WriteCanonicalJson(sigs);
  out += "}\n";
  return out;
}

namespace {

// The body's certificate section: this format, in this version.
Status CheckFormat(const Json& body) {
  CUSTODY_ASSIGN(const Json* cert, Member(body, "certificate", Json::value_t::object, "body"));
  CUSTODY_ASSIGN(const Json* format, Member(*cert, "format", Json::value_t::string, "certificate"));
  CUSTODY_ASSIGN(const Json* version, Member(*cert, "version", Json::value_t::number_unsigned, "certificate"));
  if (format->get_ref<const std::string&>() != kCertificateFormat)
    return Corrupt("format is \"" + format->get_ref<const std::string&>() + "\", expected \"" +
                   std::string(kCertificateFormat) + "\"");
  if (version->get<uint64_t>() != kCertificateVersion)
    return Corrupt("version " + std::to_string(version->get<uint64_t>()) + " is not supported (expected " +
                   std::to_string(kCertificateVersion) + ")");
  return {};
}

// Who the body says vouches for it: an operator, always, and a witness who
// must be someone else.
Status ParseSignatories(const Json& body, const Json& sigs, VerifiedCertificate& out) {
  const Json* op = FindMember(body, "operator");
  if (op == nullptr || sigs.empty())
    return Fail(Code::kAuth, "certificate is unsigned: it names no operator or carries no "
                             "signature, so nobody vouches for it");
  CUSTODY_ASSIGN(out.operator_signatory, ParseSignatory(*op, "operator"));
  if (const Json* w = FindMember(body, "witness")) {
    CUSTODY_ASSIGN(Signatory witness, ParseSignatory(*w, "witness"));
    out.witness = witness;
    if (witness.ed25519 == out.operator_signatory.ed25519)
      return Fail(Code::kAuth, "certificate: operator and witness are the same identity");
  }
  return {};
}

// Checks one signature against the identity its role names in the body;
// each role may sign once.
Status VerifySignature(const Json& s, const VerifiedCertificate& out, bool& have_operator,
                       bool& have_witness) {
  if (!s.is_object() || s.size() != 3)
    return Corrupt("a signature must be exactly {\"public\",\"role\",\"signature\"}");
  CUSTODY_ASSIGN(const Json* role, Member(s, "role", Json::value_t::string, "signature"));
  CUSTODY_ASSIGN(const Json* pub, Member(s, "public", Json::value_t::string, "signature"));
  CUSTODY_ASSIGN(const Json* sig, Member(s, "signature", Json::value_t::string, "signature"));
  const Signatory* expected = nullptr;
  bool* seen = nullptr;
  if (role->get_ref<const std::string&>() == "operator") {
    expected = &out.operator_signatory;
    seen = &have_operator;
  } else if (role->get_ref<const std::string&>() == "witness" && out.witness) {
    expected = &*out.witness;
    seen = &have_witness;
  } else {
    return Corrupt("signature with unexpected role \"" + role->get_ref<const std::string&>() + "\"");
  }
  if (*seen) return Corrupt("two signatures for the " + role->get_ref<const std::string&>());
  *seen = true;
  if (pub->get_ref<const std::string&>() != expected->PublicText())
    return Corrupt("the " + role->get_ref<const std::string&>() + " signature is by " + pub->get_ref<const std::string&>() +
                   ", but the body names " + expected->PublicText());
  auto raw = custody::FromBase64(sig->get_ref<const std::string&>());
  if (!raw || raw->size() != crypto::kSignatureSize)
    return Corrupt("the " + role->get_ref<const std::string&>() + " signature is not 64 bytes of base64");
  if (!crypto::Verify(expected->ed25519, CertificateSigningMessage(out.body_bytes), *raw))
    return Corrupt("the " + role->get_ref<const std::string&>() + " signature (" + expected->name +
                   ") does not verify: the certificate was altered after it was signed");
  return {};
}

}  // namespace

Result<VerifiedCertificate> VerifyCertificate(std::string_view file_bytes) {
  if (file_bytes.size() > kMaxCertificateSize)
    return Corrupt("file is larger than " + std::to_string(kMaxCertificateSize) + " bytes");
  if (file_bytes.empty() || file_bytes.back() != '\n')
    return Corrupt("does not end with a single newline");
  std::string_view json = file_bytes.substr(0, file_bytes.size() - 1);
  auto parsed = ParseCanonicalJson(json);
  if (!parsed) return std::unexpected(parsed.error().With("certificate"));
  const Json& top = *parsed;
  if (!top.is_object() || top.size() != 2)
    return Corrupt("top level must be exactly {\"body\",\"signatures\"}");
  CUSTODY_ASSIGN(const Json* body, Member(top, "body", Json::value_t::object, "file"));
  CUSTODY_ASSIGN(const Json* sigs, Member(top, "signatures", Json::value_t::array, "file"));

  VerifiedCertificate out;
  out.body = *body;
  // The exact stored bytes, as signed: the whole file is canonical, so the
  // body's canonical spelling is the very span it was read from.
  out.body_bytes = WriteCanonicalJson(*body);

  CUSTODY_TRY(CheckFormat(*body));
  CUSTODY_TRY(ParseSignatories(*body, *sigs, out));
  bool have_operator = false, have_witness = false;
  for (const Json& s : *sigs)
    CUSTODY_TRY(VerifySignature(s, out, have_operator, have_witness));
  if (!have_operator)
    return Fail(Code::kAuth, "certificate is unsigned: there is no operator signature");
  if (out.witness && !have_witness)
    return Corrupt("the body names a witness but carries no witness signature");
  return out;
}

std::string RecordedVerdict(const Json& body) {
  const Json* v = FindMember(body, "verification");
  if (v == nullptr || !v->is_object()) return "unknown";
  const Json* r = FindMember(*v, "result");
  if (r == nullptr || !r->is_string()) return "unknown";
  return r->get_ref<const std::string&>();
}

Result<FinalPass> FinalPassOf(const Json& body) {
  CUSTODY_ASSIGN(const Json* media, Member(body, "media", Json::value_t::object, "body"));
  CUSTODY_ASSIGN(const Json* san, Member(body, "sanitization", Json::value_t::object, "body"));
  CUSTODY_ASSIGN(const Json* kind, Member(*media, "target_kind", Json::value_t::string, "media"));
  if (kind->get_ref<const std::string&>() != "block-device")
    return Fail(Code::kUsage, "the certificate is for a " + kind->get_ref<const std::string&>() +
                                  " wipe, whose target was removed; only block-device "
                                  "certificates can be checked against a device");
  CUSTODY_ASSIGN(const Json* method_name, Member(*san, "method", Json::value_t::string, "sanitization"));
  CUSTODY_ASSIGN(const Json* rounds, Member(*san, "rounds", Json::value_t::number_unsigned, "sanitization"));
  CUSTODY_ASSIGN(const Json* passes, Member(*san, "passes", Json::value_t::array, "sanitization"));
  CUSTODY_ASSIGN(const Json* seed_hex, Member(*san, "seed", Json::value_t::string, "sanitization"));
  CUSTODY_ASSIGN(const Json* size, Member(*san, "target_bytes", Json::value_t::number_unsigned, "sanitization"));
  auto method = ParseMethod(method_name->get_ref<const std::string&>());
  if (!method) return Corrupt("unknown method " + method_name->get_ref<const std::string&>());
  if (rounds->get<uint64_t>() < 1 || rounds->get<uint64_t>() > 1000) return Corrupt("rounds out of range");
  std::vector<Pass> expected = PassSequence(*method, static_cast<uint32_t>(rounds->get<uint64_t>()));
  if (passes->size() != expected.size())
    return Corrupt("records " + std::to_string(passes->size()) + " passes; " +
                   method_name->get_ref<const std::string&>() + " has " + std::to_string(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    CUSTODY_ASSIGN(const Json* pattern,
                   Member((*passes)[i], "pattern", Json::value_t::string, "pass"));
    if (pattern->get_ref<const std::string&>() != expected[i].Describe())
      return Corrupt("pass " + std::to_string(i + 1) + " is recorded as " +
                     pattern->get_ref<const std::string&>() + ", expected " + expected[i].Describe());
  }
  auto seed = custody::FromHex(seed_hex->get_ref<const std::string&>());
  if (!seed || seed->size() != crypto::kKeystreamSeedSize)
    return Corrupt("seed is not 32 bytes of hex");
  FinalPass out;
  out.pass = expected.back();
  for (size_t i = 0; i < out.seed.size(); ++i) out.seed[i] = static_cast<uint8_t>((*seed)[i]);
  out.size = size->get<uint64_t>();
  if (const Json* s = FindMember(*media, "serial"); s && s->is_string()) out.serial = s->get_ref<const std::string&>();
  if (const Json* m = FindMember(*media, "model"); m && m->is_string()) out.model = m->get_ref<const std::string&>();
  return out;
}

}  // namespace custody::vault::disposal
