namespace Choria.Broker.Hosting;

/// <summary>Command-line switches of <c>choria broker run</c> that are not settings.</summary>
/// <param name="Debug"><c>--debug</c>: nats-server logs at debug level too.</param>
/// <param name="DisableTls"><c>--disable-tls</c>, combined with the build/env TLS switch.</param>
/// <param name="DisableTlsVerify"><c>--disable-ssl-verification</c>.</param>
public sealed record BrokerFlags(bool Debug = false, bool DisableTls = false, bool DisableTlsVerify = false);
