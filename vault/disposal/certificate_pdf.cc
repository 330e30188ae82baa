#include "vault/disposal/certificate_pdf.h"

#include <cstdio>
#include <vector>

#include "crypto/hash.h"
#include "base/encoding.h"
#include "base/env.h"
#include "vault/disposal/io.h"
#include "vault/pdf/pdf_writer.h"

namespace custody::vault::disposal {
namespace {

using pdf::PageWriter;

std::string Str(const Json* obj, std::string_view key) {
  if (obj == nullptr || !obj->is_object()) return "";
  const Json* v = FindMember(*obj, key);
  if (v == nullptr) return "";
  if (v->is_string()) return v->get_ref<const std::string&>();
  if (v->is_number_unsigned()) return std::to_string(v->get<uint64_t>());
  if (v->is_boolean()) return v->get<bool>() ? "yes" : "no";
  return WriteCanonicalJson(*v);
}

// "4096 bytes (4.00 KiB)": the unit follows the size, so a small file does
// not read as "0.00 GiB".
std::string Bytes(const Json* obj, std::string_view key) {
  std::string n = Str(obj, key);
  if (n.empty()) return n;
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double v = std::stod(n);
  if (v < 1024) return n + " bytes";
  int u = -1;
  while (v >= 1024 && u < 3) {
    v /= 1024;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, " (%.2f %s)", v, units[u]);
  return n + " bytes" + buf;
}

// Keys and digests in a size at which they fit the value column on one line.
constexpr double kKeySize = 7.5;

bool HasRandomPass(const Json* san) {
  if (!san || !FindMember(*san, "passes") || !FindMember(*san, "passes")->is_array()) return false;
  for (const Json& p : *FindMember(*san, "passes"))
    if (Str(&p, "pattern") == "random") return true;
  return false;
}

// The printout's sections, in order; each reads its own part of the body
// (missing parts print as "—" rather than failing: the JSON is the record).
void WriteHeader(PageWriter& w, const Json& body) {
  const Json* cert = FindMember(body, "certificate");
  w.Title("Certificate of Sanitization");
  w.Paragraph("After NIST SP 800-88 Rev. 1, Appendix G. Certificate " + Str(cert, "id") +
              ". Reason: " + Str(&body, "reason") + ".");
}

void WriteOperator(PageWriter& w, const Json* op) {
  w.Heading("Person performing sanitization (operator)");
  w.Row("Name", Str(op, "name"));
  w.Row("Organisation", Str(op, "organisation"));
  w.Row("Location", Str(op, "location"));
  w.Row("Signing key", Str(op, "public"), kKeySize);
}

void WriteMedia(PageWriter& w, const Json* media) {
  w.Heading("Media information");
  const std::string kind = Str(media, "target_kind");
  if (kind == "file")
    w.Row("Target", "file in " + Str(media, "path") +
                        " (its name is recorded only as name_digest, since the wipe hides it)");
  else
    w.Row("Target", kind + "  " + Str(media, "path"));
  w.Row("Make / vendor", Str(media, "vendor"));
  w.Row("Model", Str(media, "model"));
  w.Row("Serial number", Str(media, "serial"));
  w.Row("Media type", Str(media, "media_type") + " (rotational: " + Str(media, "rotational") +
                          ", removable: " + Str(media, "removable") + ")");
  w.Row("Transport", Str(media, "transport"));
  // For a file or free-space wipe the medium is the device holding the
  // filesystem; what was overwritten is under "Bytes per pass".
  if (kind == "block-device")
    w.Row("Size", Bytes(media, "size_bytes"));
  else
    w.Row("Device size", Bytes(media, "size_bytes") + ", of the device holding the filesystem");
  w.Row("Sector size", Str(media, "logical_sector_size") + " logical, " +
                           Str(media, "physical_sector_size") + " physical");
  w.Row("HPA / DCO", Str(media, "hpa") + " / " + Str(media, "dco"));
  if (media && FindMember(*media, "filesystem")) w.Row("Filesystem", Str(media, "filesystem"));
  if (media && FindMember(*media, "backing_file")) w.Row("Backing file", Str(media, "backing_file"));
}

void WriteSanitization(PageWriter& w, const Json& body) {
  const Json* san = FindMember(body, "sanitization");
  const Json* times = FindMember(body, "times");
  w.Heading("Sanitization details");
  w.Row("Method type", Str(san, "method_type") + " (" + Str(san, "technique") + ")");
  std::string passes;
  if (san && FindMember(*san, "passes") && FindMember(*san, "passes")->is_array()) {
    for (const Json& p : *FindMember(*san, "passes")) {
      if (!passes.empty()) passes += ", ";
      passes += Str(&p, "pattern");
    }
  }
  w.Row("Method used", Str(san, "method") + ", " + Str(san, "rounds") + " round(s): " + passes);
  w.Row("Bytes per pass", Bytes(san, "target_bytes"));
  w.Row("Bytes written", Bytes(san, "bytes_written"));
  if (HasRandomPass(san)) w.Row("Random seed", Str(san, "seed"), kKeySize);
  w.Row("Tool used", Str(san, "tool") + " " + Str(san, "tool_version"));
  w.Row("Started / finished", Str(times, "started") + "  /  " + Str(times, "finished"));
  w.Row("Host", Str(&body, "host"));
}

void WriteVerification(PageWriter& w, const Json& body) {
  const Json* ver = FindMember(body, "verification");
  w.Heading("Verification");
  w.Row("Method", Str(ver, "method") + " (" + Str(ver, "mode") + ")");
  w.Row("Result", Str(ver, "result"));
  w.Row("Bytes verified", Bytes(ver, "bytes_verified"));
  w.Row("Mismatching bytes", Str(ver, "mismatched_bytes") +
                                 (ver && FindMember(*ver, "first_mismatch_offset")
                                      ? ", first at offset " + Str(ver, "first_mismatch_offset")
                                      : std::string()));
  const Json* errors = FindMember(body, "errors");
  w.Row("I/O errors", errors && errors->is_array() ? std::to_string(errors->size())
                                                   : std::string("?"));
}

// Destination, repair record and notes.
void WriteDisposition(PageWriter& w, const Json& body, const Json* repair) {
  w.Heading("Media destination");
  w.Row("Destination", Str(&body, "destination"));

  if (repair) {
    w.Heading("Repair record (clause 7.1)");
    w.Row("Technician", Str(repair, "technician"));
    w.Row("Work", Str(repair, "work"));
    w.Row("State before", Str(repair, "state_before"));
    w.Row("State after", Str(repair, "state_after"));
  }

  const Json* notes = FindMember(body, "notes");
  if (notes && notes->is_array() && !notes->empty()) {
    w.Heading("Notes");
    for (const Json& n : *notes)
      if (n.is_string()) w.Paragraph("• " + n.get_ref<const std::string&>());
  }
}

void WriteWitness(PageWriter& w, const Json* witness) {
  w.Heading("Person validating the sanitization (witness)");
  if (witness) {
    w.Row("Name", Str(witness, "name"));
    w.Row("Signing key", Str(witness, "public"), kKeySize);
  } else {
    w.Row("Name", "none recorded");
  }
}

void WriteDigitalRecord(PageWriter& w, std::string_view body_bytes,
                        const std::vector<std::string>& signed_by) {
  w.Heading("Digital record");
  crypto::Hash256 digest = crypto::Blake2b256(body_bytes);
  w.Row("BLAKE2b-256 of body", custody::ToHex(std::span<const uint8_t>(digest)), kKeySize);
  if (signed_by.empty()) w.Row("Ed25519 signatures", "NONE — this certificate is unsigned");
  for (const auto& s : signed_by) w.Row("Ed25519 signature", s, kKeySize);
  w.Paragraph(
      "This printout is not itself the signed record. Check the JSON file with "
      "\"custody cert verify FILE\" and compare the BLAKE2b-256 above.");
}

void WriteSignatureBlocks(PageWriter& w, const Json* op, const Json* witness, const Json* repair) {
  w.Heading("Signatures");
  w.SignatureBlock("Operator", Str(op, "name"));
  if (witness) w.SignatureBlock("Witness", Str(witness, "name"));
  if (repair && !Str(repair, "technician").empty())
    w.SignatureBlock("Technician", Str(repair, "technician"));
}

}  // namespace

std::string PdfPathFor(const std::string& json_path) {
  if (json_path.size() > 5 && json_path.ends_with(".json"))
    return json_path.substr(0, json_path.size() - 5) + ".pdf";
  return json_path + ".pdf";
}

Status WriteCertificatePdf(const std::string& path, const Json& body, std::string_view body_bytes,
                           const std::vector<std::string>& signed_by) {
  // cairo writes the file by name; the AtomicFile owns it until published
  // and removes it on every early return.
  CUSTODY_ASSIGN(auto out, AtomicFile::Create(DefaultEnv(), path, kCertificateFileMode));
  const Json* op = FindMember(body, "operator");
  const Json* witness = FindMember(body, "witness");
  const Json* repair = FindMember(body, "repair");
  // Every page names its certificate and its place, so a signature page
  // cannot be stapled to another certificate unnoticed.
  const std::string id = Str(FindMember(body, "certificate"), "id");
  auto footer = [id](int page, int pages) {
    return "Certificate of Sanitization " + id + " — page " + std::to_string(page) + " of " +
           std::to_string(pages);
  };
  CUSTODY_TRY(pdf::RenderPdf(out->temp_path(), {.title = "Certificate of Sanitization", .footer = footer},
                             [&](PageWriter& w) {
                               WriteHeader(w, body);
                               WriteOperator(w, op);
                               WriteMedia(w, FindMember(body, "media"));
                               WriteSanitization(w, body);
                               WriteVerification(w, body);
                               WriteDisposition(w, body, repair);
                               WriteWitness(w, witness);
                               WriteDigitalRecord(w, body_bytes, signed_by);
                               WriteSignatureBlocks(w, op, witness, repair);
                             }));
  // Syncing through the AtomicFile's own descriptor flushes what cairo wrote
  // through its: both refer to the same inode.
  return CommitNewFile(*out);
}

}  // namespace custody::vault::disposal
