namespace Choria.Connector;

/// <summary>Where a resolved broker list came from.</summary>
public enum BrokerSource
{
    None,
    Configured,
    Srv,
    Default,
}
