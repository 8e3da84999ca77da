#include "models/predictive_coding/pc_network_file.hpp"

#include <cmath>

#include "io/hdf5_file.hpp"

namespace neurode::models {
namespace {

using io::Hdf5Error;
using io::Hdf5File;

std::string shape_text(const std::vector<std::size_t>& shape) {
  std::string text;
  for (std::size_t d : shape) text += (text.empty() ? "" : " x ") + std::to_string(d);
  return "[" + text + "]";
}

class Reader {
 public:
  explicit Reader(const std::string& file_path) : file(file_path, Hdf5File::Mode::read), path(file_path) {}
  [[noreturn]] void fail(const std::string& what) const { throw Hdf5Error(path + ": " + what); }

  io::Array array(const std::string& name, std::size_t rank) const {
    if (!file.has(name)) fail("missing dataset '" + name + "'");
    io::Array a = file.read(name);
    if (a.shape.size() != rank)
      fail("dataset '" + name + "' is " + shape_text(a.shape) + ", expected " + std::to_string(rank) +
           " dimensions");
    for (double v : a.values)
      if (!std::isfinite(v) || std::abs(v) > 1e6)
        fail("dataset '" + name + "' holds a value outside [-1e6, 1e6]");
    return a;
  }
  double number(const std::string& name, double low, double high) const {
    if (!file.has_attribute("/", name)) fail("missing attribute '" + name + "'");
    const double v = file.read_attribute("/", name);
    if (!(v >= low && v <= high))
      fail("attribute '" + name + "' is " + std::to_string(v) + ", expected a number in [" +
           std::to_string(low) + ", " + std::to_string(high) + "]");
    return v;
  }
  std::string text(const std::string& name, const std::string& fallback) const {
    return file.has_attribute("/", name) ? file.read_string_attribute("/", name) : fallback;
  }

  Hdf5File file;
  std::string path;
};

}  // namespace

bool is_predictive_coding_file(const std::string& path) {
  try {
    const Hdf5File file(path, Hdf5File::Mode::read);
    return file.has_attribute("/", "model") &&
           file.read_string_attribute("/", "model") == "predictive_coding";
  } catch (const std::exception&) {
    return false;  // the column reader reports what is wrong with the file
  }
}

PredictiveCodingFile load_predictive_coding_file(const std::string& path) {
  const Reader in(path);
  PredictiveCodingFile net;
  net.path = path;
  PredictiveCodingSpec& spec = net.spec;
  spec.k1 = in.number("k1", 0, 1e3);
  spec.k2 = in.number("k2", 0, 1e3);
  spec.alpha = in.number("alpha", 0, 1e3);
  spec.trainable_rates = true;
  try {
    spec.prior = parse_prior(in.text("prior", "gaussian"));
  } catch (const std::invalid_argument& e) {
    in.fail(std::string("attribute 'prior': ") + e.what());
  }
  const io::Array x = in.file.has("x") ? in.file.read("x") : io::Array{};
  if (x.shape.size() == 1)
    spec.input = {x.shape[0], 1, 1, false};
  else if (x.shape.size() == 3)
    spec.input = {x.shape[0], x.shape[1], x.shape[2], true};
  else
    in.fail("dataset 'x' must be an image [n] or [C, H, W]");
  net.image = in.array("x", x.shape.size()).values;
  const bool convolutional = in.file.has("K1");
  const char prefix = convolutional ? 'K' : 'U';
  std::vector<io::Array> weights;
  for (std::size_t l = 1; in.file.has(std::string(1, prefix) + std::to_string(l)); ++l)
    weights.push_back(in.array(std::string(1, prefix) + std::to_string(l), convolutional ? 4 : 2));
  if (weights.empty()) in.fail("no dataset U1 (dense) or K1 (convolution): no levels");
  std::size_t stride = 1, padding = 0;
  if (convolutional) {
    stride = static_cast<std::size_t>(in.number("stride", 1, 64));
    padding = static_cast<std::size_t>(in.number("padding", 0, 64));
  }
  for (const io::Array& w : weights) {
    LevelSpec level;
    if (convolutional) {
      level.kind = LevelSpec::Kind::convolution;
      level.channels = w.shape[0];
      level.kernel = w.shape[2];
      level.stride = stride;
      level.padding = padding;
      if (w.shape[2] != w.shape[3]) in.fail("kernels must be square, got " + shape_text(w.shape));
    } else {
      level.units = w.shape[1];
    }
    spec.levels.push_back(level);
  }
  std::vector<LevelShape> shapes;
  try {
    shapes = level_shapes(spec);
  } catch (const std::invalid_argument& e) {
    in.fail(e.what());
  }
  for (std::size_t l = 1; l <= weights.size(); ++l) {
    const io::Array& w = weights[l - 1];
    const std::vector<std::size_t> expected =
        convolutional
            ? std::vector<std::size_t>{shapes[l].channels, shapes[l - 1].channels, w.shape[2], w.shape[3]}
            : std::vector<std::size_t>{shapes[l - 1].size(), shapes[l].size()};
    if (w.shape != expected)
      in.fail("dataset '" + std::string(1, prefix) + std::to_string(l) + "' is " + shape_text(w.shape) +
              ", expected " + shape_text(expected));
    net.parameters.insert(net.parameters.end(), w.values.begin(), w.values.end());
  }
  net.parameters.insert(net.parameters.end(), {spec.k1, spec.k2, spec.alpha});

  net.mean_pool = in.text("readout_pool", convolutional ? "mean" : "none") == "mean";
  const LevelShape& top = shapes.back();
  const std::size_t features = net.mean_pool ? top.channels : top.size();
  const io::Array A = in.array("A", 2), b = in.array("b", 1);
  net.classes = A.shape[0];
  if (A.shape[1] != features || b.shape[0] != net.classes)
    in.fail("read-out 'A' is " + shape_text(A.shape) + " and 'b' " + shape_text(b.shape) +
            ", expected [classes x " + std::to_string(features) + "] and [classes]");
  net.readout = A.values;
  net.readout.insert(net.readout.end(), b.values.begin(), b.values.end());
  net.label = static_cast<int>(in.number("label", 0, static_cast<double>(net.classes) - 1));
  net.times = in.array("t", 1).values;
  if (net.times.size() < 2 || net.times.front() != 0.0)
    in.fail("dataset 't' must start at 0 and hold >= 2 times");
  for (std::size_t k = 1; k < net.times.size(); ++k)
    if (!(net.times[k] > net.times[k - 1])) in.fail("dataset 't' must be increasing");
  return net;
}

}  // namespace neurode::models
