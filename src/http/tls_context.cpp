#include "http/tls_context.hpp"

#include <utility>

#include <boost/asio/ssl/context.hpp>

#include <openssl/ssl.h>

namespace tc {

Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_server_context(
    const std::string& cert_file, const std::string& key_file) {
  namespace ssl = boost::asio::ssl;
  boost::system::error_code ec;
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                       ec);
  if (!ec && SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1)
    ec = boost::asio::error::operation_not_supported;
  if (ec) return make_error(Errc::unavailable, "cannot set up TLS: " + ec.message());
  context->use_certificate_chain_file(cert_file, ec);
  if (ec)
    return make_error(Errc::unavailable, "cannot use --tls-cert " + cert_file +
                                             " (a PEM certificate chain): " + ec.message());
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec)
    return make_error(Errc::unavailable, "cannot use --tls-key " + key_file +
                                             " (a PEM private key): " + ec.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1)
    return make_error(Errc::unavailable,
                      "--tls-key " + key_file + " is not the key of --tls-cert " + cert_file);
  return context;
}

}  // namespace tc
