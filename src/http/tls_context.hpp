// The listener's TLS settings (--tls-cert / --tls-key): Debian's OpenSSL through Asio's
// SSL context, kept out of server.cpp so that file holds the transport, not the crypto.
#pragma once

#include <memory>
#include <string>

#include "core/errors.hpp"

namespace boost::asio::ssl {
class context;
}

namespace tc {

// A server context that speaks TLS 1.2 and 1.3 only (whatever the system's OpenSSL
// configuration would allow) with the PEM certificate chain and private key given.
// Error (unavailable) naming the flag and file when one cannot be used or the key is
// not the certificate's.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_server_context(
    const std::string& cert_file, const std::string& key_file);

}  // namespace tc
