// TypedPool<T>: a Pool of T-sized blocks that constructs objects in place (placement new) and destroys them.
// Destroying an object the pool did not create, or twice, is an fm::bad_free; objects still alive when the
// pool is destroyed are destroyed with it. Single-threaded.
#pragma once

#include <new>
#include <string>
#include <utility>

#include "fm/alloc/pool.hpp"
#include "fm/core/error.hpp"
#include "fm/core/move_assign.hpp"

namespace fm {

template <class T>
class TypedPool {
 public:
  explicit TypedPool(PoolOptions options = {}) : pool_(sizeof(T), alignof(T), options) {}
  ~TypedPool() {
    pool_.for_each_live_block([](void* p) { static_cast<T*>(p)->~T(); });
  }
  TypedPool(const TypedPool&) = delete;
  TypedPool& operator=(const TypedPool&) = delete;
  // Moving hands the pool and its objects over (they stay at their addresses); the moved-from TypedPool is
  // empty, as a moved-from Pool is. Assigning over a TypedPool destroys its objects and frees its pages first.
  TypedPool(TypedPool&&) noexcept = default;
  TypedPool& operator=(TypedPool&& other) noexcept { return detail::move_assign(*this, std::move(other)); }

  // Throws what Pool::allocate throws, or what T's constructor throws (then the block goes back).
  template <class... Args>
  [[nodiscard]] T* create(Args&&... args) {
    return construct(pool_.allocate(sizeof(T), alignof(T)), std::forward<Args>(args)...);
  }
  // Null when the pool is out of budget; T's constructor may still throw.
  template <class... Args>
  [[nodiscard]] T* try_create(Args&&... args) {
    void* mem = pool_.try_allocate(sizeof(T), alignof(T));
    return mem ? construct(mem, std::forward<Args>(args)...) : nullptr;
  }

  // Runs the destructor and frees the block. Throws fm::bad_free, changing nothing, for anything that is not
  // a live object of this pool.
  void destroy(T* p) {
    if (!try_destroy(p)) {
      raise(bad_free("destroy in typed pool '" + std::string(pool_.name()) +
                     "': the object was not created by this pool or is already destroyed"));
    }
  }
  // destroy's twin: false (and nothing happens) for anything that is not a live object of this pool.
  [[nodiscard]] bool try_destroy(T* p) noexcept {
    if (p == nullptr || !pool_.is_live(p)) return false;
    p->~T();
    pool_.deallocate(p, sizeof(T), alignof(T));
    return true;
  }

  // Calls f(T&) for every live object, in address order.
  template <class F>
  void for_each(F&& f) {
    pool_.for_each_live_block([&](void* p) { f(*static_cast<T*>(p)); });
  }

  [[nodiscard]] std::size_t size() const noexcept { return pool_.live_blocks(); }
  [[nodiscard]] Pool& pool() noexcept { return pool_; }
  [[nodiscard]] const Pool& pool() const noexcept { return pool_; }

 private:
  template <class... Args>
  T* construct(void* mem, Args&&... args) {
    return detail::on_error([&] { return ::new (mem) T(std::forward<Args>(args)...); },
                         [&] { pool_.deallocate(mem, sizeof(T), alignof(T)); });
  }

  Pool pool_;
};

}  // namespace fm
