// A printable rendering of a certificate (A4 PDF, cairo + pango) for a person
// to sign by hand and file.
//
// The PDF is a convenience copy, not the record: it is not signed itself and
// says so, and it prints the BLAKE2b-256 of the JSON body so the paper can be
// matched to the signed JSON file. Names and free text in any script render
// (the font list puts CJK fonts first for Chinese names: kPdfFontFamilies).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/json.h"
#include "vault/pdf/pdf_writer.h"

namespace custody::vault::disposal {

// The fonts, CJK first (vault/pdf/pdf_writer.h holds the layout).
inline constexpr const char* kPdfFontFamilies = pdf::kFontFamilies;

// Writes the PDF for `body` (a certificate body, as VerifyCertificate or
// BuildCertificateBody returns it; `body_bytes` its canonical bytes) to
// `path`: to a temporary file beside it, synced, then renamed into place
// unless `path` exists (kUsage: an existing file is never overwritten).
// `signed_by` lists who signed the JSON ("operator: Name (ed25519:...)").
// kIo if cairo cannot write the file.
Status WriteCertificatePdf(const std::string& path, const Json& body, std::string_view body_bytes,
                           const std::vector<std::string>& signed_by);

// "wipe.json" -> "wipe.pdf"; any other name gets ".pdf" appended.
std::string PdfPathFor(const std::string& json_path);

}  // namespace custody::vault::disposal
