// scrawl read: read the handwriting in page photos and print it as text, JSON, TSV or hOCR.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <stdexcept>
#include <thread>

#include "commands.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/threads.h"
#include "scrawl/ocr/default_model.h"
#include "scrawl/ocr/format.h"
#include "scrawl/ocr/reader.h"

namespace scrawl::cli {

namespace {
struct ReadOptions {
  std::vector<std::string> images;
  std::string model, format = "txt", annotate;
  int jobs = 1;
  std::string lexicon;  // contextual decoding: word list (default kDefaultLexiconPath)
  bool no_lexicon = false;
  float lm_weight = DecodeConfig{}.lm_weight;
};

}  // namespace

void add_read(CLI::App& app) {
  auto opt = std::make_shared<ReadOptions>();
  auto* cmd = app.add_subcommand("read", "Read handwritten block letters and digits from page photos");
  cmd->add_option("images", opt->images, "Image files (JPEG, PNG, TIFF, BMP, ...)")->required();
  cmd->add_option("--model", opt->model, "Model file (default: the shipped model)");
  cmd->add_option("--format", opt->format, "Output: txt (text only), json, tsv (like Tesseract) or hocr")
      ->check(CLI::IsMember({"txt", "json", "tsv", "hocr"}));
  cmd->add_option("--annotate", opt->annotate, "Write the (single) image with boxes and labels drawn to this PNG");
  cmd->add_option("--jobs", opt->jobs, "Pages read in parallel")->check(CLI::Range(1, 256));
  cmd->add_option("--lexicon", opt->lexicon, "Word list for reading words in context (default /usr/share/dict/words)");
  cmd->add_flag("--no-lexicon", opt->no_lexicon,
                "No whole-word lookup: letter trigrams and number shapes still guide the reading of words");
  cmd->add_option("--lm-weight", opt->lm_weight, "Weight of the word prior against the glyph classifier; 0: off")
      ->check(CLI::Range(0.0, 100.0));
  cmd->callback([opt] {
    // A page is a few dozen glyphs: one thread per page is fastest, and --jobs spreads pages over cores.
    set_threads(1);
    cv::setNumThreads(1);
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);  // our errors are one line each
    if (!opt->annotate.empty() && opt->images.size() != 1)
      throw CLI::ValidationError("--annotate", "needs exactly one image");
    const std::string path = opt->model.empty() ? default_model_path() : opt->model;
    Model model = load_model(path);
    const std::string classes = model.classes();
    // Contextual decoding; a missing default word list only narrows it, a named one that fails is an error.
    if (opt->no_lexicon && !opt->lexicon.empty())
      throw CLI::ValidationError("--lexicon", "cannot be combined with --no-lexicon");
    ReadConfig cfg;
    cfg.decode.decode.lm_weight = opt->lm_weight;
    cfg.decode.decode.use_lexicon = !opt->no_lexicon;
    WordDecoder decoder(classes);
    if (opt->lm_weight > 0) {
      if (!opt->lexicon.empty()) {
        decoder = make_word_decoder(classes, opt->lexicon);
      } else {
        try {
          decoder = make_word_decoder(classes);
        } catch (const std::runtime_error& e) {
          std::fprintf(stderr, "scrawl: warning: %s; reading words without a word list\n", e.what());
        }
      }
    }
    Reader first(std::move(model), std::move(decoder), cfg);
    const size_t n = opt->images.size();
    const int jobs = int(std::min<size_t>(size_t(opt->jobs), n));
    std::vector<PageResult> pages(n);
    std::vector<std::string> errors(n);
    // Progress on stderr for batches when it is a terminal; --verbose adds one line per page with its timing.
    const bool bar = n > 1 && !globals().quiet && isatty(STDERR_FILENO);
    std::atomic<size_t> finished{0};
    std::mutex log_mutex;
    auto work = [&](Reader& reader, size_t begin) {
      for (size_t i = begin; i < n; i += size_t(jobs)) {
        const auto t0 = std::chrono::steady_clock::now();
        try {
          pages[i] = reader.read(opt->images[i]);
        } catch (const std::exception& e) {
          errors[i] = e.what();
        }
        const size_t done = ++finished;
        std::lock_guard<std::mutex> lock(log_mutex);
        if (globals().verbose && errors[i].empty()) {
          size_t glyphs = 0;
          for (const auto& line : pages[i].lines)
            for (const auto& word : line.words) glyphs += word.chars.size();
          const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
          std::fprintf(stderr, "%s%s: %zu lines, %zu glyphs, skew %.1f deg, %.0f ms\n", bar ? "\r\033[K" : "",
                       opt->images[i].c_str(), pages[i].lines.size(), glyphs, pages[i].skew_degrees, ms);
        }
        if (bar) std::fprintf(stderr, "\r\033[Kreading %zu/%zu pages", done, n);
      }
    };
    if (jobs <= 1) {
      work(first, 0);
    } else {
      std::vector<Reader> readers;
      for (int j = 1; j < jobs; ++j) readers.push_back(first.clone());
      std::vector<std::thread> threads;
      for (int j = 1; j < jobs; ++j) threads.emplace_back([&, j] { work(readers[size_t(j - 1)], size_t(j)); });
      work(first, 0);
      for (auto& t : threads) t.join();
    }
    if (bar) std::fprintf(stderr, "\r\033[K");
    // Every good page is printed; each bad one is reported on one line, and the exit code says so.
    std::vector<PageResult> good;
    std::vector<std::string> names;
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!errors[i].empty()) {
        if (n == 1) throw std::runtime_error(errors[i]);  // main() prints it
        std::fprintf(stderr, "scrawl: %s\n", errors[i].c_str());
        ++bad;
        continue;
      }
      good.push_back(std::move(pages[i]));
      names.push_back(opt->images[i]);
    }
    std::string out;
    if (opt->format == "json") {
      out = (n == 1 ? to_json(good.at(0)) : to_json(good)).dump(2) + "\n";
    } else if (opt->format == "hocr") {
      out = to_hocr(good);
    } else if (opt->format == "tsv") {
      out = to_tsv(good);
    } else {
      for (size_t i = 0; i < good.size(); ++i) {
        if (n > 1) out += (i ? "\n==> " : "==> ") + names[i] + " <==\n";
        out += to_text(good[i]);
      }
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (!opt->annotate.empty()) annotate(opt->images[0], good.at(0), opt->annotate);
    if (bad) throw std::runtime_error(std::to_string(bad) + " of " + std::to_string(n) + " images could not be read");
  });
}

}  // namespace scrawl::cli
