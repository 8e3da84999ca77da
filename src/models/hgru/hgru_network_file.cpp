#include "models/hgru/hgru_network_file.hpp"

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

  io::Array array(const std::string& name, const std::vector<std::size_t>& shape) const {
    if (!file.has(name)) fail("missing dataset '" + name + "'");
    io::Array a = file.read(name);
    if (a.shape != shape)
      fail("dataset '" + name + "' is " + shape_text(a.shape) + ", expected " + shape_text(shape));
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

bool is_hgru_file(const std::string& path) {
  try {
    const Hdf5File file(path, Hdf5File::Mode::read);
    return file.has_attribute("/", "model") && file.read_string_attribute("/", "model") == "hgru";
  } catch (const std::exception&) {
    return false;  // the column reader reports what is wrong with the file
  }
}

HgruFile load_hgru_file(const std::string& path) {
  const Reader in(path);
  HgruFile net;
  net.path = path;
  HgruSpec& spec = net.spec;
  if (!in.file.has("X")) in.fail("missing dataset 'X' (the drive, [C, H, W])");
  const io::Array x = in.file.read("X");
  if (x.shape.size() != 3 || x.shape[0] == 0 || x.shape[1] == 0 || x.shape[2] == 0)
    in.fail("dataset 'X' is " + shape_text(x.shape) + ", expected [C, H, W]");
  spec.channels = x.shape[0];
  spec.height = x.shape[1];
  spec.width = x.shape[2];
  if (!in.file.has("W")) in.fail("missing dataset 'W' (the horizontal kernel, [C, C, k, k])");
  const io::Array w = in.file.read("W");
  if (w.shape.size() != 4 || w.shape[2] != w.shape[3] || w.shape[2] % 2 == 0)
    in.fail("dataset 'W' is " + shape_text(w.shape) + ", expected [C, C, k, k] with k odd");
  spec.kernel = w.shape[2];
  try {
    spec.zeta = parse_zeta(in.text("zeta", "tanh"));
  } catch (const std::invalid_argument& e) {
    in.fail(std::string("attribute 'zeta': ") + e.what());
  }
  spec.symmetric = false;
  net.drive = in.array("X", x.shape).values;
  for (const auto& a : hgru_parameter_arrays(spec)) {
    if (a.name == "tau") {
      net.parameters.push_back(in.number("tau", 1e-6, 1e6));
      continue;
    }
    const io::Array values = in.array(a.name, a.shape);
    net.parameters.insert(net.parameters.end(), values.values.begin(), values.values.end());
  }
  if (!in.file.has("A")) in.fail("missing dataset 'A' (the read-out, [classes, C])");
  const io::Array A = in.file.read("A");
  if (A.shape.size() != 2 || A.shape[0] < 1 || A.shape[1] != spec.channels)
    in.fail("read-out 'A' is " + shape_text(A.shape) + ", expected [classes x " +
            std::to_string(spec.channels) + "]");
  net.classes = A.shape[0];
  const io::Array b = in.array("b", {net.classes});
  net.readout = in.array("A", A.shape).values;
  net.readout.insert(net.readout.end(), b.values.begin(), b.values.end());
  net.label = static_cast<int>(in.number("label", 0, static_cast<double>(net.classes) - 1));
  if (!in.file.has("t")) in.fail("missing dataset 't' (the output times)");
  net.times = in.file.read("t").values;
  if (net.times.size() < 2 || net.times.front() != 0.0)
    in.fail("dataset 't' must start at 0 and hold >= 2 times");
  for (std::size_t k = 1; k < net.times.size(); ++k)
    if (!(net.times[k] > net.times[k - 1])) in.fail("dataset 't' must be increasing");
  return net;
}

}  // namespace neurode::models
