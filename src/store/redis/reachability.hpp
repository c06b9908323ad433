// Whether each Redis endpoint is reachable, as the operator should hear of it: one log
// line when an endpoint goes away and one when it is back, however many connections
// (per thread, per node, the subscriber) see it. Each connection reports its own
// transitions; the endpoint's state is the process-wide one. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace tc::redis {

// A connection to `endpoint` finished its handshake. `reconnected`: it had been
// connected before (counted in taskcenter_redis_reconnects_total).
void connection_up(const std::string& endpoint, bool reconnected);
// A connection to `endpoint` was lost (`established`: it had completed its handshake) or
// could not be made (`why`: what failed). Only a lost established connection turns an
// endpoint that is up to down: a late failure of an attempt that began during an
// outage must not announce a second outage once another connection is back.
void connection_down(const std::string& endpoint, std::string_view why, bool established);

}  // namespace tc::redis
