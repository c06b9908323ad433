// Which malloc this process runs on, for the start-up log: the server links tcmalloc when
// the build found it (CMakeLists.txt, TC_TCMALLOC), and an operator may LD_PRELOAD another.
#pragma once

namespace tc {

// "tcmalloc", "jemalloc", "mimalloc" or "glibc", by the symbols each one exports.
const char* allocator_name();

}  // namespace tc
