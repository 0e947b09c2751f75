// The live-block table behind fm::Tracking: misuse detection with precise messages, and leak reports
// grouped by allocation site.
#include "fm/debug/tracking.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>

#include "fm/core/error.hpp"

namespace fm {

namespace {

std::string site_of(const AllocationRecord& r) {
  return std::string(r.where.file_name()) + ":" + std::to_string(r.where.line());
}

std::string describe_block(const void* p, const AllocationRecord& r) {
  return "block #" + std::to_string(r.serial) + " at " + debug::describe_address(p) + " (" + std::to_string(r.size) +
         " bytes aligned to " + std::to_string(r.align) + ", allocated at " + site_of(r) + ")";
}

std::string in(std::string_view allocator) { return " in '" + std::string(allocator) + "': "; }

}  // namespace

std::string LeakReport::to_string() const {
  std::string out = "framemem: " + std::to_string(count) + " leaked allocation" + (count == 1 ? "" : "s") + " (" +
                    std::to_string(bytes) + " bytes) in '" + allocator + "'" +
                    (system.empty() ? "" : " (system '" + system + "')") + "\n";
  for (const LeakSite& s : sites) {
    out += "  " + std::string(s.file) + ":" + std::to_string(s.line) + ": " + std::to_string(s.count) + " block" +
           (s.count == 1 ? "" : "s") + ", " + std::to_string(s.bytes) + " bytes";
    if (!s.tag.empty()) out += " [" + std::string(s.tag) + "]";
    out += " in " + std::string(s.function) + "\n";
  }
  return out;
}

namespace debug {

void AllocationTable::insert(const void* p, const AllocationRecord& r) { live_.insert_or_assign(p, r); }

const AllocationRecord* AllocationTable::find(const void* p) const noexcept {
  const auto it = live_.find(p);
  return it == live_.end() ? nullptr : &it->second;
}

const AllocationTable::FreedBlock* AllocationTable::recently_freed(const void* p) const noexcept {
  // Newest first, so the message names the most recent free of this address.
  for (std::size_t i = 1; i <= freed_.size(); ++i) {
    const FreedBlock& f = freed_[(freed_next_ + freed_.size() - i) % freed_.size()];
    if (f.p == p) return &f;
  }
  return nullptr;
}

void AllocationTable::check_free(std::string_view allocator, const void* p, std::size_t size, std::size_t align,
                                 bool inner_owns) const {
  if (const AllocationRecord* r = find(p)) {
    if (r->size == size && r->align == align) return;
    raise(bad_free("size mismatch" + in(allocator) + describe_block(p, *r) + " freed as " + std::to_string(size) +
                   " bytes aligned to " + std::to_string(align)));
  }
  if (const FreedBlock* f = recently_freed(p)) {
    raise(bad_free("double free" + in(allocator) + describe_block(p, f->record) + " was already freed"));
  }
  if (inner_owns) {
    raise(bad_free("double free" + in(allocator) + debug::describe_address(p) +
                   " lies in this allocator's memory but is not a live block (freed earlier, or never returned by allocate)"));
  }
  raise(foreign_pointer(allocator, p));
}

void AllocationTable::retire(Entry&& e) noexcept {
  freed_[freed_next_] = {e.key(), e.mapped()};
  freed_next_ = (freed_next_ + 1) % freed_.size();
}

LeakReport AllocationTable::leak_report(std::string_view allocator, std::string_view system) const {
  LeakReport report{std::string(allocator), std::string(system), {}, 0, 0};
  for (const auto& [p, r] : live_) {
    const auto same_site = [&r](const LeakSite& s) {
      return s.line == r.where.line() && s.tag == r.tag && std::string_view(s.file) == r.where.file_name();
    };
    auto it = std::find_if(report.sites.begin(), report.sites.end(), same_site);
    if (it == report.sites.end()) {
      it = report.sites.insert(report.sites.end(),
                               LeakSite{r.where.file_name(), r.where.line(), r.where.function_name(), r.tag, 0, 0});
    }
    ++it->count;
    it->bytes += r.size;
    ++report.count;
    report.bytes += r.size;
  }
  std::sort(report.sites.begin(), report.sites.end(), [](const LeakSite& a, const LeakSite& b) {
    return std::tie(b.bytes, a.file, a.line) < std::tie(a.bytes, b.file, b.line);
  });
  return report;
}

void AllocationTable::print_leaks(std::string_view allocator, std::string_view system) const noexcept {
  if (live_.empty()) return;
  if (!detail::grew([&] { std::fputs(leak_report(allocator, system).to_string().c_str(), stderr); })) {
    std::fprintf(stderr, "framemem: %zu leaked allocations in '%.*s' (no memory left to list them)\n", live_.size(),
                 static_cast<int>(allocator.size()), allocator.data());
  }
}

}  // namespace debug

}  // namespace fm
