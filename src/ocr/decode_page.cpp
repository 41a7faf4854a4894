#include "scrawl/ocr/decode_page.h"

#include <algorithm>
#include <cmath>

namespace scrawl {

namespace {
GlyphProbs probs_of(const CharResult& c, const std::string& classes) {
  GlyphProbs g;
  g.p.assign(classes.size(), 0.f);
  float listed = 0;
  size_t hits = 0;
  for (const auto& a : c.alternatives) {
    const size_t k = classes.find(a.label);
    if (k == std::string::npos || g.p[k] > 0) continue;
    g.p[k] = std::max(a.prob, 1e-9f);
    listed += g.p[k];
    ++hits;
  }
  if (hits < classes.size()) {
    const float rest = std::max(1.f - listed, 0.f) / float(classes.size() - hits);
    for (auto& p : g.p)
      if (p == 0) p = std::max(rest, 1e-9f);
  }
  return g;
}

struct Run {
  std::vector<CharResult>* chars;
  size_t begin, end;
  std::vector<GlyphProbs> probs;
  size_t listed;  // the fewest alternatives any of its glyphs lists
};

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_letter(char c) {
  return c >= 'A' && c <= 'Z';
}

// Re-reads a glyph as the best listed class of the wanted kind. Only a close call is overturned: the class must be
// among the listed alternatives (the best of a kind overall is listed whenever any of that kind is, since the
// list holds the top classes).
void prefer_kind(CharResult& ch, bool letters) {
  for (const Alternative& a : ch.alternatives)
    if (letters ? is_letter(a.label) : is_digit(a.label)) {
      ch.label = a.label;
      ch.confidence = a.prob;
      return;
    }
}

// The letter/digit context: a word of 2+ class glyphs reads its glyphs as its majority kind; a one-glyph word as
// the majority of its line's one-glyph words when there are enough of them. Ties decide nothing.
void apply_kind_context(PageResult& page, int min_singles) {
  for (auto& line : page.lines) {
    int single_letters = 0, single_digits = 0;
    for (const auto& w : line.words) {
      int n = 0;
      char only = 0;
      for (const auto& c : w.chars)
        if (is_letter(c.label) || is_digit(c.label)) {
          ++n;
          only = c.label;
        }
      if (n == 1) (is_letter(only) ? single_letters : single_digits)++;
    }
    for (auto& w : line.words) {
      int letters = 0, digits = 0;
      for (const auto& c : w.chars) {
        letters += is_letter(c.label);
        digits += is_digit(c.label);
      }
      bool want_letters;
      if (letters + digits >= 2) {
        if (letters == digits) continue;
        want_letters = letters > digits;
      } else if (single_letters + single_digits >= min_singles && single_letters != single_digits) {
        want_letters = single_letters > single_digits;
      } else {
        continue;
      }
      for (auto& c : w.chars) prefer_kind(c, want_letters);  // punctuation lists no class of either kind
    }
  }
}

// The word's chars with the other reading taken for each cell whose bit is set in `mask`.
std::vector<CharResult> with_readings(const WordResult& word, unsigned mask) {
  std::vector<CharResult> out;
  size_t i = 0;
  for (size_t a = 0; a < word.other_readings.size(); ++a) {
    const CellReading& cell = word.other_readings[a];
    while (i < cell.first) out.push_back(word.chars[i++]);
    if (mask >> a & 1u)
      out.insert(out.end(), cell.other.begin(), cell.other.end());
    else
      out.insert(out.end(), word.chars.begin() + long(i), word.chars.begin() + long(i + cell.count));
    i += cell.count;
  }
  out.insert(out.end(), word.chars.begin() + long(i), word.chars.end());
  return out;
}

// Takes the readings of `mask` into the word; the readings it gives up become the cells' other readings.
void swap_readings(WordResult& word, unsigned mask) {
  std::vector<CharResult> chars = with_readings(word, mask);
  size_t shift = 0;  // how far later cells moved
  for (size_t a = 0; a < word.other_readings.size(); ++a) {
    CellReading& cell = word.other_readings[a];
    const size_t first = cell.first + shift;
    if (mask >> a & 1u) {
      std::vector<CharResult> given_up(word.chars.begin() + long(cell.first),
                                       word.chars.begin() + long(cell.first + cell.count));
      const size_t count = cell.other.size();
      shift = shift + count - cell.count;
      cell.count = count;
      cell.other = std::move(given_up);
    }
    cell.first = first;
  }
  word.chars = std::move(chars);
}
}  // namespace

size_t decode_page(PageResult& page, const WordDecoder& decoder, const PageDecodeConfig& cfg) {
  const std::string& classes = decoder.classes();
  auto is_class = [&](const CharResult& c) {
    return !c.alternatives.empty() && classes.find(c.alternatives[0].label) != std::string::npos;
  };
  if (cfg.context) apply_kind_context(page, cfg.context_min_singles);
  if (!(cfg.decode.lm_weight > 0)) return 0;
  size_t changed = 0;
  // Cells the reader could have read cut or whole: the other reading wins when only it decodes to a lexicon word
  // long enough to be sure of (sure_word_min), the reader's own reading does not, and the word is all classes.
  auto lexicon_score = [&](const std::vector<CharResult>& chars) {
    if (chars.size() < cfg.sure_word_min) return -INFINITY;
    std::vector<GlyphProbs> probs;
    size_t listed = chars[0].alternatives.size();
    for (const auto& c : chars) {
      probs.push_back(probs_of(c, classes));
      listed = std::min(listed, c.alternatives.size());
    }
    DecodeConfig rc = cfg.decode;
    rc.top_k = int(std::min<size_t>(size_t(std::max(rc.top_k, 1)), std::max<size_t>(listed, 1)));
    const DecodeResult d = decoder.decode(probs, rc);
    if (!(decoder.log_terms(d.text, rc)[0] > -INFINITY)) return -INFINITY;
    double score = rc.lm_weight * decoder.log_prior(d.text, rc);
    for (size_t i = 0; i < probs.size(); ++i) score += std::log(double(probs[i].p[size_t(d.classes[i])]));
    return float(score);
  };
  if (cfg.decode.use_lexicon && !decoder.lexicon().empty())
    for (auto& line : page.lines)
      for (auto& word : line.words) {
        const size_t cells = word.other_readings.size();
        if (cells == 0 || cells > 3 || word.chars.size() < cfg.sure_word_min ||
            !std::all_of(word.chars.begin(), word.chars.end(), is_class) || lexicon_score(word.chars) > -INFINITY)
          continue;
        unsigned best_mask = 0;
        float best = -INFINITY;
        for (unsigned mask = 1; mask < (1u << cells); ++mask) {
          const std::vector<CharResult> chars = with_readings(word, mask);
          if (!std::all_of(chars.begin(), chars.end(), is_class)) continue;
          const float score = lexicon_score(chars);
          if (score > best) {
            best = score;
            best_mask = mask;
          }
        }
        if (best_mask != 0) {
          swap_readings(word, best_mask);
          ++changed;
        }
      }

  std::vector<Run> runs;
  std::vector<std::pair<CharResult*, bool>> lone_glyphs;  // with: its line is a list of one kind
  for (auto& line : page.lines) {
    std::vector<CharResult*> lone;  // glyphs in runs too short to decode
    for (auto& word : line.words) {
      auto& chars = word.chars;
      for (size_t i = 0; i < chars.size();) {
        if (!is_class(chars[i])) {
          ++i;
          continue;
        }
        size_t j = i;
        while (j < chars.size() && is_class(chars[j])) ++j;
        if (j - i >= std::max<size_t>(cfg.min_glyphs, 1)) {
          Run r{&chars, i, j, {}, chars[i].alternatives.size()};
          for (size_t k = i; k < j; ++k) {
            r.probs.push_back(probs_of(chars[k], classes));
            r.listed = std::min(r.listed, chars[k].alternatives.size());
          }
          runs.push_back(std::move(r));
        } else {
          for (size_t k = i; k < j; ++k) lone.push_back(&chars[k]);
        }
        i = j;
      }
    }
    // Lone glyphs: the reader's line rule only on a list of one kind, else the top class.
    size_t letters = 0, digits = 0;
    for (const CharResult* c : lone) {
      letters += is_letter(c->alternatives[0].label);
      digits += is_digit(c->alternatives[0].label);
    }
    const bool list = lone.size() >= cfg.list_min && std::min(letters, digits) <= 1;
    for (CharResult* c : lone) lone_glyphs.emplace_back(c, list);
  }

  DecodeConfig dc = cfg.decode;
  const std::array<float, 4> w0{dc.w_lexicon, dc.w_ngram, dc.w_number, dc.w_random};
  const float w0_sum = w0[0] + w0[1] + w0[2] + w0[3];
  std::vector<DecodeResult> out(runs.size());
  bool text = true;
  for (int round = 0;; ++round) {
    for (size_t i = 0; i < runs.size(); ++i) {
      DecodeConfig rc = dc;
      rc.top_k = int(std::min<size_t>(size_t(std::max(rc.top_k, 1)), std::max<size_t>(runs[i].listed, 1)));
      out[i] = decoder.decode(runs[i].probs, rc);
    }
    // The test needs a word list: without one (--no-lexicon) every page counts as text.
    if (round == 0 && runs.size() >= cfg.text_min_runs && dc.use_lexicon && !decoder.lexicon().empty()) {
      size_t words = 0;
      for (const auto& r : out) {
        const std::array<double, 4> t = decoder.log_terms(r.text, cfg.decode);
        words += t[0] > -INFINITY || t[2] > -INFINITY;
      }
      text = double(words) >= double(cfg.text_min_share) * double(runs.size());
      if (!text) {
        DecodeConfig none = dc;
        none.lm_weight = 0;
        for (size_t i = 0; i < runs.size(); ++i) {
          const bool long_word =
              out[i].text.size() >= cfg.sure_word_min && decoder.log_terms(out[i].text, dc)[0] > -INFINITY;
          if (!long_word) out[i] = decoder.decode(runs[i].probs, none);
        }
        break;
      }
    }
    if (round >= cfg.adapt_rounds || runs.empty() || !(w0_sum > 0)) break;
    // Each token's share per term: w_t P_t(s) / sum_u w_u P_u(s), at this round's weights.
    const std::array<float, 4> wr{dc.w_lexicon, dc.w_ngram, dc.w_number, dc.w_random};
    std::array<double, 4> share{0, 0, 0, 0};
    for (const auto& r : out) {
      const std::array<double, 4> t = decoder.log_terms(r.text, cfg.decode);
      std::array<double, 4> l{};
      double m = -INFINITY;
      for (size_t k = 0; k < 4; ++k) {
        l[k] = wr[k] > 0 ? std::log(double(wr[k])) + t[k] : -INFINITY;
        m = std::max(m, l[k]);
      }
      if (m == -INFINITY) continue;
      double z = 0;
      for (size_t k = 0; k < 4; ++k) z += std::exp(l[k] - m);
      for (size_t k = 0; k < 4; ++k) share[k] += std::exp(l[k] - m) / z;
    }
    const double a = cfg.adapt_strength, n = double(runs.size());
    float* w[4] = {&dc.w_lexicon, &dc.w_ngram, &dc.w_number, &dc.w_random};
    for (size_t k = 0; k < 4; ++k) *w[k] = float((share[k] + a * w0[k] / w0_sum) / (n + a));
  }

  for (auto [c, list] : lone_glyphs)
    if ((!list || !text) && c->label != c->alternatives[0].label) {
      c->label = c->alternatives[0].label;
      c->confidence = c->alternatives[0].prob;
      ++changed;
    }
  for (size_t i = 0; i < runs.size(); ++i) {
    auto& chars = *runs[i].chars;
    bool differs = false;
    for (size_t k = runs[i].begin; k < runs[i].end; ++k) {
      const char l = out[i].text[k - runs[i].begin];
      differs = differs || chars[k].label != l;
      chars[k].label = l;
      chars[k].confidence = out[i].probs[k - runs[i].begin];
    }
    changed += differs;
  }
  return changed;
}

}  // namespace scrawl
