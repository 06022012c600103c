#!/usr/bin/env ruby
# Example helper for `choria provisioner run` (docs/provisioning.md). Adapt it to your CA and your configuration.
#
# stdin:  {"identity": "...", "csr": {"csr": "PEM", "ssldir": "..."}, "inventory": {...}, "jwt": "...", "jwt_claims": {...}}
# stdout: {"defer": false, "msg": "", "certificate": "PEM", "ca": "PEM", "ssldir": "...", "configuration": {"key": "value"}}
#         or {"defer": true, "msg": "why"} to leave the node waiting in provisioning mode.
#
# It signs the node's CSR with a local CA using the openssl command and points the node at the main collective's
# brokers. Serial numbers are random (128 bits) rather than kept in a serial file: the provisioner runs several
# helpers at once, and a shared file is read and rewritten by each of them (bench/provision.sh saw "Unable to load
# number" and would hand out duplicate serials). Settings, all from the environment:
#   CHORIA_CA_CERT, CHORIA_CA_KEY   the CA certificate and key (default: ca/ca.pem and ca/ca_key.pem beside this file)
#   CHORIA_MAIN_BROKERS             comma list of host:port of the main collective's brokers (required)
#   CHORIA_PROVISION_DENY           optional regular expression: matching identities are refused
#   CHORIA_CERT_DAYS                certificate lifetime in days (default 365)
require "json"
require "open3"
require "securerandom"
require "tempfile"

def reply(doc)
  puts JSON.generate(doc)
  exit 0
end

def refuse(msg)
  reply("defer" => true, "msg" => msg)
end

request = JSON.parse($stdin.read)
identity = request["identity"].to_s
csr = request.dig("csr", "csr").to_s
ssldir = request.dig("csr", "ssldir").to_s
here = File.dirname(File.expand_path(__FILE__))
ca_cert = ENV.fetch("CHORIA_CA_CERT", File.join(here, "ca", "ca.pem"))
ca_key = ENV.fetch("CHORIA_CA_KEY", File.join(here, "ca", "ca_key.pem"))
brokers = ENV.fetch("CHORIA_MAIN_BROKERS", "")

refuse("no identity in the request") if identity.empty?
refuse("#{identity} did not send a CSR") if csr.empty? || ssldir.empty?
refuse("CHORIA_MAIN_BROKERS is not set") if brokers.empty?
deny = ENV.fetch("CHORIA_PROVISION_DENY", "")
refuse("#{identity} is not allowed by CHORIA_PROVISION_DENY") if !deny.empty? && identity.match?(Regexp.new(deny))

certificate = Tempfile.create(["csr", ".pem"]) do |csr_file|
  Tempfile.create(["ext", ".cnf"]) do |ext|
    csr_file.write(csr)
    csr_file.flush
    ext.write("subjectAltName = DNS:#{identity}\nextendedKeyUsage = serverAuth, clientAuth\n")
    ext.flush
    out, err, status = Open3.capture3("openssl", "x509", "-req", "-in", csr_file.path, "-CA", ca_cert, "-CAkey", ca_key,
                                      "-set_serial", "0x#{SecureRandom.hex(16)}",
                                      "-days", ENV.fetch("CHORIA_CERT_DAYS", "365"), "-sha256", "-extfile", ext.path)
    unless status.success?
      warn "openssl could not sign the CSR of #{identity}: #{err}"
      exit 1
    end
    out
  end
end

reply(
  "defer" => false,
  "msg" => "",
  "certificate" => certificate,
  "ca" => File.read(ca_cert),
  "ssldir" => ssldir,
  "configuration" => {
    "identity" => identity,
    "plugin.choria.server.provision" => "false",
    "plugin.choria.middleware_hosts" => brokers,
    "plugin.choria.use_srv" => "false",
    "plugin.security.provider" => "file",
    "plugin.security.file.certificate" => File.join(ssldir, "certificate.pem"),
    "plugin.security.file.key" => File.join(ssldir, "private.pem"),
    "plugin.security.file.ca" => File.join(ssldir, "ca.pem"),
    "plugin.security.file.cache" => File.join(ssldir, "cache"),
    "loglevel" => "info"
  }
)
