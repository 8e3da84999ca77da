#pragma once
/// A model reduced to the required part of models::Model: every call forwarded to `inner`, none of
/// the optional capabilities (no stage linearisations, no assembled Jacobians, the default fused
/// products). Tests use it to run a full model through the paths a minimal model takes.
#include <string>
#include <vector>

#include "models/model.hpp"

namespace neurode::testing {

class RequiredPart : public models::Model {
 public:
  explicit RequiredPart(models::Model& inner) : inner_(inner) {}
  std::string name() const override { return "required part of " + inner_.name(); }
  std::size_t state_size() const override { return inner_.state_size(); }
  std::size_t trial_count() const override { return inner_.trial_count(); }
  std::size_t parameter_size() const override { return inner_.parameter_size(); }
  const std::vector<double>& breakpoints() const override { return inner_.breakpoints(); }
  void rhs(double t, std::size_t segment, const double* y, double* dydt) override {
    inner_.rhs(t, segment, y, dydt);
  }
  void jacobian_vector(double t, std::size_t segment, const double* y, const double* v,
                       double* out) override {
    inner_.jacobian_vector(t, segment, y, v, out);
  }
  void jacobian_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                 double* out) override {
    inner_.jacobian_transpose_vector(t, segment, y, w, out);
  }
  void parameter_transpose_vector(double t, std::size_t segment, const double* y, const double* w,
                                  double* grad) override {
    inner_.parameter_transpose_vector(t, segment, y, w, grad);
  }
  std::vector<double> parameters() const override { return inner_.parameters(); }
  void set_parameters(const std::vector<double>& values) override { inner_.set_parameters(values); }

 protected:
  models::Model& inner_;
};

}  // namespace neurode::testing
