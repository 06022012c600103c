using System.Globalization;

namespace Choria.Connector;

/// <summary>One NATS broker endpoint. <see cref="Host"/> never carries IPv6 brackets.</summary>
public sealed record BrokerHost(string Host, int Port, string Scheme = "nats")
{
    /// <summary>The URL form NATS clients and seen-by hops use, e.g. <c>nats://host:4222</c>.</summary>
    public string Url => string.Create(CultureInfo.InvariantCulture, $"{Scheme}://{HostPort}");

    /// <summary><c>host:port</c>, bracketing IPv6 literals.</summary>
    public string HostPort => Host.Contains(':', StringComparison.Ordinal)
        ? string.Create(CultureInfo.InvariantCulture, $"[{Host}]:{Port}")
        : string.Create(CultureInfo.InvariantCulture, $"{Host}:{Port}");

    public override string ToString() => Url;
}
