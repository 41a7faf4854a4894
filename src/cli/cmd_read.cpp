// scrawl read: read the handwriting in page photos and print it as text, JSON, TSV or hOCR.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <opencv2/core.hpp>
#include <opencv2/core/utils/logger.hpp>
#include <stdexcept>
#include <thread>

#include "commands.h"
#include "mpi.h"
#include "scrawl/image/document.h"
#include "scrawl/nn/gemm.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/threads.h"
#include "scrawl/ocr/default_model.h"
#include "scrawl/ocr/format.h"
#include "scrawl/ocr/line_reader.h"
#include "scrawl/ocr/reader.h"
#include "scrawl/util/files.h"

namespace scrawl::cli {

namespace {
struct ReadOptions {
  std::vector<std::string> images;
  std::string list, out_dir;  // batch reading: inputs from a file; one result file per page
  bool force = false;
  std::string model, format = "txt", annotate;
  std::string recognizer = "auto", line_model, small_model;
  int jobs = 1;
  double dpi = DocumentConfig{}.dpi;
  std::string lexicon;  // contextual decoding: word list (default kDefaultLexiconPath)
  bool no_lexicon = false;
  bool no_forms = false;
  float lm_weight = DecodeConfig{}.lm_weight;
};

// Each image's reading, or why it could not be read.
struct PageOutcome {
  PageResult page;
  std::string error;
};

// Threads OpenCV's filters take for one page when pages are read one at a time, for a result on the terminal: 2
// read 04_deep 4-9% faster than 1 on the 2-core Zen 3 VM of session 21, in about the same CPU time, with the same
// output (BENCHMARKS.md, "Session 21"). Two for scrawl's own loops as well (the classifier's batch) read it 4 ms
// slower to 10 ms faster than OpenCV's alone, for 8-57 ms more CPU time (idle OpenMP workers spin), so those stay at
// one. More threads were not measured, so no more are taken. Pages read in parallel (--jobs, MPI ranks) and batches
// into --out-dir, which other processes may be reading beside, take one; so does a process given one core or
// OMP_NUM_THREADS=1.
constexpr int kPageThreads = 2;

void add_read_options(CLI::App& cmd, ReadOptions& opt) {
  cmd.add_option("images", opt.images,
                 "Image files (JPEG, PNG, TIFF, BMP, ...), PDFs, or folders of them (searched recursively); every "
                 "page is read");
  cmd.add_option("--list", opt.list, "Also read the files named in this file, one path a line");
  cmd.add_option("--out-dir", opt.out_dir,
                 "Write each page's result to its own file here (named after the input; pages whose result exists "
                 "are skipped) and a summary.tsv of every page; under mpirun the ranks share the pages");
  cmd.add_flag("--force", opt.force, "With --out-dir: read pages again even when their result exists");
  cmd.add_option("--model", opt.model,
                 "Glyph model file (default: the shipped models/default.scrawl); a model given here also reads small "
                 "writing unless --small-model names another");
  cmd.add_option("--recognizer", opt.recognizer,
                 "What reads the text: glyph (the classifier on cut-out characters), line (a line model on whole "
                 "lines: letters that touch need no cutting) or auto (glyph, and line on words and lines whose "
                 "letters touch; small writing on the classifier alone unless it touches throughout)")
      ->check(CLI::IsMember({"glyph", "line", "auto"}))
      ->capture_default_str();
  cmd.add_option("--line-model", opt.line_model,
                 "Line model file for --recognizer line or auto (default: the shipped models/line.scrawl); auto "
                 "loads it when a page first needs it");
  cmd.add_option("--small-model", opt.small_model,
                 "Glyph model for small writing (capitals a 150 dpi scan shows about 12 px tall, read again from an "
                 "enlarged copy), loaded when a page first needs it. Default: the shipped models/small.scrawl, or "
                 "none when --model (or $SCRAWL_MODEL) names a model of one's own, which then reads small writing "
                 "too; none: the glyph model reads it. Unused with --recognizer line");
  cmd.add_option("--format", opt.format,
                 "Output: txt (text only), json, tsv (like Tesseract), hocr, alto (ALTO v4) or page (PAGE XML "
                 "2019-07-15: one page, or one file per page with --out-dir)")
      ->check(CLI::IsMember({"txt", "json", "tsv", "hocr", "alto", "page"}));
  cmd.add_option("--annotate", opt.annotate,
                 "Write the (single) image with boxes and labels drawn to this PNG (a document: OUT_1.png, "
                 "OUT_2.png, ... per page)");
  cmd.add_option("--jobs", opt.jobs,
                 "Pages read in parallel, a thread each (one at a time, OpenCV takes up to two for a page)")
      ->check(CLI::Range(1, 256));
  cmd.add_option("--dpi", opt.dpi, "Resolution PDF pages are rasterized at (coordinates are reported at it)")
      ->check(CLI::Range(36.0, 1200.0))
      ->capture_default_str();
  cmd.add_option("--lexicon", opt.lexicon, "Word list for reading words in context (default /usr/share/dict/words)");
  cmd.add_flag(
      "--no-lexicon", opt.no_lexicon,
      "No whole-word lookup (nor word spaces decided by it): letter trigrams and number shapes still guide the "
      "reading of words");
  cmd.add_flag(
      "--no-forms", opt.no_forms,
      "Do not look for printed rulings (form fields, comb boxes, ruled lines): read the page as plain writing");
  cmd.add_option("--lm-weight", opt.lm_weight, "Weight of the word prior against the glyph classifier; 0: off")
      ->check(CLI::Range(0.0, 100.0));
}

// A model the reader needs for some pages only can wait for the first such page when it is a regular file (a pipe
// can be read once; a missing path fails now). Its header is read now, so a file that is not a model, or not the
// kind asked for, fails before any page.
bool loads_later(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

// Loads the model whose header was read: what only loading tells (a checksum, the size, the architecture) fails each
// page that needs the model, naming the file.
std::function<Model()> loader(const std::string& path, const ModelHeader& head) {
  return [path, head] {
    Model m = load_model(path);
    if (m.classes() != head.classes || m.input().normalization != head.input.normalization)
      throw std::runtime_error(path + ": the model changed since its header was read");
    return m;
  };
}

// How the options ask pages to be read.
ReadConfig read_config(const ReadOptions& opt) {
  ReadConfig cfg;
  cfg.decode.decode.lm_weight = opt.lm_weight;
  cfg.decode.decode.use_lexicon = !opt.no_lexicon;
  cfg.segment.rulings.enabled = !opt.no_forms;
  if (opt.recognizer == "line") cfg.recognizer = Recognizer::kLine;
  if (opt.recognizer == "auto") cfg.recognizer = Recognizer::kAuto;
  return cfg;
}

// The reader the options ask for. A missing default word list only narrows decoding (with a warning); a named
// one that fails is an error.
Reader make_reader(const ReadOptions& opt, const ReadConfig& cfg) {
  const std::string model_path = opt.model.empty() ? default_model_path() : opt.model;
  Model model = load_model(model_path);
  const std::string classes = model.classes();
  WordDecoder decoder(classes);
  if (opt.lm_weight > 0) {
    if (!opt.lexicon.empty()) {
      decoder = make_word_decoder(classes, opt.lexicon);
    } else {
      try {
        decoder = make_word_decoder(classes);
      } catch (const std::runtime_error& e) {
        std::fprintf(stderr, "scrawl: warning: %s; reading words without a word list\n", e.what());
      }
    }
  }
  // A model that does not read glyphs fails here, naming its file.
  Reader reader = naming_file(model_path, [&] { return Reader(std::move(model), std::move(decoder), cfg); });
  if (cfg.recognizer != Recognizer::kGlyph) {
    const std::string path = opt.line_model.empty() ? default_line_model_path() : opt.line_model;
    naming_file(path, [&] {
      if (cfg.recognizer == Recognizer::kLine || !loads_later(path)) {
        reader.set_line_model(load_model(path));
      } else {
        // Auto reads most pages of separate letters without the line model (BENCHMARKS.md, "Session 19": 04_deep in
        // less memory and CPU time).
        const ModelHeader head = read_model_header(path);
        LineRecognizer::check_input(head.input, head.classes);
        reader.set_line_model_loader(head.classes, loader(path, head));
      }
    });
  }
  // Small writing, on the glyph path (small_model_path says which model); the line path never classifies glyphs.
  const std::string small = cfg.recognizer == Recognizer::kLine ? "" : small_model_path(opt.small_model, opt.model);
  if (!small.empty())
    naming_file(small, [&] {
      if (!loads_later(small)) {
        reader.set_small_model(load_model(small));
      } else {
        const ModelHeader head = read_model_header(small);
        reader.set_small_model_loader(head.classes, loader(small, head));
        Classifier::check_input(head.input);  // after the classes, as set_small_model checks them
      }
    });
  return reader;
}

// One page to read: an image, or page `page` of a document of several (a PDF, a multi-page TIFF).
struct PageJob {
  size_t input = 0;
  int page = 0;
  bool paged = false;
  std::string error;  // the document could not be opened
  std::string name() const;
};

// Every input's pages, in order. A document that cannot be opened is one job holding its error.
std::vector<PageJob> page_jobs(const std::vector<std::string>& inputs, const DocumentConfig& doc_cfg) {
  std::vector<PageJob> jobs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    try {
      const Document doc = Document::open(inputs[i], doc_cfg);
      for (int k = 0; k < doc.pages(); ++k) jobs.push_back({i, k, doc.paged(), ""});
    } catch (const std::exception& e) {
      jobs.push_back({i, 0, false, e.what()});
    }
  }
  return jobs;
}

// Reads every page, `jobs` pages at a time (a clone of the reader per extra thread). Progress on stderr for
// batches when it is a terminal; --verbose adds one line per page with its timing (for a page given as
// `first_loaded`, decoded beside the reader's set-up, without its decoding).
// With a `sink`, each page's outcome goes to it as soon as it is read (from the reading thread) and only its error
// is kept; pages with skip[i] set are not read.
using PageSink = std::function<void(size_t, const PageOutcome&, double seconds)>;
// With `next`, the pages to read come from it (-1: none left) instead of each thread taking every jobs-th page: the
// work queue of a batch over MPI ranks. `finished` counts pages done for the progress bar (others may add to it).
std::vector<PageOutcome> read_all(Reader& first, const std::vector<std::string>& inputs,
                                  const std::vector<PageJob>& pages, const DocumentConfig& doc_cfg, int jobs_asked,
                                  const std::vector<bool>& skip = {}, const PageSink& sink = {},
                                  const std::function<long()>& next = {}, std::atomic<size_t>* finished_by = nullptr,
                                  std::future<LoadedPage>* first_loaded = nullptr) {
  const size_t n = pages.size();
  const int jobs = int(std::min<size_t>(size_t(jobs_asked), n));
  std::vector<PageOutcome> out(n);
  const bool bar = n > 1 && !globals().quiet && isatty(STDERR_FILENO) && mpi_world().rank == 0;
  std::atomic<size_t> own_count{0};
  std::atomic<size_t>& finished = finished_by ? *finished_by : own_count;
  std::mutex log_mutex;
  auto work = [&](Reader& reader, size_t begin) {
    for (size_t k = begin;; k += size_t(jobs)) {
      size_t i = k;
      if (next) {
        const long give = next();
        if (give < 0) break;
        i = size_t(give);
      } else if (k >= n) {
        break;
      }
      if (!skip.empty() && skip[i]) {
        ++finished;
        continue;
      }
      const auto t0 = std::chrono::steady_clock::now();
      const PageJob& job = pages[i];
      const std::string& path = inputs[job.input];
      try {
        if (!job.error.empty()) throw std::runtime_error(job.error);
        if (job.paged) {
          out[i].page = reader.read_loaded(Document::open(path, doc_cfg).page(job.page), path);
          out[i].page.page_number = job.page + 1;
        } else if (i == 0 && first_loaded && first_loaded->valid()) {
          out[i].page = reader.read_loaded(first_loaded->get(), path);  // as Reader::read does after load_page
        } else {
          out[i].page = reader.read(path);
        }
      } catch (const std::exception& e) {
        out[i].error = e.what();
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (sink) {
        try {
          sink(i, out[i], seconds);
        } catch (const std::exception& e) {
          out[i].error = e.what();
        }
        out[i].page = PageResult{};
      }
      const size_t done = ++finished;
      std::lock_guard<std::mutex> lock(log_mutex);
      if (globals().verbose && out[i].error.empty() && !sink) {
        size_t glyphs = 0;
        for (const auto& line : out[i].page.lines)
          for (const auto& word : line.words) glyphs += word.chars.size();
        const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        const std::string name = job.paged ? path + " page " + std::to_string(job.page + 1) : path;
        std::fprintf(stderr, "%s%s: %zu lines, %zu glyphs, skew %.1f deg, %.0f ms\n", bar ? "\r\033[K" : "",
                     name.c_str(), out[i].page.lines.size(), glyphs, out[i].page.skew_degrees, ms);
      }
      if (bar) std::fprintf(stderr, "\r\033[Kreading %zu/%zu pages", done, n);
    }
  };
  std::vector<Reader> readers;
  for (int j = 1; j < jobs; ++j) readers.push_back(first.clone());
  std::vector<std::thread> threads;
  for (int j = 1; j < jobs; ++j)
    threads.emplace_back([&, j] {
      set_threads(1);  // OpenMP's thread count is each thread's own: a new one starts at every core
      work(readers[size_t(j - 1)], size_t(j));
    });
  work(first, 0);
  for (auto& t : threads) t.join();
  if (bar) std::fprintf(stderr, "\r\033[K");
  return out;
}

// Now as an xsd:dateTime in UTC, or SOURCE_DATE_EPOCH's time when set (reproducible output, as Debian's builds
// use it).
std::string created_time() {
  std::time_t t = std::time(nullptr);
  if (const char* epoch = std::getenv("SOURCE_DATE_EPOCH")) t = std::time_t(std::strtoll(epoch, nullptr, 10));
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buf;
}

// The good pages in the asked format; several text pages each under a "==> NAME <==" header.
std::string format_pages(const std::vector<PageResult>& pages, const std::vector<std::string>& names,
                         const std::string& format, bool several) {
  if (format == "json") return (several ? to_json(pages) : to_json(pages.at(0))).dump(2) + "\n";
  if (format == "hocr") return to_hocr(pages);
  if (format == "tsv") return to_tsv(pages);
  if (format == "alto") return to_alto(pages);
  if (format == "page") return to_page_xml(pages.at(0), created_time());
  std::string out;
  for (size_t i = 0; i < pages.size(); ++i) {
    if (several) out += (i ? "\n==> " : "==> ") + names[i] + " <==\n";  // NAME, or NAME page K
    out += to_text(pages[i]);
  }
  return out;
}
}  // namespace

// --annotate OUT.png: the image with what was read drawn on it; for a document of several pages one picture per
// page, OUT_1.png, OUT_2.png, ... (pages that could not be read are left out).
void write_annotations(const std::string& input, const std::vector<PageJob>& jobs, const std::vector<PageResult>& good,
                       const DocumentConfig& doc_cfg, const std::string& out) {
  if (jobs.size() == 1 && !jobs[0].paged) {
    annotate(input, good.at(0), out);
    return;
  }
  const Document doc = Document::open(input, doc_cfg);
  const std::filesystem::path base(out);
  for (const PageResult& page : good) {
    const std::filesystem::path file =
        base.parent_path() /
        (base.stem().string() + "_" + std::to_string(page.page_number) + base.extension().string());
    annotate_image(doc.page_image(page.page_number - 1, Channels::bgr), page, file.string());
  }
}

// The inputs: files as given, folders searched recursively for images and PDFs (sorted), and --list's lines
// (blank lines and lines starting with # skipped).
std::vector<std::string> expand_inputs(const std::vector<std::string>& args, const std::string& list) {
  static const std::vector<std::string> kPageExtensions = {".jpg", ".jpeg", ".png",  ".tif", ".tiff",
                                                           ".bmp", ".pdf",  ".webp", ".pgm", ".ppm"};
  std::vector<std::string> named = args;
  if (!list.empty()) {
    std::ifstream in(list);
    if (!in) throw std::runtime_error(list + ": cannot read the list");
    for (std::string line; std::getline(in, line);) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') named.push_back(line);
    }
  }
  std::vector<std::string> out;
  for (const auto& name : named) {
    std::error_code ec;
    if (!std::filesystem::is_directory(name, ec)) {
      out.push_back(name);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& e : std::filesystem::recursive_directory_iterator(name, ec)) {
      std::string ext = e.path().extension().string();
      for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
      if (e.is_regular_file() &&
          std::find(kPageExtensions.begin(), kPageExtensions.end(), ext) != kPageExtensions.end())
        found.push_back(e.path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

// Where a page's result goes under DIR: the input's own path (made relative: no root, ".." as "__"), so that the
// same name in two folders never collides, plus the page for a paged document and the format's extension.
std::string result_path(const std::string& dir, const std::string& input, const PageJob& job,
                        const std::string& format) {
  std::filesystem::path rel;
  for (const auto& part : std::filesystem::path(input).lexically_normal().relative_path())
    rel /= part == ".." ? std::filesystem::path("__") : part;
  const std::string ext = format == "hocr"   ? "hocr.html"
                          : format == "alto" ? "alto.xml"
                          : format == "page" ? "page.xml"
                                             : format;
  std::string name = rel.string();
  if (job.paged) name += ".page" + std::to_string(job.page + 1);
  return (std::filesystem::path(dir) / (name + "." + ext)).string();
}

// Batch reading into --out-dir: every page's result in its own file (atomically), pages already done skipped unless
// --force, then DIR/summary.tsv with every page's status. True when no page failed.
bool read_into_dir(Reader& reader, const ReadOptions& opt, const std::vector<std::string>& inputs,
                   const std::vector<PageJob>& jobs, const DocumentConfig& doc_cfg) {
  std::error_code ec;
  std::filesystem::create_directories(opt.out_dir, ec);
  if (!std::filesystem::is_directory(opt.out_dir)) throw std::runtime_error(opt.out_dir + ": cannot create folder");
  std::vector<std::string> results(jobs.size());
  std::vector<bool> skip(jobs.size(), false);
  for (size_t i = 0; i < jobs.size(); ++i) {
    results[i] = result_path(opt.out_dir, inputs[jobs[i].input], jobs[i], opt.format);
    skip[i] = !opt.force && jobs[i].error.empty() && std::filesystem::exists(results[i]);
  }
  std::vector<double> seconds(jobs.size(), 0);
  const PageSink write_result = [&](size_t i, const PageOutcome& o, double s) {
    seconds[i] = s;
    if (!o.error.empty()) return;
    std::filesystem::create_directories(std::filesystem::path(results[i]).parent_path());
    write_file_atomic(results[i], format_pages({o.page}, {""}, opt.format, false));
  };
  std::vector<PageOutcome> outcomes;
  const MpiWorld& world = mpi_world();
  if (!world.ranks()) {
    outcomes = read_all(reader, inputs, jobs, doc_cfg, opt.jobs, skip, write_result);
  } else if (world.rank > 0) {
    // A worker rank: pages from rank 0's queue, each page's report sent with the request for the next one.
    thread_local PageReport last;
    read_all(
        reader, inputs, jobs, doc_cfg, opt.jobs, {},
        [&](size_t i, const PageOutcome& o, double s) {
          write_result(i, o, s);
          last = {long(i), !o.error.empty(), s, o.error};
        },
        [&] {
          const long give = mpi_next(last.index >= 0 ? &last : nullptr);
          last = PageReport{};
          return give;
        });
    mpi_done();
    return mpi_broadcast(0) == 0;
  } else {
    // Rank 0 hands out pages to its own threads and to every other rank from one queue, so one huge page stalls
    // only the rank reading it.
    std::mutex queue;
    size_t cursor = 0;
    const std::function<long()> next = [&]() -> long {
      std::lock_guard<std::mutex> lock(queue);
      while (cursor < jobs.size() && skip[cursor]) ++cursor;
      return cursor < jobs.size() ? long(cursor++) : -1;
    };
    std::atomic<size_t> finished{size_t(std::count(skip.begin(), skip.end(), true))};
    std::vector<PageReport> remote;
    std::thread local([&] {
      set_threads(1);  // as read_all's own threads: one each, beside the thread serving the other ranks
      outcomes = read_all(reader, inputs, jobs, doc_cfg, opt.jobs, {}, write_result, next, &finished);
    });
    mpi_serve(next, [&](const PageReport& r) {
      remote.push_back(r);
      ++finished;
    });
    local.join();
    for (const PageReport& r : remote) {
      outcomes[size_t(r.index)].error = r.failed ? r.error : "";
      seconds[size_t(r.index)] = r.seconds;
    }
  }
  std::string summary = "path\tpage\tstatus\tseconds\tresult\terror\n";
  size_t bad = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const bool failed = !outcomes[i].error.empty();
    bad += failed;
    if (failed) std::fprintf(stderr, "scrawl: %s\n", outcomes[i].error.c_str());
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.3f", seconds[i]);
    std::string error = outcomes[i].error;
    for (char& c : error)
      if (c == '\t' || c == '\n') c = ' ';
    summary += inputs[jobs[i].input] + "\t" + std::to_string(jobs[i].page + 1) + "\t" +
               (failed    ? "failed"
                : skip[i] ? "skipped"
                          : "read") +
               "\t" + secs + "\t" + (failed ? "" : results[i]) + "\t" + error + "\n";
  }
  write_file_atomic((std::filesystem::path(opt.out_dir) / "summary.tsv").string(), summary);
  mpi_broadcast(long(bad));  // every rank exits as rank 0 does
  if (!globals().quiet)
    std::fprintf(stderr, "read %zu of %zu pages into %s (%zu skipped, %zu failed)\n",
                 jobs.size() - bad - size_t(std::count(skip.begin(), skip.end(), true)), jobs.size(),
                 opt.out_dir.c_str(), size_t(std::count(skip.begin(), skip.end(), true)), bad);
  return bad == 0;
}

void add_read(CLI::App& app) {
  auto opt = std::make_shared<ReadOptions>();
  auto* cmd = app.add_subcommand("read", "Read handwritten block letters and digits from photos, scans and PDFs");
  add_read_options(*cmd, *opt);
  cmd->callback([opt] {
    // Pages read in parallel (--jobs) take one thread each; one page at a time may take more (below).
    set_threads(1);
    cv::setNumThreads(1);
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);  // our errors are one line each
    if (opt->images.empty() && opt->list.empty())
      throw CLI::ValidationError("images", "give images, folders or --list");
    if (opt->no_lexicon && !opt->lexicon.empty())
      throw CLI::ValidationError("--lexicon", "cannot be combined with --no-lexicon");
    if (opt->force && opt->out_dir.empty()) throw CLI::ValidationError("--force", "only applies with --out-dir");
    if (!opt->annotate.empty() && !opt->out_dir.empty())
      throw CLI::ValidationError("--annotate", "cannot be combined with --out-dir");
    if (mpi_world().ranks() && opt->out_dir.empty())
      throw CLI::ValidationError("--out-dir", "is needed under MPI: each rank writes its own pages' results");
    const std::vector<std::string> inputs = expand_inputs(opt->images, opt->list);
    if (inputs.empty()) throw std::runtime_error("no images found in the folders or list given");
    if (!opt->annotate.empty() && inputs.size() != 1)
      throw CLI::ValidationError("--annotate", "needs exactly one image or document");
    if (opt->format == "page" && inputs.size() != 1 && opt->out_dir.empty())
      throw CLI::ValidationError("--format", "page writes one PAGE file per page: give one image, or --out-dir");
    DocumentConfig doc_cfg;
    doc_cfg.dpi = opt->dpi;
    const std::vector<PageJob> jobs = page_jobs(inputs, doc_cfg);
    if (std::min<size_t>(size_t(opt->jobs), jobs.size()) == 1 && opt->out_dir.empty() && !mpi_world().ranks()) {
      int threads = std::clamp(available_cores(), 1, kPageThreads);
      if (const char* omp = std::getenv("OMP_NUM_THREADS"); omp && std::atoi(omp) > 0)
        threads = std::min(threads, std::atoi(omp));  // asked for fewer
      cv::setNumThreads(threads);
    }
    if (opt->format == "page" && jobs.size() != 1 && opt->out_dir.empty())
      throw std::runtime_error(inputs[0] + ": has " + std::to_string(jobs.size()) +
                               " pages, and a PAGE file holds one (use --format alto or hocr, or --out-dir)");
    // One image: it decodes on a second thread while the reader is made and the kernel generator set up, which need
    // not wait for it (04_deep: about 20 ms of JPEG decoding beside about 10 ms of set-up; BENCHMARKS.md, "Session
    // 21"). A page that fails to load fails as it would in Reader::read.
    const ReadConfig cfg = read_config(*opt);
    std::future<LoadedPage> first_loaded;
    if (opt->out_dir.empty() && jobs.size() == 1 && !jobs[0].paged && jobs[0].error.empty()) {
      try {
        first_loaded = std::async(std::launch::async,
                                  [path = inputs[jobs[0].input], load = cfg.load] { return load_page(path, load); });
      } catch (const std::system_error&) {  // no thread to be had: the page loads when it is read
      }
    }
    Reader reader = make_reader(*opt, cfg);
    if (first_loaded.valid()) gemm_prepare();
    if (!opt->out_dir.empty()) {
      if (!read_into_dir(reader, *opt, inputs, jobs, doc_cfg)) {
        mpi_collective_exit();  // every rank knows: none waits on another
        throw std::runtime_error("some pages could not be read");
      }
      return;
    }
    std::vector<PageOutcome> outcomes =
        read_all(reader, inputs, jobs, doc_cfg, opt->jobs, {}, {}, {}, nullptr, &first_loaded);

    // Every good page is printed; each bad one is reported on one line, and the exit code says so.
    const size_t n = jobs.size();
    std::vector<PageResult> good;
    std::vector<std::string> names;
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
      const std::string name =
          inputs[jobs[i].input] + (jobs[i].paged ? " page " + std::to_string(jobs[i].page + 1) : std::string());
      if (!outcomes[i].error.empty()) {
        if (n == 1) throw std::runtime_error(outcomes[i].error);  // main() prints it
        std::fprintf(stderr, "scrawl: %s\n", outcomes[i].error.c_str());
        ++bad;
        continue;
      }
      good.push_back(std::move(outcomes[i].page));
      names.push_back(name);
    }
    const std::string out = format_pages(good, names, opt->format, n > 1);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (!opt->annotate.empty()) write_annotations(inputs[0], jobs, good, doc_cfg, opt->annotate);
    if (bad) throw std::runtime_error(std::to_string(bad) + " of " + std::to_string(n) + " pages could not be read");
  });
}

}  // namespace scrawl::cli
