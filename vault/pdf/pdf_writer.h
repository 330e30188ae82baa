// A4 PDF pages laid out top-down (cairo + pango), for printouts a person
// signs and files: the wipe certificate (vault/disposal/certificate_pdf.h)
// and the yearly report (vault/ledger_view/report_pdf.h).
//
// Text in any script renders: the font list puts CJK fonts first, so Chinese
// member names print (tools/setup.sh installs fonts-wqy-zenhei; Noto CJK is
// used when present). Not thread-safe; one PageWriter per document.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"

typedef struct _cairo cairo_t;

namespace custody::vault::pdf {

inline constexpr const char* kFontFamilies = "Noto Sans CJK SC, WenQuanYi Zen Hei, sans";

// A4 in points, and the layout every printout uses.
inline constexpr double kPageWidth = 595.276;
inline constexpr double kPageHeight = 841.89;
inline constexpr double kMargin = 48;

// Lays out text top-down, starting a new page when the next item does not
// fit (the footer, if any, is drawn on each page as it is finished).
class PageWriter {
 public:
  // `footer(page, pages)` is the text printed at the bottom of every page
  // (1-based page number, total page count); empty function: none.
  PageWriter(cairo_t* cr, std::function<std::string(int, int)> footer, int pages);

  void Title(const std::string& text);
  // A bold heading with a rule under it.
  void Heading(const std::string& text);
  // A label (bold, left column) and its value ("—" when empty), the value
  // in `size` points (smaller for keys and digests that must not wrap).
  void Row(const std::string& label, const std::string& value, double size = 9);
  void Paragraph(const std::string& text, double size = 8.5);
  // One line of a table: `cells` in columns of the given widths (points,
  // from the left margin; they should add up to at most the text width).
  void TableRow(const std::vector<std::string>& cells, const std::vector<double>& widths,
                bool bold = false);
  // A name, and lines for a handwritten signature and date.
  void SignatureBlock(const std::string& role, const std::string& name);
  // Finishes the last page. REQUIRES: called once, last.
  void Finish();

  int page() const { return page_; }

 private:
  double Measure(const std::string& text, double size, bool bold, double width);
  void Text(const std::string& text, double size, bool bold, double x, double width, double after);
  void EnsureRoom(double height);
  void EndPage();

  cairo_t* cr_;
  std::function<std::string(int, int)> footer_;
  int pages_;
  int page_ = 1;
  double y_ = kMargin;
};

struct PdfOptions {
  std::string title;  // the PDF's metadata title
  // See PageWriter. With a footer the content is laid out twice: once to
  // count the pages (for "page N of M"), once to draw.
  std::function<std::string(int page, int pages)> footer;
};

// Renders `content` into a new PDF at `file_path` (cairo writes it by name;
// the caller publishes it, e.g. through an AtomicFile's temp_path()).
// kIo if cairo cannot write it. `content` must lay out the same pages each
// time it is called.
Status RenderPdf(const std::string& file_path, const PdfOptions& options,
                 const std::function<void(PageWriter&)>& content);

}  // namespace custody::vault::pdf
