// The standard process_* families of Prometheus client libraries, read from /proc:
// CPU seconds, resident and virtual memory, open and maximum file descriptors, start time.
#pragma once

#include <string>

namespace tc {

// Appends the families it can read; a /proc file that cannot be read leaves its family out.
void append_process_metrics(std::string& out);

}  // namespace tc
