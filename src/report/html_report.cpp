#include "scrawl/report/html_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "scrawl/nn/dense.h"
#include "scrawl/report/plots.h"
#include "scrawl/train/metrics.h"
#include "scrawl/util/files.h"
#include "scrawl/util/text.h"

namespace scrawl {

std::string base64_encode(const std::string& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], kAlphabet[v & 63]};
  }
  if (i + 1 == bytes.size()) {
    const uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

std::string png_data_uri(const std::string& png) {
  return "data:image/png;base64," + base64_encode(png);
}

std::vector<EpochStats> read_curves_csv(const std::string& path) {
  std::istringstream in(read_file(path));
  std::string line;
  if (!std::getline(in, line)) throw std::runtime_error(path + ": empty curves file");
  auto split = [](const std::string& l) {
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ss(l);
    while (std::getline(ss, cell, ',')) {
      while (!cell.empty() && (cell.back() == '\r' || cell.back() == ' ')) cell.pop_back();
      cells.push_back(cell);
    }
    return cells;
  };
  const auto header = split(line);
  std::map<std::string, size_t> col;
  for (size_t i = 0; i < header.size(); ++i) col[header[i]] = i;
  for (const char* need : {"epoch", "train_loss", "train_acc", "valid_loss", "valid_acc"})
    if (!col.count(need))
      throw std::runtime_error(path + ": not a curves CSV (no '" + need + "' column; expected the header of " +
                               "`scrawl train --curves`)");
  std::vector<EpochStats> out;
  int lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty() || line == "\r") continue;
    const auto cells = split(line);
    auto get = [&](const std::string& name) {
      const size_t i = col.at(name);
      if (i >= cells.size())
        throw std::runtime_error(path + ": line " + std::to_string(lineno) + ": missing column '" + name + "'");
      try {
        size_t used = 0;
        const double v = std::stod(cells[i], &used);
        if (used != cells[i].size()) throw std::invalid_argument("trailing");
        return v;
      } catch (const std::exception&) {
        throw std::runtime_error(path + ": line " + std::to_string(lineno) + ": '" + cells[i] +
                                 "' is not a number (column " + name + ")");
      }
    };
    EpochStats s;
    s.epoch = static_cast<int>(get("epoch"));
    s.train_loss = get("train_loss");
    s.train_acc = get("train_acc");
    s.valid_loss = get("valid_loss");
    s.valid_acc = get("valid_acc");
    if (col.count("lr")) s.lr = get("lr");
    if (col.count("seconds")) s.seconds = get("seconds");
    out.push_back(s);
  }
  if (out.empty()) throw std::runtime_error(path + ": curves file has a header but no epochs");
  return out;
}

namespace {

constexpr const char* kCss = R"(
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:#222;background:#f6f7f9;margin:0}
main{max-width:1120px;margin:0 auto;padding:24px 32px 48px;background:#fff;box-shadow:0 0 12px rgba(0,0,0,.06)}
h1{font-size:26px;margin:8px 0 4px}h2{font-size:20px;margin:36px 0 10px;border-bottom:2px solid #e4e7ec;padding-bottom:4px}
h3{font-size:16px;margin:18px 0 6px}.sub{color:#667;margin:0 0 18px}
.cards{display:flex;flex-wrap:wrap;gap:14px;margin:16px 0}
.card{flex:1 1 160px;background:#f0f4fa;border-radius:8px;padding:12px 16px}
.card .v{font-size:28px;font-weight:600;color:#1f5fa8}.card .k{font-size:13px;color:#556}
table{border-collapse:collapse;font-size:14px;margin:6px 0}th,td{padding:3px 10px;text-align:left;border-bottom:1px solid #eceef2}
th{background:#f3f5f8;font-weight:600}td.num{text-align:right;font-variant-numeric:tabular-nums}
.cols{display:flex;flex-wrap:wrap;gap:28px;align-items:flex-start}
.bar{background:#e8ebf0;width:160px;height:12px;border-radius:3px;overflow:hidden}
.bar span{display:block;height:100%;background:#3a7bd5}
.bar span.low{background:#e07b39}
img.plot{max-width:100%;border:1px solid #e4e7ec;border-radius:4px}
.cols>img.plot{max-width:calc(50% - 16px);height:auto;box-sizing:border-box}
img.glyph{image-rendering:pixelated;border:1px solid #ccc;width:84px;height:84px}
.mistakes{display:flex;flex-wrap:wrap;gap:10px}
.mistake{width:150px;border:1px solid #e4e7ec;border-radius:6px;padding:8px;font-size:13px;text-align:center}
.mistake .t{font-weight:600;margin:4px 0}.mistake ol{text-align:left;margin:2px 0 0;padding-left:22px}
.bad{color:#c0392b}.good{color:#1e8449}pre{background:#f3f5f8;padding:8px;border-radius:4px;overflow-x:auto;font-size:12px}
.note{color:#667;font-size:13px}
)";

std::string pct(double v, int decimals = 1) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f%%", decimals, 100 * v);
  return buf;
}

std::string img_tag(const cv::Mat& m, const std::string& alt, const std::string& cls = "plot") {
  return "<img class=\"" + cls + "\" alt=\"" + html_escape(alt) + "\" src=\"" + png_data_uri(png_bytes(m, alt)) + "\">";
}

std::string json_value_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

void model_section(std::ostringstream& h, Model& model, const Dataset& data, const ReportOptions& opt) {
  h << "<h2 id=\"model\">Model</h2>\n<table>\n";
  h << "<tr><th>file</th><td>" << html_escape(opt.model_path.empty() ? "(in memory)" : opt.model_path)
    << "</td></tr>\n";
  h << "<tr><th>architecture</th><td><code>" << html_escape(model.arch()) << "</code></td></tr>\n";
  h << "<tr><th>parameters</th><td>" << model.param_count() << "</td></tr>\n";
  const InputSpec& in = model.input();
  h << "<tr><th>input</th><td>" << html_escape(in.shape.str()) << ", " << html_escape(in.orientation) << ", "
    << html_escape(in.polarity) << ", " << html_escape(in.normalization) << "</td></tr>\n";
  h << "<tr><th>classes</th><td><code>" << html_escape(model.classes()) << "</code> (" << model.num_classes()
    << ")</td></tr>\n</table>\n";

  // Per-layer output shapes from one forward pass on the first sample.
  h << "<h3>Layers</h3>\n<table><tr><th>#</th><th>layer</th><th>output</th><th class=\"num\">parameters</th></tr>\n";
  bool shapes = false;
  if (data.size() > 0) {
    Tensor x(1, in.shape);
    std::copy(data.image(0), data.image(0) + data.pixels(), x.data.begin());
    model.forward(x);
    shapes = true;
  }
  for (size_t i = 0; i < model.layers().size(); ++i) {
    const auto& l = model.layers()[i];
    h << "<tr><td>" << i + 1 << "</td><td><code>" << html_escape(l->spec()) << "</code></td><td>"
      << (shapes ? html_escape(model.activation(i).shape.str()) : "") << "</td><td class=\"num\">" << l->param_count()
      << "</td></tr>\n";
  }
  h << "</table>\n";
  // A ReLU before max pooling runs after it (Model::layers): say why the rows differ from the architecture as written
  // (compared token by token, so spaces or spellings in the string do not count).
  const std::vector<std::unique_ptr<Layer>> written = parse_arch(model.arch());
  bool reordered = false;
  for (size_t i = 0; i < written.size() && i < model.layers().size(); ++i)
    reordered = reordered || written[i]->spec() != model.layers()[i]->spec();
  if (reordered)
    h << "<p>The layers in the order they run: a ReLU before max pooling runs after it, with the same result.</p>\n";

  h << "<h3>Training provenance</h3>\n";
  const nlohmann::json meta = nlohmann::json::parse(model.meta_json, nullptr, /*allow_exceptions=*/false);
  if (meta.is_object() && meta.contains("trained") && meta["trained"].is_object()) {
    h << "<table>\n";
    for (const auto& [k, v] : meta["trained"].items())
      h << "<tr><th>" << html_escape(k) << "</th><td>" << html_escape(json_value_text(v)) << "</td></tr>\n";
    h << "</table>\n";
  } else {
    h << "<p class=\"note\">The model file records no training settings.</p>\n";
  }
  nlohmann::json rest = nlohmann::json::object();
  if (meta.is_object())
    for (const auto& [k, v] : meta.items())
      if (k != "trained") rest[k] = v;
  if (!rest.empty()) h << "<pre>" << html_escape(rest.dump(2)) << "</pre>\n";
}

void per_class_section(std::ostringstream& h, const Evaluation& ev, const std::string& cls) {
  h << "<h2 id=\"per-class\">Accuracy per class</h2>\n<div class=\"cols\">\n";
  const int k = static_cast<int>(cls.size()), half = (k + 1) / 2;
  for (int part = 0; part < 2; ++part) {
    h << "<table><tr><th>class</th><th class=\"num\">samples</th><th class=\"num\">correct</th>"
         "<th class=\"num\">recall</th><th></th></tr>\n";
    for (int c = part * half; c < std::min(k, (part + 1) * half); ++c) {
      const int row = std::accumulate(ev.confusion[c].begin(), ev.confusion[c].end(), 0);
      h << "<tr><td><b>" << html_escape(std::string(1, cls[c])) << "</b></td><td class=\"num\">" << row
        << "</td><td class=\"num\">" << ev.confusion[c][c] << "</td>";
      if (row == 0) {
        h << "<td class=\"num\">-</td><td></td></tr>\n";
        continue;
      }
      const double r = ev.per_class[c];
      h << "<td class=\"num\">" << pct(r) << "</td><td><div class=\"bar\"><span" << (r < 0.6 ? " class=\"low\"" : "")
        << " style=\"width:" << pct(r) << "\"></span></div></td></tr>\n";
    }
    h << "</table>\n";
  }
  h << "</div>\n";
}

void confusion_section(std::ostringstream& h, const Evaluation& ev, const std::string& cls) {
  h << "<h2 id=\"confusion\">Confusion matrix</h2>\n<div class=\"cols\"><div>"
    << img_tag(draw_confusion(ev, cls), "confusion matrix") << "</div>\n<div><h3>Most confused pairs</h3>\n";
  const auto pairs = most_confused(ev, 12);
  if (pairs.empty()) {
    h << "<p class=\"note\">No mistakes.</p>\n";
  } else {
    h << "<table><tr><th>pair</th><th class=\"num\">total</th><th class=\"num\">a&rarr;b</th>"
         "<th class=\"num\">b&rarr;a</th></tr>\n";
    for (const auto& p : pairs) {
      const std::string a(1, cls[p.a]), b(1, cls[p.b]);
      h << "<tr><td><b>" << html_escape(a) << " / " << html_escape(b) << "</b></td><td class=\"num\">" << p.total()
        << "</td><td class=\"num\">" << p.a_as_b << "</td><td class=\"num\">" << p.b_as_a << "</td></tr>\n";
    }
    h << "</table>\n";
  }
  h << "</div></div>\n";
}

void weights_section(std::ostringstream& h, const Model& model) {
  h << "<h2 id=\"weights\">First-layer weights</h2>\n";
  const Layer* first = model.layers().empty() ? nullptr : model.layers().front().get();
  const auto* dense = dynamic_cast<const Dense*>(first);
  const Shape in = model.input().shape;
  if (dense && dense->inputs() == in.h * in.w) {
    const int units = std::min(64, dense->outputs());
    h << "<p class=\"note\">Each tile is one hidden unit's " << in.h << "&times;" << in.w << " input weights (first "
      << units << " of " << dense->outputs() << " units), scaled to its own min (black) and max (white).</p>\n"
      << img_tag(draw_weight_grid(*dense, in.h, in.w), "first-layer weights") << "\n";
  } else {
    h << "<p class=\"note\">The first layer (<code>" << html_escape(first ? first->spec() : "none")
      << "</code>) is not a dense layer over the image pixels, so it has no weight picture here.</p>\n";
  }
}

void curves_section(std::ostringstream& h, const ReportOptions& opt) {
  h << "<h2 id=\"curves\">Learning curves</h2>\n<div class=\"cols\">"
    << img_tag(draw_line_plot(curves_plot(opt.curves, false, "Loss")), "loss curves")
    << img_tag(draw_line_plot(curves_plot(opt.curves, true, "Accuracy")), "accuracy curves") << "</div>\n";
  if (!opt.curves_source.empty()) h << "<p class=\"note\">From " << html_escape(opt.curves_source) << ".</p>\n";
}

void mistakes_section(std::ostringstream& h, const Evaluation& ev, const Dataset& data, const std::string& cls,
                      int worst) {
  const int k = static_cast<int>(cls.size());
  std::vector<int> wrong;
  for (int i = 0; i < ev.n; ++i)
    if (ev.predicted[i] != data.labels[i]) wrong.push_back(i);
  auto conf = [&](int i) { return ev.probs[static_cast<size_t>(i) * k + ev.predicted[i]]; };
  std::stable_sort(wrong.begin(), wrong.end(), [&](int a, int b) { return conf(a) > conf(b); });
  h << "<h2 id=\"mistakes\">Most confident mistakes</h2>\n<p class=\"note\">" << wrong.size() << " of " << ev.n
    << " samples are misclassified; these are the ones the model was surest about.</p>\n<div class=\"mistakes\">\n";
  for (int j = 0; j < std::min<int>(worst, static_cast<int>(wrong.size())); ++j) {
    const int i = wrong[j];
    const float* p = ev.probs.data() + static_cast<size_t>(i) * k;
    std::vector<int> order(k);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + std::min(3, k), order.end(),
                      [&](int a, int b) { return p[a] > p[b]; });
    h << "<div class=\"mistake\">" << img_tag(draw_glyph(data.image(i), data.h, data.w), "sample", "glyph")
      << "<div class=\"t\">#" << i << ": true <span class=\"good\">" << html_escape(std::string(1, cls[data.labels[i]]))
      << "</span></div><ol>";
    for (int r = 0; r < std::min(3, k); ++r)
      h << "<li"
        << (order[r] == data.labels[i] ? " class=\"good\""
            : r == 0                   ? " class=\"bad\""
                                       : "")
        << ">" << html_escape(std::string(1, cls[order[r]])) << " " << pct(p[order[r]]) << "</li>";
    h << "</ol></div>\n";
  }
  h << "</div>\n";
}

}  // namespace

std::string render_html_report(Model& model, const Dataset& data, const ReportOptions& opt) {
  const Evaluation ev = evaluate(model, data);
  const std::string& cls = model.classes();
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" << html_escape(opt.title)
    << "</title>\n<style>" << kCss << "</style></head>\n<body><main>\n";
  h << "<h1>" << html_escape(opt.title) << "</h1>\n<p class=\"sub\">Model <code>"
    << html_escape(opt.model_path.empty() ? model.arch() : opt.model_path) << "</code> on <code>"
    << html_escape(opt.data_path.empty() ? data.source : opt.data_path) << "</code> (" << ev.n << " samples).</p>\n";
  h << "<section id=\"summary\"><div class=\"cards\">"
    << "<div class=\"card\"><div class=\"v\">" << pct(ev.accuracy, 2) << "</div><div class=\"k\">accuracy</div></div>"
    << "<div class=\"card\"><div class=\"v\">" << pct(ev.balanced_accuracy, 2)
    << "</div><div class=\"k\">balanced accuracy (mean recall per class)</div></div>"
    << "<div class=\"card\"><div class=\"v\">" <<
      [&] {
        char b[32];
        std::snprintf(b, sizeof b, "%.4f", ev.loss);
        return std::string(b);
      }()
    << "</div><div class=\"k\">cross-entropy loss</div></div>"
    << "<div class=\"card\"><div class=\"v\">" << ev.n << "</div><div class=\"k\">samples</div></div>"
    << "</div></section>\n";
  h << opt.extra_html;
  model_section(h, model, data, opt);
  per_class_section(h, ev, cls);
  confusion_section(h, ev, cls);
  weights_section(h, model);
  if (!opt.curves.empty()) curves_section(h, opt);
  mistakes_section(h, ev, data, cls, opt.worst);
  h << "<p class=\"note\">Written by scrawl " << SCRAWL_VERSION << ".</p>\n</main></body></html>\n";
  return h.str();
}

void write_html_report(const std::string& path, Model& model, const Dataset& data, const ReportOptions& opt) {
  write_file_atomic(path, render_html_report(model, data, opt));
}

}  // namespace scrawl
