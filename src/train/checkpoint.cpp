#include "scrawl/train/checkpoint.h"

#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "scrawl/nn/model_io.h"
#include "scrawl/util/files.h"

namespace scrawl {
namespace {

nlohmann::json floats(const std::vector<float>& v) {
  std::vector<uint8_t> bytes(v.size() * sizeof(float));
  if (!v.empty()) std::memcpy(bytes.data(), v.data(), bytes.size());
  return nlohmann::json::binary(std::move(bytes));
}
std::vector<float> floats(const nlohmann::json& j) {
  const auto& b = j.get_binary();
  if (b.size() % sizeof(float)) throw std::runtime_error("float array has a ragged length");
  std::vector<float> v(b.size() / sizeof(float));
  if (!v.empty()) std::memcpy(v.data(), b.data(), b.size());
  return v;
}

}  // namespace

std::string checkpoint_path(const std::string& dir) {
  return (std::filesystem::path(dir) / "checkpoint.cbor").string();
}

void save_checkpoint(const std::string& dir, const Model& model, const Optimizer& opt, const TrainState& state,
                     const nlohmann::json& run) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::runtime_error(dir + ": cannot create checkpoint folder (" + ec.message() + ")");
  nlohmann::json j;
  j["format"] = "scrawl-checkpoint";
  j["version"] = 1;
  j["run"] = run;
  const std::string model_bytes = serialize_model(model);
  j["model"] = nlohmann::json::binary(std::vector<uint8_t>(model_bytes.begin(), model_bytes.end()));
  j["optimizer"] = {{"name", opt.name()}, {"state", floats(opt.state())}};
  nlohmann::json hist = nlohmann::json::array();
  for (const auto& s : state.history)
    hist.push_back({s.epoch, s.train_loss, s.train_acc, s.valid_loss, s.valid_acc, s.seconds, s.lr});
  j["state"] = {{"epochs_done", state.epochs_done},
                {"history", hist},
                {"best_loss", state.best_loss},
                {"best_epoch", state.best_epoch},
                {"since_best", state.since_best},
                {"best_params", floats(state.best_params)},
                {"rng", state.rng}};
  const std::vector<uint8_t> cbor = nlohmann::json::to_cbor(j);
  write_file_atomic(checkpoint_path(dir), std::string(cbor.begin(), cbor.end()));
}

void load_checkpoint(const std::string& dir, Model& model, Optimizer& opt, TrainState& state,
                     const nlohmann::json& run) {
  const std::string path = checkpoint_path(dir);
  const std::string bytes = read_file(path);
  try {
    const nlohmann::json j = nlohmann::json::from_cbor(bytes);
    if (j.at("format") != "scrawl-checkpoint") throw std::runtime_error("not a scrawl checkpoint");
    if (j.at("version") != 1) throw std::runtime_error("unsupported checkpoint version " + j.at("version").dump());
    if (j.at("run") != run)
      throw std::runtime_error("was written by a different run (data, architecture or hyperparameters differ): " +
                               j.at("run").dump());
    const auto& mb = j.at("model").get_binary();
    Model saved = parse_model(std::string(mb.begin(), mb.end()), path);
    if (saved.arch() != model.arch() || saved.param_count() != model.param_count())
      throw std::runtime_error("holds a " + saved.arch() + " model, not " + model.arch());
    model.params() = saved.params();
    if (j.at("optimizer").at("name") != opt.name())
      throw std::runtime_error("optimizer was " + j.at("optimizer").at("name").get<std::string>());
    opt.set_state(floats(j.at("optimizer").at("state")));
    const auto& s = j.at("state");
    state = TrainState{};
    state.epochs_done = s.at("epochs_done").get<int>();
    for (const auto& h : s.at("history"))
      state.history.push_back(EpochStats{h.at(0).get<int>(), h.at(1).get<double>(), h.at(2).get<double>(),
                                         h.at(3).get<double>(), h.at(4).get<double>(), h.at(5).get<double>(),
                                         h.at(6).get<double>()});
    state.best_loss =
        s.at("best_loss").is_null() ? std::numeric_limits<double>::infinity() : s.at("best_loss").get<double>();
    state.best_epoch = s.at("best_epoch").get<int>();
    state.since_best = s.at("since_best").get<int>();
    state.best_params = floats(s.at("best_params"));
    state.rng = s.at("rng").get<std::string>();
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": corrupt checkpoint (" + e.what() + ")");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.rfind(path, 0) == 0) throw;
    throw std::runtime_error(path + ": " + what);
  }
}

}  // namespace scrawl
