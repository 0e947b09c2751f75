// Reference model of fm::HandlePool: per pool, a map from live handle to value, the handles that died and
// the queue of deferred destroys. Two pools of one type run side by side, so a handle of the other pool is
// one of the misuses offered, next to stale, null and hand-made handles, double and deferred destroys.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fm/handle/handle_pool.hpp"
#include "model/source.hpp"

namespace fm::model {

// The pooled object: a value, and a count of live tokens so every destructor is seen to run exactly once
// (a moved-from token no longer counts).
struct Token {
  static constexpr std::string_view handle_name = "token";
  Token(std::uint64_t v, long* live_count) noexcept : value(v), live(live_count) { ++*live; }
  Token(Token&& other) noexcept : value(other.value), live(std::exchange(other.live, nullptr)) {}
  Token(const Token&) = delete;
  Token& operator=(const Token&) = delete;
  Token& operator=(Token&&) = delete;
  ~Token() {
    if (live != nullptr) --*live;
  }
  std::uint64_t value;
  long* live;
};

template <class Pool>
class HandlePoolModel {
 public:
  using H = Handle<Token>;

  explicit HandlePoolModel(std::string name) : pool_(heap_, name), name_(std::move(name)) {}

  Pool& pool() noexcept { return pool_; }
  const std::map<H, std::uint64_t>& live() const noexcept { return live_; }

  // A handle to offer: live, dead, null, made by hand, or (from `other`) live in another pool.
  H pick(Source& src, const HandlePoolModel& other) const {
    switch (src.below(6)) {
      case 0:
      case 1: return live_.empty() ? H{} : std::next(live_.begin(), src.below(static_cast<std::uint32_t>(live_.size())))->first;
      case 2: return dead_.empty() ? H{} : dead_[src.below(static_cast<std::uint32_t>(dead_.size()))];
      case 3: return other.live_.empty() ? H{} : std::next(other.live_.begin(), src.below(static_cast<std::uint32_t>(other.live_.size())))->first;
      case 4: return H(src.below(300), src.below(5));  // tag 0: no pool issued it
      default: return H{};
    }
  }

  void step(Source& src, const HandlePoolModel& other, long& tokens) {
    const std::uint32_t op = src.below(100);
    if (op < 35) return create(src, tokens);
    const H h = pick(src, other);
    if (op < 55) return destroy(h, src.chance(50));
    if (op < 65) return destroy_deferred(h, src.chance(50));
    if (op < 72) return flush(src.chance(50));
    if (op < 78) return compact(src);
    if (op < 80) return pool_.shrink_to_fit();
    return resolve(h);
  }

  // Everything observable agrees with the model: size, stats, every live object, dead and foreign handles.
  void check(Source& src, const HandlePoolModel& other) const {
    const HandlePoolStats s = pool_.stats();
    expect(pool_.size() == live_.size() && s.size == live_.size(), name_ + ": size differs from the model");
    expect(s.deferred == deferred_count_, name_ + ": deferred count differs from the model");
    expect(s.slots_issued == s.size + s.free_slots + s.retired_slots,
           name_ + ": an issued slot is neither live, free nor retired");
    for (const auto& [h, value] : live_) {
      const Token* t = pool_.get(h);
      expect(t != nullptr && t->value == value, name_ + ": live " + to_string(h) + " does not resolve to its value");
    }
    for (int i = 0; i < 4 && !dead_.empty(); ++i) {
      const H h = dead_[src.below(static_cast<std::uint32_t>(dead_.size()))];
      expect(pool_.get(h) == nullptr, name_ + ": dead " + to_string(h) + " resolves");
    }
    for (int i = 0; i < 4 && !other.live_.empty(); ++i) {
      const H h = std::next(other.live_.begin(), src.below(static_cast<std::uint32_t>(other.live_.size())))->first;
      expect(pool_.get(h) == nullptr, name_ + ": " + to_string(h) + " of the other pool resolves");
    }
  }

  // each() visits exactly the live set, each object once with its own handle.
  void check_iteration() {
    std::map<H, std::uint64_t> seen;
    pool_.each([&](H h, Token& t) { expect(seen.emplace(h, t.value).second, name_ + ": each visits a handle twice"); });
    expect(seen == live_, name_ + ": each does not visit exactly the live set");
  }

 private:
  bool is_live(H h) const { return live_.count(h) == 1; }

  void create(Source& src, long& tokens) {
    const std::uint64_t value = next_value_++;
    const std::size_t holes = pool_.stats().holes;
    const H h = pool_.create(value, &tokens);
    expect(!h.is_null() && issued_.insert(h).second, name_ + ": create issued " + to_string(h) + " twice");
    // A new object fills a hole or extends storage by one cell, so what compact() closed stays closed.
    expect(pool_.stats().holes <= holes, name_ + ": create left a hole behind");
    expect(h.generation() <= Pool::max_generation, name_ + ": generation past the pool's maximum");
    live_.emplace(h, value);
    (void)src;
  }

  // A stale or foreign handle must be refused with stale_handle (try_: false) and change nothing.
  void expect_refused(H h, bool throwing, const char* what, auto&& call) {
    const HandlePoolStats before = pool_.stats();
    bool refused = false;
    if (throwing) {
      try {
        call();
      } catch (const stale_handle&) {
        refused = true;
      }
    } else {
      refused = !call();
    }
    expect(refused, name_ + ": " + what + " of " + to_string(h) + " was accepted");
    const HandlePoolStats after = pool_.stats();
    expect(after.size == before.size && after.deferred == before.deferred && after.free_slots == before.free_slots &&
               after.holes == before.holes && after.bytes_reserved == before.bytes_reserved,
           name_ + ": a refused " + what + " changed the pool");
  }

  // Destroys h with the throwing form or its try_ twin, as the step says; when h is not live, checks that
  // the pool refused it and stayed as it was, and returns false.
  bool destroy_if_live(H h, bool throwing, const char* what, auto&& throwing_form, auto&& try_form) {
    if (!is_live(h)) {
      expect_refused(h, throwing, what, [&] {
        if (throwing) throwing_form();
        return !throwing && try_form();
      });
      return false;
    }
    if (throwing) {
      throwing_form();
    } else {
      expect(try_form(), name_ + ": try_" + what + " refused a live handle");
    }
    return true;
  }

  void destroy(H h, bool throwing) {
    if (destroy_if_live(h, throwing, "destroy", [&] { pool_.destroy(h); }, [&] { return pool_.try_destroy(h); })) {
      bury(h);
    }
  }

  void destroy_deferred(H h, bool throwing) {
    const auto queue = [&] { pool_.destroy_deferred(h); };
    const auto try_queue = [&] { return pool_.try_destroy_deferred(h); };
    if (!destroy_if_live(h, throwing, "destroy_deferred", queue, try_queue)) return;
    deferred_.insert(h);
    ++deferred_count_;
  }

  // Queued handles still live die now, each once, however often it was queued.
  void flush(bool at_end_of_frame) {
    std::size_t dying = 0;
    for (const H h : deferred_) {
      if (is_live(h)) {
        bury(h);
        ++dying;
      }
    }
    const std::size_t died = at_end_of_frame ? pool_.end_frame() : pool_.flush();
    expect(died == dying, name_ + ": flush destroyed " + std::to_string(died) + ", the model " + std::to_string(dying));
    deferred_.clear();
    deferred_count_ = 0;
  }

  void compact(Source& src) {
    const std::size_t budget = src.chance(30) ? static_cast<std::size_t>(-1) : src.below(8) * sizeof(Token) + src.below(3);
    const CompactResult r = pool_.compact(budget);
    expect(r.bytes_moved == r.objects_moved * sizeof(Token) && r.bytes_moved <= budget,
           name_ + ": compact moved more than its budget");
    expect(r.holes_left == pool_.stats().holes, name_ + ": compact's holes_left differs from stats");
    if (budget == static_cast<std::size_t>(-1)) expect(r.holes_left == 0, name_ + ": a full compact left holes");
  }

  void resolve(H h) {
    const Token* t = pool_.get(h);
    if (is_live(h)) {
      expect(t != nullptr && t->value == live_.at(h) && &pool_.at(h) == t, name_ + ": live handle not resolved");
      return;
    }
    expect(t == nullptr && !pool_.contains(h), name_ + ": " + to_string(h) + " resolves but is not live");
    expect_refused(h, true, "at", [&] {
      (void)pool_.at(h);
      return true;
    });
  }

  void bury(H h) {
    live_.erase(h);
    dead_.push_back(h);
  }

  NewAllocator heap_;
  Pool pool_;
  std::string name_;
  std::map<H, std::uint64_t> live_;
  std::vector<H> dead_;
  std::set<H> issued_;
  std::set<H> deferred_;
  std::size_t deferred_count_ = 0;  // queue entries, duplicates included
  std::uint64_t next_value_ = 1;
};

template <class Pool>
void run_handle_pool_with(Source& src, std::size_t steps) {
  long tokens = 0;
  {
    HandlePoolModel<Pool> a("a"), b("b");
    for (std::size_t step = 0; step < steps && !src.done(); ++step) {
      const bool first = src.chance(75);
      HandlePoolModel<Pool>& m = first ? a : b;
      const HandlePoolModel<Pool>& other = first ? b : a;
      m.step(src, other, tokens);
      m.check(src, other);
      expect(tokens == static_cast<long>(a.live().size() + b.live().size()),
             "a token was destroyed twice or never (" + std::to_string(tokens) + " alive)");
      if (step % 16 == 0) m.check_iteration();
    }
  }
  expect(tokens == 0, "the pools' destructors left " + std::to_string(tokens) + " tokens alive");
}

// Half the runs use a pool whose slots retire after generation 3, so retirement and reuse are reached.
inline void run_handle_pool(Source& src, std::size_t steps) {
  if (src.chance(50)) {
    run_handle_pool_with<HandlePool<Token, 3>>(src, steps);
  } else {
    run_handle_pool_with<HandlePool<Token>>(src, steps);
  }
}

}  // namespace fm::model
