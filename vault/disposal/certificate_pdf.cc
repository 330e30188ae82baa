#include "vault/disposal/certificate_pdf.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "crypto/hash.h"
#include "base/encoding.h"
#include "base/env.h"
#include "vault/disposal/io.h"

namespace custody::vault::disposal {
namespace {

// A4 in points, and the page layout.
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.89;
constexpr double kMargin = 48;
constexpr double kLabelWidth = 150;
constexpr double kBottom = kPageHeight - kMargin;

struct CairoSurfaceDeleter {
  void operator()(cairo_surface_t* s) const { cairo_surface_destroy(s); }
};
struct CairoDeleter {
  void operator()(cairo_t* c) const { cairo_destroy(c); }
};
struct GObjectDeleter {
  void operator()(void* p) const { g_object_unref(p); }
};
struct FontDescDeleter {
  void operator()(PangoFontDescription* d) const { pango_font_description_free(d); }
};

int ToPango(double points) { return static_cast<int>(points * PANGO_SCALE); }

// Lays out text top-down, starting new pages as needed.
class PageWriter {
 public:
  explicit PageWriter(cairo_t* cr) : cr_(cr) {}

  void Title(const std::string& text) { Text(text, 16, true, kMargin, kPageWidth - 2 * kMargin, 6); }
  void Heading(const std::string& text) {
    y_ += 8;
    EnsureRoom(40);
    Text(text, 11.5, true, kMargin, kPageWidth - 2 * kMargin, 2);
    cairo_set_line_width(cr_, 0.6);
    cairo_move_to(cr_, kMargin, y_);
    cairo_line_to(cr_, kPageWidth - kMargin, y_);
    cairo_stroke(cr_);
    y_ += 4;
  }
  void Row(const std::string& label, const std::string& value) {
    double label_h = Measure(label, 9, true, kLabelWidth - 8);
    double value_h = Measure(value.empty() ? "—" : value, 9, false,
                             kPageWidth - 2 * kMargin - kLabelWidth);
    EnsureRoom(std::max(label_h, value_h));
    double y0 = y_;
    Text(label, 9, true, kMargin, kLabelWidth - 8, 0);
    double y_label = y_;
    y_ = y0;
    Text(value.empty() ? "—" : value, 9, false, kMargin + kLabelWidth,
         kPageWidth - 2 * kMargin - kLabelWidth, 0);
    y_ = std::max(y_, y_label) + 2;
  }
  void Paragraph(const std::string& text, double size = 8.5) {
    EnsureRoom(Measure(text, size, false, kPageWidth - 2 * kMargin));
    Text(text, size, false, kMargin, kPageWidth - 2 * kMargin, 3);
  }
  void SignatureBlock(const std::string& role, const std::string& name) {
    EnsureRoom(70);
    y_ += 6;
    Text(role + ": " + name, 9.5, true, kMargin, kPageWidth - 2 * kMargin, 22);
    cairo_set_line_width(cr_, 0.5);
    cairo_move_to(cr_, kMargin, y_);
    cairo_line_to(cr_, kMargin + 260, y_);
    cairo_move_to(cr_, kMargin + 300, y_);
    cairo_line_to(cr_, kPageWidth - kMargin, y_);
    cairo_stroke(cr_);
    double y0 = y_ + 2;
    y_ = y0;
    Text("Signature", 7.5, false, kMargin, 200, 0);
    y_ = y0;
    Text("Date", 7.5, false, kMargin + 300, 200, 6);
  }

 private:
  std::unique_ptr<PangoLayout, GObjectDeleter> Layout(const std::string& text, double size,
                                                      bool bold, double width) {
    std::unique_ptr<PangoLayout, GObjectDeleter> layout(pango_cairo_create_layout(cr_));
    std::unique_ptr<PangoFontDescription, FontDescDeleter> font(
        pango_font_description_from_string(kPdfFontFamilies));
    pango_font_description_set_absolute_size(font.get(), size * PANGO_SCALE);
    pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout.get(), font.get());
    pango_layout_set_width(layout.get(), ToPango(width));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout.get(), text.c_str(), static_cast<int>(text.size()));
    return layout;
  }
  double Measure(const std::string& text, double size, bool bold, double width) {
    auto layout = Layout(text, size, bold, width);
    int w = 0, h = 0;
    pango_layout_get_size(layout.get(), &w, &h);
    return static_cast<double>(h) / PANGO_SCALE;
  }
  void Text(const std::string& text, double size, bool bold, double x, double width,
            double after) {
    auto layout = Layout(text, size, bold, width);
    int w = 0, h = 0;
    pango_layout_get_size(layout.get(), &w, &h);
    cairo_move_to(cr_, x, y_);
    pango_cairo_show_layout(cr_, layout.get());
    y_ += static_cast<double>(h) / PANGO_SCALE + after;
  }
  void EnsureRoom(double height) {
    if (y_ + height <= kBottom) return;
    cairo_show_page(cr_);
    y_ = kMargin;
  }

  cairo_t* cr_;
  double y_ = kMargin;
};

std::string Str(const Json* obj, std::string_view key) {
  if (obj == nullptr || !obj->is_object()) return "";
  const Json* v = obj->Find(key);
  if (v == nullptr) return "";
  if (v->is_string()) return v->as_string();
  if (v->is_int()) return std::to_string(v->as_int());
  if (v->is_bool()) return v->as_bool() ? "yes" : "no";
  return v->Write();
}

std::string Bytes(const Json* obj, std::string_view key) {
  std::string n = Str(obj, key);
  if (n.empty()) return n;
  char buf[64];
  std::snprintf(buf, sizeof buf, " (%.2f GiB)", std::stod(n) / (1024.0 * 1024 * 1024));
  return n + " bytes" + buf;
}

// The printout's sections, in order; each reads its own part of the body
// (missing parts print as "—" rather than failing: the JSON is the record).
void WriteHeader(PageWriter& w, const Json& body) {
  const Json* cert = body.Find("certificate");
  w.Title("Certificate of Sanitization");
  w.Paragraph("After NIST SP 800-88 Rev. 1, Appendix G. Certificate " + Str(cert, "id") +
              ". Reason: " + Str(&body, "reason") + ".");
}

void WriteOperator(PageWriter& w, const Json* op) {
  w.Heading("Person performing sanitization (operator)");
  w.Row("Name", Str(op, "name"));
  w.Row("Organisation", Str(op, "organisation"));
  w.Row("Location", Str(op, "location"));
  w.Row("Signing key", Str(op, "public"));
}

void WriteMedia(PageWriter& w, const Json* media) {
  w.Heading("Media information");
  w.Row("Target", Str(media, "target_kind") + "  " + Str(media, "path"));
  w.Row("Make / vendor", Str(media, "vendor"));
  w.Row("Model", Str(media, "model"));
  w.Row("Serial number", Str(media, "serial"));
  w.Row("Media type", Str(media, "media_type") + " (rotational: " + Str(media, "rotational") +
                          ", removable: " + Str(media, "removable") + ")");
  w.Row("Transport", Str(media, "transport"));
  w.Row("Size", Bytes(media, "size_bytes"));
  w.Row("Sector size", Str(media, "logical_sector_size") + " logical, " +
                           Str(media, "physical_sector_size") + " physical");
  w.Row("HPA / DCO", Str(media, "hpa") + " / " + Str(media, "dco"));
  if (media && media->Find("filesystem")) w.Row("Filesystem", Str(media, "filesystem"));
  if (media && media->Find("backing_file")) w.Row("Backing file", Str(media, "backing_file"));
}

void WriteSanitization(PageWriter& w, const Json& body) {
  const Json* san = body.Find("sanitization");
  const Json* times = body.Find("times");
  w.Heading("Sanitization details");
  w.Row("Method type", Str(san, "method_type") + " (" + Str(san, "technique") + ")");
  std::string passes;
  if (san && san->Find("passes") && san->Find("passes")->is_array()) {
    for (const Json& p : san->Find("passes")->items()) {
      if (!passes.empty()) passes += ", ";
      passes += Str(&p, "pattern");
    }
  }
  w.Row("Method used", Str(san, "method") + ", " + Str(san, "rounds") + " round(s): " + passes);
  w.Row("Bytes per pass", Bytes(san, "target_bytes"));
  w.Row("Bytes written", Bytes(san, "bytes_written"));
  w.Row("Random seed", Str(san, "seed"));
  w.Row("Tool used", Str(san, "tool") + " " + Str(san, "tool_version"));
  w.Row("Started / finished", Str(times, "started") + "  /  " + Str(times, "finished"));
  w.Row("Host", Str(&body, "host"));
}

void WriteVerification(PageWriter& w, const Json& body) {
  const Json* ver = body.Find("verification");
  w.Heading("Verification");
  w.Row("Method", Str(ver, "method") + " (" + Str(ver, "mode") + ")");
  w.Row("Result", Str(ver, "result"));
  w.Row("Bytes verified", Bytes(ver, "bytes_verified"));
  w.Row("Mismatching bytes", Str(ver, "mismatched_bytes") +
                                 (ver && ver->Find("first_mismatch_offset")
                                      ? ", first at offset " + Str(ver, "first_mismatch_offset")
                                      : std::string()));
  const Json* errors = body.Find("errors");
  w.Row("I/O errors", errors && errors->is_array() ? std::to_string(errors->items().size())
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

  const Json* notes = body.Find("notes");
  if (notes && notes->is_array() && !notes->items().empty()) {
    w.Heading("Notes");
    for (const Json& n : notes->items())
      if (n.is_string()) w.Paragraph("• " + n.as_string());
  }
}

void WriteWitness(PageWriter& w, const Json* witness) {
  w.Heading("Person validating the sanitization (witness)");
  if (witness) {
    w.Row("Name", Str(witness, "name"));
    w.Row("Signing key", Str(witness, "public"));
  } else {
    w.Row("Name", "none recorded");
  }
}

void WriteDigitalRecord(PageWriter& w, std::string_view body_bytes,
                        const std::vector<std::string>& signed_by) {
  w.Heading("Digital record");
  crypto::Hash256 digest = crypto::Blake2b256(body_bytes);
  w.Row("BLAKE2b-256 of body", custody::ToHex(std::span<const uint8_t>(digest)));
  std::string signers;
  for (const auto& s : signed_by) signers += (signers.empty() ? "" : "\n") + s;
  w.Row("Ed25519 signatures", signers.empty() ? "NONE — this certificate is unsigned" : signers);
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
  {
    std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter> surface(
        cairo_pdf_surface_create(out->temp_path().c_str(), kPageWidth, kPageHeight));
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
      return Fail(Code::kIo, "cannot create " + path + ": " +
                                 cairo_status_to_string(cairo_surface_status(surface.get())));
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE,
                                   "Certificate of Sanitization");
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "custody");
    std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface.get()));
    cairo_set_source_rgb(cr.get(), 0, 0, 0);
    PageWriter w(cr.get());

    const Json* op = body.Find("operator");
    const Json* witness = body.Find("witness");
    const Json* repair = body.Find("repair");
    WriteHeader(w, body);
    WriteOperator(w, op);
    WriteMedia(w, body.Find("media"));
    WriteSanitization(w, body);
    WriteVerification(w, body);
    WriteDisposition(w, body, repair);
    WriteWitness(w, witness);
    WriteDigitalRecord(w, body_bytes, signed_by);
    WriteSignatureBlocks(w, op, witness, repair);

    cairo_show_page(cr.get());
    cairo_surface_finish(surface.get());
    if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS) {
      return Fail(Code::kIo, "writing " + path + ": " +
                                 cairo_status_to_string(cairo_surface_status(surface.get())));
    }
  }
  // Syncing through the AtomicFile's own descriptor flushes what cairo wrote
  // through its: both refer to the same inode.
  return CommitNewFile(*out);
}

}  // namespace custody::vault::disposal
