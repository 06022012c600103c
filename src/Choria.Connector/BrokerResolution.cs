namespace Choria.Connector;

/// <summary>Outcome of a resolution: hosts and their source, or an error for the operator.</summary>
public sealed record BrokerResolution(IReadOnlyList<BrokerHost> Hosts, BrokerSource Source, string? Error)
{
    public bool Success => Error is null;
}
