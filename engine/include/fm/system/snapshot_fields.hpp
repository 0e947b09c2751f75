// The fields of the snapshot structs, declared once: each with its key (the member's name, used by the JSON
// writer), a label for people and its unit. The JSON writer and the view models walk these lists instead of
// naming the fields again, so a field added to a snapshot struct and to its list here reaches every output.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "fm/system/snapshot.hpp"

namespace fm {

enum class FieldUnit : std::uint8_t {
  text,     // a NameRef
  bytes,
  count,
  ratio,    // 0..1 (may exceed 1 where a field says so)
  seconds,
  flag,
  index,    // a row index, -1 for none
  address,
  bits,     // a 64-bit bitmap, written as hex
  rows,     // a span of nested rows (a pool's pages)
};

struct FieldInfo {
  std::string_view key;    // the member's name, also the JSON key
  std::string_view label;  // what a reader sees
  FieldUnit unit;
  bool alert_when_nonzero = false;  // drawn red when not zero
};

// for_each_field(row, visit) calls visit(FieldInfo, member) for every field of `row` in declaration order;
// `row` may be const or not, so the same list reads and writes.
template <class Row, class Visit>
  requires std::same_as<std::remove_const_t<Row>, PageSnapshot>
constexpr void for_each_field(Row& p, Visit&& visit) {
  visit(FieldInfo{"address", "address", FieldUnit::address}, p.address);
  visit(FieldInfo{"live_blocks", "live blocks", FieldUnit::count}, p.live_blocks);
  visit(FieldInfo{"blocks", "blocks", FieldUnit::count}, p.blocks);
  visit(FieldInfo{"live_summary", "live 64ths of the page", FieldUnit::bits}, p.live_summary);
}

template <class Row, class Visit>
  requires std::same_as<std::remove_const_t<Row>, PoolSnapshot>
constexpr void for_each_field(Row& p, Visit&& visit) {
  visit(FieldInfo{"system", "system", FieldUnit::index}, p.system);
  visit(FieldInfo{"block_size", "block size", FieldUnit::bytes}, p.block_size);
  visit(FieldInfo{"page_bytes", "page size", FieldUnit::bytes}, p.page_bytes);
  visit(FieldInfo{"live_blocks", "live blocks", FieldUnit::count}, p.live_blocks);
  visit(FieldInfo{"committed_blocks", "committed blocks", FieldUnit::count}, p.committed_blocks);
  visit(FieldInfo{"committed_pages", "committed pages", FieldUnit::count}, p.committed_pages);
  visit(FieldInfo{"empty_pages", "empty pages", FieldUnit::count}, p.empty_pages);
  visit(FieldInfo{"partial_pages", "partial pages", FieldUnit::count}, p.partial_pages);
  visit(FieldInfo{"full_pages", "full pages", FieldUnit::count}, p.full_pages);
  visit(FieldInfo{"occupancy", "occupancy", FieldUnit::ratio}, p.occupancy);
  visit(FieldInfo{"page_fragmentation", "page fragmentation", FieldUnit::ratio}, p.page_fragmentation);
  visit(FieldInfo{"releasable_bytes", "releasable", FieldUnit::bytes}, p.releasable_bytes);
  visit(FieldInfo{"free_list_scatter", "free-list scatter", FieldUnit::ratio}, p.free_list_scatter);
  visit(FieldInfo{"address_begin", "lowest page", FieldUnit::address}, p.address_begin);
  visit(FieldInfo{"address_end", "end of the highest page", FieldUnit::address}, p.address_end);
  visit(FieldInfo{"pages_truncated", "page map cut at the page room", FieldUnit::flag, true}, p.pages_truncated);
  visit(FieldInfo{"pages", "pages", FieldUnit::rows}, p.pages);
}

template <class Row, class Visit>
  requires std::same_as<std::remove_const_t<Row>, SystemSnapshot>
constexpr void for_each_field(Row& s, Visit&& visit) {
  visit(FieldInfo{"name", "name", FieldUnit::text}, s.name);
  visit(FieldInfo{"kind", "kind", FieldUnit::text}, s.kind);
  visit(FieldInfo{"parent", "parent", FieldUnit::index}, s.parent);
  visit(FieldInfo{"pool", "pool", FieldUnit::index}, s.pool);
  visit(FieldInfo{"depth", "depth", FieldUnit::count}, s.depth);
  visit(FieldInfo{"has_allocator", "has an allocator", FieldUnit::flag}, s.has_allocator);
  visit(FieldInfo{"bytes_used", "own used", FieldUnit::bytes}, s.bytes_used);
  visit(FieldInfo{"bytes_reserved", "own reserved", FieldUnit::bytes}, s.bytes_reserved);
  visit(FieldInfo{"bytes_peak", "own peak", FieldUnit::bytes}, s.bytes_peak);
  visit(FieldInfo{"allocations_total", "allocations", FieldUnit::count}, s.allocations_total);
  visit(FieldInfo{"frees_total", "frees", FieldUnit::count}, s.frees_total);
  visit(FieldInfo{"allocations_this_frame", "allocations this frame", FieldUnit::count}, s.allocations_this_frame);
  visit(FieldInfo{"frees_this_frame", "frees this frame", FieldUnit::count}, s.frees_this_frame);
  visit(FieldInfo{"overflow_events", "overflow events", FieldUnit::count, true}, s.overflow_events);
  visit(FieldInfo{"overhead", "overhead", FieldUnit::ratio}, s.overhead);
  visit(FieldInfo{"total_bytes_used", "used", FieldUnit::bytes}, s.total_bytes_used);
  visit(FieldInfo{"total_bytes_reserved", "reserved", FieldUnit::bytes}, s.total_bytes_reserved);
  visit(FieldInfo{"budget", "budget", FieldUnit::bytes}, s.budget);
  visit(FieldInfo{"hard_budget", "hard budget", FieldUnit::bytes}, s.hard_budget);
  visit(FieldInfo{"frame_allocation_budget", "allocations per frame budget", FieldUnit::count},
        s.frame_allocation_budget);
  visit(FieldInfo{"total_allocations_this_frame", "allocations this frame, children included", FieldUnit::count},
        s.total_allocations_this_frame);
  visit(FieldInfo{"allocations_refused_this_frame", "refused this frame", FieldUnit::count, true},
        s.allocations_refused_this_frame);
  visit(FieldInfo{"allocations_refused", "refused", FieldUnit::count}, s.allocations_refused);
  visit(FieldInfo{"over_soft_budget", "over budget", FieldUnit::flag, true}, s.over_soft_budget);
  visit(FieldInfo{"over_hard_budget", "at the hard budget", FieldUnit::flag, true}, s.over_hard_budget);
  visit(FieldInfo{"over_frame_budget", "over the per-frame budget", FieldUnit::flag, true}, s.over_frame_budget);
  visit(FieldInfo{"over_budget", "over a budget", FieldUnit::flag, true}, s.over_budget);
  visit(FieldInfo{"budget_overruns", "budget overruns", FieldUnit::count}, s.budget_overruns);
}

template <class Row, class Visit>
  requires std::same_as<std::remove_const_t<Row>, FrameArenaSnapshot>
constexpr void for_each_field(Row& a, Visit&& visit) {
  visit(FieldInfo{"available", "available", FieldUnit::flag}, a.available);
  visit(FieldInfo{"bytes_this_frame", "this frame", FieldUnit::bytes}, a.bytes_this_frame);
  visit(FieldInfo{"bytes_held", "held (frames still readable)", FieldUnit::bytes}, a.bytes_held);
  visit(FieldInfo{"capacity_per_frame", "capacity per frame", FieldUnit::bytes}, a.capacity_per_frame);
  visit(FieldInfo{"high_water", "high-water (largest frame)", FieldUnit::bytes}, a.high_water);
  visit(FieldInfo{"padding", "padding this frame", FieldUnit::bytes}, a.padding);
  visit(FieldInfo{"overflow_events", "overflow events (all frames)", FieldUnit::count, true}, a.overflow_events);
}

template <class Row, class Visit>
  requires std::same_as<std::remove_const_t<Row>, HeapSnapshot>
constexpr void for_each_field(Row& h, Visit&& visit) {
  visit(FieldInfo{"available", "available", FieldUnit::flag}, h.available);
  visit(FieldInfo{"allocations_this_frame", "allocations this frame", FieldUnit::count}, h.allocations_this_frame);
  visit(FieldInfo{"frees_this_frame", "frees this frame", FieldUnit::count}, h.frees_this_frame);
  visit(FieldInfo{"bytes_this_frame", "bytes this frame", FieldUnit::bytes}, h.bytes_this_frame);
  visit(FieldInfo{"allocations_total", "allocations", FieldUnit::count}, h.allocations_total);
  visit(FieldInfo{"bytes_total", "bytes", FieldUnit::bytes}, h.bytes_total);
}

template <class Row, class Visit>
  requires std::same_as<std::remove_const_t<Row>, Snapshot>
constexpr void for_each_field(Row& s, Visit&& visit) {
  visit(FieldInfo{"frame", "frame", FieldUnit::count}, s.frame);
  visit(FieldInfo{"frame_seconds", "frame time", FieldUnit::seconds}, s.frame_seconds);
  visit(FieldInfo{"interval_seconds", "frame interval", FieldUnit::seconds}, s.interval_seconds);
  visit(FieldInfo{"budget_overruns", "budget overruns", FieldUnit::count}, s.budget_overruns);
  visit(FieldInfo{"systems", "systems", FieldUnit::rows}, s.systems);
  visit(FieldInfo{"pools", "pools", FieldUnit::rows}, s.pools);
  visit(FieldInfo{"frame_arena", "frame arena", FieldUnit::rows}, s.frame_arena);
  visit(FieldInfo{"heap", "global heap", FieldUnit::rows}, s.heap);
}

}  // namespace fm
