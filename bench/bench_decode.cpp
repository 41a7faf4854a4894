// Contextual decoding speed: loading the default word list and decoding a page of ~50 words.
// Target: a typical page decodes in <= 10 ms; the decoder is ready in <= ~10 ms (from its cache).
#include <benchmark/benchmark.h>

#include <random>

#include "scrawl/ocr/decode.h"

using namespace scrawl;

namespace {
const std::string kClasses = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

const WordDecoder& decoder() {
  static const WordDecoder d = make_word_decoder(kClasses);
  return d;
}

// 50 words: dictionary words, numbers and random strings, each glyph's truth at 0.4-0.95 with the rest spread over
// three random rivals and a floor (a classifier that is often unsure, the decoder's busy case).
std::vector<std::vector<GlyphProbs>> page(unsigned seed) {
  std::mt19937 rng(seed);
  const auto& words = decoder().lexicon().words();
  std::uniform_int_distribution<size_t> pick(0, words.size() - 1);
  std::uniform_int_distribution<int> cls(0, int(kClasses.size()) - 1), len(1, 7), kind(0, 9);
  std::uniform_real_distribution<float> conf(0.4f, 0.95f);
  std::vector<std::vector<GlyphProbs>> out;
  for (int w = 0; w < 50; ++w) {
    std::string s;
    const int k = kind(rng);
    if (k < 6) {
      s = words[pick(rng)];
    } else {
      for (int i = len(rng); i > 0; --i) s += kClasses[size_t(k < 8 ? cls(rng) % 10 : cls(rng))];
    }
    std::vector<GlyphProbs> word;
    for (char c : s) {
      GlyphProbs g;
      g.p.assign(kClasses.size(), 1e-4f);
      const float p = conf(rng);
      g.p[kClasses.find(c)] = p;
      for (int r = 0; r < 3; ++r) g.p[size_t(cls(rng))] += (1 - p) / 3;
      word.push_back(std::move(g));
    }
    out.push_back(std::move(word));
  }
  return out;
}
}  // namespace

static void BM_DecodePage50Words(benchmark::State& state) {
  const auto words = page(7);
  const WordDecoder& d = decoder();
  const DecodeConfig cfg;
  size_t chars = 0;
  for (auto _ : state)
    for (const auto& w : words) {
      const DecodeResult r = d.decode(w, cfg);
      chars += r.text.size();
      benchmark::DoNotOptimize(r.text.data());
    }
  state.counters["chars"] = benchmark::Counter(double(chars), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DecodePage50Words)->Unit(benchmark::kMillisecond);

// Start-up of `scrawl read`: the decoder from the cache (the usual case) and built from the word list (the first
// run, or no writable cache folder).
static void BM_LoadDefaultLexiconCached(benchmark::State& state) {
  make_word_decoder(kClasses);  // make sure the cache exists
  bool cached = true;
  for (auto _ : state) {
    bool hit = false;
    WordDecoder d = make_word_decoder(kClasses, kDefaultLexiconPath, default_decoder_cache_dir(), &hit);
    cached = cached && hit;
    benchmark::DoNotOptimize(d.lexicon().size());
  }
  if (!cached) state.SkipWithError("the cache was not used (no writable cache folder?)");
}
BENCHMARK(BM_LoadDefaultLexiconCached)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

static void BM_BuildDefaultLexicon(benchmark::State& state) {
  for (auto _ : state) {
    WordDecoder d = make_word_decoder(kClasses, kDefaultLexiconPath, "");
    benchmark::DoNotOptimize(d.lexicon().size());
  }
}
BENCHMARK(BM_BuildDefaultLexicon)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

BENCHMARK_MAIN();
