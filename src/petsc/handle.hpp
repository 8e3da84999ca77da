#pragma once
/// Move-only owners of PETSc objects: the destructor calls XDestroy and never throws.
#include <petscmat.h>
#include <petscts.h>
#include <petscvec.h>

#include <utility>

namespace neurode::petsc {

template <typename T, PetscErrorCode (*Destroy)(T*)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(T object) : object_(object) {}
  ~Handle() { reset(); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : object_(std::exchange(other.object_, nullptr)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      object_ = std::exchange(other.object_, nullptr);
    }
    return *this;
  }

  void reset() {
    if (object_) Destroy(&object_);
    object_ = nullptr;
  }
  T get() const { return object_; }
  operator T() const { return object_; }  // NOLINT: handles pass straight into PETSc calls
  /// For PETSc's XCreate(..., &x): releases what was held and hands out the slot.
  T* out() {
    reset();
    return &object_;
  }

 private:
  T object_ = nullptr;
};

using VecHandle = Handle<Vec, VecDestroy>;
using MatHandle = Handle<Mat, MatDestroy>;
using TSHandle = Handle<TS, TSDestroy>;

}  // namespace neurode::petsc
