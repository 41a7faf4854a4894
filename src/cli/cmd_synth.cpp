// scrawl synth: compose test pages with ground truth from a labelled glyph set or from jittered Hershey fonts.
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "commands.h"
#include "scrawl/data/dataset.h"
#include "scrawl/synth/synth.h"

namespace scrawl::cli {

namespace {
// Flag values in the order --help lists them.
template <class T>
using Names = std::vector<std::pair<std::string, T>>;
const Names<SynthWords> kWordModes = {
    {"dictionary", SynthWords::kDictionary}, {"random", SynthWords::kRandom}, {"mixed", SynthWords::kMixed}};
const Names<SynthFont> kFonts = {{"glyphs", SynthFont::kGlyphs}, {"hershey", SynthFont::kHershey}};
const Names<SynthForm> kForms = {{"none", SynthForm::kNone}, {"box", SynthForm::kBox},
                                 {"comb", SynthForm::kComb}, {"ruled", SynthForm::kRuled},
                                 {"grid", SynthForm::kGrid}, {"mixed", SynthForm::kMixed}};

template <class T>
std::string name_of(const Names<T>& names, T value) {
  for (const auto& [name, v] : names)
    if (v == value) return name;
  return "";
}
template <class T>
T value_of(const Names<T>& names, const std::string& name) {
  for (const auto& [n, v] : names)
    if (n == name) return v;
  throw std::logic_error("synth: unchecked flag value " + name);
}

struct SynthCliOptions {
  SynthConfig cfg;  // page size, heights, skew, format and boxes are bound to it: its defaults are the command's
  std::string glyphs, out, text, dict;
  std::string words = name_of(kWordModes, cfg.words), font = name_of(kFonts, cfg.font),
              form = name_of(kForms, cfg.form);
  std::string gap;  // --gap MIN:MAX, parsed into cfg.gap_min, cfg.gap_max
  int pages = 1;
  uint64_t seed = 1;
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
      ->check(CLI::IsMember(kWordModes));
  cmd->add_option("--font", opt->font, "glyphs (from --glyphs) or hershey (OpenCV vector fonts, jittered)")
      ->check(CLI::IsMember(kFonts));
  cmd->add_option("--text", opt->text, "Fixed text instead of random words, lines separated by '|'");
  cmd->add_option("--dict", opt->dict, "Word list (default " + opt->cfg.dict_path + ", else a built-in list)");
  cmd->add_option("--format", opt->cfg.format, "Image format")
      ->check(CLI::IsMember({"png", "jpg", "bmp", "tif", "pdf"}));
  cmd->add_option("--width", opt->cfg.width, "Page width in pixels")->check(CLI::Range(200, 10000));
  cmd->add_option("--height", opt->cfg.height, "Page height in pixels")->check(CLI::Range(200, 10000));
  cmd->add_option("--min-char-height", opt->cfg.min_char_h, "Smallest character height in pixels")
      ->check(CLI::Range(8, 2000));
  cmd->add_option("--max-char-height", opt->cfg.max_char_h, "Largest character height in pixels")
      ->check(CLI::Range(8, 2000));
  cmd->add_option("--max-skew", opt->cfg.max_skew_deg, "Largest page rotation in degrees")
      ->check(CLI::Range(0.0, 45.0));
  cmd->add_option(
      "--gap", opt->gap,
      "Letter gaps MIN:MAX in cap heights, e.g. -0.25:0.05 for touching letters (default: each page's own)");
  cmd->add_option("--bold", opt->cfg.bold,
                  "Widen every stroke by this fraction of the cap height, a bolder pen (e.g. 0.05; default 0)")
      ->check(CLI::Range(0.0, 0.5));
  cmd->add_option(
         "--form", opt->form,
         "Form pages: writing in framed boxes, comb fields (a letter per box), on ruled lines, in table grids, "
         "or mixed; one field per line of ground truth (default none: free lines)")
      ->check(CLI::IsMember(kForms));
  cmd->add_flag("--boxes", opt->cfg.boxes,
                "Also write page_000.json: each glyph's box, sample, line and word (and the form's fields)");
  cmd->callback([opt] {
    if (opt->font == "glyphs" && opt->glyphs.empty())
      throw CLI::ValidationError("--glyphs", "is required unless --font hershey");
    SynthConfig cfg = opt->cfg;
    if (!opt->gap.empty()) {
      const size_t colon = opt->gap.find(':');
      try {
        if (colon == std::string::npos) throw std::invalid_argument("no colon");
        size_t used = 0;
        cfg.gap_min = std::stod(opt->gap.substr(0, colon), &used);
        if (used != colon) throw std::invalid_argument("junk");
        cfg.gap_max = std::stod(opt->gap.substr(colon + 1), &used);
        if (used != opt->gap.size() - colon - 1) throw std::invalid_argument("junk");
      } catch (const std::exception&) {
        throw CLI::ValidationError("--gap", "expected MIN:MAX, e.g. -0.25:0.05, got '" + opt->gap + "'");
      }
    }
    if (cfg.max_char_h < cfg.min_char_h)
      throw CLI::ValidationError("--max-char-height", "must be at least --min-char-height");
    cfg.words = value_of(kWordModes, opt->words);
    cfg.font = value_of(kFonts, opt->font);
    cfg.form = value_of(kForms, opt->form);
    if (cfg.form != SynthForm::kNone && !opt->text.empty())
      throw CLI::ValidationError("--text", "cannot be combined with --form (form fields draw their own words)");
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
