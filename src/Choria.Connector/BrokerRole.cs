namespace Choria.Connector;

/// <summary>Which broker set is wanted: the collective's own middleware or the federation's.</summary>
public enum BrokerRole
{
    Middleware,
    Federation,
}
