namespace Choria.Connector;

/// <summary>Input of <see cref="BrokerResolver"/>; callers map their configuration onto it.</summary>
public sealed record BrokerResolutionOptions
{
    /// <summary><c>plugin.choria.middleware_hosts</c> or <c>federation_middleware_hosts</c>, raw comma list.</summary>
    public string? ConfiguredHosts { get; init; }

    /// <summary><c>plugin.choria.use_srv</c>.</summary>
    public bool UseSrv { get; init; } = true;

    /// <summary><c>plugin.choria.srv_domain</c> or the machine's domain; SRV is skipped when empty.</summary>
    public string? SrvDomain { get; init; }

    public BrokerRole Role { get; init; } = BrokerRole.Middleware;

    /// <summary>Scheme given to every entry (Choria always passes <c>nats</c>).</summary>
    public string DefaultScheme { get; init; } = "nats";
}
