namespace Choria.Config;

/// <summary>Which program is loading the configuration; drives role-specific defaults and searches.</summary>
public enum ConfigRole
{
    Client,
    Server,
    Broker,
}
