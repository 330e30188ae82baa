#include <catch2/catch.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "crypto/signing.h"
#include "tests/testutil/files.h"
#include "tests/testutil/temp_dir.h"
#include "vault/disposal/certificate.h"
#include "vault/disposal/certificate_pdf.h"
#include "base/encoding.h"

using custody::Code;
using custody::Json;
using custody::FindMember;
using custody::ParseCanonicalJson;
using custody::WriteCanonicalJson;
using namespace custody::vault::disposal;
namespace crypto = custody::crypto;

namespace {

WipeReport FakeReport() {
  WipeReport r;
  r.kind = TargetKind::kBlockDevice;
  r.target = "/dev/loop7";
  r.device.path = "/dev/loop7";
  r.device.kernel_name = "loop7";
  r.device.model = "Model X";
  r.device.serial = "SN123";
  r.device.transport = "loop";
  r.device.size_bytes = 1 << 20;
  r.device.logical_sector_size = 512;
  r.device.physical_sector_size = 4096;
  r.device.rotational = Tristate::kNo;
  r.method = Method::kDod3;
  r.rounds = 1;
  r.verify_mode = VerifyMode::kLast;
  r.seed = crypto::RandomKeystreamSeed();
  r.target_bytes = 1 << 20;
  for (const Pass& p : PassSequence(Method::kDod3, 1)) {
    PassResult pr;
    pr.pass = p;
    pr.bytes_written = r.target_bytes;
    r.passes.push_back(pr);
  }
  r.passes.back().verify = VerifyOutcome{r.target_bytes, 0, std::nullopt};
  r.errors.push_back({4096, 512, "write: Input/output error"});
  r.notes = r.device.Warnings();
  r.started = std::chrono::system_clock::now();
  r.finished = r.started + std::chrono::seconds(3);
  return r;
}

struct Signed {
  crypto::SigningKeyPair op = crypto::GenerateSigningKey();
  crypto::SigningKeyPair wit = crypto::GenerateSigningKey();
  CertificateInput input;
  std::string body_bytes;
  std::string file;

  explicit Signed(bool with_witness = true) {
    input.reason = Reason::kRepair;
    input.operator_signatory = {"王小明", op.public_key};
    if (with_witness) input.witness = Signatory{"Li Witness", wit.public_key};
    input.organisation = "保密办";
    input.location = "Room 3";
    input.repair = {"Tech T", "replace fan", "fan noisy", "pending"};
    input.tool_version = "0.1.0";
    input.host = "host1";
    body_bytes = WriteCanonicalJson(BuildCertificateBody(FakeReport(), input));
    std::vector<CertificateSignature> sigs{SignCertificateBody(body_bytes, "operator", op)};
    if (with_witness) sigs.push_back(SignCertificateBody(body_bytes, "witness", wit));
    file = AssembleCertificate(body_bytes, sigs);
  }
};

// Collects the paths of every leaf of `j` (object keys and array indexes).
void CollectLeaves(const Json& j, std::vector<std::vector<std::string>>& out,
                   std::vector<std::string>& path) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) {
      path.push_back(k);
      CollectLeaves(v, out, path);
      path.pop_back();
    }
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) {
      path.push_back("#" + std::to_string(i));
      CollectLeaves(j[i], out, path);
      path.pop_back();
    }
  } else {
    out.push_back(path);
  }
}

Json* Locate(Json& j, const std::vector<std::string>& path) {
  Json* cur = &j;
  for (const auto& p : path) {
    if (p[0] == '#') cur = &(*cur)[std::stoul(p.substr(1))];
    else cur = cur->contains(p) ? &(*cur)[p] : nullptr;
  }
  return cur;
}

Json Mutated(const Json& leaf) {
  switch (leaf.type()) {
    case Json::value_t::string: return Json(leaf.get_ref<const std::string&>() + "x");
    case Json::value_t::number_unsigned: return Json(leaf.get<uint64_t>() + 1);
    case Json::value_t::boolean: return Json(!leaf.get<bool>());
    default: return Json("x");
  }
}

std::string Join(const std::vector<std::string>& path) {
  std::string s;
  for (const auto& p : path) s += "/" + p;
  return s;
}

}  // namespace

TEST_CASE("SignedCertificateVerifies", "[certificate]") {
  Signed s;
  auto v = VerifyCertificate(s.file);
  REQUIRE(v);
  CHECK(v->body_bytes == s.body_bytes);
  CHECK(v->operator_signatory.name == "王小明");
  REQUIRE(v->witness);
  CHECK(v->witness->ed25519 == s.wit.public_key);
  CHECK(RecordedVerdict(v->body) == "passed");
  CHECK(s.file.back() == '\n');
}

TEST_CASE("BodyCarriesTheNistFieldsAndTheSeed", "[certificate]") {
  Signed s;
  auto body = ParseCanonicalJson(s.body_bytes);
  REQUIRE(body);
  for (const char* k : {"certificate", "reason", "destination", "operator", "witness", "repair",
                        "media", "sanitization", "verification", "times", "errors", "notes",
                        "host"})
    CHECK(FindMember(*body, k) != nullptr);
  const Json* san = FindMember(*body, "sanitization");
  CHECK(FindMember(*san, "method_type")->get_ref<const std::string&>() == "clear");
  CHECK(FindMember(*san, "tool")->get_ref<const std::string&>() == "custody");
  CHECK(FindMember(*san, "seed")->get_ref<const std::string&>().size() == 64);
  CHECK(FindMember(*body, "media")->at("serial").get_ref<const std::string&>() == "SN123");
  CHECK(FindMember(*body, "repair")->at("technician").get_ref<const std::string&>() == "Tech T");
}

TEST_CASE("ChangingAnyBodyFieldBreaksTheSignature", "[certificate]") {
  Signed s;
  auto top = ParseCanonicalJson(std::string_view(s.file).substr(0, s.file.size() - 1));
  REQUIRE(top);
  std::vector<std::vector<std::string>> leaves;
  std::vector<std::string> path;
  CollectLeaves(*top, leaves, path);
  REQUIRE(leaves.size() > 50);
  for (const auto& leaf : leaves) {
    INFO(Join(leaf));
    Json copy = *top;
    Json* target = Locate(copy, leaf);
    REQUIRE(target != nullptr);
    *target = Mutated(*target);
    auto v = VerifyCertificate(WriteCanonicalJson(copy) + "\n");
    REQUIRE_FALSE(v);
    CHECK((v.error().code == Code::kCorrupt || v.error().code == Code::kAuth));
  }
}

TEST_CASE("RenamingOrDroppingABodyFieldBreaksTheSignature", "[certificate]") {
  Signed s;
  auto top = ParseCanonicalJson(std::string_view(s.file).substr(0, s.file.size() - 1));
  REQUIRE(top);
  const Json* body = FindMember(*top, "body");
  for (const auto& [key, value] : body->items()) {
    INFO(key);
    Json copy = *top;
    Json* b = &copy["body"];
    Json rebuilt = Json::object();
    for (const auto& [k, v] : b->items())
      if (k != key) rebuilt[k] = v;
    *b = rebuilt;
    CHECK_FALSE(VerifyCertificate(WriteCanonicalJson(copy) + "\n"));
    rebuilt[key + "_"] = value;
    *b = rebuilt;
    CHECK_FALSE(VerifyCertificate(WriteCanonicalJson(copy) + "\n"));
  }
}

TEST_CASE("NonCanonicalCertificateIsRejectedEvenIfTheBodyIsIntact", "[certificate]") {
  Signed s;
  std::string spaced = s.file;
  spaced.insert(1, " ");
  auto v = VerifyCertificate(spaced);
  REQUIRE_FALSE(v);
  CHECK(v.error().code == Code::kCorrupt);
  CHECK_FALSE(VerifyCertificate(s.file.substr(0, s.file.size() - 1)));  // no newline
  CHECK_FALSE(VerifyCertificate(s.file + "\n"));
}

TEST_CASE("WitnessSignatureIsRequiredWhenTheBodyNamesOne", "[certificate]") {
  Signed s;
  std::string only_op = AssembleCertificate(
      s.body_bytes, {SignCertificateBody(s.body_bytes, "operator", s.op)});
  auto v = VerifyCertificate(only_op);
  REQUIRE_FALSE(v);
  CHECK(v.error().code == Code::kCorrupt);
  CHECK(v.error().message.find("witness") != std::string::npos);
}

TEST_CASE("SignaturesCannotSwapRoles", "[certificate]") {
  Signed s;
  auto a = SignCertificateBody(s.body_bytes, "operator", s.op);
  auto b = SignCertificateBody(s.body_bytes, "witness", s.wit);
  std::swap(a.role, b.role);
  CHECK_FALSE(VerifyCertificate(AssembleCertificate(s.body_bytes, {a, b})));
  // A witness signing twice in both roles fails too.
  auto w1 = SignCertificateBody(s.body_bytes, "operator", s.wit);
  auto w2 = SignCertificateBody(s.body_bytes, "witness", s.wit);
  CHECK_FALSE(VerifyCertificate(AssembleCertificate(s.body_bytes, {w1, w2})));
}

TEST_CASE("OperatorAndWitnessMustDiffer", "[certificate]") {
  Signed s;
  s.input.witness = Signatory{"same", s.op.public_key};
  std::string body = WriteCanonicalJson(BuildCertificateBody(FakeReport(), s.input));
  std::string file = AssembleCertificate(body, {SignCertificateBody(body, "operator", s.op),
                                                SignCertificateBody(body, "witness", s.op)});
  auto v = VerifyCertificate(file);
  REQUIRE_FALSE(v);
  CHECK(v.error().code == Code::kAuth);
}

TEST_CASE("UnsignedCertificateFailsWithAClearMessage", "[certificate]") {
  Signed s(false);
  auto v = VerifyCertificate(AssembleCertificate(s.body_bytes, {}));
  REQUIRE_FALSE(v);
  CHECK(v.error().code == Code::kAuth);
  CHECK(v.error().message.find("unsigned") != std::string::npos);
  // Operator alone (no witness named) verifies.
  CHECK(VerifyCertificate(s.file));
}

TEST_CASE("SignatureOverTheBareBodyWithoutContextIsRejected", "[certificate]") {
  Signed s(false);
  CertificateSignature raw;
  raw.role = "operator";
  raw.ed25519 = s.op.public_key;
  raw.signature = crypto::Sign(s.op, s.body_bytes);
  CHECK_FALSE(VerifyCertificate(AssembleCertificate(s.body_bytes, {raw})));
}

TEST_CASE("FinalPassIsRecoveredFromTheBody", "[certificate]") {
  Signed s;
  auto body = ParseCanonicalJson(s.body_bytes);
  REQUIRE(body);
  auto fp = FinalPassOf(*body);
  REQUIRE(fp);
  CHECK(fp->pass.kind == Pass::Kind::kRandom);
  CHECK(fp->size == (1u << 20));
  CHECK(fp->serial == "SN123");
}

TEST_CASE("PdfIsWrittenWithChineseNames", "[certificate][pdf]") {
  Signed s;
  custody::testutil::TempDir dir;
  auto body = ParseCanonicalJson(s.body_bytes);
  REQUIRE(body);
  std::string pdf = dir.File("c.pdf");
  REQUIRE(WriteCertificatePdf(pdf, *body, s.body_bytes, {"operator: 王小明"}));
  std::string bytes = custody::testutil::ReadFileBytes(pdf);
  CHECK(bytes.starts_with("%PDF-"));
  CHECK(bytes.size() > 2000);
  CHECK(PdfPathFor("a/wipe.json") == "a/wipe.pdf");
  CHECK(PdfPathFor("cert") == "cert.pdf");
}
