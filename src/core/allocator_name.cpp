#include "core/allocator_name.hpp"

#include <dlfcn.h>

namespace tc {

const char* allocator_name() {
  // Asked of the running process, not of the build: what the dynamic linker bound malloc to
  // is what counts, and an LD_PRELOAD changes it without a rebuild.
  if (dlsym(RTLD_DEFAULT, "tc_malloc") != nullptr) return "tcmalloc";
  if (dlsym(RTLD_DEFAULT, "mallctl") != nullptr) return "jemalloc";
  if (dlsym(RTLD_DEFAULT, "mi_malloc") != nullptr) return "mimalloc";
  return "glibc";
}

}  // namespace tc
