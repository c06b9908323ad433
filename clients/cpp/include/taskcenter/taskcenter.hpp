// Everything of the taskcenter C++ client: Client, Consumer, errors, types.
#pragma once

#include "taskcenter/client.hpp"
#include "taskcenter/consumer.hpp"
#include "taskcenter/errors.hpp"
#include "taskcenter/types.hpp"
