using Choria.Connector;

namespace Choria.Broker.Federation;

/// <summary>
/// Builds the connector settings for one broker-component connection. The host supplies it so TLS,
/// credentials and reconnect policy come from the security provider and configuration, not from here.
/// </summary>
public delegate ConnectorOptions ConnectionOptionsFactory(IReadOnlyList<BrokerHost> servers, string connectionName);
