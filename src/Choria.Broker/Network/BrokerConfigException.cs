namespace Choria.Broker.Network;

/// <summary>
/// The broker options cannot become a working nats-server configuration (invalid value, missing
/// file, or a setting nats-server 2.9 cannot express). The message is one line naming the cause.
/// </summary>
internal sealed class BrokerConfigException : Exception
{
    public BrokerConfigException()
    {
    }

    public BrokerConfigException(string message)
        : base(message)
    {
    }

    public BrokerConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>nats-server could not be found, started, or did not become ready. The message is one line.</summary>
internal sealed class BrokerStartException : Exception
{
    public BrokerStartException()
    {
    }

    public BrokerStartException(string message)
        : base(message)
    {
    }

    public BrokerStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
