// The terminate handler of the C++ runtime linked into this library (see CMakeLists.txt). libstdc++'s
// default, the verbose handler, demangles the type of the exception in flight, and with it comes the whole
// demangler: 40 KiB of code and tables that every process preloading the library would map and keep resident
// (the loader faults the library's text in by the 64-128 KiB window), for a message printed only when an
// exception ends the process from inside the library. Defining the handler here keeps that member of the
// static runtime out of the link; the program's own C++ runtime keeps its verbose handler.
//
// No standard header is included: <exception> declares the handler with default visibility, and this one
// must stay hidden so that it never takes the place of the program's.
#include <stdlib.h>
#include <unistd.h>

namespace __gnu_cxx {

[[noreturn, gnu::visibility("hidden")]] void __verbose_terminate_handler() {
  static constexpr char message[] = "framemem malloc library: terminate called (an exception left a noexcept "
                                    "function or a thread of the library)\n";
  [[maybe_unused]] const auto written = write(STDERR_FILENO, message, sizeof(message) - 1);
  abort();
}

}  // namespace __gnu_cxx
