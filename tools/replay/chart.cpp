// The comparison chart (chart.hpp): data and a script in a scratch directory, then gnuplot in a child.
#include "chart.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fm/core/error.hpp"

namespace fm::replay {

namespace {

// gnuplot strings are single-quoted; a quote inside doubles.
std::string quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void write_data(const std::filesystem::path& dir, const std::vector<ChartSeries>& series) {
  std::ofstream totals(dir / "totals.dat");
  for (std::size_t i = 0; i < series.size(); ++i) {
    totals << i << ' ' << series[i].allocator << ' ' << series[i].total_ms << ' ' << series[i].peak_rss_mib << '\n';
  }
  for (std::size_t i = 0; i < series.size(); ++i) {
    std::ofstream frames(dir / ("frames" + std::to_string(i) + ".dat"));
    const ChartSeries& s = series[i];
    for (std::size_t f = 0; f < s.rss_kb.size() && f < s.live_bytes.size(); ++f) {
      const double rss_bytes = static_cast<double>(s.rss_kb[f]) * 1024.0;
      const double live = static_cast<double>(s.live_bytes[f]);
      frames << f + 1 << ' ' << rss_bytes / 1048576.0 << ' ' << (live > 0 ? rss_bytes / live : 0.0) << '\n';
    }
  }
  if (!totals) throw error("chart: cannot write its data into " + dir.string());
}

void write_script(const std::filesystem::path& dir, const std::string& png, const std::string& title,
                  const std::vector<ChartSeries>& series, bool per_frame) {
  std::ofstream g(dir / "chart.gp");
  // A trace without frames has no series over time: one row of the two totals, never two empty panels.
  g << "set terminal pngcairo size 1200," << (per_frame ? 800 : 400) << " font 'sans,10'\n"
    << "set output " << quoted(png) << "\n"
    << "set multiplot layout " << (per_frame ? "2,2" : "1,2") << " title " << quoted(title) << "\n"
    << "set style fill solid 0.7 border -1\nset boxwidth 0.6\nset grid ytics\nset yrange [0:*]\nset key off\n"
    << "set title 'total replay time (median round), ms'\n"
    << "plot " << quoted((dir / "totals.dat").string()) << " using 1:3:xtic(2) with boxes lc rgb '#4472c4'\n"
    << "set title 'allocator peak RSS (median of rounds), MiB'\n"
    << "plot " << quoted((dir / "totals.dat").string()) << " using 1:4:xtic(2) with boxes lc rgb '#ed7d31'\n"
    << "set key bottom right opaque\nset xlabel 'frame'\n";
  if (per_frame) {
    for (const auto& [column, heading] : {std::pair{2, "allocator RSS at each frame end, MiB"},
                                          std::pair{3, "fragmentation: allocator RSS / live bytes at each frame end"}}) {
      g << "set title '" << heading << "'\nplot ";
      for (std::size_t i = 0; i < series.size(); ++i) {
        g << (i ? ", " : "") << quoted((dir / ("frames" + std::to_string(i) + ".dat")).string())
          << " using 1:" << column << " with lines lw 2 title " << quoted(series[i].allocator);
      }
      g << "\n";
    }
  }
  g << "unset multiplot\n";
  if (!g) throw error("chart: cannot write the gnuplot script into " + dir.string());
}

int run_gnuplot(const std::filesystem::path& script) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw error(std::string("chart: fork: ") + std::strerror(errno));
  if (pid == 0) {
    const std::string s = script.string();
    const char* argv[] = {"gnuplot", s.c_str(), nullptr};
    ::execvp("gnuplot", const_cast<char* const*>(argv));
    std::_Exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

void draw_chart(const std::string& png, const std::string& title, const std::vector<ChartSeries>& series, bool per_frame) {
  std::string pattern = (std::filesystem::temp_directory_path() / "framemem-chart-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw error(std::string("chart: mkdtemp: ") + std::strerror(errno));
  const std::filesystem::path dir = pattern;
  int rc = 0;
  try {
    write_data(dir, series);
    write_script(dir, png, title, series, per_frame);
    rc = run_gnuplot(dir / "chart.gp");
  } catch (...) {
    std::filesystem::remove_all(dir);
    throw;
  }
  std::filesystem::remove_all(dir);
  if (rc == 127) throw error("chart: cannot run gnuplot (Debian package gnuplot-nox)");
  if (rc != 0) throw error("chart: gnuplot failed (exit status " + std::to_string(rc) + ") writing " + png);
}

}  // namespace fm::replay
