// The image-classification task (train/image_classification_task): its split and standardisation,
// its problems (batch model, read-out, labels), and a short training that lowers the loss, on
// three-channel images written in the CIFAR-10 binary format and read back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include "io/image_dataset.hpp"
#include "models/kernels/random_stream.hpp"
#include "support/reference.hpp"
#include "train/classification_readout.hpp"
#include "train/image_classification_task.hpp"
#include "train/predictive_coding_image_model.hpp"
#include "train/trainer.hpp"

namespace neurode {
namespace {

// `count` 32 x 32 RGB records of two classes: class 0 bright on the left half, class 1 on the
// right, with noise; written as one CIFAR-10 binary batch file.
std::string write_cifar_file(std::size_t count) {
  const std::string path = testing::temporary_path("data_batch_1.bin");
  std::ofstream out(path, std::ios::binary);
  const models::RandomStream noise(3, 1);
  std::uint64_t k = 0;
  for (std::size_t n = 0; n < count; ++n) {
    const unsigned char label = static_cast<unsigned char>(n % 2);
    out.put(static_cast<char>(label));
    for (int c = 0; c < 3; ++c)
      for (int i = 0; i < 32; ++i)
        for (int j = 0; j < 32; ++j) {
          const bool bright = (j < 16) == (label == 0);
          const double value = (bright ? 150.0 : 60.0) + 40.0 * c + 50.0 * noise.uniform(k++);
          out.put(static_cast<char>(static_cast<unsigned char>(std::min(255.0, value))));
        }
  }
  return path;
}

train::ImageClassificationSettings small_settings() {
  train::ImageClassificationSettings s;
  s.data.format = "cifar10";
  s.data.training_images = 48;
  s.data.validation_images = 16;
  s.data.test_images = 0;
  s.duration = 2.0;
  models::PredictiveCodingSettings pc;
  pc.spec.levels = {{models::LevelSpec::Kind::convolution, 0, 4, 4, 4, 0},
                    {models::LevelSpec::Kind::dense, 6, 0, 0, 0, 0}};
  pc.spec.k1 = 0.5;
  pc.spec.k2 = 0.3;
  s.model = std::make_shared<train::PredictiveCodingImageModel>(pc);
  s.seed = 5;
  return s;
}

TEST(ImageClassification, ReadsCifarFilesSplitsAndStandardisesPerChannel) {
  const io::ImageSet set = io::read_cifar10({write_cifar_file(64)});
  const train::ImageClassificationTask task(small_settings(), set, io::ImageSet{});
  EXPECT_EQ(task.samples(train::Split::training), 48u);
  EXPECT_EQ(task.samples(train::Split::evaluation), 16u);
  EXPECT_FALSE(task.has_test_split());
  EXPECT_EQ(task.classes(), 10u);
  // The training images' channels have mean 0 and standard deviation 1 after standardisation.
  for (std::size_t c = 0; c < 3; ++c) {
    double sum = 0, squares = 0;
    const std::size_t n = task.samples(train::Split::training);
    for (std::size_t i = 0; i < n; ++i) {
      const auto x = task.image(train::Split::training, i);
      for (std::size_t p = 0; p < 1024; ++p)
        sum += x[c * 1024 + p], squares += x[c * 1024 + p] * x[c * 1024 + p];
    }
    const double mean = sum / (n * 1024.0);
    EXPECT_NEAR(mean, 0.0, 1e-12) << "channel " << c;
    EXPECT_NEAR(squares / (n * 1024.0) - mean * mean, 1.0, 1e-12) << "channel " << c;
  }
  // Labels follow the records.
  const auto problem = task.make_problem(train::Split::evaluation, {0, 1, 2}, task.initial_parameters(), 0);
  EXPECT_EQ(problem.model->trial_count(), 3u);
  EXPECT_EQ(problem.observation_times, (std::vector<double>{0.0, 2.0}));
  EXPECT_EQ(task.initial_parameters().size(), task.parameter_labels().size());
}

TEST(ImageClassification, TwoEpochsLowerTheLossAndLearnTheTask) {
  const io::ImageSet set = io::read_cifar10({write_cifar_file(64)});
  const train::ImageClassificationTask task(small_settings(), set, io::ImageSet{});
  train::TrainingSettings settings;
  settings.epochs = 2;
  settings.batch_size = 8;
  settings.block_size = 8;
  settings.eval_every = 1;
  settings.optimizer.learning_rate = 2e-2;
  settings.solver.method = "rk4";
  settings.solver.adaptive = false;
  settings.solver.dt = 0.25;
  train::Trainer trainer(task, settings);
  train::TrainingState state = trainer.initial_state();
  const auto before = trainer.evaluate(state.parameters, false);
  trainer.run(state, [](const train::TrainingState&, const train::EpochRecord&) {});
  const auto after = trainer.evaluate(state.parameters, false);
  EXPECT_LT(after.loss, 0.5 * before.loss) << "held-out loss " << before.loss << " -> " << after.loss;
  EXPECT_GE(after.metrics[0], 0.9) << "accuracy on two separable classes";
  ASSERT_EQ(state.history.size(), 2u);
  EXPECT_LT(state.history[1].loss, state.history[0].loss);
}

// Global max pooling (the hGRU's read-out): the loss's state and weight gradients against central
// differences; the maximum's share goes to the position holding it.
TEST(ClassificationReadout, MaxPoolingGradientsMatchDifferences) {
  const models::StateLayout layout{{{"H2", {2, 3, 3}, "", "column", "[channel, row, column]"}}};
  const auto features = train::top_component_features(layout, train::Pool::max);
  ASSERT_EQ(features.count(), 2u);
  const models::RandomStream stream(9, 2);
  std::vector<double> y(2 * 18), readout(3 * 3);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = stream.normal(i);
  for (std::size_t i = 0; i < readout.size(); ++i) readout[i] = stream.normal(100 + i);
  const auto loss_of = [&](const std::vector<double>& state, const std::vector<double>& weights) {
    const train::ClassificationReadout r(features, 3, {2, 0}, weights, 1);
    std::vector<double> per(2, 0.0);
    r.add_value(1, state.data(), per);
    return per[0] + per[1];
  };
  const train::ClassificationReadout r(features, 3, {2, 0}, readout, 1);
  std::vector<double> dy(y.size(), 0.0), dp(2 * readout.size(), 0.0);
  r.add_cotangent(1, y.data(), dy.data());
  r.add_parameter_gradient(1, y.data(), dp.data());
  const double h = 1e-6;
  for (std::size_t i = 0; i < y.size(); ++i) {
    auto plus = y, minus = y;
    plus[i] += h, minus[i] -= h;
    EXPECT_NEAR(dy[i], (loss_of(plus, readout) - loss_of(minus, readout)) / (2 * h), 1e-7) << i;
  }
  for (std::size_t k = 0; k < readout.size(); ++k) {
    auto plus = readout, minus = readout;
    plus[k] += h, minus[k] -= h;
    EXPECT_NEAR(dp[k] + dp[readout.size() + k], (loss_of(y, plus) - loss_of(y, minus)) / (2 * h), 1e-7) << k;
  }
  // Only the two maxima of each trial receive a share.
  EXPECT_EQ(std::count_if(dy.begin(), dy.end(), [](double v) { return v != 0.0; }), 4);
}

}  // namespace
}  // namespace neurode
