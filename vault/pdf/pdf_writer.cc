#include "vault/pdf/pdf_writer.h"

#include <cairo-pdf.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <memory>

namespace custody::vault::pdf {
namespace {

constexpr double kLabelWidth = 150;
constexpr double kFooterRoom = 26;  // reserved above the bottom margin for the footer

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

std::unique_ptr<PangoLayout, GObjectDeleter> Layout(cairo_t* cr, const std::string& text, double size,
                                                    bool bold, double width) {
  std::unique_ptr<PangoLayout, GObjectDeleter> layout(pango_cairo_create_layout(cr));
  std::unique_ptr<PangoFontDescription, FontDescDeleter> font(
      pango_font_description_from_string(kFontFamilies));
  pango_font_description_set_absolute_size(font.get(), size * PANGO_SCALE);
  pango_font_description_set_weight(font.get(), bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
  pango_layout_set_font_description(layout.get(), font.get());
  pango_layout_set_width(layout.get(), ToPango(width));
  pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
  pango_layout_set_text(layout.get(), text.c_str(), static_cast<int>(text.size()));
  return layout;
}

cairo_status_t DiscardWrite(void*, const unsigned char*, unsigned int) { return CAIRO_STATUS_SUCCESS; }

// Lays `content` out on `surface`; returns the number of pages.
int Draw(cairo_surface_t* surface, const PdfOptions& options, int pages,
         const std::function<void(PageWriter&)>& content) {
  std::unique_ptr<cairo_t, CairoDeleter> cr(cairo_create(surface));
  cairo_set_source_rgb(cr.get(), 0, 0, 0);
  PageWriter w(cr.get(), options.footer, pages);
  content(w);
  w.Finish();
  return w.page();
}

}  // namespace

PageWriter::PageWriter(cairo_t* cr, std::function<std::string(int, int)> footer, int pages)
    : cr_(cr), footer_(std::move(footer)), pages_(pages) {}

void PageWriter::Title(const std::string& text) { Text(text, 16, true, kMargin, kPageWidth - 2 * kMargin, 6); }

void PageWriter::Heading(const std::string& text) {
  y_ += 8;
  EnsureRoom(40);
  Text(text, 11.5, true, kMargin, kPageWidth - 2 * kMargin, 2);
  cairo_set_line_width(cr_, 0.6);
  cairo_move_to(cr_, kMargin, y_);
  cairo_line_to(cr_, kPageWidth - kMargin, y_);
  cairo_stroke(cr_);
  y_ += 4;
}

void PageWriter::Row(const std::string& label, const std::string& value, double size) {
  const std::string shown = value.empty() ? "—" : value;
  double label_h = Measure(label, 9, true, kLabelWidth - 8);
  double value_h = Measure(shown, size, false, kPageWidth - 2 * kMargin - kLabelWidth);
  EnsureRoom(std::max(label_h, value_h));
  double y0 = y_;
  Text(label, 9, true, kMargin, kLabelWidth - 8, 0);
  double y_label = y_;
  y_ = y0;
  Text(shown, size, false, kMargin + kLabelWidth, kPageWidth - 2 * kMargin - kLabelWidth, 0);
  y_ = std::max(y_, y_label) + 2;
}

void PageWriter::Paragraph(const std::string& text, double size) {
  EnsureRoom(Measure(text, size, false, kPageWidth - 2 * kMargin));
  Text(text, size, false, kMargin, kPageWidth - 2 * kMargin, 3);
}

void PageWriter::TableRow(const std::vector<std::string>& cells, const std::vector<double>& widths,
                          bool bold) {
  double height = 0;
  for (size_t i = 0; i < cells.size() && i < widths.size(); ++i)
    height = std::max(height, Measure(cells[i], 8.5, bold, widths[i] - 4));
  EnsureRoom(height);
  const double y0 = y_;
  double x = kMargin, bottom = y0;
  for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
    y_ = y0;
    Text(cells[i], 8.5, bold, x, widths[i] - 4, 0);
    bottom = std::max(bottom, y_);
    x += widths[i];
  }
  y_ = bottom + 2;
}

void PageWriter::SignatureBlock(const std::string& role, const std::string& name) {
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

void PageWriter::Finish() { EndPage(); }

double PageWriter::Measure(const std::string& text, double size, bool bold, double width) {
  auto layout = Layout(cr_, text, size, bold, width);
  int w = 0, h = 0;
  pango_layout_get_size(layout.get(), &w, &h);
  return static_cast<double>(h) / PANGO_SCALE;
}

void PageWriter::Text(const std::string& text, double size, bool bold, double x, double width,
                      double after) {
  auto layout = Layout(cr_, text, size, bold, width);
  int w = 0, h = 0;
  pango_layout_get_size(layout.get(), &w, &h);
  cairo_move_to(cr_, x, y_);
  pango_cairo_show_layout(cr_, layout.get());
  y_ += static_cast<double>(h) / PANGO_SCALE + after;
}

void PageWriter::EnsureRoom(double height) {
  const double bottom = kPageHeight - kMargin - (footer_ ? kFooterRoom : 0);
  if (y_ + height <= bottom) return;
  EndPage();
  ++page_;
  y_ = kMargin;
}

void PageWriter::EndPage() {
  if (footer_) {
    const double y = y_;
    y_ = kPageHeight - kMargin - kFooterRoom + 6;
    Text(footer_(page_, pages_), 7, false, kMargin, kPageWidth - 2 * kMargin, 0);
    y_ = y;
  }
  cairo_show_page(cr_);
}

Status RenderPdf(const std::string& file_path, const PdfOptions& options,
                 const std::function<void(PageWriter&)>& content) {
  int pages = 0;
  if (options.footer) {
    std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter> counting(
        cairo_pdf_surface_create_for_stream(&DiscardWrite, nullptr, kPageWidth, kPageHeight));
    pages = Draw(counting.get(), options, 0, content);
    cairo_surface_finish(counting.get());
  }
  std::unique_ptr<cairo_surface_t, CairoSurfaceDeleter> surface(
      cairo_pdf_surface_create(file_path.c_str(), kPageWidth, kPageHeight));
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return Fail(Code::kIo, "cannot create " + file_path + ": " +
                               cairo_status_to_string(cairo_surface_status(surface.get())));
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, options.title.c_str());
  cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "custody");
  Draw(surface.get(), options, pages, content);
  cairo_surface_finish(surface.get());
  if (cairo_surface_status(surface.get()) != CAIRO_STATUS_SUCCESS)
    return Fail(Code::kIo, "writing " + file_path + ": " +
                               cairo_status_to_string(cairo_surface_status(surface.get())));
  return {};
}

}  // namespace custody::vault::pdf
