// Speed benchmarks for the neural-network core (issues 2 and 3).
//
//   BM_FmaPeak      theoretical-peak probe: a tight FMA loop at the build's vector width (FLOP/s the cores can issue)
//   BM_FmaPeak512   the same with AVX-512 FMAs where the CPU has them, whatever the build's -march
//   BM_Sgemm*       Eigen sgemm GFLOP/s: a large square GEMM and the exact shapes the 784-64-36 MLP runs
//   BM_Dense*       one Dense(784 -> 64) layer forward / backward at batch 32 and 256
//   BM_MlpEpoch     one training epoch of 10,800 synthetic samples through fc64,sigmoid,fc36 (target <= 25 ms)
//   BM_CnnTrainStep one Adam step of the CNN at batch 64 (skipped until the conv layers exist)
//   BM_Inference    models/default.scrawl on a batch of 16 and of 1,000 glyphs (skipped until the model file exists)
//
// The last argument of most benchmarks is the thread count given to Eigen/OpenMP (the machine has 2 cores).
// bench/run_speed.sh runs these next to the numpy / PyTorch references and prints the ratios.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>  // the FMA probes' intrinsics (AVX-512 ones compiled per function)
#endif

#include "scrawl/data/dataset.h"
#include "scrawl/nn/ctc.h"
#include "scrawl/nn/dense.h"
#include "scrawl/nn/model.h"
#include "scrawl/nn/model_io.h"
#include "scrawl/nn/optim.h"
#include "scrawl/nn/softmax_xent.h"
#include "scrawl/nn/threads.h"
#include "scrawl/train/line_trainer.h"
#include "scrawl/train/trainer.h"

namespace {

using scrawl::Dataset;
using scrawl::Model;
using scrawl::Shape;
using scrawl::Tensor;

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

void set_threads(int t) {
  omp_set_num_threads(t);
  Eigen::setNbThreads(t);
}

// Synthetic stand-in for emnist36-train300 at the course's size: uniform [0,1) pixels, uniform labels.
// GEMM cost does not depend on the values, so random data times the same work as real glyphs.
Dataset synthetic_glyphs(int n, uint32_t seed) {
  Dataset d;
  d.h = d.w = 28;
  d.classes = scrawl::kClasses36;
  d.source = "synthetic";
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> px(0.f, 1.f);
  d.images.resize(static_cast<size_t>(n) * 784);
  for (auto& v : d.images) v = px(rng);
  d.labels.resize(n);
  for (auto& l : d.labels) l = static_cast<int>(rng() % 36);
  return d;
}

void fill_random(float* p, size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (size_t i = 0; i < n; ++i) p[i] = u(rng);
}

// ---------------------------------------------------------------------------------------------------------
// Peak probe: 16 independent FMA chains per thread hide the FMA latency (4 cycles on Zen 4/5) behind two
// pipes. FLOPs = iterations * chains * lanes * 2.
constexpr int kChains = 16;

#if defined(__x86_64__) && defined(__GNUC__)
// The same probe with 16-lane (AVX-512) FMAs, compiled for AVX-512 whatever the build's -march and run only where
// the CPU has it: the peak that nn/gemm's generated kernels can reach from the portable build.
__attribute__((target("avx512f"))) double fma_kernel_512(long iters) {
  __m512 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(static_cast<float>(c) * 1e-3f);
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], a, b);
  __m512 s = acc[0];
  for (int c = 1; c < kChains; ++c) s = _mm512_add_ps(s, acc[c]);
  // A plain store: GCC 12's _mm512_reduce_add_ps trips -Wuninitialized inside its own header.
  alignas(64) float out[16];
  _mm512_store_ps(out, s);
  double r = 0;
  for (float v : out) r += v;
  return r;
}
#endif

#if defined(__AVX512F__)
constexpr int kLanes = 16;
constexpr int kChainsNative = kChains;
double fma_kernel(long iters) {
  return fma_kernel_512(iters);
}
#elif defined(__AVX2__)
constexpr int kLanes = 8;
// AVX2 has 16 vector registers: 16 chains and the two constants spilled a chain to the stack in every iteration,
// and the probe read 53 GFLOP/s on a Zen 3 whose sgemm ran at 80 (session 17). 12 chains still cover 4 cycles of
// latency on two pipes.
constexpr int kChains256 = 12;
constexpr int kChainsNative = kChains256;
double fma_kernel(long iters) {
  __m256 acc[kChains256];
  for (int c = 0; c < kChains256; ++c) acc[c] = _mm256_set1_ps(static_cast<float>(c) * 1e-3f);
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains256; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  float out[8];
  __m256 s = acc[0];
  for (int c = 1; c < kChains256; ++c) s = _mm256_add_ps(s, acc[c]);
  _mm256_storeu_ps(out, s);
  double r = 0;
  for (float v : out) r += v;
  return r;
}
#else
constexpr int kLanes = 1;
constexpr int kChainsNative = kChains;
double fma_kernel(long iters) {
  float acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = static_cast<float>(c);
  for (long i = 0; i < iters; ++i)
    for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * 0.999999f + 1e-7f;
  double r = 0;
  for (float v : acc) r += v;
  return r;
}
#endif

// Runs `kernel` on every thread and reports the FLOP/s of `lanes`-wide FMAs.
void fma_peak(benchmark::State& state, double (*kernel)(long), int lanes, int chains) {
  const int threads = static_cast<int>(state.range(0));
  const long iters = 1L << 22;
  double sink = 0;
  for (auto _ : state) {
#pragma omp parallel num_threads(threads) reduction(+ : sink)
    sink += kernel(iters);
    benchmark::DoNotOptimize(sink);
  }
  const double flops = 2.0 * chains * lanes * static_cast<double>(iters) * threads;
  state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["lanes"] = lanes;
}

void BM_FmaPeak(benchmark::State& state) {
  fma_peak(state, fma_kernel, kLanes, kChainsNative);
}
BENCHMARK(BM_FmaPeak)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

#if defined(__x86_64__) && defined(__GNUC__)
void BM_FmaPeak512(benchmark::State& state) {
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("this CPU has no AVX-512");
    return;
  }
  fma_peak(state, fma_kernel_512, 16, kChains);
}
BENCHMARK(BM_FmaPeak512)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
#endif

// ---------------------------------------------------------------------------------------------------------
// C (M x N) = A (M x K) * B (K x N), all row-major like Dense. With transpose_a, A is stored (K x M) and
// used transposed, as in Dense's dW = X^T dY.
void sgemm_bench(benchmark::State& state, bool transpose_a) {
  const int m = static_cast<int>(state.range(0)), k = static_cast<int>(state.range(1)),
            n = static_cast<int>(state.range(2));
  set_threads(static_cast<int>(state.range(3)));
  MatRM a = transpose_a ? MatRM(k, m) : MatRM(m, k), b(k, n), c(m, n);
  fill_random(a.data(), a.size(), 1);
  fill_random(b.data(), b.size(), 2);
  c.setZero();
  for (auto _ : state) {
    if (transpose_a)
      c.noalias() += a.transpose() * b;
    else
      c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  const double flops = 2.0 * m * k * n;
  state.counters["FLOPS"] = benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Sgemm(benchmark::State& state) {
  sgemm_bench(state, false);
}
void BM_SgemmAtB(benchmark::State& state) {
  sgemm_bench(state, true);
}

// Args: {M, K, N, threads}
BENCHMARK(BM_Sgemm)
    ->ArgNames({"M", "K", "N", "threads"})
    ->Args({1024, 1024, 1024, 1})
    ->Args({1024, 1024, 1024, 2})
    ->Args({32, 784, 64, 1})  // Dense(784->64) forward, batch 32
    ->Args({32, 784, 64, 2})
    ->Args({32, 64, 36, 1})    // Dense(64->36) forward
    ->Args({32, 36, 64, 1})    // Dense(64->36) dX = dY W^T (as a plain product)
    ->Args({256, 784, 64, 1})  // Dense(784->64) forward, batch 256
    ->Args({256, 784, 64, 2})
    ->UseRealTime();
BENCHMARK(BM_SgemmAtB)
    ->ArgNames({"M", "K", "N", "threads"})
    ->Args({784, 32, 64, 1})  // Dense(784->64) dW += X^T dY, batch 32
    ->Args({784, 32, 64, 2})
    ->Args({64, 32, 36, 1})  // Dense(64->36) dW
    ->UseRealTime();

// ---------------------------------------------------------------------------------------------------------
// One Dense(784 -> 64) layer through the library, as the MLP's first layer uses it.
struct DenseFixture {
  scrawl::Dense layer{64};
  std::vector<float> w, dw;
  Tensor x, y, dy, dx;
  explicit DenseFixture(int batch) {
    layer.setup(Shape{784, 1, 1});
    w.assign(layer.param_count(), 0.f);
    dw.assign(layer.param_count(), 0.f);
    layer.bind(w.data(), dw.data());
    std::mt19937 rng(3);
    layer.init_params(rng, scrawl::Init::Xavier);
    x.resize(batch, Shape{784, 1, 1});
    fill_random(x.data.data(), x.size(), 4);
    dy.resize(batch, Shape{64, 1, 1});
    fill_random(dy.data.data(), dy.size(), 5);
  }
};

void BM_DenseForward(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  set_threads(static_cast<int>(state.range(1)));
  DenseFixture f(batch);
  for (auto _ : state) {
    f.layer.forward(f.y, f.x, {});
    benchmark::DoNotOptimize(f.y.data.data());
  }
  state.counters["FLOPS"] = benchmark::Counter(2.0 * batch * 784 * 64, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["samples/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}

// Backward with dx (a hidden layer) : dW += X^T dY, db += sum dY, dX = dY W^T.
void BM_DenseBackward(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  set_threads(static_cast<int>(state.range(1)));
  DenseFixture f(batch);
  f.layer.forward(f.y, f.x, {});
  for (auto _ : state) {
    f.layer.backward(f.dx, f.dy, f.x, f.y, true);
    benchmark::DoNotOptimize(f.dx.data.data());
    benchmark::DoNotOptimize(f.dw.data());
  }
  state.counters["FLOPS"] =
      benchmark::Counter(2.0 * 2.0 * batch * 784 * 64, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["samples/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_DenseForward)->ArgNames({"batch", "threads"})->ArgsProduct({{32, 256}, {1, 2}})->UseRealTime();
BENCHMARK(BM_DenseBackward)->ArgNames({"batch", "threads"})->ArgsProduct({{32, 256}, {1, 2}})->UseRealTime();

// ---------------------------------------------------------------------------------------------------------
// One epoch exactly as Trainer::fit runs it (src/train/trainer.cpp), minus the progress bar and evaluation:
// fresh permutation, gather, forward, loss, correct count, zero_grad, backward, optimizer step.
// MLP FLOPs per sample (forward + backward GEMMs; the first layer needs no dX):
//   fwd 2*(784*64 + 64*36) = 104,960; bwd dW1 2*784*64 + dW2 2*64*36 + dX2 2*64*36 = 109,568; sum 214,528.
constexpr double kMlpFlopsPerSample = 214528.0;
constexpr int kMlpSamples = 10800;

void train_epoch(Model& model, scrawl::Optimizer& opt, const Dataset& data, int batch, std::mt19937& rng, Tensor& x,
                 std::vector<int>& y, Tensor& dlogits, scrawl::SoftmaxCrossEntropy& loss, double& loss_sum,
                 int& correct) {
  const scrawl::Pass pass{true, &rng, nullptr, {}};
  const std::vector<int> order = scrawl::epoch_order(data.size(), rng);
  const int n = data.size();
  const int batches = (n + batch - 1) / batch;
  for (int b = 0; b < batches; ++b) {
    const size_t begin = static_cast<size_t>(b) * batch, end = std::min<size_t>(n, begin + batch);
    data.gather(x, y, order, begin, end);
    data.prefetch(order, end, end + static_cast<size_t>(batch));  // as Trainer::fit: the next batch's rows
    const double l = loss.forward(model.forward(x, pass), y.data());
    loss_sum += l * static_cast<double>(end - begin);
    correct += loss.correct(y.data());
    model.zero_grad();
    loss.backward(dlogits, y.data());
    model.backward(dlogits);
    opt.step(model.params().data(), model.grads().data(), model.param_count());
  }
}

void BM_MlpEpoch(benchmark::State& state) {
  set_threads(static_cast<int>(state.range(0)));
  static const Dataset data = synthetic_glyphs(kMlpSamples, 7);  // built once: Google Benchmark reruns setup
  Model model("fc64,sigmoid,fc36", scrawl::InputSpec{}, scrawl::kClasses36);
  model.init_params(1);
  auto opt = scrawl::make_optimizer("momentum", 0.01f);
  std::mt19937 rng(11);
  Tensor x, dlogits;
  std::vector<int> y;
  scrawl::SoftmaxCrossEntropy loss;
  double loss_sum = 0;
  int correct = 0;
  train_epoch(model, *opt, data, 32, rng, x, y, dlogits, loss, loss_sum, correct);  // warm-up: first allocations
  for (auto _ : state) {
    train_epoch(model, *opt, data, 32, rng, x, y, dlogits, loss, loss_sum, correct);
    benchmark::DoNotOptimize(loss_sum);
  }
  state.counters["FLOPS"] =
      benchmark::Counter(kMlpFlopsPerSample * kMlpSamples, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["samples/s"] = benchmark::Counter(kMlpSamples, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_MlpEpoch)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// Not the library's code path: the same epoch (same data, gather, GEMMs, update rule) written directly in Eigen
// with the non-GEMM overheads of the library path removed, to size what the proposals in BENCHMARKS.md buy:
//   - sigmoid and softmax use Eigen's vectorized exp() instead of scalar libm (loss in float, from the same exps);
//   - no gradient buffers: the momentum update takes the gradient GEMM directly (M = mu*M - lr*X^T dA, one
//     GEMM with alpha = -lr), so there is no zero_grad memset and no separate optimizer pass over the gradients.
// Results match the library path only to float rounding, so this is a sizing experiment, not a drop-in.
void BM_MlpEpochLean(benchmark::State& state) {
  set_threads(1);
  static const Dataset data = synthetic_glyphs(kMlpSamples, 7);
  const int in = 784, hid = 64, out = 36, batch = 32;
  const float lr = 0.01f, mu = 0.9f;
  std::mt19937 rng(1);
  auto xavier = [&](MatRM& w) {
    const float a = std::sqrt(6.f / static_cast<float>(w.rows() + w.cols()));
    std::uniform_real_distribution<float> u(-a, a);
    for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = u(rng);
  };
  MatRM w1(in, hid), w2(hid, out), m1 = MatRM::Zero(in, hid), m2 = MatRM::Zero(hid, out);
  xavier(w1);
  xavier(w2);
  Eigen::RowVectorXf b1 = Eigen::RowVectorXf::Zero(hid), b2 = Eigen::RowVectorXf::Zero(out);
  Eigen::RowVectorXf mb1 = b1, mb2 = b2;
  MatRM xb(batch, in), h(batch, hid), z(batch, out), dz(batch, out), dh(batch, hid);
  std::vector<int> yb(batch);
  double loss_sum = 0;
  int correct = 0;
  auto epoch = [&] {
    const std::vector<int> order = scrawl::epoch_order(data.size(), rng);
    for (int begin = 0; begin < data.size(); begin += batch) {
      const int n = std::min(batch, data.size() - begin);
      for (int i = 0; i < n; ++i) {
        std::memcpy(xb.row(i).data(), data.image(order[begin + i]), sizeof(float) * in);
        yb[i] = data.labels[order[begin + i]];
      }
      auto X = xb.topRows(n);
      auto H = h.topRows(n);
      auto Z = z.topRows(n);
      auto dZ = dz.topRows(n);
      auto dH = dh.topRows(n);
      H.noalias() = X * w1;
      H.rowwise() += b1;
      H = (1.f + (-H.array()).exp()).inverse().matrix();
      Z.noalias() = H * w2;
      Z.rowwise() += b2;
      const Eigen::VectorXf zmax = Z.rowwise().maxCoeff();
      dZ = (Z.colwise() - zmax).array().exp().matrix();  // unnormalized probabilities
      const Eigen::VectorXf sum = dZ.rowwise().sum();
      const float inv_n = 1.f / static_cast<float>(n);
      for (int i = 0; i < n; ++i) {
        loss_sum -= Z(i, yb[i]) - zmax(i) - std::log(sum(i));
        Eigen::Index arg;
        dZ.row(i).maxCoeff(&arg);
        correct += arg == yb[i];
        dZ.row(i) *= inv_n / sum(i);
        dZ(i, yb[i]) -= inv_n;
      }
      dH.noalias() = dZ * w2.transpose();  // before w2 moves
      dH.array() *= H.array() * (1.f - H.array());
      m2 *= mu;
      m2.noalias() -= lr * (H.transpose() * dZ);
      w2 += m2;
      mb2 = mu * mb2 - lr * dZ.colwise().sum();
      b2 += mb2;
      m1 *= mu;
      m1.noalias() -= lr * (X.transpose() * dH);
      w1 += m1;
      mb1 = mu * mb1 - lr * dH.colwise().sum();
      b1 += mb1;
    }
  };
  epoch();  // warm-up
  for (auto _ : state) {
    epoch();
    benchmark::DoNotOptimize(loss_sum);
  }
  state.counters["FLOPS"] =
      benchmark::Counter(kMlpFlopsPerSample * kMlpSamples, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["acc"] = static_cast<double>(correct) / ((state.iterations() + 1) * kMlpSamples);
}
BENCHMARK(BM_MlpEpochLean)->UseRealTime()->Unit(benchmark::kMillisecond);

// Training-step benchmarks: at 1 and 2 threads, at least 2 s each (a step takes tens to hundreds of ms).
void training_steps_at_1_and_2_threads(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(1)->Arg(2)->MinTime(2.0)->UseRealTime()->Unit(benchmark::kMillisecond);
}

// ---------------------------------------------------------------------------------------------------------
// The CNN of issue 3: one training step (forward, loss, backward, Adam) at batch 64 on synthetic glyphs.
constexpr const char* kCnnArch = "conv5x5x32,relu,pool2,conv5x5x64,relu,pool2,fc128,relu,fc36";

bool layers_available(const std::string& arch, std::string& why) {
  try {
    scrawl::parse_arch(arch);
    return true;
  } catch (const std::exception& e) {
    why = e.what();
    return false;
  }
}

void BM_CnnTrainStep(benchmark::State& state) {
  const int batch = 64;
  set_threads(static_cast<int>(state.range(0)));
  std::string why;
  if (!layers_available(kCnnArch, why)) {
    state.SkipWithError(("conv layers not available yet: " + why).c_str());
    return;
  }
  const Dataset data = synthetic_glyphs(batch * 16, 9);
  Model model(kCnnArch, scrawl::InputSpec{}, scrawl::kClasses36);
  model.init_params(1);
  auto opt = scrawl::make_optimizer("adam", 1e-3f);
  std::mt19937 rng(13);
  const scrawl::Pass pass{true, &rng, nullptr, {}};
  const std::vector<int> order = scrawl::epoch_order(data.size(), rng);
  Tensor x, dlogits;
  std::vector<int> y;
  scrawl::SoftmaxCrossEntropy loss;
  size_t step = 0;
  auto train_step = [&] {
    const size_t begin = (step++ % 16) * batch;
    data.gather(x, y, order, begin, begin + batch);
    benchmark::DoNotOptimize(loss.forward(model.forward(x, pass), y.data()));
    model.zero_grad();
    loss.backward(dlogits, y.data());
    model.backward(dlogits);
    opt->step(model.params().data(), model.grads().data(), model.param_count());
  };
  // Warm-up outside the timing: the first step allocates and first-touches ~20 MB of activations and scratch,
  // which would otherwise dominate the few iterations a slow step gets.
  train_step();
  for (auto _ : state) train_step();
  state.counters["samples/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_CnnTrainStep)->Apply(training_steps_at_1_and_2_threads);

// ---------------------------------------------------------------------------------------------------------
// The line recognizer's training step (issue 14): train-line's default architecture on a batch of 16 lines,
// 32 x 512 (128 frames), random ink and random 24-character labels, CTC loss, Adam. bench/line_torch.py is the
// same network, shapes and loss (torch.nn.CTCLoss) in PyTorch.
constexpr int kLineBatch = 16, kLineWidth = 512, kLineLabel = 24;

// The recurrent alternative to the default's temporal convolutions (BENCHMARKS.md, "Sequence layer").
constexpr const char* kLineArchBiLstm =
    "conv3x3x32,relu,pool2,conv3x3x64,relu,pool2,conv3x3x96,relu,seq,blstm128,tconv1x38";

void line_train_step(benchmark::State& state, const std::string& arch) {
  set_threads(static_cast<int>(state.range(0)));
  scrawl::InputSpec in;
  in.shape = Shape{1, 32, kLineWidth};
  in.normalization = "line";
  Model model(arch, in, "_0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ ");
  model.init_params(1);
  const int frames = kLineWidth / scrawl::frame_stride(model);
  std::mt19937 rng(19);
  std::uniform_real_distribution<float> px(0.f, 1.f);
  std::uniform_int_distribution<int> cls(1, model.num_classes() - 1);
  Tensor x(kLineBatch, in.shape);
  for (auto& v : x.data) v = px(rng);
  std::vector<std::vector<int>> labels(kLineBatch);
  for (auto& l : labels)
    for (int i = 0; i < kLineLabel; ++i) l.push_back(cls(rng));
  const std::vector<int> lengths(kLineBatch, frames);
  auto opt = scrawl::make_optimizer("adam", 1e-3f);
  scrawl::Pass pass{true, &rng, nullptr, {}};
  pass.frames = &lengths;
  scrawl::CtcLoss ctc;
  ctc.zero_infinity = true;
  Tensor d;
  auto step = [&] {
    benchmark::DoNotOptimize(ctc.forward(model.forward(x, pass), lengths, labels));
    ctc.backward(d);
    model.zero_grad();
    model.backward(d);
    opt->step(model.params().data(), model.grads().data(), model.param_count());
  };
  step();  // warm-up: first allocations
  for (auto _ : state) step();
  state.counters["lines/s"] = benchmark::Counter(kLineBatch, benchmark::Counter::kIsIterationInvariantRate);
}
void BM_LineTrainStep(benchmark::State& state) {
  line_train_step(state, scrawl::LineTrainConfig{}.arch);
}
void BM_LineTrainStepBiLstm(benchmark::State& state) {
  line_train_step(state, kLineArchBiLstm);
}
BENCHMARK(BM_LineTrainStep)->Apply(training_steps_at_1_and_2_threads);
BENCHMARK(BM_LineTrainStepBiLstm)->Apply(training_steps_at_1_and_2_threads);

// ---------------------------------------------------------------------------------------------------------
// The shipped model classifying glyphs in one batch (inference mode, no caches needed): 16, what the page reader
// classifies at a time, and 1,000.
void BM_Inference(benchmark::State& state) {
  const int batch = static_cast<int>(state.range(0));
  set_threads(static_cast<int>(state.range(1)));
  const std::string path = std::string(SCRAWL_SOURCE_DIR) + "/models/default.scrawl";
  if (!std::filesystem::exists(path)) {
    state.SkipWithError((path + " does not exist yet").c_str());
    return;
  }
  Model model = scrawl::load_model(path);
  const Shape s = model.input().shape;
  Tensor x(batch, s);
  std::mt19937 rng(17);
  std::uniform_real_distribution<float> px(0.f, 1.f);
  for (auto& v : x.data) v = px(rng);
  model.forward(x, {});  // warm-up: first allocations
  for (auto _ : state) {
    const Tensor& logits = model.forward(x, {});
    benchmark::DoNotOptimize(logits.data.data());
  }
  state.SetLabel(model.arch());
  state.counters["glyphs/s"] = benchmark::Counter(batch, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Inference)
    ->ArgNames({"batch", "threads"})
    ->ArgsProduct({{16, 1000}, {1, 2}})
    ->MinTime(2.0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
