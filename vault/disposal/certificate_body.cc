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
  Json j = Json::object();
  j["name"] = s.name;
  j["public"] = s.PublicText();
  return j;
}

// One helper per section of the body, in the order BuildCertificateBody
// sets them (the canonical writer sorts members, so the bytes do not depend
// on that order).
Json CertificateSection(const CertificateInput& input) {
  Json cert = Json::object();
  cert["format"] = std::string(kCertificateFormat);
  cert["version"] = kCertificateVersion;
  cert["id"] = input.id.empty() ? custody::ToHex(crypto::RandomString(16)) : input.id;
  return cert;
}

// The people: operator, witness and, for a repair, the repair record.
void SetPeople(Json& body, const CertificateInput& input) {
  // NIST: "Person performing sanitization".
  Json op = SignatoryJson(input.operator_signatory);
  op["organisation"] = input.organisation;
  op["location"] = input.location;
  body["operator"] = std::move(op);
  // NIST: "Person validating the sanitization".
  if (input.witness) body["witness"] = SignatoryJson(*input.witness);

  if (!input.repair.empty()) {
    Json repair = Json::object();
    repair["technician"] = input.repair.technician;
    repair["work"] = input.repair.work;
    repair["state_before"] = input.repair.state_before;
    repair["state_after"] = input.repair.state_after;
    body["repair"] = std::move(repair);
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
  Json media = Json::object();
  media["target_kind"] = TargetKindName(report.kind);
  if (report.kind == TargetKind::kFile) {
    std::filesystem::path p(report.target);
    std::string dir = p.parent_path().string();
    media["path"] = dir.empty() ? std::string(".") : dir;
    media["name_digest"] = NameDigest(id, p.filename().string());
  } else {
    media["path"] = report.target;
  }
  media["device"] = d.kernel_name;
  media["vendor"] = d.vendor;
  media["model"] = d.model;
  media["serial"] = d.serial;
  media["size_bytes"] = d.size_bytes;
  media["logical_sector_size"] = uint64_t{d.logical_sector_size};
  media["physical_sector_size"] = uint64_t{d.physical_sector_size};
  media["rotational"] = TristateName(d.rotational);
  media["removable"] = TristateName(d.removable);
  media["transport"] = d.transport;
  media["media_type"] = d.MediaType();
  media["hpa"] = d.hpa;
  media["dco"] = d.dco;
  if (!d.backing_file.empty()) media["backing_file"] = d.backing_file;
  if (!d.filesystem.empty()) media["filesystem"] = d.filesystem;
  return media;
}

Json PassesJson(const WipeReport& report) {
  Json passes = Json::array();
  for (size_t i = 0; i < report.passes.size(); ++i) {
    const PassResult& p = report.passes[i];
    Json pj = Json::object();
    pj["index"] = uint64_t{i + 1};
    pj["pattern"] = p.pass.Describe();
    if (p.pass.kind == Pass::Kind::kRandom) pj["stream"] = p.pass.stream;
    pj["bytes"] = p.bytes_written;
    pj["verified"] = !p.verify ? "not-performed" : p.verify->ok() ? "passed" : "failed";
    passes.push_back(std::move(pj));
  }
  return passes;
}

Json SanitizationSection(const WipeReport& report, const CertificateInput& input) {
  Json san = Json::object();
  san["method_type"] = "clear";  // NIST: an overwrite is a Clear, never a Purge
  san["technique"] = "overwrite";
  san["method"] = MethodName(report.method);
  san["rounds"] = uint64_t{report.rounds};
  san["passes"] = PassesJson(report);
  san["seed"] = custody::ToHex(std::span<const uint8_t>(report.seed));
  san["target_bytes"] = report.target_bytes;
  san["bytes_written"] = report.bytes_written();
  san["removed"] = Json(report.removed);
  san["tool"] = "custody";
  san["tool_version"] = input.tool_version;
  return san;
}

Json VerificationSection(const WipeReport& report) {
  Json ver = Json::object();
  ver["mode"] = VerifyModeName(report.verify_mode);
  ver["method"] = "full read-back with O_DIRECT, every byte compared";
  ver["result"] = VerdictName(report.verdict());
  ver["bytes_verified"] = report.bytes_verified();
  ver["mismatched_bytes"] = report.mismatched_bytes();
  if (auto m = report.first_mismatch()) ver["first_mismatch_offset"] = *m;
  return ver;
}

// Times, I/O errors, notes and host: what the run itself recorded.
void SetRecord(Json& body, const WipeReport& report, const CertificateInput& input) {
  Json times = Json::object();
  times["started"] = Rfc3339(report.started);
  times["finished"] = Rfc3339(report.finished);
  body["times"] = std::move(times);

  Json errors = Json::array();
  for (const auto& e : report.errors) {
    Json ej = Json::object();
    ej["offset"] = e.offset;
    ej["length"] = e.length;
    ej["message"] = e.message;
    errors.push_back(std::move(ej));
  }
  body["errors"] = std::move(errors);

  Json notes = Json::array();
  for (const auto& n : report.notes) notes.push_back(n);
  body["notes"] = std::move(notes);
  body["host"] = input.host;
}

}  // namespace

Json BuildCertificateBody(const WipeReport& report, const CertificateInput& input) {
  Json body = Json::object();
  Json cert = CertificateSection(input);
  const std::string id = FindMember(cert, "id")->get_ref<const std::string&>();
  body["certificate"] = std::move(cert);
  body["reason"] = ReasonName(input.reason);
  body["destination"] = DestinationFor(input.reason);
  SetPeople(body, input);
  body["media"] = MediaSection(report, id);
  body["sanitization"] = SanitizationSection(report, input);
  body["verification"] = VerificationSection(report);
  SetRecord(body, report, input);
  return body;
}

}  // namespace custody::vault::disposal
