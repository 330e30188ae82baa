// The body of a certificate of sanitization (BuildCertificateBody): the
// JSON that is signed, one helper per section.
#include <ctime>

#include <filesystem>

#include "crypto/hash.h"
#include "crypto/random.h"
#include "base/encoding.h"
#include "vault/disposal/certificate.h"

namespace custody::vault::disposal {
namespace {

std::string Rfc3339(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json SignatoryJson(const Signatory& s) {
  Json j = Json::Object();
  j.Set("name", s.name);
  j.Set("public", s.PublicText());
  return j;
}

// One helper per section of the body, in the order BuildCertificateBody
// sets them (the canonical writer sorts members, so the bytes do not depend
// on that order).
Json CertificateSection(const CertificateInput& input) {
  Json cert = Json::Object();
  cert.Set("format", std::string(kCertificateFormat));
  cert.Set("version", kCertificateVersion);
  cert.Set("id", input.id.empty() ? custody::ToHex(crypto::RandomString(16)) : input.id);
  return cert;
}

// The people: operator, witness and, for a repair, the repair record.
void SetPeople(Json& body, const CertificateInput& input) {
  // NIST: "Person performing sanitization".
  Json op = SignatoryJson(input.operator_signatory);
  op.Set("organisation", input.organisation);
  op.Set("location", input.location);
  body.Set("operator", std::move(op));
  // NIST: "Person validating the sanitization".
  if (input.witness) body.Set("witness", SignatoryJson(*input.witness));

  if (!input.repair.empty()) {
    Json repair = Json::Object();
    repair.Set("technician", input.repair.technician);
    repair.Set("work", input.repair.work);
    repair.Set("state_before", input.repair.state_before);
    repair.Set("state_after", input.repair.state_after);
    body.Set("repair", std::move(repair));
  }
}

// A file wipe renames the file to a random name before unlinking it, so
// that its name does not survive in the directory; a certificate spelling
// the name out would undo that wherever it is filed. What an auditor needs
// is to tie the certificate to the file they were told of: the directory
// in clear, and the name as BLAKE2b-256("custody wipe file name" 0 id 0
// name), which confirms a name given to them and does not show it to anyone
// else (a guessable name can still be guessed: docs/WIPE.md says so).
std::string NameDigest(const std::string& id, const std::string& name) {
  std::string input = "custody wipe file name";
  input.push_back('\0');
  input += id;
  input.push_back('\0');
  input += name;
  return custody::ToHex(std::span<const uint8_t>(crypto::Blake2b256(input)));
}

Json MediaSection(const WipeReport& report, const std::string& id) {
  const DeviceFacts& d = report.device;
  Json media = Json::Object();
  media.Set("target_kind", TargetKindName(report.kind));
  if (report.kind == TargetKind::kFile) {
    std::filesystem::path p(report.target);
    std::string dir = p.parent_path().string();
    media.Set("path", dir.empty() ? std::string(".") : dir);
    media.Set("name_digest", NameDigest(id, p.filename().string()));
  } else {
    media.Set("path", report.target);
  }
  media.Set("device", d.kernel_name);
  media.Set("vendor", d.vendor);
  media.Set("model", d.model);
  media.Set("serial", d.serial);
  media.Set("size_bytes", d.size_bytes);
  media.Set("logical_sector_size", uint64_t{d.logical_sector_size});
  media.Set("physical_sector_size", uint64_t{d.physical_sector_size});
  media.Set("rotational", TristateName(d.rotational));
  media.Set("removable", TristateName(d.removable));
  media.Set("transport", d.transport);
  media.Set("media_type", d.MediaType());
  media.Set("hpa", d.hpa);
  media.Set("dco", d.dco);
  if (!d.backing_file.empty()) media.Set("backing_file", d.backing_file);
  if (!d.filesystem.empty()) media.Set("filesystem", d.filesystem);
  return media;
}

Json PassesJson(const WipeReport& report) {
  Json passes = Json::Array();
  for (size_t i = 0; i < report.passes.size(); ++i) {
    const PassResult& p = report.passes[i];
    Json pj = Json::Object();
    pj.Set("index", uint64_t{i + 1});
    pj.Set("pattern", p.pass.Describe());
    if (p.pass.kind == Pass::Kind::kRandom) pj.Set("stream", p.pass.stream);
    pj.Set("bytes", p.bytes_written);
    pj.Set("verified", !p.verify ? "not-performed" : p.verify->ok() ? "passed" : "failed");
    passes.Push(std::move(pj));
  }
  return passes;
}

Json SanitizationSection(const WipeReport& report, const CertificateInput& input) {
  Json san = Json::Object();
  san.Set("method_type", "clear");  // NIST: an overwrite is a Clear, never a Purge
  san.Set("technique", "overwrite");
  san.Set("method", MethodName(report.method));
  san.Set("rounds", uint64_t{report.rounds});
  san.Set("passes", PassesJson(report));
  san.Set("seed", custody::ToHex(std::span<const uint8_t>(report.seed)));
  san.Set("target_bytes", report.target_bytes);
  san.Set("bytes_written", report.bytes_written());
  san.Set("removed", Json::Bool(report.removed));
  san.Set("tool", "custody");
  san.Set("tool_version", input.tool_version);
  return san;
}

Json VerificationSection(const WipeReport& report) {
  Json ver = Json::Object();
  ver.Set("mode", VerifyModeName(report.verify_mode));
  ver.Set("method", "full read-back with O_DIRECT, every byte compared");
  ver.Set("result", VerdictName(report.verdict()));
  ver.Set("bytes_verified", report.bytes_verified());
  ver.Set("mismatched_bytes", report.mismatched_bytes());
  if (auto m = report.first_mismatch()) ver.Set("first_mismatch_offset", *m);
  return ver;
}

// Times, I/O errors, notes and host: what the run itself recorded.
void SetRecord(Json& body, const WipeReport& report, const CertificateInput& input) {
  Json times = Json::Object();
  times.Set("started", Rfc3339(report.started));
  times.Set("finished", Rfc3339(report.finished));
  body.Set("times", std::move(times));

  Json errors = Json::Array();
  for (const auto& e : report.errors) {
    Json ej = Json::Object();
    ej.Set("offset", e.offset);
    ej.Set("length", e.length);
    ej.Set("message", e.message);
    errors.Push(std::move(ej));
  }
  body.Set("errors", std::move(errors));

  Json notes = Json::Array();
  for (const auto& n : report.notes) notes.Push(n);
  body.Set("notes", std::move(notes));
  body.Set("host", input.host);
}

}  // namespace

Json BuildCertificateBody(const WipeReport& report, const CertificateInput& input) {
  Json body = Json::Object();
  Json cert = CertificateSection(input);
  const std::string id = cert.Find("id")->as_string();
  body.Set("certificate", std::move(cert));
  body.Set("reason", ReasonName(input.reason));
  body.Set("destination", DestinationFor(input.reason));
  SetPeople(body, input);
  body.Set("media", MediaSection(report, id));
  body.Set("sanitization", SanitizationSection(report, input));
  body.Set("verification", VerificationSection(report));
  SetRecord(body, report, input);
  return body;
}

}  // namespace custody::vault::disposal
