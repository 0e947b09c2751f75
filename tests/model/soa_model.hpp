// Reference model of fm::SoA: the rows as a vector of tuples. Steps push (throwing and try_), swap-remove
// (rows out of range included), reserve (sizes up to SIZE_MAX, so growth overflow and refusal are reached)
// and clear; after each, every column must hold the model's rows, start on 64 bytes and be budgeted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "fm/core/align.hpp"
#include "fm/soa/soa.hpp"
#include "handle/budget_allocator.hpp"
#include "model/source.hpp"

namespace fm::model {

namespace soa_columns {
struct Mass {
  double kg;
};
struct Label {
  std::string text;  // not trivially copyable: growth and swap_remove must move, not copy bytes
};
struct Flag {
  std::uint8_t bits;
};
struct alignas(32) Wide {
  std::uint64_t lanes[4];
};
}  // namespace soa_columns

class SoAModel {
 public:
  using Row = std::tuple<double, std::string, std::uint8_t, std::uint64_t>;
  using Rows = SoA<soa_columns::Mass, soa_columns::Label, soa_columns::Flag, soa_columns::Wide>;
  // The columns' allocator refuses past this, so a huge reserve fails without asking the system for it.
  static constexpr std::size_t budget = 64u << 20;

  void step(Source& src) {
    const std::uint32_t op = src.below(100);
    if (op < 45) return push(src, src.chance(70));
    if (op < 70) return remove(src);
    if (op < 85) return reserve(src, src.chance(70));
    if (op < 88) {
      soa_.clear();
      rows_.clear();
      return;
    }
    check_each();
  }

  void check() const {
    expect(soa_.size() == rows_.size(), "size differs from the model");
    expect(soa_.capacity() >= soa_.size(), "capacity below size");
    expect(soa_.bytes_reserved() == budget_.stats().bytes_used, "bytes_reserved is not what the allocator gave");
    const auto mass = soa_.column<soa_columns::Mass>();
    const auto label = soa_.column<soa_columns::Label>();
    const auto flag = soa_.column<soa_columns::Flag>();
    const auto wide = soa_.column<soa_columns::Wide>();
    expect(mass.size() == rows_.size() && label.size() == rows_.size() && flag.size() == rows_.size() &&
               wide.size() == rows_.size(),
           "a column's span is not one element per row");
    if (soa_.capacity() > 0) {
      expect(is_aligned(mass.data(), 64) && is_aligned(label.data(), 64) && is_aligned(flag.data(), 64) &&
                 is_aligned(wide.data(), 64),
             "a column does not start on 64 bytes");
    }
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      const auto& [kg, text, bits, lane] = rows_[r];
      expect(mass[r].kg == kg && label[r].text == text && flag[r].bits == bits && wide[r].lanes[0] == lane &&
                 wide[r].lanes[3] == ~lane,
             "row " + std::to_string(r) + " differs from the model");
    }
  }

 private:
  Row make_row() {
    const std::uint64_t id = next_id_++;
    return {static_cast<double>(id) / 4, "row " + std::to_string(id), static_cast<std::uint8_t>(id * 7), id * 0x9E37};
  }

  bool push_row(const Row& row, bool throwing) {
    const auto& [kg, text, bits, lane] = row;
    soa_columns::Wide w{{lane, lane + 1, lane + 2, ~lane}};
    if (!throwing) return soa_.try_push_back({kg}, {text}, {bits}, w);
    expect(soa_.push_back({kg}, {text}, {bits}, w) == rows_.size(), "push_back returned the wrong row");
    return true;
  }

  void push(Source& src, bool throwing) {
    // Now and then the allocator has no room left, so growth must fail and leave every row as it was.
    const bool starve = src.chance(10);
    if (starve) budget_.set_budget(budget_.stats().bytes_used);
    const Row row = make_row();
    const bool must_grow = soa_.size() == soa_.capacity();
    bool pushed = false;
    try {
      pushed = push_row(row, throwing);
    } catch (const out_of_memory&) {
      expect(throwing, "try_push_back threw");
    }
    budget_.set_budget(budget);
    expect(pushed == !(starve && must_grow), pushed ? "push_back grew past the allocator's budget"
                                                    : "push_back failed with room to grow");
    if (pushed) rows_.push_back(row);
  }

  void remove(Source& src) {
    const std::size_t row = src.chance(85) && !rows_.empty() ? src.below(static_cast<std::uint32_t>(rows_.size()))
                                                             : rows_.size() + src.below(3);
    if (row >= rows_.size()) {
      const std::size_t capacity = soa_.capacity();
      bool refused = false;
      try {
        soa_.swap_remove(row);
      } catch (const std::out_of_range&) {
        refused = true;
      }
      expect(refused && soa_.capacity() == capacity, "swap_remove of a row out of range was not refused cleanly");
      return;
    }
    rows_[row] = rows_.back();
    rows_.pop_back();
    soa_.swap_remove(row);
  }

  void reserve(Source& src, bool throwing) {
    const std::size_t want = src.size();
    const std::size_t before = soa_.capacity();
    // Over max_size() the byte count overflows; past the budget the allocator refuses (the old block is
    // still held while the new one is allocated). Either way nothing changes.
    const std::size_t room = budget - budget_.stats().bytes_used;
    const bool too_big = want > Rows::max_size() || want > room / Rows::row_bytes;
    const bool fits = room > 4 * 64 && want <= (room - 4 * 64) / Rows::row_bytes;
    bool ok = true;
    try {
      ok = throwing ? (soa_.reserve(want), true) : soa_.try_reserve(want);
    } catch (const out_of_memory&) {
      ok = false;
      expect(throwing, "try_reserve threw");
    }
    if (want <= before) {
      expect(ok && soa_.capacity() == before, "reserve below the capacity changed it");
    } else if (too_big) {
      expect(!ok && soa_.capacity() == before, "reserve(" + std::to_string(want) + ") was not refused cleanly");
    } else if (fits) {
      expect(ok && soa_.capacity() >= want, "reserve(" + std::to_string(want) + ") failed within the budget");
    }
  }

  void check_each() {
    std::size_t r = 0;
    soa_.each<soa_columns::Flag, soa_columns::Mass>([&](soa_columns::Flag& f, soa_columns::Mass& m) {
      expect(r < rows_.size() && f.bits == std::get<2>(rows_[r]) && m.kg == std::get<0>(rows_[r]),
             "each visits a row out of order");
      ++r;
    });
    expect(r == rows_.size(), "each does not visit every row once");
  }

  test::BudgetAllocator budget_{budget};
  Rows soa_{budget_, "model rows"};
  std::vector<Row> rows_;
  std::uint64_t next_id_ = 1;
};

inline void run_soa(Source& src, std::size_t steps) {
  SoAModel m;
  for (std::size_t step = 0; step < steps && !src.done(); ++step) {
    m.step(src);
    m.check();
  }
}

}  // namespace fm::model
