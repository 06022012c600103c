namespace Choria.Server.Metrics;

/// <summary>Where <see cref="PrometheusHttpEndpoint"/> listens.</summary>
public sealed record PrometheusEndpointOptions
{
    /// <summary>IP or host name; <c>0.0.0.0</c>, <c>::</c>, <c>*</c> or empty mean every interface.</summary>
    public string Address { get; init; } = "127.0.0.1";

    public required int Port { get; init; }
}
