// One self-contained HTML page about a model on a labelled glyph set: pictures are embedded as base64 PNG
// data URIs and the CSS is inline, so the file can be mailed or opened anywhere without its neighbours.
#pragma once
#include <string>
#include <vector>

#include "scrawl/data/dataset.h"
#include "scrawl/nn/model.h"
#include "scrawl/train/trainer.h"
#include "scrawl/util/text.h"  // html_escape, for this page and the study's

namespace scrawl {

struct ReportOptions {
  std::string title = "scrawl model report";
  std::string model_path, data_path;  // shown as provenance
  std::vector<EpochStats> curves;     // learning curves; empty = no curves section
  std::string curves_source;          // where the curves came from (shown under the plots)
  int worst = 24;                     // how many highest-confidence mistakes to show
  std::string extra_html;             // trusted HTML inserted after the summary (the study's own section)
};

// Evaluates `model` on `data` and renders the page. Throws if the data's classes are not the model's.
std::string render_html_report(Model& model, const Dataset& data, const ReportOptions& opt);
// render_html_report, written atomically to `path`.
void write_html_report(const std::string& path, Model& model, const Dataset& data, const ReportOptions& opt);

// Reads a learning-curves CSV as written by `scrawl train --curves` (columns found by header name).
std::vector<EpochStats> read_curves_csv(const std::string& path);

// Helpers shared with `scrawl study` (which also uses html_escape, from util/text.h).
std::string base64_encode(const std::string& bytes);
std::string png_data_uri(const std::string& png);

}  // namespace scrawl
