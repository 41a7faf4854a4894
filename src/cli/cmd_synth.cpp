// scrawl synth: compose test pages with ground truth from a labelled glyph set or from jittered Hershey fonts.
#include <cstdio>
#include <map>
#include <memory>

#include "commands.h"
#include "scrawl/data/dataset.h"
#include "scrawl/synth/synth.h"

namespace scrawl::cli {

namespace {
struct SynthCliOptions {
  std::string glyphs, out, words = "mixed", font = "glyphs", text, dict, format = "png";
  int pages = 1;
  uint64_t seed = 1;
  int width = 1600, height = 1200, min_h = 40, max_h = 90;
  double skew = 5;
  bool boxes = false;
};

// "LINE ONE|LINE TWO" -> lines; runs of spaces collapse so the ground truth has single spaces.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines(1);
  for (char c : text) {
    if (c == '|' || c == '\n') {
      lines.emplace_back();
    } else if (c == ' ' || c == '\t') {
      if (!lines.back().empty() && lines.back().back() != ' ') lines.back() += ' ';
    } else {
      lines.back() += c;
    }
  }
  for (auto& l : lines)
    while (!l.empty() && l.back() == ' ') l.pop_back();
  std::erase_if(lines, [](const std::string& l) { return l.empty(); });
  return lines;
}
}  // namespace

void add_synth(CLI::App& app) {
  auto opt = std::make_shared<SynthCliOptions>();
  auto* cmd = app.add_subcommand("synth", "Compose photographed-looking test pages with ground-truth text");
  cmd->add_option("--glyphs", opt->glyphs, "Labelled glyph set (IDX prefix or .mat); required unless --font hershey");
  cmd->add_option("--out", opt->out, "Output folder: page_000.png + page_000.txt, ...")->required();
  cmd->add_option("--pages", opt->pages, "Number of pages")->check(CLI::Range(1, 100000));
  cmd->add_option("--seed", opt->seed, "Random seed: the same seed gives byte-identical files");
  cmd->add_option("--words", opt->words, "dictionary, random (letter-digit strings) or mixed")
      ->check(CLI::IsMember({"dictionary", "random", "mixed"}));
  cmd->add_option("--font", opt->font, "glyphs (from --glyphs) or hershey (OpenCV vector fonts, jittered)")
      ->check(CLI::IsMember({"glyphs", "hershey"}));
  cmd->add_option("--text", opt->text, "Fixed text instead of random words, lines separated by '|'");
  cmd->add_option("--dict", opt->dict, "Word list (default /usr/share/dict/words, else a built-in list)");
  cmd->add_option("--format", opt->format, "Image format")->check(CLI::IsMember({"png", "jpg", "bmp", "tif"}));
  cmd->add_option("--width", opt->width, "Page width in pixels")->check(CLI::Range(200, 10000));
  cmd->add_option("--height", opt->height, "Page height in pixels")->check(CLI::Range(200, 10000));
  cmd->add_option("--min-char-height", opt->min_h, "Smallest character height in pixels")->check(CLI::Range(8, 2000));
  cmd->add_option("--max-char-height", opt->max_h, "Largest character height in pixels")->check(CLI::Range(8, 2000));
  cmd->add_option("--max-skew", opt->skew, "Largest page rotation in degrees")->check(CLI::Range(0.0, 45.0));
  cmd->add_flag("--boxes", opt->boxes, "Also write page_000.json: each glyph's box, sample, line and word");
  cmd->callback([opt] {
    if (opt->font == "glyphs" && opt->glyphs.empty())
      throw CLI::ValidationError("--glyphs", "is required unless --font hershey");
    if (opt->max_h < opt->min_h) throw CLI::ValidationError("--max-char-height", "must be at least --min-char-height");
    SynthConfig cfg;
    cfg.words = opt->words == "dictionary" ? SynthWords::kDictionary
                : opt->words == "random"   ? SynthWords::kRandom
                                           : SynthWords::kMixed;
    cfg.font = opt->font == "hershey" ? SynthFont::kHershey : SynthFont::kGlyphs;
    cfg.width = opt->width;
    cfg.height = opt->height;
    cfg.min_char_h = opt->min_h;
    cfg.max_char_h = opt->max_h;
    cfg.max_skew_deg = opt->skew;
    cfg.format = opt->format;
    cfg.boxes = opt->boxes;
    if (!opt->dict.empty()) cfg.dict_path = opt->dict;
    if (!opt->text.empty()) {
      cfg.text = split_lines(opt->text);
      if (cfg.text.empty()) throw CLI::ValidationError("--text", "has no characters");
    }
    Dataset ds;
    if (cfg.font == SynthFont::kGlyphs) ds = load_dataset(opt->glyphs, "test");
    const auto paths =
        synth_pages(cfg, cfg.font == SynthFont::kGlyphs ? &ds : nullptr, opt->out, opt->pages, opt->seed);
    if (!globals().quiet)
      std::fprintf(stderr, "wrote %zu page%s to %s\n", paths.size(), paths.size() == 1 ? "" : "s", opt->out.c_str());
  });
}

}  // namespace scrawl::cli
