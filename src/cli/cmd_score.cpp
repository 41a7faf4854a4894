// scrawl score: character error rates of a recognized text against its ground truth.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "commands.h"
#include "scrawl/ocr/score.h"
#include "scrawl/util/files.h"

namespace scrawl::cli {

namespace {
struct ScoreCliOptions {
  std::string gt, pred;
  bool json = false;
  bool ignore_case = false;
};

std::string read_text(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw std::runtime_error(path + ": no such file");
  if (!std::filesystem::is_regular_file(path, ec)) throw std::runtime_error(path + ": not a regular file");
  return read_file(path);
}
}  // namespace

void add_score(CLI::App& app) {
  auto opt = std::make_shared<ScoreCliOptions>();
  auto* cmd = app.add_subcommand("score", "Character error rates of a recognized text against its ground truth");
  cmd->add_option("gt", opt->gt, "Ground-truth text file (one line per written line)")->required();
  cmd->add_option("pred", opt->pred, "Recognized text file")->required();
  cmd->add_flag("--json", opt->json, "Print one JSON object instead of text");
  cmd->add_flag("--ignore-case", opt->ignore_case, "Compare a-z as A-Z");
  cmd->callback([opt] {
    const std::string gt = read_text(opt->gt), pred = read_text(opt->pred);
    const Score s = score_text(gt, pred, ScoreOptions{opt->ignore_case});
    if (opt->json) {
      nlohmann::json j;
      j["gt"] = opt->gt;
      j["pred"] = opt->pred;
      j["glyph_cer"] = s.glyph_cer;
      j["glyph_edits"] = s.glyph_edits;
      j["gt_glyphs"] = s.gt_glyphs;
      j["pred_glyphs"] = s.pred_glyphs;
      j["text_cer"] = s.text_cer;
      j["text_edits"] = s.text_edits;
      j["gt_chars"] = s.gt_chars;
      j["pred_chars"] = s.pred_chars;
      j["gt_lines"] = s.gt_lines;
      j["pred_lines"] = s.pred_lines;
      j["lines_match"] = s.lines_match;
      std::printf("%s\n", j.dump(2).c_str());
      return;
    }
    std::printf("glyph CER %7.2f%%  (%zu edits / %zu GT glyphs, %zu predicted)\n", 100 * s.glyph_cer, s.glyph_edits,
                s.gt_glyphs, s.pred_glyphs);
    std::printf("text CER  %7.2f%%  (%zu edits / %zu GT chars, %zu predicted)\n", 100 * s.text_cer, s.text_edits,
                s.gt_chars, s.pred_chars);
    std::printf("lines     %d GT, %d predicted (%s)\n", s.gt_lines, s.pred_lines, s.lines_match ? "match" : "mismatch");
  });
}

}  // namespace scrawl::cli
